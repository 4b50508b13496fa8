// Validation splits: sizes, determinism, folds that partition the data, and group splits that
// never cut an ad in two.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { splitDataset } from '../src/metrics/split.js';
import { createRandom, randomInt } from '../src/util/rng.js';

/** 103 photos in ads of 1–6 photos, labels not in order. */
function labels(): Int32Array {
  const random = createRandom(3);
  return Int32Array.from({ length: 103 }, () => 100 + randomInt(random, 30));
}

function sorted(values: Iterable<number>): number[] {
  return Array.from(values).sort((a, b) => a - b);
}

const all = Array.from({ length: 103 }, (_, i) => i);

test('random split holds out round(0.2 · n) photos and searches every photo', () => {
  const split = splitDataset(labels(), { protocol: 'random', seed: 5 });
  assert.equal(split.queries.length, 21);
  assert.equal(split.train.length, 82);
  assert.deepEqual(sorted([...split.train, ...split.queries]), all);
  assert.deepEqual(Array.from(split.gallery), all);
  assert.deepEqual(Array.from(split.queries), sorted(split.queries), 'queries in increasing order');
  const again = splitDataset(labels(), { protocol: 'random', seed: 5 });
  assert.deepEqual(Array.from(again.queries), Array.from(split.queries));
  const other = splitDataset(labels(), { protocol: 'random', seed: 6 });
  assert.notDeepEqual(Array.from(other.queries), Array.from(split.queries));
  const half = splitDataset(labels(), { protocol: 'random', validationSize: 0.5 });
  assert.equal(half.queries.length, 52);
});

test('random folds partition the photos', () => {
  const seen: number[] = [];
  for (let fold = 0; fold < 4; fold++) {
    const split = splitDataset(labels(), { protocol: 'random', seed: 9, folds: 4, fold });
    assert.ok([25, 26].includes(split.queries.length), `fold ${fold} size`);
    assert.deepEqual(sorted([...split.train, ...split.queries]), all);
    seen.push(...split.queries);
  }
  assert.deepEqual(sorted(seen), all, 'every photo is held out exactly once');
});

test('group split holds out whole ads, and queries search only held-out photos', () => {
  const data = labels();
  const split = splitDataset(data, { protocol: 'group', seed: 1, validationSize: 0.3 });
  const trainAds = new Set(Array.from(split.train, (i) => data[i]));
  const heldAds = new Set(Array.from(split.queries, (i) => data[i]));
  const adCount = new Set(data).size;
  assert.equal(heldAds.size, Math.round(0.3 * adCount));
  for (const ad of heldAds) assert.ok(!trainAds.has(ad), `ad ${ad} is in both parts`);
  assert.deepEqual(Array.from(split.gallery), Array.from(split.queries));
  assert.deepEqual(sorted([...split.train, ...split.queries]), all);
});

test('group folds partition the ads and never split one', () => {
  const data = labels();
  const foldOfAd = new Map<number, number>();
  const seen: number[] = [];
  for (let fold = 0; fold < 5; fold++) {
    const split = splitDataset(data, { protocol: 'group', seed: 2, folds: 5, fold });
    for (const i of split.queries) {
      const previous = foldOfAd.get(data[i]);
      assert.ok(previous === undefined || previous === fold, `ad ${data[i]} is in two folds`);
      foldOfAd.set(data[i], fold);
    }
    for (const i of split.train) assert.notEqual(foldOfAd.get(data[i]), fold);
    seen.push(...split.queries);
  }
  assert.deepEqual(sorted(seen), all, 'every photo is held out exactly once');
  assert.equal(foldOfAd.size, new Set(data).size);
});

test('splitDataset explains bad options', () => {
  const data = labels();
  assert.throws(
    () => splitDataset(data, { protocol: 'random', validationSize: 1 }),
    /validationSize: expected a fraction between 0 and 1 \(exclusive\), got 1 \(number\)/,
  );
  assert.throws(
    () => splitDataset(data, { protocol: 'random', folds: 3, fold: 3 }),
    /fold: expected an integer from 0 to folds − 1 = 2, got 3/,
  );
  assert.throws(
    () => splitDataset(data, { protocol: 'ads' as 'group' }),
    /protocol: expected "random" or "group", got "ads" \(string\)/,
  );
  assert.throws(
    () => splitDataset(data, { protocol: 'random', seed: 0.5 }),
    /seed: expected an integer, got 0\.5/,
  );
  assert.throws(
    () => splitDataset(data, { protocol: 'random', folds: 0 }),
    /folds: expected an integer ≥ 1, got 0/,
  );
  assert.throws(
    () => splitDataset(data, { protocol: 'group', folds: 40 }),
    /40 folds need at least 40 ads, got 27/,
  );
  assert.throws(
    () => splitDataset(Int32Array.from([4, 4, 4]), { protocol: 'group' }),
    /group split: needs at least 2 ads \(labels\), got 1/,
  );
  assert.throws(
    () => splitDataset(Int32Array.from([4]), { protocol: 'random' }),
    /random split: needs at least 2 photos, got 1/,
  );
});
