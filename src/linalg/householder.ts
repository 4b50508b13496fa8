/**
 * Blocks of Householder reflectors in the compact WY form (Schreiber & Van Loan 1989): the product
 * H₀H₁…H_{b−1} of reflectors H_k = I − τ_k v_k v_kᵀ equals I − V·T·Vᵀ with V = [v₀ … v_{b−1}] and
 * an upper-triangular b×b matrix T, so applying b reflectors to many vectors is two matrix
 * products in `gemm` instead of b passes in TypeScript. Used by the QR of qr.ts and the
 * back-transformation of eigen.ts.
 */
import { gemm, type Matrix } from './gemm.js';

/** A block of reflectors: V as rows (b × n, float32) and T (b × b, row-major, float64). */
export interface BlockReflector {
  v: Matrix;
  t: Float64Array;
}

/**
 * Builds the block reflector from b reflector vectors (rows of `vectors`, b × n, float64) and
 * their τ. `first[r]` is the first index where vector r may be non-zero; vectors must be ordered
 * so that first[] increases.
 */
export function blockReflector(
  vectors: Float64Array,
  tau: Float64Array,
  first: Int32Array,
  n: number,
): BlockReflector {
  const b = tau.length;
  // T by the forward recurrence: T[r][r] = τ_r, T[0:r, r] = −τ_r · T[0:r, 0:r] · (V[0:r]·v_r).
  const t = new Float64Array(b * b);
  const dots = new Float64Array(b);
  for (let r = 0; r < b; r++) {
    const from = first[r];
    for (let i = 0; i < r; i++) {
      let dot = 0;
      const ri = i * n;
      const rr = r * n;
      for (let j = from; j < n; j++) dot += vectors[ri + j] * vectors[rr + j];
      dots[i] = dot;
    }
    for (let i = 0; i < r; i++) {
      let sum = 0;
      for (let j = i; j < r; j++) sum += t[i * b + j] * dots[j];
      t[i * b + r] = -tau[r] * sum;
    }
    t[r * b + r] = tau[r];
  }
  const v = new Float32Array(b * n);
  for (let i = 0; i < v.length; i++) v[i] = vectors[i];
  return { v: { rows: b, cols: n, data: v }, t };
}

/**
 * Right-multiplies the rows of x by the block or its transpose, in place in x.data:
 * x ← x·(I − V T Vᵀ) (transpose false) or x ← x·(I − V Tᵀ Vᵀ) (transpose true), where V's
 * columns are the rows of `block.v`. In the column view this applies the block (transpose true)
 * or its transpose (transpose false) to the vectors stored as the rows of x.
 */
export async function applyBlockReflector(
  x: Matrix,
  block: BlockReflector,
  transpose: boolean,
): Promise<void> {
  const b = block.v.rows;
  const xv = await gemm(x, block.v, { transB: true });
  // coefficients = −(x·V)·T or −(x·V)·Tᵀ
  const t = block.t;
  const coefficients = new Float32Array(x.rows * b);
  for (let i = 0; i < x.rows; i++) {
    const row = i * b;
    for (let j = 0; j < b; j++) {
      let sum = 0;
      if (transpose) for (let k = j; k < b; k++) sum += xv.data[row + k] * t[j * b + k];
      else for (let k = 0; k <= j; k++) sum += xv.data[row + k] * t[k * b + j];
      coefficients[row + j] = -sum;
    }
  }
  const updated = await gemm({ rows: x.rows, cols: b, data: coefficients }, block.v, { add: x });
  x.data.set(updated.data);
}
