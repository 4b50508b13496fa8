// Tests of threshold calibration (src/group/calibrate.ts): the precision–recall curve and the
// isotonic smoothing by hand, the curve against an all-pairs count, and the input checks.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  calibrateAdThreshold,
  calibrateThreshold,
  isotonicRates,
  wilsonInterval,
} from '../src/group/calibrate.js';
import { buildSimilarityGraph } from '../src/group/graph.js';
import { syntheticBikes } from '../src/group/synthetic.js';
import { setQuiet } from '../src/util/log.js';
import { exactKnn } from './group-fixtures.js';

setQuiet(true);

const close = (actual: number, expected: number, message?: string) =>
  assert.ok(Math.abs(actual - expected) < 1e-9, `${message ?? ''} ${actual} vs ${expected}`);

// Six photos of ads a (0,1,2), b (3,4) and c (5): 4 positive pairs in all. The lists hold, from
// the top: 0–1 0.875 (+), 3–4 0.75 (+), 1–3 0.625 (−), 0–2 0.5 (+), 2–5 0.375 (−), 4–5 0.25 (−).
const handKnn = {
  k: 2,
  indices: Int32Array.from([1, 2, 0, 3, 0, 5, 4, 1, 3, 5, 2, 4]),
  similarities: Float32Array.from([
    0.875, 0.5, 0.875, 0.625, 0.5, 0.375, 0.75, 0.625, 0.75, 0.25, 0.375, 0.25,
  ]),
};
const handLabels = ['a', 'a', 'a', 'b', 'b', 'c'];

test('the curve and the chosen threshold by hand', () => {
  // Raw precision down the list: 1, 1, 2/3, 3/4, 3/5, 1/2; recall: 1/4, 1/2, 1/2, 3/4, 3/4, 3/4.
  // Isotonic rates 1, 1, ½, ½, 0, 0 give smoothed precision 1, 1, 5/6, 3/4, 3/5, 1/2.
  const result = calibrateThreshold(handKnn, handLabels, { targetPrecision: 0.95 });
  assert.equal(result.pairs, 6);
  assert.equal(result.positivePairs, 4);
  assert.deepEqual(
    result.curve.map((p) => p.threshold),
    [0.875, 0.75, 0.625, 0.5, 0.375, 0.25],
  );
  const expected = [
    [1, 1 / 4, 1],
    [1, 1 / 2, 1],
    [2 / 3, 1 / 2, 5 / 6],
    [3 / 4, 3 / 4, 3 / 4],
    [3 / 5, 3 / 4, 3 / 5],
    [1 / 2, 3 / 4, 1 / 2],
  ];
  result.curve.forEach((point, j) => {
    close(point.precision, expected[j][0], `precision ${j}`);
    close(point.recall, expected[j][1], `recall ${j}`);
    close(point.smoothedPrecision, expected[j][2], `smoothed ${j}`);
  });
  assert.deepEqual(
    [result.threshold, result.precision, result.recall, result.reached],
    [0.75, 1, 0.5, true],
  );

  // Two pairs predicted, both right: Wilson's 90 % interval is 2/(2 + 1.645²) = 0.425 to 1.
  assert.equal(result.predictedPairs, 2);
  close(result.precisionInterval[0], 2 / (2 + 1.645 ** 2), 'interval low');
  assert.equal(result.precisionInterval[1], 1);

  // Target 0.8: the smoothed 5/6 at 0.625 is enough, although raw precision there is 2/3.
  const lower = calibrateThreshold(handKnn, handLabels, { targetPrecision: 0.8 });
  assert.equal(lower.predictedPairs, 3);
  assert.deepEqual(lower.precisionInterval, wilsonInterval(2, 3));
  assert.equal(lower.threshold, 0.625);
  close(lower.precision, 2 / 3);
  close(lower.smoothedPrecision, 5 / 6);
  assert.equal(calibrateThreshold(handKnn, handLabels, { targetPrecision: 0.75 }).threshold, 0.5);
});

test('an unreachable target returns the end of the best plateau and says so', () => {
  // 0–1 0.875 (−), 2–3 0.75 (+), 0–2 0.625 (+), 1–3 0.5 (−): rates pool to 2/3, 2/3, 2/3, 0.
  const knn = {
    k: 2,
    indices: Int32Array.from([1, 2, 0, 3, 3, 0, 2, 1]),
    similarities: Float32Array.from([0.875, 0.625, 0.875, 0.5, 0.75, 0.625, 0.75, 0.5]),
  };
  const result = calibrateThreshold(knn, ['a', 'b', 'a', 'a'], { targetPrecision: 0.95 });
  assert.equal(result.reached, false);
  assert.equal(result.threshold, 0.625);
  close(result.precision, 2 / 3);
  close(result.recall, 2 / 3);
  close(result.smoothedPrecision, 2 / 3);
});

test('wilsonInterval by hand: 15 of 16, all right, none, and a large sample', () => {
  // p = 15/16, n = 16, z² = 2.706: centre (p + z²/2n)/(1 + z²/n) = 0.8743, half-width 0.1117.
  const [low, high] = wilsonInterval(15, 16);
  assert.ok(Math.abs(low - 0.7625) < 1e-4 && Math.abs(high - 0.9859) < 1e-4, `${low}–${high}`);
  // All right: the upper end is 1 and the lower end n/(n + z²).
  const all = wilsonInterval(5, 5);
  close(all[0], 5 / (5 + 1.645 ** 2));
  assert.equal(all[1], 1);
  // No trials: nothing is known.
  assert.deepEqual(wilsonInterval(0, 0), [0, 1]);
  // 950 of 1000: centre 0.94879, half-width 0.01139 (near p ± z·√(p(1−p)/n) = 0.95 ± 0.01134).
  const [lo, hi] = wilsonInterval(950, 1000);
  assert.ok(Math.abs(lo - 0.9374) < 1e-4 && Math.abs(hi - 0.9602) < 1e-4, `${lo}–${hi}`);
});

test('isotonicRates pools violators into non-increasing rates', () => {
  // Rates 1/2, 2/2, 0/1: the second beats the first, so both pool to 3/4.
  assert.deepEqual(Array.from(isotonicRates([1, 2, 0], [1, 0, 1])), [0.75, 0.75, 0]);
  assert.deepEqual(Array.from(isotonicRates([3, 1, 0], [0, 1, 2])), [1, 0.5, 0]);
  assert.deepEqual(Array.from(isotonicRates([0, 0, 1], [1, 1, 0])), [1 / 3, 1 / 3, 1 / 3]);
});

test('the curve matches an all-pairs count on synthetic photos and is thinned to the limit', () => {
  const { embeddings, bikes } = syntheticBikes({ photos: 250, dim: 32, seed: 5 });
  const knn = exactKnn(embeddings, 10);
  const graph = buildSimilarityGraph(knn);
  const result = calibrateThreshold(knn, bikes, { targetPrecision: 0.9, maxCurvePoints: 50 });
  assert.equal(result.curve.length, 50);
  assert.equal(result.curve[0].threshold, Math.max(...graph.similarities));
  assert.equal(result.curve[49].threshold, Math.min(...graph.similarities));
  let positivePairs = 0;
  for (let i = 0; i < bikes.length; i++) {
    for (let j = i + 1; j < bikes.length; j++) if (bikes[i] === bikes[j]) positivePairs++;
  }
  assert.equal(result.positivePairs, positivePairs);
  let previous = Infinity;
  for (const point of [...result.curve, result]) {
    let tp = 0;
    let all = 0;
    for (let e = 0; e < graph.sources.length; e++) {
      if (graph.similarities[e] < point.threshold) continue;
      all++;
      if (bikes[graph.sources[e]] === bikes[graph.targets[e]]) tp++;
    }
    close(point.precision, tp / all);
    close(point.recall, tp / positivePairs);
    if (point !== result) {
      assert.ok(point.smoothedPrecision <= previous + 1e-12, 'smoothed precision rises');
      previous = point.smoothedPrecision;
    }
  }
  assert.equal(result.reached, true);
  assert.ok(result.smoothedPrecision >= 0.9);
});

test('calibrateThreshold rejects bad input with errors that say what to do', () => {
  assert.throws(
    () => calibrateThreshold(handKnn, handLabels, { targetPrecision: 1.5 }),
    /targetPrecision: expected a fraction in \(0, 1\], usually 0\.8–0\.99, got 1\.5/,
  );
  assert.throws(
    () => calibrateThreshold(handKnn, handLabels, { maxCurvePoints: 1 }),
    /maxCurvePoints: expected an integer ≥ 2/,
  );
  assert.throws(
    () => calibrateThreshold(handKnn, ['a', 'b']),
    /labels: has 2 entries, but there are 6 photos in the k-NN lists/,
  );
  assert.throws(
    () => calibrateThreshold(handKnn, ['a', 'b', 'c', 'd', 'e', 'f']),
    /no two photos share a label, so there are no positive pairs/,
  );
  const selfOnly = { k: 1, indices: Int32Array.from([0, 1]), similarities: new Float32Array(2) };
  assert.throws(() => calibrateThreshold(selfOnly, ['a', 'a']), /the lists hold no pairs/);
});

test('the ad threshold by hand, on ads split into two made-up reposts', () => {
  // Ad A (photos 0–3) splits into {0, 2} and {1, 3}, ad B into {4} and {5}. Ad similarities:
  // A halves (0.875 + 0.75) / 2 = 0.8125 (+), B halves 0.625 (+), {0,2}–{4} 0.5 (−),
  // {1,3}–{5} 0.25 (−).
  const knn = {
    k: 2,
    indices: Int32Array.from([1, 4, 0, 5, 3, -1, 2, -1, 5, 0, 4, 1]),
    similarities: Float32Array.from([
      0.875, 0.5, 0.875, 0.25, 0.75, 0, 0.75, 0, 0.625, 0.5, 0.625, 0.25,
    ]),
  };
  const labels = ['A', 'A', 'A', 'A', 'B', 'B'];
  const result = calibrateAdThreshold(knn, labels, { targetPrecision: 0.95 });
  assert.deepEqual(
    result.curve.map((p) => [p.threshold, p.precision, p.recall]),
    [
      [0.8125, 1, 0.5],
      [0.625, 1, 1],
      [0.5, 2 / 3, 1],
      [0.25, 0.5, 1],
    ],
  );
  assert.deepEqual([result.threshold, result.pairs, result.positivePairs], [0.625, 4, 2]);
  // With one match per ad pair, A's halves score 0.875.
  assert.equal(calibrateAdThreshold(knn, labels, { matches: 1 }).curve[0].threshold, 0.875);
  assert.throws(
    () => calibrateAdThreshold(knn, ['a', 'b', 'c', 'd', 'e', 'f']),
    /no ad has two photos, so no ad can be split into a made-up repost/,
  );
});
