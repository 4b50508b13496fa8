/**
 * Linear discriminant analysis (LDA) of labelled features: the projection that whitens the
 * within-class scatter and keeps the directions along which the classes' means differ most. In
 * retrieval it is known as learned (supervised) whitening (Radenović, Tolias & Chum, "CNN image
 * retrieval learns from BoW", ECCV 2016; Fisher 1936). Unlike PCA-whitening, which keeps the
 * directions of largest variance whatever they mean, it keeps those that tell the ads apart and
 * damps those along which one bike's photos vary (framing, light, background).
 *
 * With x the features, μ their mean, μ_c the mean of class c and N rows:
 *
 *   S_w = (1/N) Σ_i (x_i − μ_{c(i)})(x_i − μ_{c(i)})ᵀ + s · (tr S_w / D) · I     (shrunk)
 *   Q   = Λ^(−1/2) Vᵀ, from S_w = V Λ Vᵀ                                         (within-whitening)
 *   m_c = Q (μ_c − μ), centred over classes; their top-d principal directions U (d × D)
 *   y   = U Q (x − μ)
 *
 * so that the classes' photos have (about) unit within-class variance in every output direction
 * and the output directions are ordered by between-class variance. At most (classes − 1)
 * directions carry information. The shrinkage s keeps S_w invertible when it is estimated from
 * few photos per class, and trades closed-set fit for open-set generalisation: small values
 * (0.01) fit the training ads best, larger ones (0.1–0.3) generalise better to unseen ads.
 *
 * Cost: one D×D scatter product over the rows (gemm), a full eigen-decomposition of S_w (D³),
 * and a PCA of the C class means.
 */
import { SamebikeError, invalidParameter } from '../util/errors.js';
import { symmetricEigenFast } from './eigen.js';
import { gemm, type Matrix } from './gemm.js';
import { fitWhitening } from './pca.js';

export interface LdaOptions {
  /** Output dimension d, at most classes − 1 and the feature size. Default: the most allowed. */
  dim?: number;
  /**
   * Shrinkage s of the within-class scatter towards (tr S_w / D)·I, in 0..1. Default 0.1;
   * usual 0.01 (closed set) to 0.3 (open set).
   */
  shrinkage?: number;
  /** Seed of the PCA of the class means (its eigen-solver's random start). Default 0. */
  seed?: number;
}

/** A fitted linear projection y = projection·x + bias (the shape heads start from). */
export interface Lda {
  /** Input dimension D. */
  inputDim: number;
  /** Output dimension d. */
  dim: number;
  /** Feature mean μ (length D). */
  mean: Float32Array;
  /** U·Q (d × D). */
  projection: Matrix;
  /** −projection·μ (length d). */
  bias: Float32Array;
  /** Between-class variance along each output direction, decreasing. */
  betweenVariances: Float64Array;
  /** Number of classes the projection was fitted on. */
  classes: number;
  /** The shrinkage used. */
  shrinkage: number;
}

/**
 * Fits LDA on `features` (rows = samples) with `labels[i]` the class of row i (any integers).
 * Throws a SamebikeError when there are fewer than two classes, a label count does not match,
 * or the options are out of range.
 */
export async function fitLda(
  features: Matrix,
  labels: ArrayLike<number>,
  options: LdaOptions = {},
): Promise<Lda> {
  const { rows, cols, data } = features;
  if (labels.length !== rows) {
    throw new SamebikeError(`LDA: ${labels.length} labels for ${rows} feature rows`);
  }
  const shrinkage = options.shrinkage ?? 0.1;
  if (typeof shrinkage !== 'number' || !(shrinkage >= 0 && shrinkage <= 1)) {
    invalidParameter('LDA shrinkage', 'a number in 0..1 (usual 0.01–0.3)', shrinkage);
  }

  // Classes, renumbered 0..C−1 in order of first appearance.
  const classOf = new Int32Array(rows);
  const index = new Map<number, number>();
  for (let i = 0; i < rows; i++) {
    let c = index.get(labels[i]);
    if (c === undefined) {
      c = index.size;
      index.set(labels[i], c);
    }
    classOf[i] = c;
  }
  const classes = index.size;
  if (classes < 2) {
    throw new SamebikeError(
      `LDA: needs at least 2 classes, got ${classes}`,
      'train on photos of at least two ads',
    );
  }
  const maxDim = Math.min(classes - 1, cols);
  const dim = options.dim ?? maxDim;
  if (!Number.isInteger(dim) || dim < 1 || dim > maxDim) {
    invalidParameter(
      'LDA dim',
      `an integer in 1..${maxDim} (classes − 1 = ${classes - 1}, feature size ${cols})`,
      dim,
    );
  }

  // Mean, class means of the centred rows, and the within-class residuals.
  const mean = new Float64Array(cols);
  for (let i = 0; i < rows; i++) {
    for (let j = 0; j < cols; j++) mean[j] += data[i * cols + j];
  }
  for (let j = 0; j < cols; j++) mean[j] /= rows;
  const counts = new Float64Array(classes);
  const sums = new Float64Array(classes * cols);
  for (let i = 0; i < rows; i++) {
    const c = classOf[i];
    counts[c]++;
    for (let j = 0; j < cols; j++) sums[c * cols + j] += data[i * cols + j] - mean[j];
  }
  const classMeans = new Float32Array(classes * cols);
  for (let c = 0; c < classes; c++) {
    for (let j = 0; j < cols; j++) classMeans[c * cols + j] = sums[c * cols + j] / counts[c];
  }
  const residuals = new Float32Array(rows * cols);
  for (let i = 0; i < rows; i++) {
    const c = classOf[i];
    for (let j = 0; j < cols; j++) {
      residuals[i * cols + j] = data[i * cols + j] - mean[j] - classMeans[c * cols + j];
    }
  }
  const residualMatrix: Matrix = { rows, cols, data: residuals };
  const scatter = await gemm(residualMatrix, residualMatrix, { transA: true });

  // Shrunk within-class scatter and its inverse square root Q = Λ^(−1/2)·Vᵀ.
  const within = new Float64Array(cols * cols);
  let trace = 0;
  for (let j = 0; j < cols; j++) trace += scatter.data[j * cols + j] / rows;
  const ridge = (shrinkage * trace) / cols;
  for (let i = 0; i < cols * cols; i++) within[i] = ((1 - shrinkage) * scatter.data[i]) / rows;
  for (let j = 0; j < cols; j++) within[j * cols + j] += ridge;
  const eigen = await symmetricEigenFast(within, cols);
  const floor = Math.max(ridge, trace * 1e-9, Number.MIN_VALUE);
  const q = eigen.vectors;
  for (let i = 0; i < cols; i++) {
    const scale = 1 / Math.sqrt(Math.max(eigen.values[i], floor));
    for (let j = 0; j < cols; j++) q.data[i * cols + j] *= scale;
  }

  // Principal directions of the within-whitened class means.
  const whitenedMeans = await gemm({ rows: classes, cols, data: classMeans }, q, {
    transB: true,
  });
  const between = await fitWhitening(whitenedMeans, { dim, power: 0, seed: options.seed ?? 0 });
  const projection = await gemm(between.components, q);

  const bias = new Float32Array(dim);
  for (let i = 0; i < dim; i++) {
    let dot = 0;
    for (let j = 0; j < cols; j++) dot += projection.data[i * cols + j] * mean[j];
    bias[i] = -dot;
  }
  return {
    inputDim: cols,
    dim,
    mean: Float32Array.from(mean),
    projection,
    bias,
    betweenVariances: Float64Array.from(between.variances),
    classes,
    shrinkage,
  };
}
