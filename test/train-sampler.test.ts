import assert from 'node:assert/strict';
import { test } from 'node:test';
import { batchesPerEpoch, epochBatches, pickViews } from '../src/train/sampler.js';
import { createRandom } from '../src/util/rng.js';

/** 10 labels; label i has i % 4 + 1 photos (1 to 4). */
function photoLabels(): Int32Array {
  const labels: number[] = [];
  for (let label = 0; label < 10; label++) for (let j = 0; j <= label % 4; j++) labels.push(label);
  return Int32Array.from(labels);
}

test('random batches: shuffled, disjoint, incomplete last batch dropped, seeded', () => {
  const labels = new Int32Array(23);
  const batches = epochBatches(labels, { kind: 'random', batchSize: 5 }, createRandom(1));
  assert.equal(batches.length, 4);
  assert.equal(batchesPerEpoch(23, 1, { kind: 'random', batchSize: 5 }), 4);
  const seen = new Set<number>();
  for (const batch of batches) {
    assert.equal(batch.length, 5);
    for (const photo of batch) {
      assert.ok(!seen.has(photo));
      seen.add(photo);
    }
  }
  assert.notDeepEqual(Array.from(batches[0]), [0, 1, 2, 3, 4]);
  assert.deepEqual(
    epochBatches(labels, { kind: 'random', batchSize: 5 }, createRandom(1)),
    batches,
  );
  assert.notDeepEqual(
    epochBatches(labels, { kind: 'random', batchSize: 5 }, createRandom(2)),
    batches,
  );
  // Fewer photos than a batch: one incomplete batch rather than none.
  const small = epochBatches(new Int32Array(3), { kind: 'random', batchSize: 5 }, createRandom(1));
  assert.deepEqual(
    small.map((b) => b.length),
    [3],
  );
});

test('P×K batches: P distinct labels × K photos of that label, with replacement only when short', () => {
  const labels = photoLabels();
  const options = { kind: 'pk' as const, batchSize: 9, photosPerLabel: 3 };
  const batches = epochBatches(labels, options, createRandom(3));
  assert.equal(batches.length, Math.floor(labels.length / 9));
  assert.equal(batches.length, batchesPerEpoch(labels.length, 10, options));
  for (const batch of batches) {
    assert.equal(batch.length, 9);
    const groupLabels = new Set<number>();
    for (let g = 0; g < 3; g++) {
      const photos = Array.from(batch.subarray(g * 3, g * 3 + 3));
      const label = labels[photos[0]];
      assert.ok(
        photos.every((p) => labels[p] === label),
        'one label per group',
      );
      groupLabels.add(label);
      const available = labels.filter((l) => l === label).length;
      const distinct = new Set(photos).size;
      // Without replacement when the label has ≥ K photos; otherwise all of its photos appear.
      assert.equal(distinct, Math.min(3, available));
    }
    assert.equal(groupLabels.size, 3, 'P distinct labels');
  }
});

test('P×K sampling visits every label once before repeating one', () => {
  const labels = Int32Array.from({ length: 60 }, (_, i) => i % 12);
  const batches = epochBatches(
    labels,
    { kind: 'pk', batchSize: 8, photosPerLabel: 2 },
    createRandom(5),
  );
  // 12 labels, 4 per batch: batches 0–2 cover each label exactly once.
  const firstRound = new Set<number>();
  for (const batch of batches.slice(0, 3)) for (const p of batch) firstRound.add(labels[p]);
  assert.equal(firstRound.size, 12);
});

test("pickViews chooses one of each photo's rows, seeded", () => {
  const views = [Int32Array.from([0, 1, 2]), Int32Array.from([3]), Int32Array.from([4, 5])];
  const batch = Int32Array.from([0, 1, 2, 0, 2]);
  const rows = pickViews(batch, views, createRandom(4));
  rows.forEach((row, i) => assert.ok(views[batch[i]].includes(row)));
  assert.deepEqual(pickViews(batch, views, createRandom(4)), rows);
  const counts = new Map<number, number>();
  const random = createRandom(9);
  for (let i = 0; i < 300; i++) {
    const [row] = pickViews(Int32Array.from([0]), views, random);
    counts.set(row, (counts.get(row) ?? 0) + 1);
  }
  assert.deepEqual([...counts.keys()].sort(), [0, 1, 2]);
});

test('samplers reject impossible settings with clear messages', () => {
  const labels = photoLabels();
  assert.throws(
    () => epochBatches(labels, { kind: 'random', batchSize: 1 }, createRandom(1)),
    /batch size: expected an integer ≥ 2, got 1/,
  );
  assert.throws(
    () => epochBatches(labels, { kind: 'pk', batchSize: 4, photosPerLabel: 5 }, createRandom(1)),
    /batch size: expected at least K = 5 for P×K sampling, got 4/,
  );
  assert.throws(
    () => epochBatches(labels, { kind: 'groups' as never, batchSize: 4 }, createRandom(1)),
    /sampler: expected "random" or "pk", got "groups"/,
  );
});
