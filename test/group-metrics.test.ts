// Tests of the grouping metrics (src/group/metrics.ts): hand-computed cases, scikit-learn's
// documented ARI examples worked out by hand, and a slow all-pairs version on random labels.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  adjustedRandIndex,
  flagScores,
  injectForeignPhotos,
  pairCounts,
  pairwiseScores,
} from '../src/group/metrics.js';
import { createRandom, randomInt } from '../src/util/rng.js';

const close = (actual: number, expected: number, message?: string) =>
  assert.ok(Math.abs(actual - expected) < 1e-12, `${message ?? ''} ${actual} vs ${expected}`);

test('pairwise precision, recall and F1 by hand', () => {
  // Groups {0,1,2} {3,4}; labels {0,1} {2,3,4}. Same-group pairs: 01 02 12 34; same-label pairs:
  // 01 23 24 34; both: 01 34.
  const counts = pairCounts([0, 0, 0, 1, 1], ['a', 'a', 'b', 'b', 'b']);
  assert.deepEqual(counts, { truePositives: 2, predictedPairs: 4, labelPairs: 4, totalPairs: 10 });
  assert.deepEqual(pairwiseScores([0, 0, 0, 1, 1], ['a', 'a', 'b', 'b', 'b']), {
    precision: 0.5,
    recall: 0.5,
    f1: 0.5,
  });
  // Nothing grouped: precision 1 by definition, recall 0.
  assert.deepEqual(pairwiseScores([0, 1, 2], [0, 0, 1]), { precision: 1, recall: 0, f1: 0 });
});

test("adjusted Rand index on scikit-learn's documented examples, computed by hand", () => {
  // Identical partitions, whatever the label names.
  assert.equal(adjustedRandIndex([0, 0, 1, 1], [0, 0, 1, 1]), 1);
  assert.equal(adjustedRandIndex([0, 0, 1, 1], [1, 1, 0, 0]), 1);
  // [0,0,1,2] vs [0,0,1,1]: Σ C(n_ij,2) = 1, Σ C(a,2) = 1, Σ C(b,2) = 2, C(4,2) = 6;
  // E = 2/6, max = 3/2, ARI = (1 − 1/3) / (3/2 − 1/3) = 4/7 ≈ 0.57.
  close(adjustedRandIndex([0, 0, 1, 2], [0, 0, 1, 1]), 4 / 7);
  close(adjustedRandIndex([0, 0, 1, 1], [0, 0, 1, 2]), 4 / 7);
  // One group vs all singletons: index 0, E = 0, max = 3: ARI = 0.
  assert.equal(adjustedRandIndex([0, 0, 0, 0], [0, 1, 2, 3]), 0);
  // [0,0,1,1] vs [0,1,0,1]: index 0, E = 2·2/6, max = 2: ARI = (−2/3) / (4/3) = −0.5.
  close(adjustedRandIndex([0, 0, 1, 1], [0, 1, 0, 1]), -0.5);
  // The five-photo case above: (2 − 1.6) / (4 − 1.6) = 1/6.
  close(adjustedRandIndex([0, 0, 0, 1, 1], ['a', 'a', 'b', 'b', 'b']), 1 / 6);
  // Degenerate: all singletons on both sides, or one photo.
  assert.equal(adjustedRandIndex([0, 1, 2], [5, 6, 7]), 1);
  assert.equal(adjustedRandIndex([0], [0]), 1);
});

test('pair counts and ARI match an all-pairs count on random labelings', () => {
  const random = createRandom(11);
  for (let round = 0; round < 20; round++) {
    const n = 5 + randomInt(random, 60);
    const groups = Array.from({ length: n }, () => randomInt(random, 1 + randomInt(random, 8)));
    const labels = Array.from(
      { length: n },
      () => `ad${randomInt(random, 1 + randomInt(random, 8))}`,
    );
    let tp = 0;
    let fp = 0;
    let fn = 0;
    let tn = 0;
    for (let i = 0; i < n; i++) {
      for (let j = i + 1; j < n; j++) {
        const g = groups[i] === groups[j];
        const l = labels[i] === labels[j];
        if (g && l) tp++;
        else if (g) fp++;
        else if (l) fn++;
        else tn++;
      }
    }
    const counts = pairCounts(groups, labels);
    assert.deepEqual(counts, {
      truePositives: tp,
      predictedPairs: tp + fp,
      labelPairs: tp + fn,
      totalPairs: tp + fp + fn + tn,
    });
    // The pair-confusion form of ARI (Steinley 2004), independent of the contingency formula.
    const denominator = (tp + fn) * (fn + tn) + (tp + fp) * (fp + tn);
    const expected = denominator === 0 ? 1 : (2 * (tp * tn - fn * fp)) / denominator;
    close(adjustedRandIndex(groups, labels), expected, `round ${round}`);
    close(adjustedRandIndex(labels, groups), expected, `round ${round} swapped`);
  }
});

test('metrics reject mismatched lengths and missing labels', () => {
  assert.throws(
    () => pairwiseScores([0, 1], [0]),
    /groups has 2 entries and labels 1; expected one each per photo/,
  );
  assert.throws(() => adjustedRandIndex(['a', ''], ['a', 'b']), /groups\[1\]: expected a label/);
  assert.throws(() => flagScores([1], [1, 0]), /flags has 1 entries and foreign 2/);
});

test('injectForeignPhotos moves the asked share of photos into other ads, reproducibly', () => {
  const labels: string[] = [];
  for (let ad = 0; ad < 20; ad++) for (let p = 0; p < 5; p++) labels.push(`ad${ad}`);
  const { labels: injected, foreign } = injectForeignPhotos(labels, 0.1, 7);
  assert.equal(
    foreign.reduce((s, f) => s + f, 0),
    10,
  );
  const own = new Map<string, number>();
  for (let i = 0; i < labels.length; i++) {
    if (foreign[i]) assert.notEqual(injected[i], labels[i], `photo ${i} moved to its own ad`);
    else {
      assert.equal(injected[i], labels[i]);
      own.set(labels[i], (own.get(labels[i]) ?? 0) + 1);
    }
  }
  for (const ad of new Set(labels)) assert.ok((own.get(ad) ?? 0) >= 2, `${ad} kept < 2 photos`);
  assert.deepEqual(injectForeignPhotos(labels, 0.1, 7), { labels: injected, foreign });
  assert.notDeepEqual(injectForeignPhotos(labels, 0.1, 8).foreign, foreign);
  assert.equal(
    injectForeignPhotos(labels, 0, 1).foreign.every((f) => f === 0),
    true,
  );
});

test('injectForeignPhotos rejects rates it cannot honour', () => {
  assert.throws(
    () => injectForeignPhotos(['a', 'a'], 0.6, 1),
    /rate: expected a fraction in \[0, 0\.5\], usually 0\.05–0\.2, got 0\.6 \(number\)/,
  );
  assert.throws(
    () => injectForeignPhotos(['a', 'a', 'b', 'b'], 0.25, 1),
    /could move only 0 of 1 photos \(rate 0\.25\); too few ads keep two photos of their own/,
  );
  assert.throws(() => injectForeignPhotos(['a'], 0.1, 1.5), /seed: expected an integer/);
});

test('flagScores by hand', () => {
  const scores = flagScores([1, 1, 0, 0, 1], [1, 0, 1, 0, 1]);
  assert.deepEqual([scores.flagged, scores.foreign, scores.caught], [3, 3, 2]);
  close(scores.precision, 2 / 3);
  close(scores.recall, 2 / 3);
  close(scores.f1, 2 / 3);
  assert.deepEqual(flagScores([false, false], [false, false]), {
    precision: 1,
    recall: 1,
    f1: 1,
    flagged: 0,
    foreign: 0,
    caught: 0,
  });
});
