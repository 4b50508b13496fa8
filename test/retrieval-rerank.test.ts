// k-reciprocal re-ranking: the sparse implementation against a slow dense one written straight
// from the algorithm (N × N matrices, as in the authors' code), plus the input checks.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { rankGallery } from '../src/retrieval/rank.js';
import { kReciprocalRerank } from '../src/retrieval/rerank.js';
import type { Matrix } from '../src/util/npy.js';
import { createRandom, randomInt, randomNormal } from '../src/util/rng.js';

/** Points around `clusters` random centres, L2-normalised. */
function clustered(rows: number, cols: number, clusters: number, seed: number): Matrix {
  const random = createRandom(seed);
  const centres = Array.from({ length: clusters }, () =>
    Array.from({ length: cols }, () => randomNormal(random)),
  );
  const data = new Float32Array(rows * cols);
  for (let i = 0; i < rows; i++) {
    const centre = centres[randomInt(random, clusters)];
    let sum = 0;
    for (let j = 0; j < cols; j++) {
      data[i * cols + j] = centre[j] + 0.8 * randomNormal(random);
      sum += data[i * cols + j] ** 2;
    }
    for (let j = 0; j < cols; j++) data[i * cols + j] /= Math.sqrt(sum);
  }
  return { rows, cols, data };
}

interface Params {
  k: number;
  k1: number;
  k2: number;
  lambda: number;
}

/** The algorithm with dense N × N arrays, one step per line of the paper's reference code. */
function denseRerank(
  queries: Matrix,
  gallery: Matrix,
  params: Params,
  exclude: (q: number) => number | undefined,
): { indices: number[][]; scores: number[][] } {
  const d = gallery.cols;
  const ng = gallery.rows;
  const rows: Float32Array[] = [];
  for (let g = 0; g < ng; g++) rows.push(gallery.data.subarray(g * d, g * d + d));
  const nodeOfQuery: number[] = [];
  for (let q = 0; q < queries.rows; q++) {
    const g = exclude(q);
    const own = g === undefined ? undefined : rows[g];
    const copy = own?.every((x, j) => Math.abs(x - queries.data[q * d + j]) < 1e-4);
    if (g !== undefined && copy) nodeOfQuery.push(g);
    else {
      nodeOfQuery.push(rows.length);
      rows.push(queries.data.subarray(q * d, q * d + d));
    }
  }
  const n = rows.length;
  const similarity = rows.map((a) =>
    rows.map((b) => Math.fround(a.reduce((s, x, j) => s + x * b[j], 0))),
  );
  const squared = similarity.map((row) => row.map((s) => Math.max(0, 2 - 2 * s)));
  const original = squared.map((row) => {
    const top = Math.max(...row);
    return row.map((x) => x / (top > 0 ? top : 1));
  });
  const initialRank = similarity.map((row) =>
    row
      .map((s, j) => ({ s, j }))
      .sort((a, b) => b.s - a.s || a.j - b.j)
      .map((x) => x.j),
  );
  const reciprocal = (i: number, kk: number): number[] =>
    initialRank[i].slice(0, kk + 1).filter((j) => initialRank[j].slice(0, kk + 1).includes(i));

  // numpy's around(k1 / 2) rounds half to even: 2.5 → 2, 3.5 → 4, 10 → 10.
  const halves: Record<number, number> = { 5: 2, 7: 4, 20: 10 };
  const half = halves[params.k1];
  let v = rows.map(() => new Array<number>(n).fill(0));
  for (let i = 0; i < n; i++) {
    const set = reciprocal(i, params.k1);
    let expansion = [...set];
    for (const c of set) {
      const candidate = reciprocal(c, half);
      const shared = candidate.filter((x) => set.includes(x)).length;
      if (shared > (2 / 3) * candidate.length) expansion = expansion.concat(candidate);
    }
    expansion = [...new Set(expansion)].sort((a, b) => a - b);
    const weights = expansion.map((j) => Math.exp(-original[i][j]));
    const total = weights.reduce((a, b) => a + b, 0);
    expansion.forEach((j, t) => (v[i][j] = weights[t] / total));
  }
  if (params.k2 > 1) {
    v = v.map((_, i) => {
      const near = initialRank[i].slice(0, params.k2);
      return v[0].map((__, l) => near.reduce((s, j) => s + v[j][l], 0) / near.length);
    });
  }

  const indices: number[][] = [];
  const scores: number[][] = [];
  for (let q = 0; q < queries.rows; q++) {
    const u = nodeOfQuery[q];
    const items: { g: number; score: number }[] = [];
    for (let g = 0; g < ng; g++) {
      if (g === exclude(q)) continue;
      const m = v[u].reduce((s, x, l) => s + Math.min(x, v[g][l]), 0);
      const jaccard = 1 - m / (2 - m);
      const final = (1 - params.lambda) * jaccard + params.lambda * original[u][g];
      items.push({ g, score: Math.fround(1 - final) });
    }
    items.sort((a, b) => b.score - a.score || a.g - b.g);
    indices.push(items.slice(0, params.k).map((x) => x.g));
    scores.push(items.slice(0, params.k).map((x) => x.score));
  }
  return { indices, scores };
}

test('kReciprocalRerank matches the dense algorithm for several settings', async () => {
  const gallery = clustered(80, 12, 7, 1);
  const outside = clustered(6, 12, 7, 2);
  // Queries 0-5 are not in the gallery; queries 6-9 are copies of gallery rows 3, 17, 40 and 79
  // (they share their nodes); queries 10-11 are gallery rows 5 and 60 moved a little, as α-query
  // expansion would (they get nodes of their own, but still leave rows 5 and 60 out).
  const own = [3, 17, 40, 79, 5, 60];
  const queries: Matrix = { rows: 12, cols: 12, data: new Float32Array(144) };
  queries.data.set(outside.data);
  own.forEach((g, t) => {
    const row = Array.from(gallery.data.subarray(g * 12, g * 12 + 12));
    if (t >= 4) row[0] += 0.2;
    const norm = Math.hypot(...row);
    queries.data.set(
      row.map((x) => x / norm),
      72 + 12 * t,
    );
  });
  const exclude = (q: number): number | undefined => (q >= 6 ? own[q - 6] : undefined);

  for (const params of [
    { k: 15, k1: 20, k2: 6, lambda: 0.3 },
    { k: 10, k1: 5, k2: 1, lambda: 0 },
    { k: 90, k1: 7, k2: 3, lambda: 0.5 },
  ]) {
    const got = await kReciprocalRerank(queries, gallery, { ...params, exclude });
    const expected = denseRerank(queries, gallery, params, exclude);
    assert.equal(got.k, params.k);
    for (let q = 0; q < queries.rows; q++) {
      const row = Array.from(got.indices.subarray(q * params.k, (q + 1) * params.k));
      const want = expected.indices[q];
      const padded = [...want, ...new Array<number>(params.k - want.length).fill(-1)];
      assert.deepEqual(row, padded, `query ${q}, ${JSON.stringify(params)}`);
      want.forEach((_, j) => {
        const score = got.similarities[q * params.k + j];
        assert.ok(Math.abs(score - expected.scores[q][j]) < 1e-5, `score ${q}/${j}`);
      });
    }
  }
});

test('kReciprocalRerank with lambda = 1 keeps the original order', async () => {
  const gallery = clustered(50, 8, 5, 3);
  const queries = clustered(5, 8, 5, 4);
  const reranked = await kReciprocalRerank(queries, gallery, { k: 20, lambda: 1 });
  const original = await rankGallery(queries, gallery, 20);
  assert.deepEqual(Array.from(reranked.indices), Array.from(original.indices));
});

test('kReciprocalRerank rejects bad options', async () => {
  const gallery = clustered(10, 4, 2, 5);
  const queries = clustered(2, 4, 2, 6);
  await assert.rejects(
    kReciprocalRerank(queries, gallery, { lambda: 1.5 }),
    /lambda: expected a number from 0 to 1, got 1\.5 \(number\)/,
  );
  await assert.rejects(
    kReciprocalRerank(queries, gallery, { k1: 0 }),
    /k1: expected an integer ≥ 1, got 0/,
  );
  await assert.rejects(
    kReciprocalRerank(queries, gallery, { k2: 2.5 }),
    /k2: expected an integer ≥ 1, got 2\.5/,
  );
  await assert.rejects(
    kReciprocalRerank(queries, gallery, { k: -1 }),
    /k: expected an integer ≥ 1, got -1/,
  );
  await assert.rejects(
    kReciprocalRerank(clustered(2, 5, 2, 7), gallery),
    /queries have 5 dimensions but the gallery has 4/,
  );
  await assert.rejects(
    kReciprocalRerank(queries, gallery, { exclude: () => 10 }),
    /exclude\(0\): expected a gallery row in \[0, 10\) or undefined, got 10/,
  );
});
