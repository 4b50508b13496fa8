/**
 * Slow, obvious reference versions of the linear algebra, for the linalg and train tests: cyclic
 * Jacobi eigen-decomposition in float64, covariance by plain loops, random matrices.
 */
import type { Matrix } from '../src/linalg/gemm.js';
import { createRandom, randomNormal } from '../src/util/rng.js';

/** A matrix of standard normal values (seeded). */
export function randomMatrix(rows: number, cols: number, seed: number): Matrix {
  const random = createRandom(seed);
  const data = new Float32Array(rows * cols);
  for (let i = 0; i < data.length; i++) data[i] = randomNormal(random);
  return { rows, cols, data };
}

/** A random symmetric n×n float64 matrix with eigenvalues `values` (random orthogonal basis). */
export function symmetricWithSpectrum(values: number[], seed: number): Float64Array {
  const n = values.length;
  const random = createRandom(seed);
  // Orthonormal basis by Gram-Schmidt on random vectors.
  const basis: Float64Array[] = [];
  while (basis.length < n) {
    const v = new Float64Array(n);
    for (let i = 0; i < n; i++) v[i] = randomNormal(random);
    for (const b of basis) {
      let dot = 0;
      for (let i = 0; i < n; i++) dot += v[i] * b[i];
      for (let i = 0; i < n; i++) v[i] -= dot * b[i];
    }
    let norm = 0;
    for (let i = 0; i < n; i++) norm += v[i] * v[i];
    norm = Math.sqrt(norm);
    for (let i = 0; i < n; i++) v[i] /= norm;
    basis.push(v);
  }
  const a = new Float64Array(n * n);
  for (let k = 0; k < n; k++) {
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < n; j++) a[i * n + j] += values[k] * basis[k][i] * basis[k][j];
    }
  }
  return a;
}

/** Eigenvalues of a symmetric matrix by cyclic Jacobi rotations, sorted decreasing. */
export function jacobiEigenvalues(matrix: Float64Array, n: number): number[] {
  const a = Float64Array.from(matrix);
  for (let sweep = 0; sweep < 100; sweep++) {
    let off = 0;
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) if (i !== j) off += a[i * n + j] ** 2;
    if (off < 1e-24) break;
    for (let p = 0; p < n; p++) {
      for (let q = p + 1; q < n; q++) {
        const apq = a[p * n + q];
        if (apq === 0) continue;
        const theta = (a[q * n + q] - a[p * n + p]) / (2 * apq);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        for (let k = 0; k < n; k++) {
          const akp = a[k * n + p];
          const akq = a[k * n + q];
          a[k * n + p] = c * akp - s * akq;
          a[k * n + q] = s * akp + c * akq;
        }
        for (let k = 0; k < n; k++) {
          const apk = a[p * n + k];
          const aqk = a[q * n + k];
          a[p * n + k] = c * apk - s * aqk;
          a[q * n + k] = s * apk + c * aqk;
        }
      }
    }
  }
  const values: number[] = [];
  for (let i = 0; i < n; i++) values.push(a[i * n + i]);
  return values.sort((x, y) => y - x);
}

/** The covariance (divided by N−1) of the rows, in float64 by plain loops. */
export function covarianceReference(m: Matrix): Float64Array {
  const { rows, cols, data } = m;
  const mean = new Float64Array(cols);
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) mean[j] += data[i * cols + j];
  for (let j = 0; j < cols; j++) mean[j] /= rows;
  const c = new Float64Array(cols * cols);
  for (let i = 0; i < rows; i++) {
    for (let p = 0; p < cols; p++) {
      const xp = data[i * cols + p] - mean[p];
      for (let q = 0; q < cols; q++) c[p * cols + q] += xp * (data[i * cols + q] - mean[q]);
    }
  }
  for (let k = 0; k < c.length; k++) c[k] /= rows - 1;
  return c;
}

/** The largest |value − expected| over two arrays. */
export function maxAbsDifference(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let max = 0;
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs(a[i] - b[i]));
  return max;
}
