/**
 * Orthonormal bases of tall subspaces, for the subspace iteration behind PCA. The rows of an s×D
 * matrix Z (s ≤ D) are replaced by orthonormal rows spanning the same space, in order (row i of
 * the result lies in the span of rows 0..i of Z): a Householder QR of Zᵀ (Golub & Van Loan,
 * "Matrix Computations", §5.2), done in panels of a few columns whose reflectors are combined into
 * the compact WY form I − V·T·Vᵀ (Schreiber & Van Loan 1989), so that nearly all the work is
 * matrix products in `gemm`. The panels themselves are factored in float64.
 */
import type { Matrix } from './gemm.js';
import { applyBlockReflector, blockReflector, type BlockReflector } from './householder.js';

/** Rows per panel: the panel work is TypeScript (about 2·s·D·PANEL flops), the rest is gemm. */
const PANEL = 16;

/**
 * Returns a matrix with orthonormal rows spanning the row space of `z`, in order (Gram-Schmidt
 * order: row i of the result lies in the span of rows 0..i of z). Requires z.rows ≤ z.cols.
 * A row that depends linearly on the rows before it is replaced by some unit vector orthogonal to
 * them. Accuracy: orthogonality to about 1e-6 (the products run in float32).
 */
export async function orthonormalizeRows(z: Matrix): Promise<Matrix> {
  const s = z.rows;
  const d = z.cols;
  if (s > d) throw new Error(`orthonormalizeRows: ${s} rows cannot be orthonormal in ${d}-d`);
  const work = z.data.slice();
  const panels: Array<{ start: number; block: BlockReflector }> = [];

  for (let start = 0; start < s; start += PANEL) {
    const size = Math.min(PANEL, s - start);
    const block = factorPanel(work, d, start, size);
    panels.push({ start, block });
    const rest = s - start - size;
    if (rest > 0) {
      // Rows after the panel: Z ← Z·(I − V T Vᵀ).
      const offset = (start + size) * d;
      const data = work.subarray(offset, offset + rest * d);
      await applyBlockReflector({ rows: rest, cols: d, data }, block, false);
    }
  }

  // Q's rows: start from [I 0] and apply the panels last to first, M ← M·(I − V Tᵀ Vᵀ). Rows of
  // M before a panel's start are untouched by it, since its reflectors are zero there.
  const q = new Float32Array(s * d);
  for (let i = 0; i < s; i++) q[i * d + i] = 1;
  for (let p = panels.length - 1; p >= 0; p--) {
    const { start, block } = panels[p];
    const rows = s - start;
    const data = q.subarray(start * d, s * d);
    await applyBlockReflector({ rows, cols: d, data }, block, true);
  }
  return { rows: s, cols: d, data: q };
}

/**
 * Householder reflectors for rows start..start+size−1 of the row-major matrix `work` (rows × d),
 * as a panel of the QR of workᵀ: reflector r is zero before column start+r and one at it.
 */
function factorPanel(work: Float32Array, d: number, start: number, size: number): BlockReflector {
  const panel = new Float64Array(size * d);
  for (let r = 0; r < size; r++) {
    const from = (start + r) * d;
    for (let j = start; j < d; j++) panel[r * d + j] = work[from + j];
  }
  const vectors = new Float64Array(size * d);
  const tau = new Float64Array(size);
  const first = new Int32Array(size);

  for (let r = 0; r < size; r++) {
    const k = start + r;
    const row = r * d;
    first[r] = k;
    vectors[row + k] = 1;
    let tail = 0;
    for (let j = k + 1; j < d; j++) tail += panel[row + j] * panel[row + j];
    // A zero tail needs no reflector (τ = 0); this also covers a row that depends on the ones
    // before it, whose orthonormal replacement is then the k-th column of Q.
    if (tail === 0) continue;
    const alpha = panel[row + k];
    const norm = Math.sqrt(alpha * alpha + tail);
    const beta = alpha >= 0 ? -norm : norm;
    tau[r] = (beta - alpha) / beta;
    const scale = 1 / (alpha - beta);
    for (let j = k + 1; j < d; j++) vectors[row + j] = panel[row + j] * scale;

    // Apply H_k to the later rows of the panel: x ← x − τ (x·v) v.
    for (let later = r + 1; later < size; later++) {
      const lr = later * d;
      let dot = 0;
      for (let j = k; j < d; j++) dot += panel[lr + j] * vectors[row + j];
      const f = tau[r] * dot;
      for (let j = k; j < d; j++) panel[lr + j] -= f * vectors[row + j];
    }
  }
  return blockReflector(vectors, tau, first, d);
}
