import assert from 'node:assert/strict';
import { test } from 'node:test';
import { symmetricEigen, symmetricEigenFast, tridiagonalEigenvalues } from '../src/linalg/eigen.js';
import { topEigen } from '../src/linalg/subspace.js';
import { jacobiEigenvalues, symmetricWithSpectrum } from './linalg-reference.js';
import { createRandom, randomNormal } from '../src/util/rng.js';

function randomSymmetric(n: number, seed: number): Float64Array {
  const random = createRandom(seed);
  const a = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      const v = randomNormal(random);
      a[i * n + j] = v;
      a[j * n + i] = v;
    }
  }
  return a;
}

/** max |A·v − λv| over the returned pairs, and max |VVᵀ − I|. */
function residuals(
  a: Float64Array,
  n: number,
  values: ArrayLike<number>,
  vectors: ArrayLike<number>,
) {
  let residual = 0;
  let orthogonality = 0;
  const count = values.length;
  for (let q = 0; q < count; q++) {
    for (let i = 0; i < n; i++) {
      let s = 0;
      for (let j = 0; j < n; j++) s += a[i * n + j] * vectors[q * n + j];
      residual = Math.max(residual, Math.abs(s - values[q] * vectors[q * n + i]));
    }
    for (let p = 0; p <= q; p++) {
      let s = 0;
      for (let i = 0; i < n; i++) s += vectors[q * n + i] * vectors[p * n + i];
      orthogonality = Math.max(orthogonality, Math.abs(s - (p === q ? 1 : 0)));
    }
  }
  return { residual, orthogonality };
}

test('symmetricEigen solves a hand-checked 2×2 matrix', () => {
  const { values, vectors } = symmetricEigen(Float64Array.from([2, 1, 1, 2]), 2);
  assert.ok(Math.abs(values[0] - 3) < 1e-14 && Math.abs(values[1] - 1) < 1e-14);
  const h = Math.SQRT1_2;
  const expected = [h, h, h, -h];
  for (let i = 0; i < 4; i++) assert.ok(Math.abs(vectors[i] - expected[i]) < 1e-14, `entry ${i}`);
});

test('symmetricEigen matches Jacobi and reconstructs A = VΛVᵀ on random matrices', () => {
  for (const n of [1, 3, 8, 25, 60]) {
    const a = randomSymmetric(n, n);
    const { values, vectors } = symmetricEigen(a, n);
    const reference = jacobiEigenvalues(a, n);
    for (let i = 0; i < n; i++)
      assert.ok(Math.abs(values[i] - reference[i]) < 1e-10, `n=${n} λ${i}`);
    const r = residuals(a, n, values, vectors);
    assert.ok(r.residual < 1e-11, `n=${n} residual ${r.residual}`);
    assert.ok(r.orthogonality < 1e-11, `n=${n} orthogonality ${r.orthogonality}`);
    // A = VΛVᵀ element by element.
    let worst = 0;
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < n; j++) {
        let s = 0;
        for (let k = 0; k < n; k++) s += vectors[k * n + i] * values[k] * vectors[k * n + j];
        worst = Math.max(worst, Math.abs(s - a[i * n + j]));
      }
    }
    assert.ok(worst < 1e-11, `n=${n} reconstruction ${worst}`);
  }
});

test('symmetricEigen handles repeated and zero eigenvalues', () => {
  const spectrum = [5, 5, 5, 2, 2, 0, 0, 0, 0, -1];
  const a = symmetricWithSpectrum(spectrum, 3);
  const { values, vectors } = symmetricEigen(a, 10);
  for (let i = 0; i < 10; i++) assert.ok(Math.abs(values[i] - spectrum[i]) < 1e-12);
  const r = residuals(a, 10, values, vectors);
  assert.ok(r.residual < 1e-12 && r.orthogonality < 1e-12, JSON.stringify(r));
  // A diagonal matrix (already tridiagonal and fully split) and the zero matrix.
  const diagonal = new Float64Array(16);
  [3, 1, 4, 1].forEach((v, i) => (diagonal[i * 4 + i] = v));
  assert.deepEqual(Array.from(symmetricEigen(diagonal, 4).values), [4, 3, 1, 1]);
  const zero = symmetricEigen(new Float64Array(9), 3);
  assert.deepEqual(Array.from(zero.values), [0, 0, 0]);
  assert.ok(residuals(new Float64Array(9), 3, zero.values, zero.vectors).orthogonality < 1e-15);
});

test('symmetricEigen returns only the largest eigen-pairs when asked', () => {
  const a = randomSymmetric(40, 9);
  const all = symmetricEigen(a, 40);
  const some = symmetricEigen(a, 40, { count: 5 });
  assert.equal(some.values.length, 5);
  assert.equal(some.vectors.length, 5 * 40);
  for (let i = 0; i < 5 * 40; i++) assert.ok(Math.abs(some.vectors[i] - all.vectors[i]) < 1e-10);
});

test('tridiagonalEigenvalues matches the closed form of the second-difference matrix', () => {
  const n = 30;
  const values = Array.from(
    tridiagonalEigenvalues(new Float64Array(n).fill(2), new Float64Array(n - 1).fill(-1)),
  ).sort((x, y) => y - x);
  for (let k = 1; k <= n; k++) {
    const expected = 2 - 2 * Math.cos((k * Math.PI) / (n + 1));
    assert.ok(Math.abs(values[n - k] - expected) < 1e-13, `k=${k}`);
  }
});

test('symmetricEigenFast agrees with symmetricEigen', async () => {
  const n = 120;
  const a = randomSymmetric(n, 4);
  const exact = symmetricEigen(a, n, { count: 70 });
  const fast = await symmetricEigenFast(a, n, { count: 70 });
  assert.deepEqual(Array.from(fast.values), Array.from(exact.values));
  for (let i = 0; i < 70 * n; i++) {
    assert.ok(Math.abs(fast.vectors.data[i] - exact.vectors[i]) < 1e-5, `entry ${i}`);
  }
});

test('topEigen by subspace iteration finds the top of a decaying spectrum', async () => {
  const n = 300;
  const spectrum = Array.from({ length: n }, (_, i) => 100 * Math.pow(i + 1, -1.5));
  const a64 = symmetricWithSpectrum(spectrum, 11);
  const a = { rows: n, cols: n, data: Float32Array.from(a64) };
  const top = await topEigen(a, 20, { exactUpTo: 50, oversampling: 20, iterations: 6 });
  for (let i = 0; i < 20; i++) {
    const rel = Math.abs(top.values[i] - spectrum[i]) / spectrum[i];
    assert.ok(rel < 1e-3, `λ${i} ${top.values[i]} vs ${spectrum[i]}`);
  }
  // Ritz vectors are orthonormal and satisfy A·v ≈ λv for the well-separated leading pairs.
  const r = residuals(a64, n, top.values.subarray(0, 5), top.vectors.data.subarray(0, 5 * n));
  assert.ok(r.orthogonality < 1e-5, `orthogonality ${r.orthogonality}`);
  assert.ok(r.residual < 1e-3 * spectrum[0], `residual ${r.residual}`);
});

test('eigen-solvers reject bad input with a clear message', async () => {
  assert.throws(() => symmetricEigen(new Float64Array(5), 2), /expected an n×n matrix.*5 values/);
  assert.throws(
    () => symmetricEigen(new Float64Array(4), 2, { count: 3 }),
    /count must be.*1\.\.2/,
  );
  assert.throws(
    () => symmetricEigen(Float64Array.from([1, NaN, NaN, 1]), 2),
    /non-finite value \(NaN\) at row 0, column 1/,
  );
  await assert.rejects(topEigen({ rows: 2, cols: 3, data: new Float32Array(6) }, 1), /square/);
});
