/**
 * The largest eigenvalues and their eigenvectors of a big symmetric matrix (a 1792×1792 feature
 * covariance), where a full float64 decomposition in TypeScript would take ten seconds or more.
 * Randomised subspace iteration (Halko, Martinsson & Tropp 2011, "Finding structure with
 * randomness", arXiv:0909.4061, Algorithm 4.4) followed by Rayleigh-Ritz: the matrix products and
 * the orthonormalisations run in `gemm` (float32), and only the small s×s projected problem
 * (s = count + oversampling) is solved in float64 by `symmetricEigen`.
 *
 * The Ritz vectors are exactly orthonormal (to float32 rounding) and diagonalise the matrix on
 * their subspace, so a whitening built from them is exact on that subspace; the subspace itself
 * approaches the true top-`count` eigenspace geometrically with the number of iterations.
 * Small problems are solved exactly by `symmetricEigen`.
 */
import { createRandom, randomNormal } from '../util/rng.js';
import { symmetricEigenFast } from './eigen.js';
import { gemm, type Matrix } from './gemm.js';
import { orthonormalizeRows } from './qr.js';

export interface TopEigenOptions {
  /**
   * Extra directions carried along during the iteration; more makes the last wanted eigenvectors
   * converge faster. Default max(32, count/4); usual range 16–256.
   */
  oversampling?: number;
  /** Power iterations (products with the matrix before the last one). Default 4; usual 2–8. */
  iterations?: number;
  /** Seed of the random start. Default 0. */
  seed?: number;
  /**
   * At or below this order the exact float64 solver is used instead (its cost grows as n³ in
   * TypeScript). Default 640.
   */
  exactUpTo?: number;
}

/** The top eigen-pairs of a symmetric matrix, largest eigenvalue first. */
export interface TopEigen {
  /** Eigenvalues (Ritz values in the iterative case), decreasing. */
  values: Float64Array;
  /** Eigenvectors as rows (count × n), orthonormal. */
  vectors: Matrix;
}

/**
 * The `count` largest eigenvalues and eigenvectors of the symmetric n×n float32 matrix `a`.
 * Uses the exact float64 solver when n ≤ exactUpTo or when count + oversampling would cover
 * most of the matrix, and randomised subspace iteration otherwise.
 */
export async function topEigen(
  a: Matrix,
  count: number,
  options: TopEigenOptions = {},
): Promise<TopEigen> {
  const n = a.rows;
  if (a.cols !== n) throw new Error(`topEigen: the matrix must be square, got ${n}×${a.cols}`);
  if (!Number.isInteger(count) || count < 1 || count > n) {
    throw new Error(`topEigen: count must be an integer in 1..${n}, got ${count}`);
  }
  const oversampling = options.oversampling ?? Math.max(32, Math.round(count / 4));
  const iterations = options.iterations ?? 4;
  const exactUpTo = options.exactUpTo ?? 640;
  const size = Math.min(n, count + oversampling);

  if (n <= exactUpTo || size >= 0.8 * n) return exactTop(a, count);

  // Z = Ω·A with Gaussian Ω (size × n), then Z ← orth(Z)·A, then Q = orth(Z).
  const random = createRandom(options.seed ?? 0);
  const omega = new Float32Array(size * n);
  for (let i = 0; i < omega.length; i++) omega[i] = randomNormal(random);
  let z = await gemm({ rows: size, cols: n, data: omega }, a);
  for (let i = 0; i < iterations; i++) z = await gemm(await orthonormalizeRows(z), a);
  const q = await orthonormalizeRows(z);

  // Rayleigh-Ritz: H = Q·A·Qᵀ (size × size), its top eigenvectors U, Ritz vectors U·Q.
  const qa = await gemm(q, a);
  const h = await gemm(qa, q, { transB: true });
  const h64 = new Float64Array(size * size);
  for (let i = 0; i < size; i++) {
    for (let j = 0; j <= i; j++) {
      const v = 0.5 * (h.data[i * size + j] + h.data[j * size + i]);
      h64[i * size + j] = v;
      h64[j * size + i] = v;
    }
  }
  const small = await symmetricEigenFast(h64, size, { count });
  const vectors = await gemm(small.vectors, q);
  return { values: small.values, vectors };
}

async function exactTop(a: Matrix, count: number): Promise<TopEigen> {
  const n = a.rows;
  const a64 = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      const v = 0.5 * (a.data[i * n + j] + a.data[j * n + i]);
      a64[i * n + j] = v;
      a64[j * n + i] = v;
    }
  }
  return symmetricEigenFast(a64, n, { count });
}
