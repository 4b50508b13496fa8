// α-query expansion and database-side augmentation on hand-computed cases.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { databaseAugmentation, queryExpansion } from '../src/retrieval/expansion.js';
import { rankGallery } from '../src/retrieval/rank.js';
import type { Matrix } from '../src/util/npy.js';

function matrix(rows: number[][]): Matrix {
  return { rows: rows.length, cols: rows[0].length, data: Float32Array.from(rows.flat()) };
}

function unit(x: number, y: number): number[] {
  const norm = Math.hypot(x, y);
  return [x / norm, y / norm];
}

function assertRows(actual: Matrix, expected: number[][]): void {
  assert.equal(actual.rows, expected.length);
  expected.flat().forEach((value, i) => {
    assert.ok(Math.abs(actual.data[i] - value) < 1e-6, `value ${i}: ${actual.data[i]} vs ${value}`);
  });
}

// The query (1, 0) against a = (0.6, 0.8) (similarity 0.6), b = (0, 1) (0) and c = (−1, 0) (−1).
const query = matrix([[1, 0]]);
const gallery = matrix([
  [0.6, 0.8],
  [0, 1],
  [-1, 0],
]);

test('queryExpansion adds the top n neighbours weighted by similarity^α', async () => {
  const ranking = await rankGallery(query, gallery, 3);
  assert.deepEqual(Array.from(ranking.indices), [0, 1, 2]);
  // α = 3: (1, 0) + 0.6³ · (0.6, 0.8) + 0³ · (0, 1) = (1.1296, 0.1728).
  assertRows(queryExpansion(query, gallery, ranking, { n: 2, alpha: 3 }), [unit(1.1296, 0.1728)]);
  // α = 1: (1, 0) + 0.6 · (0.6, 0.8) = (1.36, 0.48); the third neighbour (similarity −1) weighs 0.
  assertRows(queryExpansion(query, gallery, ranking, { n: 3, alpha: 1 }), [unit(1.36, 0.48)]);
  // n = 0 leaves the query as it was.
  assertRows(queryExpansion(query, gallery, ranking, { n: 0 }), [[1, 0]]);
});

test('databaseAugmentation expands every gallery item with its nearest other items', async () => {
  const items = matrix([
    [1, 0],
    [0.6, 0.8],
    [0, 1],
  ]);
  // n = 1, α = 1: each item plus its nearest other item, weighted by their similarity.
  const augmented = await databaseAugmentation(items, { n: 1, alpha: 1 });
  assertRows(augmented, [unit(1.36, 0.48), unit(0.6, 1.6), unit(0.48, 1.64)]);
});

test('queryExpansion and databaseAugmentation reject bad options', async () => {
  const ranking = await rankGallery(query, gallery, 2);
  assert.throws(
    () => queryExpansion(query, gallery, ranking, { n: 3 }),
    /n: expected at most the ranking depth 2, got 3 \(number\)/,
  );
  assert.throws(
    () => queryExpansion(query, gallery, ranking, { alpha: -1 }),
    /alpha: expected a number ≥ 0, got -1/,
  );
  assert.throws(
    () => queryExpansion(matrix([[1, 0, 0]]), gallery, ranking),
    /queries have 3 dimensions but the gallery has 2/,
  );
  assert.throws(
    () =>
      queryExpansion(
        matrix([
          [1, 0],
          [0, 1],
        ]),
        gallery,
        ranking,
      ),
    /ranking: expected 2 queries × 2 results, got 2 entries/,
  );
  const stray = { k: 2, indices: Int32Array.from([0, 7]), similarities: Float32Array.from([1, 1]) };
  assert.throws(
    () => queryExpansion(query, gallery, stray),
    /ranking: query 0 result 1 is gallery row 7, but the gallery has 3 rows/,
  );
  await assert.rejects(databaseAugmentation(gallery, { n: 1.5 }), /n: expected an integer ≥ 0/);
});
