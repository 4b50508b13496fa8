/**
 * Row and column statistics and normalisations of feature and embedding matrices: L2
 * normalisation of rows (embeddings are compared by cosine similarity = dot product of unit
 * rows), per-column mean and variance (the input standardisation of the heads, the centring of
 * PCA), and centring.
 */
import type { Matrix } from './gemm.js';

/**
 * Scales every row of `m` to unit L2 norm; rows that are all zero stay zero. Returns a new matrix
 * unless `inPlace` is true.
 */
export function l2NormalizeRows(m: Matrix, inPlace = false): Matrix {
  const out = inPlace ? m : { rows: m.rows, cols: m.cols, data: m.data.slice() };
  const { rows, cols, data } = out;
  for (let i = 0; i < rows; i++) {
    const start = i * cols;
    let sum = 0;
    for (let j = 0; j < cols; j++) sum += data[start + j] * data[start + j];
    if (sum === 0) continue;
    const inv = 1 / Math.sqrt(sum);
    for (let j = 0; j < cols; j++) data[start + j] *= inv;
  }
  return out;
}

/** The L2 norm of every row. */
export function rowNorms(m: Matrix): Float32Array {
  const out = new Float32Array(m.rows);
  for (let i = 0; i < m.rows; i++) {
    const start = i * m.cols;
    let sum = 0;
    for (let j = 0; j < m.cols; j++) sum += m.data[start + j] * m.data[start + j];
    out[i] = Math.sqrt(sum);
  }
  return out;
}

/** Per-column mean and population variance (divided by the row count), accumulated in float64. */
export function columnStatistics(m: Matrix): { mean: Float64Array; variance: Float64Array } {
  const { rows, cols, data } = m;
  const mean = new Float64Array(cols);
  const variance = new Float64Array(cols);
  if (rows === 0) return { mean, variance };
  for (let i = 0; i < rows; i++) {
    const start = i * cols;
    for (let j = 0; j < cols; j++) mean[j] += data[start + j];
  }
  for (let j = 0; j < cols; j++) mean[j] /= rows;
  // Second pass on centred values: no cancellation for features with a large mean.
  for (let i = 0; i < rows; i++) {
    const start = i * cols;
    for (let j = 0; j < cols; j++) {
      const centred = data[start + j] - mean[j];
      variance[j] += centred * centred;
    }
  }
  for (let j = 0; j < cols; j++) variance[j] /= rows;
  return { mean, variance };
}

/** Subtracts `mean` (one value per column) from every row; returns a new matrix. */
export function centerRows(m: Matrix, mean: ArrayLike<number>): Matrix {
  const { rows, cols } = m;
  if (mean.length !== cols) {
    throw new Error(`centerRows: the mean has ${mean.length} values, the matrix ${cols} columns`);
  }
  const data = new Float32Array(rows * cols);
  for (let i = 0; i < rows; i++) {
    const start = i * cols;
    for (let j = 0; j < cols; j++) data[start + j] = m.data[start + j] - mean[j];
  }
  return { rows, cols, data };
}
