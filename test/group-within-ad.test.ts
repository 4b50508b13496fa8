// Tests of the within-ad check (src/group/within-ad.ts): scores, flags and groups by hand,
// scores against a plain version, foreign photos found after injecting them, input checks.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { flagScores, injectForeignPhotos } from '../src/group/metrics.js';
import { syntheticBikes } from '../src/group/synthetic.js';
import { calibrateFlagThreshold, checkWithinAds, MAX_AD_PHOTOS } from '../src/group/within-ad.js';
import type { Matrix } from '../src/util/npy.js';

const close = (actual: number, expected: number, message?: string) =>
  assert.ok(Math.abs(actual - expected) < 1e-6, `${message ?? ''} ${actual} vs ${expected}`);

function matrix(rows: number[][]): Matrix {
  return { rows: rows.length, cols: rows[0].length, data: Float32Array.from(rows.flat()) };
}

// Ad A: three views of one bike (similarities 0.8, 0.6, 0.96) and a stock picture orthogonal to
// them. Ad B: one photo. Ad C: two photos that disagree.
const embeddings = matrix([
  [1, 0, 0],
  [0.8, 0.6, 0],
  [0.6, 0.8, 0],
  [0, 0, 1],
  [0, 1, 0],
  [1, 0, 0],
  [0, 0, 1],
]);
const ads = ['A', 'A', 'A', 'A', 'B', 'C', 'C'];

test('scores, flags and groups by hand', () => {
  // Medians in A: photo 0 of {0.8, 0.6, 0} → 0.6; photo 1 of {0.8, 0.96, 0} → 0.8;
  // photo 2 of {0.6, 0.96, 0} → 0.6; the stock picture → 0.
  const check = checkWithinAds(embeddings, ads, { threshold: 0.5 });
  [0.6, 0.8, 0.6, 0, 1, 0, 0].forEach((s, i) => close(check.score[i], s, `score ${i}`));
  assert.deepEqual(Array.from(check.flag), [0, 0, 0, 1, 0, 1, 1]);
  // In A, 1+2 merge (0.96), then {1,2}+0 at (0.8 + 0.6) / 2 = 0.7; the stock picture stays out.
  assert.deepEqual(Array.from(check.group), [0, 0, 0, 1, 2, 3, 4]);
  assert.deepEqual(Array.from(check.adGroup), [0, 0, 0, 1, 0, 0, 1]);
  assert.equal(check.groupCount, 5);

  // The mean lets the stock picture drag photo 0 down: (0.8 + 0.6 + 0) / 3 < 0.5.
  const mean = checkWithinAds(embeddings, ads, { threshold: 0.5, score: 'mean' });
  [1.4 / 3, 1.76 / 3, 1.56 / 3, 0].forEach((s, i) => close(mean.score[i], s, `mean ${i}`));
  assert.deepEqual(Array.from(mean.flag), [1, 0, 0, 1, 0, 1, 1]);
});

test('scores match a plain median and mean on synthetic ads', () => {
  const { embeddings: e, bikes } = syntheticBikes({ photos: 200, dim: 24, seed: 4 });
  const adIds = Array.from(bikes, (b) => `ad${b % 23}`);
  const median = checkWithinAds(e, adIds, { threshold: 0.5 });
  const mean = checkWithinAds(e, adIds, { threshold: 0.5, score: 'mean' });
  for (let i = 0; i < e.rows; i++) {
    const others: number[] = [];
    for (let j = 0; j < e.rows; j++) {
      if (j === i || adIds[j] !== adIds[i]) continue;
      let s = 0;
      for (let p = 0; p < e.cols; p++) s += e.data[i * e.cols + p] * e.data[j * e.cols + p];
      others.push(s);
    }
    others.sort((a, b) => a - b);
    if (others.length === 0) {
      assert.deepEqual([median.score[i], mean.score[i], median.flag[i]], [1, 1, 0], 'lone photo');
      continue;
    }
    const m = others.length >> 1;
    const expectedMedian = others.length % 2 ? others[m] : (others[m - 1] + others[m]) / 2;
    const expectedMean = others.reduce((a, b) => a + b, 0) / others.length;
    close(median.score[i], expectedMedian, `median ${i}`);
    close(mean.score[i], expectedMean, `mean ${i}`);
    assert.equal(median.flag[i], expectedMedian < 0.5 ? 1 : 0);
  }
});

test('foreign photos injected into synthetic ads are flagged', () => {
  const { embeddings: e, bikes } = syntheticBikes({
    photos: 600,
    dim: 64,
    seed: 12,
    maxPhotosPerBike: 12,
    photoNoise: [0.05, 0.4],
  });
  const clean = Array.from(bikes, (b) => `ad${b}`);
  const { labels, foreign } = injectForeignPhotos(clean, 0.05, 3);
  const check = checkWithinAds(e, labels, { threshold: 0.5 });
  const scores = flagScores(check.flag, foreign);
  assert.equal(scores.foreign, 30);
  assert.ok(scores.recall >= 0.95, `recall ${scores.recall}`);
  assert.ok(scores.precision >= 0.8, `precision ${scores.precision}`);
  // A foreign photo is never in its host ad's main group.
  for (let i = 0; i < e.rows; i++) if (foreign[i] && check.flag[i]) assert.ok(check.adGroup[i] > 0);
});

test('a flag threshold apart from the grouping threshold flags by the score alone', () => {
  // Grouping at 0.9 would split ad A; flagging at 0.3 keeps its three bike photos.
  const check = checkWithinAds(embeddings, ads, { threshold: 0.9, flagThreshold: 0.3 });
  assert.deepEqual(Array.from(check.flag), [0, 0, 0, 1, 0, 1, 1]);
  assert.deepEqual(Array.from(check.adGroup.subarray(0, 3)), [1, 0, 0]);
});

test('calibrateFlagThreshold keeps false flags to the rate and finds the moved photos', () => {
  const { embeddings: e, bikes } = syntheticBikes({
    photos: 800,
    dim: 64,
    seed: 5,
    maxPhotosPerBike: 12,
    photoNoise: [0.05, 0.6],
  });
  const adIds = Array.from(bikes, (b) => `ad${b}`);
  const calibration = calibrateFlagThreshold(e, adIds, { falseFlagRate: 0.05, seed: 2 });
  assert.equal(calibration.falseFlagRate, 0.05);
  assert.equal(calibration.foreignPhotos, 80);
  assert.ok(calibration.genuinePhotos > 600, `genuine ${calibration.genuinePhotos}`);
  // The same moves again: genuine photos below the threshold are at most 5 %.
  const { labels, foreign } = injectForeignPhotos(adIds, 0.1, 2);
  const check = checkWithinAds(e, labels, { threshold: 0.5, flagThreshold: calibration.threshold });
  let genuineFlagged = 0;
  for (let i = 0; i < e.rows; i++) if (!foreign[i] && check.flag[i]) genuineFlagged++;
  assert.ok(genuineFlagged <= 0.05 * calibration.genuinePhotos, `false flags ${genuineFlagged}`);
  const scores = flagScores(check.flag, foreign);
  close(scores.precision, calibration.precision);
  close(scores.recall, calibration.recall);
  assert.ok(scores.recall >= 0.9, `recall ${scores.recall}`);
  assert.throws(
    () => calibrateFlagThreshold(e, adIds, { falseFlagRate: 1 }),
    /falseFlagRate: expected a fraction in \[0, 1\)/,
  );
  assert.throws(
    () =>
      calibrateFlagThreshold(
        matrix([
          [1, 0],
          [0, 1],
        ]),
        ['a', 'b'],
        { foreignRate: 0 },
      ),
    /no ad has two or more photos/,
  );
});

test('checkWithinAds rejects bad input with errors that say what to do', () => {
  assert.throws(
    () => checkWithinAds(matrix([[1, 1]]), ['a'], { threshold: 0.5 }),
    /embeddings: row 0 has L2 norm 1\.414, expected 1/,
  );
  assert.throws(
    () => checkWithinAds(embeddings, ads.slice(1), { threshold: 0.5 }),
    /ads: has 6 entries, but there are 7 embedding rows/,
  );
  assert.throws(
    () => checkWithinAds(embeddings, ads, { threshold: 0.5, score: 'max' as 'mean' }),
    /score: expected 'median' or 'mean', got "max"/,
  );
  assert.throws(
    () => checkWithinAds(embeddings, ads, { threshold: Number.NaN }),
    /threshold: expected a finite cosine similarity/,
  );
  const many = MAX_AD_PHOTOS + 1;
  const big = { rows: many, cols: 1, data: new Float32Array(many).fill(1) };
  assert.throws(
    () => checkWithinAds(big, new Array<string>(many).fill('huge'), { threshold: 0.5 }),
    /ad "huge" has 2001 photos; .* at most 2000 per ad/,
  );
});
