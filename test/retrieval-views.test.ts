// Multi-view averaging and row normalisation on hand-computed cases.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { averageViews, normalizeRows } from '../src/retrieval/views.js';
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

test('averageViews averages the L2-normalised views and normalises the mean', () => {
  const plain = matrix([
    [3, 4],
    [0, 2],
  ]);
  const flipped = matrix([
    [1, 0],
    [0, 5],
  ]);
  // Row 0: (0.6, 0.8) and (1, 0) average to (0.8, 0.4); row 1: both views are (0, 1).
  assertRows(averageViews([plain, flipped]), [unit(0.8, 0.4), [0, 1]]);
  // Weights 1 and 3: (0.6 + 3, 0.8) / 4.
  assertRows(averageViews([plain, flipped], [1, 3]), [unit(3.6, 0.8), [0, 1]]);
});

test('normalizeRows scales rows to length 1 and leaves a zero row at zero', () => {
  assertRows(
    normalizeRows(
      matrix([
        [3, 4],
        [0, 0],
      ]),
    ),
    [
      [0.6, 0.8],
      [0, 0],
    ],
  );
});

test('averageViews rejects views that do not line up, and bad weights', () => {
  const a = matrix([[1, 0]]);
  assert.throws(() => averageViews([]), /views: expected at least one view, got \[\] \(array\)/);
  assert.throws(
    () => averageViews([a, matrix([[1, 0, 0]])]),
    /views\[1\]: expected 1 × 2 like views\[0\], got 1 × 3 with 3 values/,
  );
  assert.throws(() => averageViews([a, a], [1]), /weights: expected one weight per view \(2\)/);
  assert.throws(() => averageViews([a, a], [1, -2]), /weights\[1\]: expected a number ≥ 0/);
  assert.throws(() => averageViews([a, a], [0, 0]), /weights: expected at least one weight > 0/);
});
