// Retrieval metrics: hand-computed cases, an end-to-end check of evaluateEmbeddings against a
// slow, formula-by-formula version, and the error messages.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { evaluateEmbeddings, evaluateRanking, requiredDepth } from '../src/metrics/retrieval.js';
import type { Ranking } from '../src/retrieval/rank.js';
import type { Matrix } from '../src/util/npy.js';
import { createRandom, randomInt, randomNormal } from '../src/util/rng.js';

function ranking(k: number, rows: number[][]): Ranking {
  return {
    k,
    indices: Int32Array.from(rows.flat()),
    similarities: new Float32Array(rows.length * k),
  };
}

function close(actual: number, expected: number, what: string): void {
  assert.ok(Math.abs(actual - expected) < 1e-12, `${what}: ${actual} vs ${expected}`);
}

test('evaluateRanking matches a hand-computed case', () => {
  // Gallery labels: rows 0-1 are ad 1, rows 2-4 ad 2, row 5 ad 3.
  // Query 0 (ad 1, R = 2): relevance 0 1 0 1 0 0 → AP@3 = (1/2)(1/2) = 1/4, AP@R = 1/4.
  // Query 1 (ad 2, R = 3): relevance 1 1 0 1 0 0 → AP@3 = (1/3)(1 + 1) = 2/3, AP@R = 2/3.
  // Query 2 (ad 4, R = 0): skipped.
  const result = evaluateRanking({
    ranking: ranking(6, [
      [2, 0, 3, 1, 4, 5],
      [2, 3, 0, 4, 1, 5],
      [0, 1, 2, 3, 4, 5],
    ]),
    queryLabels: Int32Array.from([1, 2, 4]),
    galleryLabels: Int32Array.from([1, 1, 2, 2, 2, 3]),
    k: 3,
  });
  close(result.map_at_k, (1 / 4 + 2 / 3) / 2, 'map_at_k');
  close(result.recall_at_1, 0.5, 'recall_at_1');
  close(result.recall_at_5, 1, 'recall_at_5');
  close(result.recall_at_10, 1, 'recall_at_10');
  close(result.precision_at_k, (1 / 3 + 2 / 3) / 2, 'precision_at_k');
  close(result.map_at_r, (1 / 4 + 2 / 3) / 2, 'map_at_r');
  assert.equal(result.k, 3);
  assert.equal(result.queries, 2);
  assert.equal(result.skipped_queries, 1);
  assert.equal(result.gallery, 6);
  assert.deepEqual(Array.from(result.per_query.relevant), [2, 3, 0]);
  assert.deepEqual(Array.from(result.per_query.first_hit), [2, 1, 0]);
  close(result.per_query.ap_at_k[0], 1 / 4, 'ap_at_k[0]');
  close(result.per_query.ap_at_r[1], 2 / 3, 'ap_at_r[1]');
  assert.ok(Number.isNaN(result.per_query.ap_at_k[2]));
});

test('evaluateRanking divides AP@k by min(R, k) and MAP@R reads only the first R', () => {
  // R = 5 > k = 2, both first results relevant: AP@2 = (1/2)(1 + 1) = 1.
  // First R = 5 results: relevance 1 1 0 0 1 → AP@R = (1/5)(1 + 1 + 3/5) = 13/25.
  const result = evaluateRanking({
    ranking: ranking(10, [[0, 1, 5, 6, 2, 3, 4, 7, 8, 9]]),
    queryLabels: Int32Array.from([0]),
    galleryLabels: Int32Array.from([0, 0, 0, 0, 0, 1, 1, 1, 1, 1]),
    k: 2,
  });
  close(result.map_at_k, 1, 'map_at_k');
  close(result.map_at_r, 13 / 25, 'map_at_r');
  close(result.precision_at_k, 1, 'precision_at_k');
});

test('evaluateRanking leaves the excluded query out of R', () => {
  // The query is gallery row 0 (ad 5); rows 1-2 are also ad 5, so R = 2.
  // Ranking 1 3 2 → relevance 1 0 1: AP@3 = (1/2)(1 + 2/3) = 5/6; AP@R = (1/2)(1) = 1/2.
  const result = evaluateRanking({
    ranking: ranking(3, [[1, 3, 2]]),
    queryLabels: Int32Array.from([5]),
    galleryLabels: Int32Array.from([5, 5, 5, 7]),
    exclude: () => 0,
    k: 3,
  });
  assert.deepEqual(Array.from(result.per_query.relevant), [2]);
  close(result.map_at_k, 5 / 6, 'map_at_k');
  close(result.map_at_r, 1 / 2, 'map_at_r');
  close(result.precision_at_k, 2 / 3, 'precision_at_k');
});

test('requiredDepth is max(k, 10, largest R)', () => {
  const galleryLabels = Int32Array.from({ length: 30 }, (_, i) => (i < 14 ? 0 : i));
  assert.equal(requiredDepth({ queryLabels: Int32Array.from([0]), galleryLabels, k: 5 }), 14);
  assert.equal(
    requiredDepth({ queryLabels: Int32Array.from([0]), galleryLabels, k: 5, exclude: () => 0 }),
    13,
  );
  assert.equal(requiredDepth({ queryLabels: Int32Array.from([20]), galleryLabels, k: 5 }), 10);
  assert.equal(requiredDepth({ queryLabels: Int32Array.from([20]), galleryLabels, k: 50 }), 50);
});

test('evaluateRanking explains what is wrong with its input', () => {
  const galleryLabels = Int32Array.from({ length: 20 }, (_, i) => i % 2);
  const shallow = ranking(5, [[0, 1, 2, 3, 4]]);
  assert.throws(
    () =>
      evaluateRanking({ ranking: shallow, queryLabels: Int32Array.from([0]), galleryLabels, k: 5 }),
    /5 results per query are too few for query 0; Recall@10 and MAP@R read the first max\(k, 10, R\) = 10/,
  );
  const deep = ranking(10, [[0, 1, 2, 3, 4, 5, 6, 7, 8, 9]]);
  assert.throws(
    () =>
      evaluateRanking({ ranking: deep, queryLabels: Int32Array.from([0]), galleryLabels, k: 11 }),
    /k: expected an integer from 1 to the ranking depth 10, got 11/,
  );
  assert.throws(
    () =>
      evaluateRanking({ ranking: deep, queryLabels: Int32Array.from([0, 1]), galleryLabels, k: 5 }),
    /queryLabels: expected one label per ranked query \(1\), got 2/,
  );
  assert.throws(
    () =>
      evaluateRanking({
        ranking: deep,
        queryLabels: Int32Array.from([0]),
        galleryLabels: galleryLabels.subarray(0, 8),
        k: 5,
      }),
    /query 0 result 8 is gallery row 8, but the gallery has 8 labels/,
  );
  assert.throws(
    () =>
      evaluateRanking({
        ranking: deep,
        queryLabels: Int32Array.from([0]),
        galleryLabels,
        relevantCounts: Int32Array.from([3]),
        k: 5,
      }),
    /relevantCounts\[0\] is 3, but the ranking holds 5 relevant results/,
  );
  assert.throws(
    () =>
      evaluateRanking({
        ranking: { ...deep, k: 3 },
        queryLabels: Int32Array.from([0]),
        galleryLabels,
        k: 2,
      }),
    /ranking: 10 indices is not a multiple of ranking\.k = 3/,
  );
  assert.throws(
    () =>
      evaluateRanking({
        ranking: { ...deep, k: 0 },
        queryLabels: Int32Array.from([0]),
        galleryLabels,
        k: 2,
      }),
    /ranking\.k: expected an integer ≥ 1, got 0/,
  );
  assert.throws(
    () =>
      evaluateRanking({
        ranking: deep,
        queryLabels: Int32Array.from([0]),
        galleryLabels,
        relevantCounts: Int32Array.from([1, 2]),
        k: 5,
      }),
    /relevantCounts: expected one count per query \(1\), got 2/,
  );
  assert.throws(
    () =>
      evaluateRanking({
        ranking: deep,
        queryLabels: Int32Array.from([0]),
        galleryLabels,
        relevantCounts: Int32Array.from([-1]),
        k: 5,
      }),
    /relevantCounts\[0\]: expected an integer ≥ 0, got -1/,
  );
  assert.throws(
    () =>
      evaluateRanking({ ranking: deep, queryLabels: Int32Array.from([7]), galleryLabels, k: 5 }),
    /none of the 1 queries has a relevant gallery item/,
  );
});

function randomUnitRows(rows: number, cols: number, seed: number): Matrix {
  const random = createRandom(seed);
  const data = new Float32Array(rows * cols);
  for (let i = 0; i < rows; i++) {
    let sum = 0;
    for (let j = 0; j < cols; j++) {
      data[i * cols + j] = randomNormal(random);
      sum += data[i * cols + j] ** 2;
    }
    for (let j = 0; j < cols; j++) data[i * cols + j] /= Math.sqrt(sum);
  }
  return { rows, cols, data };
}

/** Every metric the slow way: a full sort per query, then each formula literally. */
function slowMetrics(
  embeddings: Matrix,
  labels: Int32Array,
  queryIdx: number[],
  galleryIdx: number[],
  k: number,
): Record<string, number> {
  const d = embeddings.cols;
  const dot = (a: number, b: number): number => {
    let s = 0;
    for (let j = 0; j < d; j++) s += embeddings.data[a * d + j] * embeddings.data[b * d + j];
    return Math.fround(s);
  };
  const sums = { ap: 0, r1: 0, r5: 0, r10: 0, precision: 0, mapR: 0, counted: 0 };
  for (const q of queryIdx) {
    const list = galleryIdx
      .filter((g) => g !== q)
      .sort((a, b) => dot(q, b) - dot(q, a) || galleryIdx.indexOf(a) - galleryIdx.indexOf(b));
    const rel: number[] = list.map((g) => (labels[g] === labels[q] ? 1 : 0));
    const r = rel.reduce((a, b) => a + b, 0);
    if (r === 0) continue;
    const precisionAt = (i: number): number => rel.slice(0, i).reduce((a, b) => a + b, 0) / i;
    let ap = 0;
    for (let i = 1; i <= k; i++) ap += precisionAt(i) * (rel[i - 1] ?? 0);
    let apR = 0;
    for (let i = 1; i <= r; i++) apR += precisionAt(i) * rel[i - 1];
    sums.ap += ap / Math.min(r, k);
    sums.mapR += apR / r;
    sums.precision += rel.slice(0, k).reduce((a, b) => a + b, 0) / k;
    sums.r1 += rel.slice(0, 1).includes(1) ? 1 : 0;
    sums.r5 += rel.slice(0, 5).includes(1) ? 1 : 0;
    sums.r10 += rel.slice(0, 10).includes(1) ? 1 : 0;
    sums.counted++;
  }
  const n = sums.counted;
  return {
    map_at_k: sums.ap / n,
    recall_at_1: sums.r1 / n,
    recall_at_5: sums.r5 / n,
    recall_at_10: sums.r10 / n,
    precision_at_k: sums.precision / n,
    map_at_r: sums.mapR / n,
    queries: n,
  };
}

test('evaluateEmbeddings agrees with the slow formulas, queries inside and outside the gallery', async () => {
  const random = createRandom(11);
  const n = 220;
  // 40 ads; some have 15 photos so that R exceeds 10 and the ranking has to go deeper.
  const labels = Int32Array.from({ length: n }, (_, i) => (i < 60 ? i % 4 : randomInt(random, 40)));
  const centres = randomUnitRows(40, 16, 12);
  const noise = randomUnitRows(n, 16, 13);
  const data = new Float32Array(n * 16);
  for (let i = 0; i < n; i++) {
    let sum = 0;
    for (let j = 0; j < 16; j++) {
      data[i * 16 + j] = centres.data[labels[i] * 16 + j] + 0.9 * noise.data[i * 16 + j];
      sum += data[i * 16 + j] ** 2;
    }
    for (let j = 0; j < 16; j++) data[i * 16 + j] /= Math.sqrt(sum);
  }
  const embeddings = { rows: n, cols: 16, data };
  const queryIdx = [3, 7, 12, 50, 61, 100, 150, 219, 218, 30];
  const galleryIdx = Array.from({ length: 200 }, (_, i) => i);
  const result = await evaluateEmbeddings({
    embeddings,
    labels,
    queryIdx: Int32Array.from(queryIdx),
    galleryIdx: Int32Array.from(galleryIdx),
    k: 8,
  });
  const expected = slowMetrics(embeddings, labels, queryIdx, galleryIdx, 8);
  for (const [key, value] of Object.entries(expected)) {
    close((result as unknown as Record<string, number>)[key], value, key);
  }
  assert.equal(result.gallery, 200);
  assert.equal(result.skipped_queries, queryIdx.length - expected.queries);
  assert.ok(result.ranking.k >= 15, 'ranked deep enough for MAP@R');
  for (let q = 0; q < queryIdx.length; q++) {
    const list = Array.from(
      result.ranking.indices.subarray(q * result.ranking.k, (q + 1) * result.ranking.k),
    );
    assert.ok(!list.includes(queryIdx[q]), `query ${q} is not in its own results`);
    assert.ok(
      list.every((row) => row >= 0 && row < 200),
      'indices are data-set rows',
    );
  }
});

test('evaluateEmbeddings rejects bad indices', async () => {
  const embeddings = randomUnitRows(4, 3, 14);
  const labels = Int32Array.from([0, 0, 1, 1]);
  await assert.rejects(
    evaluateEmbeddings({
      embeddings,
      labels,
      queryIdx: Int32Array.from([0]),
      galleryIdx: Int32Array.from([1, 2, 1]),
      k: 2,
    }),
    /galleryIdx: photo 1 appears twice \(positions 0 and 2\)/,
  );
  await assert.rejects(
    evaluateEmbeddings({
      embeddings,
      labels,
      queryIdx: Int32Array.from([4]),
      galleryIdx: Int32Array.from([1, 2]),
      k: 2,
    }),
    /queryIdx\[0\]: expected a photo row in \[0, 4\), got 4/,
  );
  await assert.rejects(
    evaluateEmbeddings({
      embeddings,
      labels: Int32Array.from([0, 1]),
      queryIdx: Int32Array.from([0]),
      galleryIdx: Int32Array.from([1]),
      k: 2,
    }),
    /labels: expected one label per embedding \(4\), got 2/,
  );
  await assert.rejects(
    evaluateEmbeddings({
      embeddings,
      labels,
      queryIdx: Int32Array.from([0]),
      galleryIdx: Int32Array.from([1, -1]),
      k: 2,
    }),
    /galleryIdx\[1\]: expected a photo row in \[0, 4\), got -1/,
  );
  await assert.rejects(
    evaluateEmbeddings({
      embeddings,
      labels,
      queryIdx: Int32Array.from([0]),
      galleryIdx: Int32Array.from([1]),
      k: 0.5,
    }),
    /k: expected an integer ≥ 1, got 0\.5/,
  );
});
