// Exact ranking: the blocked gemm + heap ranking against a brute-force sort, ties, exclusion,
// padding, and the input checks.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type Ranking, rankGallery } from '../src/retrieval/rank.js';
import { TopK } from '../src/retrieval/topk.js';
import type { Matrix } from '../src/util/npy.js';
import { createRandom, randomNormal } from '../src/util/rng.js';

function randomUnitRows(rows: number, cols: number, seed: number): Matrix {
  const random = createRandom(seed);
  const data = new Float32Array(rows * cols);
  for (let i = 0; i < rows; i++) {
    let sum = 0;
    for (let j = 0; j < cols; j++) {
      const v = randomNormal(random);
      data[i * cols + j] = v;
      sum += v * v;
    }
    for (let j = 0; j < cols; j++) data[i * cols + j] /= Math.sqrt(sum);
  }
  return { rows, cols, data };
}

/** Full sort of every dot product: similarity descending, then gallery row ascending. */
function bruteForce(
  queries: Matrix,
  gallery: Matrix,
  k: number,
  exclude?: (q: number) => number | undefined,
): { indices: number[][]; similarities: number[][] } {
  const d = queries.cols;
  const indices: number[][] = [];
  const similarities: number[][] = [];
  for (let q = 0; q < queries.rows; q++) {
    const items: { g: number; s: number }[] = [];
    for (let g = 0; g < gallery.rows; g++) {
      if (exclude?.(q) === g) continue;
      let s = 0;
      for (let j = 0; j < d; j++) s += queries.data[q * d + j] * gallery.data[g * d + j];
      items.push({ g, s: Math.fround(s) });
    }
    items.sort((a, b) => b.s - a.s || a.g - b.g);
    indices.push(items.slice(0, k).map((x) => x.g));
    similarities.push(items.slice(0, k).map((x) => x.s));
  }
  return { indices, similarities };
}

function row(ranking: Ranking, q: number): number[] {
  return Array.from(ranking.indices.subarray(q * ranking.k, (q + 1) * ranking.k));
}

test('rankGallery matches a brute-force sort, across block boundaries', async () => {
  const queries = randomUnitRows(37, 24, 1);
  const gallery = randomUnitRows(301, 24, 2);
  const expected = bruteForce(queries, gallery, 15);
  for (const blockRows of [undefined, 1, 5, 36]) {
    const ranking = await rankGallery(queries, gallery, 15, { blockRows });
    assert.equal(ranking.k, 15);
    for (let q = 0; q < queries.rows; q++) {
      assert.deepEqual(row(ranking, q), expected.indices[q], `query ${q}, block ${blockRows}`);
      for (let j = 0; j < 15; j++) {
        const got = ranking.similarities[q * 15 + j];
        assert.ok(Math.abs(got - expected.similarities[q][j]) < 1e-5);
      }
    }
  }
});

test('rankGallery leaves out the excluded row and breaks ties by the lower gallery row', async () => {
  // Gallery rows 1, 3 and 4 are the same vector; row 0 is the query itself.
  const a = [0.6, 0.8];
  const b = [1, 0];
  const gallery: Matrix = {
    rows: 5,
    cols: 2,
    data: Float32Array.from([...a, ...b, 0, 1, ...b, ...b]),
  };
  const queries: Matrix = { rows: 1, cols: 2, data: Float32Array.from(a) };
  const ranking = await rankGallery(queries, gallery, 4, { exclude: () => 0 });
  assert.deepEqual(row(ranking, 0), [2, 1, 3, 4]);
  const rounded = Array.from(ranking.similarities, (s) => Math.round(s * 1000) / 1000);
  assert.deepEqual(rounded, [0.8, 0.6, 0.6, 0.6]);
});

test('rankGallery pads with -1 when the gallery has fewer than k items', async () => {
  const queries = randomUnitRows(3, 8, 3);
  const gallery = randomUnitRows(4, 8, 4);
  const ranking = await rankGallery(queries, gallery, 6, { exclude: (q) => q });
  const expected = bruteForce(queries, gallery, 6, (q) => q);
  for (let q = 0; q < 3; q++) {
    assert.deepEqual(row(ranking, q), [...expected.indices[q], -1, -1, -1]);
    assert.ok(Number.isNaN(ranking.similarities[q * 6 + 5]));
  }
});

test('rankGallery handles an empty gallery and no queries', async () => {
  const empty = await rankGallery(
    randomUnitRows(2, 4, 5),
    { rows: 0, cols: 4, data: new Float32Array(0) },
    3,
  );
  assert.deepEqual(Array.from(empty.indices), [-1, -1, -1, -1, -1, -1]);
  const none = await rankGallery(
    { rows: 0, cols: 4, data: new Float32Array(0) },
    randomUnitRows(2, 4, 6),
    3,
  );
  assert.equal(none.indices.length, 0);
});

test('rankGallery rejects bad input with messages that name it', async () => {
  const unit = randomUnitRows(3, 4, 7);
  await assert.rejects(rankGallery(unit, unit, 0), /k: expected an integer ≥ 1, got 0 \(number\)/);
  await assert.rejects(
    rankGallery(unit, randomUnitRows(3, 5, 8), 2),
    /queries have 4 dimensions but the gallery has 5/,
  );
  const long = { rows: 3, cols: 4, data: unit.data.map((x) => 2 * x) };
  await assert.rejects(rankGallery(long, unit, 2), /queries: row 0 has L2 norm 2\.000, expected 1/);
  const broken = { rows: 3, cols: 4, data: unit.data.slice() };
  broken.data[5] = NaN;
  await assert.rejects(rankGallery(unit, broken, 2), /gallery: row 1 holds a NaN or infinite/);
  await assert.rejects(
    rankGallery(unit, { rows: 3, cols: 4, data: new Float32Array(5) }, 2),
    /gallery: expected 3 × 4 = 12 float32 values, got 5/,
  );
  await assert.rejects(
    rankGallery(unit, unit, 2, { blockRows: 0 }),
    /blockRows: expected an integer ≥ 1, got 0/,
  );
  await assert.rejects(
    rankGallery({ rows: 1, cols: 0, data: new Float32Array(0) }, unit, 2),
    /queries: expected a matrix with rows ≥ 0 and cols ≥ 1, got 1 × 0/,
  );
  await assert.rejects(
    rankGallery(unit, unit, 2, { exclude: () => 3 }),
    /exclude\(0\): expected a gallery row in \[0, 3\) or undefined, got 3/,
  );
});

test('TopK keeps the k best of a row with ties to the lower index', () => {
  const scores = Float32Array.from([0.5, 0.9, 0.5, 0.1, 0.9, 0.7, 0.5]);
  const indices = new Int32Array(4);
  const out = new Float32Array(4);
  new TopK(4).select(scores, 0, scores.length, -1, indices, out, 0);
  assert.deepEqual(Array.from(indices), [1, 4, 5, 0]);
  new TopK(4).select(scores, 0, scores.length, 4, indices, out, 0);
  assert.deepEqual(Array.from(indices), [1, 5, 0, 2]);
  const random = createRandom(9);
  const many = Float32Array.from({ length: 500 }, () => Math.round(random() * 20) / 20);
  const heap = new TopK(30);
  const got = new Int32Array(30);
  heap.select(many, 0, many.length, 17, got, new Float32Array(30), 0);
  const expected = Array.from(many.keys())
    .filter((i) => i !== 17)
    .sort((a, b) => many[b] - many[a] || a - b)
    .slice(0, 30);
  assert.deepEqual(Array.from(got), expected);
});
