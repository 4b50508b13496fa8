/**
 * Eigenvalues and eigenvectors of a real symmetric matrix, in float64, for the PCA-whitening of
 * backbone features (1792×1792 covariance matrices). The path is the one LAPACK's `dsyevx` takes
 * when only some eigenvectors are wanted:
 *
 * 1. Householder reduction to tridiagonal form T = Qᵀ A Q (Golub & Van Loan, "Matrix
 *    Computations", §8.3.1), working on the lower triangle only;
 * 2. all eigenvalues of T by the implicit QL method with Wilkinson shifts (§8.3.3);
 * 3. eigenvectors of T for the wanted eigenvalues only, by inverse iteration on T − λI with a
 *    pivoted tridiagonal LU, re-orthogonalised within groups of nearly equal eigenvalues (§8.2.2,
 *    as in LAPACK's `dstein`);
 * 4. back-transformation V = Q·Y with the stored Householder vectors.
 *
 * Steps 1 and 4 cost about (2/3)n³ and n²·k multiply-adds; for n = 1792, k = 512 the whole solve
 * takes a few seconds in plain TypeScript.
 */
import { SamebikeError } from '../util/errors.js';
import { createRandom } from '../util/rng.js';
import type { Matrix } from './gemm.js';
import { applyBlockReflector, blockReflector } from './householder.js';

/** Reflectors per block in the gemm back-transformation. */
const BLOCK = 32;

/** Eigen-pairs of a symmetric matrix, sorted by decreasing eigenvalue. */
export interface SymmetricEigen {
  /** The eigenvalues, largest first. */
  values: Float64Array;
  /** The eigenvectors as rows: row i (length n) belongs to values[i]; unit length, orthogonal. */
  vectors: Float64Array;
  /** The matrix order n. */
  n: number;
}

export interface SymmetricEigenOptions {
  /**
   * How many eigen-pairs to return, the largest eigenvalues first. Default: all n. Asking for
   * fewer saves the back-transformation work (cost grows linearly with this count).
   */
  count?: number;
}

/**
 * Eigen-decomposition of the symmetric n×n matrix `a` (row-major; only the lower triangle is
 * read). Returns the `count` largest eigenvalues and their eigenvectors as rows. Each vector's
 * sign is fixed so that its largest-magnitude component is positive, so results repeat exactly.
 */
export function symmetricEigen(
  a: Float64Array,
  n: number,
  options: SymmetricEigenOptions = {},
): SymmetricEigen {
  const count = options.count ?? n;
  checkInput(a, n, count);
  const work = Float64Array.from(a);
  const { diagonal, offDiagonal, tau } = tridiagonalize(work, n);
  const values = topValues(diagonal, offDiagonal, count);
  const vectors = tridiagonalEigenvectors(diagonal, offDiagonal, values);
  backTransform(work, tau, n, vectors, count);
  fixSigns(vectors, n, count);
  return { values, vectors, n };
}

/**
 * The same decomposition as `symmetricEigen`, with the back-transformation of the eigenvectors
 * (n²·count multiply-adds) done by `gemm` in blocks of reflectors, several times faster for
 * large n and count. Eigenvalues are float64 as before; eigenvectors are float32 (orthonormal to
 * about 1e-6), returned as a count × n Matrix.
 */
export async function symmetricEigenFast(
  a: Float64Array,
  n: number,
  options: SymmetricEigenOptions = {},
): Promise<{ values: Float64Array; vectors: Matrix }> {
  const count = options.count ?? n;
  checkInput(a, n, count);
  const work = Float64Array.from(a);
  const { diagonal, offDiagonal, tau } = tridiagonalize(work, n);
  const values = topValues(diagonal, offDiagonal, count);
  const small = tridiagonalEigenvectors(diagonal, offDiagonal, values);
  const data = new Float32Array(count * n);
  for (let i = 0; i < data.length; i++) data[i] = small[i];
  const vectors: Matrix = { rows: count, cols: n, data };

  // y ← y·H_{n−3}…H₀ for each row y: blocks of reflectors, the last block first.
  for (let k1 = Math.max(0, n - 2); k1 > 0; k1 -= BLOCK) {
    const k0 = Math.max(0, k1 - BLOCK);
    const b = k1 - k0;
    const v = new Float64Array(b * n);
    const first = new Int32Array(b);
    for (let r = 0; r < b; r++) {
      const k = k0 + r;
      first[r] = k + 1;
      v[r * n + k + 1] = 1;
      for (let i = k + 2; i < n; i++) v[r * n + i] = work[k * n + i];
    }
    await applyBlockReflector(vectors, blockReflector(v, tau.slice(k0, k1), first, n), true);
  }
  const signed = new Float64Array(data);
  fixSigns(signed, n, count);
  for (let i = 0; i < data.length; i++) data[i] = signed[i];
  return { values, vectors };
}

/** The `count` largest eigenvalues of the tridiagonal matrix, in decreasing order. */
function topValues(diagonal: Float64Array, offDiagonal: Float64Array, count: number): Float64Array {
  const values = tridiagonalEigenvalues(diagonal, offDiagonal).sort();
  const out = new Float64Array(count);
  for (let i = 0; i < count; i++) out[i] = values[values.length - 1 - i];
  return out;
}

function checkInput(a: Float64Array, n: number, count: number): void {
  if (!Number.isInteger(n) || n < 1 || a.length !== n * n) {
    throw new SamebikeError(
      `symmetricEigen: expected an n×n matrix with n ≥ 1, got ${a.length} values for n = ${n}`,
    );
  }
  if (!Number.isInteger(count) || count < 1 || count > n) {
    throw new SamebikeError(`symmetricEigen: count must be an integer in 1..${n}, got ${count}`);
  }
  for (let i = 0; i < a.length; i++) {
    if (!Number.isFinite(a[i])) {
      throw new SamebikeError(
        `symmetricEigen: the matrix holds a non-finite value (${a[i]}) at row ` +
          `${Math.floor(i / n)}, column ${i % n}`,
        'check the features for NaN or infinite values',
      );
    }
  }
}

/**
 * Householder reduction of the symmetric matrix in `a` (lower triangle used, overwritten) to a
 * tridiagonal matrix. Reflector k is I − τ_k v vᵀ with v[k+1] = 1; its tail v[k+2..] is stored in
 * row k of `a` at columns k+2..n−1.
 */
export function tridiagonalize(
  a: Float64Array,
  n: number,
): { diagonal: Float64Array; offDiagonal: Float64Array; tau: Float64Array } {
  const diagonal = new Float64Array(n);
  const offDiagonal = new Float64Array(Math.max(0, n - 1));
  const tau = new Float64Array(Math.max(0, n - 1));
  const v = new Float64Array(n);
  const p = new Float64Array(n);

  for (let k = 0; k < n - 2; k++) {
    // The column below the diagonal, x = a[k+1.., k], read from the lower triangle.
    const start = k + 1;
    let tailNorm2 = 0;
    for (let i = start + 1; i < n; i++) tailNorm2 += a[i * n + k] * a[i * n + k];
    const alpha = a[start * n + k];
    diagonal[k] = a[k * n + k];
    if (tailNorm2 === 0) {
      offDiagonal[k] = alpha;
      tau[k] = 0;
      continue;
    }

    // v = x − β e₁ with β = −sign(α)‖x‖, scaled so that v[start] = 1.
    const norm = Math.sqrt(alpha * alpha + tailNorm2);
    const beta = alpha >= 0 ? -norm : norm;
    const t = (beta - alpha) / beta;
    const scale = 1 / (alpha - beta);
    v[start] = 1;
    for (let i = start + 1; i < n; i++) v[i] = a[i * n + k] * scale;
    offDiagonal[k] = beta;
    tau[k] = t;
    const rowK = k * n;
    for (let i = start + 1; i < n; i++) a[rowK + i] = v[i];

    // p = τ A₂₂ v over the trailing block, from its lower triangle.
    for (let i = start; i < n; i++) p[i] = 0;
    for (let i = start; i < n; i++) {
      const row = i * n;
      const vi = v[i];
      let sum = 0;
      for (let j = start; j < i; j++) {
        const aij = a[row + j];
        sum += aij * v[j];
        p[j] += aij * vi;
      }
      p[i] += sum + a[row + i] * vi;
    }
    let pv = 0;
    for (let i = start; i < n; i++) {
      p[i] *= t;
      pv += p[i] * v[i];
    }

    // w = p − (τ/2)(pᵀv) v, then A₂₂ ← A₂₂ − v wᵀ − w vᵀ (lower triangle).
    const half = 0.5 * t * pv;
    for (let i = start; i < n; i++) p[i] -= half * v[i];
    for (let i = start; i < n; i++) {
      const row = i * n;
      const vi = v[i];
      const wi = p[i];
      for (let j = start; j <= i; j++) a[row + j] -= vi * p[j] + wi * v[j];
    }
  }
  if (n >= 2) {
    diagonal[n - 2] = a[(n - 2) * n + (n - 2)];
    offDiagonal[n - 2] = a[(n - 1) * n + (n - 2)];
    tau[n - 2] = 0;
  }
  diagonal[n - 1] = a[(n - 1) * n + (n - 1)];
  return { diagonal, offDiagonal, tau };
}

/**
 * All eigenvalues of the symmetric tridiagonal matrix with the given diagonal (length m) and
 * off-diagonal (length m−1), by implicit QL with Wilkinson shifts. Unsorted.
 */
export function tridiagonalEigenvalues(
  diagonal: Float64Array,
  offDiagonal: Float64Array,
): Float64Array {
  const m = diagonal.length;
  const d = Float64Array.from(diagonal);
  const e = new Float64Array(m);
  e.set(offDiagonal.subarray(0, m - 1));
  const eps = Number.EPSILON;
  const tiny = eps * tridiagonalNorm(diagonal, offDiagonal);

  for (let l = 0; l < m; l++) {
    let iterations = 0;
    for (;;) {
      // Find the first negligible off-diagonal element at or after l.
      let end = l;
      while (end < m - 1 && !negligible(e[end], d[end], d[end + 1], tiny)) end++;
      if (end === l) break;
      if (++iterations > 60) {
        throw new Error('tridiagonalEigenvalues: the QL iteration did not converge');
      }

      // Wilkinson shift from the leading 2×2 block, then one implicit QL sweep from end to l.
      let g = (d[l + 1] - d[l]) / (2 * e[l]);
      let r = Math.hypot(g, 1);
      g = d[end] - d[l] + e[l] / (g + (g >= 0 ? r : -r));
      let s = 1;
      let c = 1;
      let p = 0;
      let i = end - 1;
      let underflow = false;
      for (; i >= l; i--) {
        const f = s * e[i];
        const b = c * e[i];
        r = Math.hypot(f, g);
        e[i + 1] = r;
        if (r === 0) {
          d[i + 1] -= p;
          e[end] = 0;
          underflow = true;
          break;
        }
        s = f / r;
        c = g / r;
        g = d[i + 1] - p;
        r = (d[i] - g) * s + 2 * c * b;
        p = s * r;
        d[i + 1] = g + p;
        g = c * r - b;
      }
      if (underflow) continue;
      d[l] -= p;
      e[l] = g;
      e[end] = 0;
    }
  }
  return d;
}

/**
 * Eigenvectors of the symmetric tridiagonal matrix (diagonal, offDiagonal) for the given
 * eigenvalues (sorted largest first), by inverse iteration. Returns them as rows of a
 * values.length × m matrix. The matrix is split where off-diagonal entries are negligible and each
 * block is solved on its own; eigenvalues closer than 1e-8·‖T‖ are treated as a
 * cluster and their vectors re-orthogonalised against each other.
 */
export function tridiagonalEigenvectors(
  diagonal: Float64Array,
  offDiagonal: Float64Array,
  values: Float64Array,
): Float64Array {
  const m = diagonal.length;
  const count = values.length;
  const out = new Float64Array(count * m);
  const eps = Number.EPSILON;

  const tNorm = tridiagonalNorm(diagonal, offDiagonal) || 1;

  // Unreduced blocks [start, end) and the eigenvalues of each.
  const blocks: Array<{ start: number; end: number; values: Float64Array }> = [];
  let start = 0;
  for (let i = 0; i < m; i++) {
    const last = i === m - 1;
    const split = last || negligible(offDiagonal[i], diagonal[i], diagonal[i + 1], eps * tNorm);
    if (split) {
      const blockValues = tridiagonalEigenvalues(
        diagonal.subarray(start, i + 1),
        offDiagonal.subarray(start, i),
      );
      blocks.push({ start, end: i + 1, values: blockValues });
      start = i + 1;
    }
  }

  // Assign each wanted eigenvalue to the block that owns the nearest unclaimed eigenvalue.
  const claimed = blocks.map((b) => new Uint8Array(b.values.length));
  const owner = new Int32Array(count);
  for (let q = 0; q < count; q++) {
    let best = -1;
    let bestIndex = -1;
    let bestDistance = Infinity;
    for (let b = 0; b < blocks.length; b++) {
      const bv = blocks[b].values;
      for (let j = 0; j < bv.length; j++) {
        if (claimed[b][j]) continue;
        const distance = Math.abs(bv[j] - values[q]);
        if (distance < bestDistance) {
          bestDistance = distance;
          best = b;
          bestIndex = j;
        }
      }
    }
    claimed[best][bestIndex] = 1;
    owner[q] = best;
  }

  const random = createRandom(0x5eed);
  const clusterGap = 1e-8 * tNorm;
  for (let b = 0; b < blocks.length; b++) {
    const { start: s0, end: s1 } = blocks[b];
    const size = s1 - s0;
    const members: number[] = [];
    for (let q = 0; q < count; q++) if (owner[q] === b) members.push(q);
    if (members.length === 0) continue;
    if (size === 1) {
      for (const q of members) out[q * m + s0] = 1;
      continue;
    }
    const d = diagonal.subarray(s0, s1);
    const e = offDiagonal.subarray(s0, s1 - 1);
    const solver = new ShiftedTridiagonal(size);
    const x = new Float64Array(size);
    const clusterStart = { index: 0 };
    let previousShift = Infinity;
    for (let idx = 0; idx < members.length; idx++) {
      const q = members[idx];
      // Members are in decreasing eigenvalue order; start a new cluster at a large gap.
      if (idx > 0 && values[members[idx - 1]] - values[q] > clusterGap) clusterStart.index = idx;
      let shift = values[q];
      // Separate equal shifts slightly so each solve converges to a different direction.
      if (previousShift - shift < 10 * eps * tNorm) shift = previousShift - 10 * eps * tNorm;
      previousShift = shift;
      solver.factor(d, e, shift, eps * tNorm);

      for (let i = 0; i < size; i++) x[i] = random() - 0.5;
      normalize(x);
      for (let iteration = 0; iteration < 8; iteration++) {
        solver.solve(x);
        for (let c = clusterStart.index; c < idx; c++) {
          const other = out.subarray(members[c] * m + s0, members[c] * m + s1);
          let dot = 0;
          for (let i = 0; i < size; i++) dot += x[i] * other[i];
          for (let i = 0; i < size; i++) x[i] -= dot * other[i];
        }
        normalize(x);
        if (iteration >= 1 && residual(d, e, values[q], x) <= 10 * m * eps * tNorm) break;
      }
      out.set(x, q * m + s0);
    }
  }
  return out;
}

/** The ∞-norm of a symmetric tridiagonal matrix (largest absolute row sum). */
function tridiagonalNorm(diagonal: Float64Array, offDiagonal: Float64Array): number {
  const m = diagonal.length;
  let norm = 0;
  for (let i = 0; i < m; i++) {
    const row =
      Math.abs(diagonal[i]) +
      (i > 0 ? Math.abs(offDiagonal[i - 1]) : 0) +
      (i < m - 1 ? Math.abs(offDiagonal[i]) : 0);
    norm = Math.max(norm, row);
  }
  return norm;
}

/**
 * Whether an off-diagonal entry can be set to zero: small next to its two diagonal neighbours,
 * or below `tiny` (ε‖T‖, the absolute accuracy the eigenvalues have anyway).
 */
function negligible(off: number, d0: number, d1: number, tiny: number): boolean {
  const a = Math.abs(off);
  return a <= Number.EPSILON * (Math.abs(d0) + Math.abs(d1)) || a <= tiny;
}

/** LU factorisation with partial pivoting of T − σI for a symmetric tridiagonal T, then solves. */
class ShiftedTridiagonal {
  private readonly u0: Float64Array;
  private readonly u1: Float64Array;
  private readonly u2: Float64Array;
  private readonly multiplier: Float64Array;
  private readonly swapped: Uint8Array;

  constructor(private readonly size: number) {
    this.u0 = new Float64Array(size);
    this.u1 = new Float64Array(size);
    this.u2 = new Float64Array(size);
    this.multiplier = new Float64Array(size);
    this.swapped = new Uint8Array(size);
  }

  /** Factors T − σI; zero pivots are replaced by `tiny` so the solves stay finite. */
  factor(d: Float64Array, e: Float64Array, shift: number, tiny: number): void {
    const m = this.size;
    let pivot = d[0] - shift;
    let super1 = m > 1 ? e[0] : 0;
    for (let i = 0; i < m - 1; i++) {
      const below = e[i];
      const nextDiagonal = d[i + 1] - shift;
      const nextSuper = i + 1 < m - 1 ? e[i + 1] : 0;
      if (Math.abs(pivot) >= Math.abs(below)) {
        if (pivot === 0) pivot = tiny;
        const mult = below / pivot;
        this.u0[i] = pivot;
        this.u1[i] = super1;
        this.u2[i] = 0;
        this.multiplier[i] = mult;
        this.swapped[i] = 0;
        pivot = nextDiagonal - mult * super1;
        super1 = nextSuper;
      } else {
        const mult = pivot / below;
        this.u0[i] = below;
        this.u1[i] = nextDiagonal;
        this.u2[i] = nextSuper;
        this.multiplier[i] = mult;
        this.swapped[i] = 1;
        pivot = super1 - mult * nextDiagonal;
        super1 = -mult * nextSuper;
      }
    }
    this.u0[m - 1] = pivot === 0 ? tiny : pivot;
  }

  /** Overwrites y with (T − σI)⁻¹ y. */
  solve(y: Float64Array): void {
    const m = this.size;
    for (let i = 0; i < m - 1; i++) {
      if (this.swapped[i]) {
        const t = y[i];
        y[i] = y[i + 1];
        y[i + 1] = t;
      }
      y[i + 1] -= this.multiplier[i] * y[i];
    }
    y[m - 1] /= this.u0[m - 1];
    if (m >= 2) y[m - 2] = (y[m - 2] - this.u1[m - 2] * y[m - 1]) / this.u0[m - 2];
    for (let i = m - 3; i >= 0; i--) {
      y[i] = (y[i] - this.u1[i] * y[i + 1] - this.u2[i] * y[i + 2]) / this.u0[i];
    }
  }
}

function normalize(x: Float64Array): void {
  let max = 0;
  for (let i = 0; i < x.length; i++) max = Math.max(max, Math.abs(x[i]));
  if (max === 0 || !Number.isFinite(max)) {
    // A degenerate iterate: restart from a unit coordinate vector.
    x.fill(0);
    x[0] = 1;
    return;
  }
  let norm2 = 0;
  for (let i = 0; i < x.length; i++) {
    x[i] /= max;
    norm2 += x[i] * x[i];
  }
  const inv = 1 / Math.sqrt(norm2);
  for (let i = 0; i < x.length; i++) x[i] *= inv;
}

/** ‖(T − λI)x‖₂ for a unit vector x. */
function residual(d: Float64Array, e: Float64Array, lambda: number, x: Float64Array): number {
  const m = d.length;
  let sum = 0;
  for (let i = 0; i < m; i++) {
    let r = (d[i] - lambda) * x[i];
    if (i > 0) r += e[i - 1] * x[i - 1];
    if (i < m - 1) r += e[i] * x[i + 1];
    sum += r * r;
  }
  return Math.sqrt(sum);
}

/** Applies Q = H₀H₁…H_{n−3} to the rows of `vectors` (count × n), in place: v ← Q v. */
function backTransform(
  a: Float64Array,
  tau: Float64Array,
  n: number,
  vectors: Float64Array,
  count: number,
): void {
  const v = new Float64Array(n);
  for (let k = n - 3; k >= 0; k--) {
    const t = tau[k];
    if (t === 0) continue;
    const start = k + 1;
    v[start] = 1;
    for (let i = start + 1; i < n; i++) v[i] = a[k * n + i];
    for (let q = 0; q < count; q++) {
      const row = q * n;
      let dot = 0;
      for (let i = start; i < n; i++) dot += v[i] * vectors[row + i];
      const f = t * dot;
      if (f === 0) continue;
      for (let i = start; i < n; i++) vectors[row + i] -= f * v[i];
    }
  }
}

function fixSigns(vectors: Float64Array, n: number, count: number): void {
  for (let q = 0; q < count; q++) {
    const row = q * n;
    let best = 0;
    for (let i = 1; i < n; i++) {
      if (Math.abs(vectors[row + i]) > Math.abs(vectors[row + best]) + 1e-12) best = i;
    }
    if (vectors[row + best] < 0) for (let i = 0; i < n; i++) vectors[row + i] = -vectors[row + i];
  }
}
