/**
 * PCA-whitening of backbone features, fitted on training features: subtract the mean, project on
 * the top-d eigenvectors of the covariance, and scale each component by (variance + ε)^(−power).
 * With power 0.5 every component gets unit variance (full whitening); with power 0 it is a plain
 * PCA rotation; values between shrink the whitening, which keeps the noisy low-variance
 * directions from being amplified as much (Jégou & Chum 2012, "Negative evidences and
 * co-occurrences in image retrieval: the benefit of PCA and whitening", ECCV). Whitened,
 * L2-normalised CNN features are a strong zero-shot baseline for retrieval, and the heads start
 * from this projection.
 *
 * Cost: one D×D covariance product and the top-d eigenvectors (see subspace.ts); with fewer rows
 * than dimensions the N×N Gram matrix is used instead.
 */
import { SamebikeError, invalidParameter } from '../util/errors.js';
import { base64ToFloats, floatsToBase64 } from './base64.js';
import { gemm, type Matrix } from './gemm.js';
import { centerRows, columnStatistics } from './normalize.js';
import { topEigen } from './subspace.js';

export interface WhiteningOptions {
  /**
   * Output dimension d: how many principal components are kept. Default 512; at most
   * min(rows − 1, features' dimension). Usual range 128–1024.
   */
  dim?: number;
  /**
   * Exponent of the scaling (variance + ε)^(−power): 0.5 = full whitening (default), 0 = PCA
   * rotation without scaling, 0.25 = half-way (shrunk whitening). Range 0–1; usual 0.25–0.5.
   */
  power?: number;
  /**
   * Regulariser ε added to every variance before scaling, as a fraction of the mean variance per
   * input dimension (trace of the covariance / D). Default 1e-3; usual range 1e-5–1e-1. Larger
   * values damp the amplification of weak components.
   */
  epsilon?: number;
  /** Power iterations of the eigen-solver (subspace.ts). Default 4. */
  iterations?: number;
  /** Seed of the eigen-solver's random start. Default 0. */
  seed?: number;
}

/** A fitted PCA-whitening: y = projection·x + bias = diag(scale)·components·(x − mean). */
export interface Whitening {
  /** Input dimension D. */
  inputDim: number;
  /** Output dimension d. */
  dim: number;
  /** Feature mean (length D). */
  mean: Float32Array;
  /** Principal directions as orthonormal rows (d × D), by decreasing variance. */
  components: Matrix;
  /** Variance of the training features along each component (covariance eigenvalues). */
  variances: Float64Array;
  /** Total variance of the training features (trace of the covariance). */
  totalVariance: number;
  /** The exponent used, see WhiteningOptions.power. */
  power: number;
  /** The regulariser as a fraction of the mean variance, see WhiteningOptions.epsilon. */
  epsilon: number;
  /** diag(scale)·components (d × D). */
  projection: Matrix;
  /** −projection·mean (length d). */
  bias: Float32Array;
}

/** Rows per covariance chunk, to bound memory for many rows. */
const CHUNK = 8192;

/**
 * Fits a PCA-whitening on `features` (rows = samples). Throws a SamebikeError when the options
 * are out of range or the features span fewer independent directions than `dim`.
 */
export async function fitWhitening(
  features: Matrix,
  options: WhiteningOptions = {},
): Promise<Whitening> {
  const { rows, cols } = features;
  const dim = options.dim ?? 512;
  const power = options.power ?? 0.5;
  const epsilon = options.epsilon ?? 1e-3;
  if (rows < 2) {
    throw new SamebikeError(`PCA-whitening: needs at least 2 feature rows, got ${rows}`);
  }
  const maxDim = Math.min(rows - 1, cols);
  if (!Number.isInteger(dim) || dim < 1 || dim > maxDim) {
    invalidParameter(
      'whitening dim',
      `an integer in 1..${maxDim} (at most rows − 1 = ${rows - 1} and the feature size ${cols})`,
      dim,
    );
  }
  if (typeof power !== 'number' || !(power >= 0 && power <= 1)) {
    invalidParameter('whitening power', 'a number in 0..1 (0.5 = full whitening)', power);
  }
  if (typeof epsilon !== 'number' || !(epsilon >= 0) || !Number.isFinite(epsilon)) {
    invalidParameter('whitening epsilon', 'a finite number ≥ 0 (usual 1e-5–1e-1)', epsilon);
  }
  checkFinite(features);

  const stats = columnStatistics(features);
  let totalVariance = 0;
  for (let j = 0; j < cols; j++) totalVariance += (stats.variance[j] * rows) / (rows - 1);
  const eigenOptions = { iterations: options.iterations, seed: options.seed };

  let variances: Float64Array;
  let components: Matrix;
  if (rows <= cols) {
    // Fewer samples than dimensions: eigenvectors of the N×N Gram matrix G = Xc·Xcᵀ/(N−1) map to
    // those of the covariance by v = Xcᵀu / sqrt((N−1)λ).
    const centred = centerRows(features, stats.mean);
    const gram = await gemm(centred, centred, { transB: true });
    for (let i = 0; i < gram.data.length; i++) gram.data[i] /= rows - 1;
    const top = await topEigen(gram, dim, eigenOptions);
    variances = top.values;
    checkRank(variances, dim);
    components = await gemm(top.vectors, centred);
    for (let i = 0; i < dim; i++) {
      const scale = 1 / Math.sqrt((rows - 1) * variances[i]);
      for (let j = 0; j < cols; j++) components.data[i * cols + j] *= scale;
    }
  } else {
    const covariance = await covarianceMatrix(features, stats.mean);
    const top = await topEigen(covariance, dim, eigenOptions);
    variances = top.values;
    checkRank(variances, dim);
    components = top.vectors;
  }

  return buildWhitening({
    mean: Float32Array.from(stats.mean),
    components,
    variances,
    totalVariance,
    power,
    epsilon,
  });
}

/** Applies the whitening to every row: y = projection·(x) + bias. Returns rows × d. */
export async function applyWhitening(whitening: Whitening, features: Matrix): Promise<Matrix> {
  if (features.cols !== whitening.inputDim) {
    throw new SamebikeError(
      `PCA-whitening: features have ${features.cols} values per row, the whitening was fitted ` +
        `on ${whitening.inputDim}`,
      'use features from the same backbone and pooling as the whitening',
    );
  }
  const d = whitening.dim;
  const bias = new Float32Array(features.rows * d);
  for (let i = 0; i < features.rows; i++) bias.set(whitening.bias, i * d);
  return gemm(features, whitening.projection, {
    transB: true,
    add: { rows: features.rows, cols: d, data: bias },
  });
}

/** The fraction of the training features' total variance kept by the d components. */
export function explainedVariance(whitening: Whitening): number {
  let kept = 0;
  for (const v of whitening.variances) kept += v;
  return whitening.totalVariance > 0 ? kept / whitening.totalVariance : 0;
}

/** The JSON form of a whitening (arrays as base64 float32). */
export interface WhiteningJSON {
  kind: 'pca-whitening';
  inputDim: number;
  dim: number;
  power: number;
  epsilon: number;
  totalVariance: number;
  variances: number[];
  mean: string;
  components: string;
}

/** Serialises a whitening; `whiteningFromJSON` restores it exactly (float32 arrays). */
export function whiteningToJSON(whitening: Whitening): WhiteningJSON {
  return {
    kind: 'pca-whitening',
    inputDim: whitening.inputDim,
    dim: whitening.dim,
    power: whitening.power,
    epsilon: whitening.epsilon,
    totalVariance: whitening.totalVariance,
    variances: Array.from(whitening.variances),
    mean: floatsToBase64(whitening.mean),
    components: floatsToBase64(whitening.components.data),
  };
}

/** Restores a whitening from its JSON form; `source` names the file or field in errors. */
export function whiteningFromJSON(json: unknown, source = 'whitening'): Whitening {
  const j = json as Partial<WhiteningJSON> | null;
  if (!j || typeof j !== 'object' || j.kind !== 'pca-whitening') {
    throw new SamebikeError(`${source}: expected an object with kind "pca-whitening"`);
  }
  const inputDim = j.inputDim;
  const dim = j.dim;
  if (!Number.isInteger(inputDim) || !Number.isInteger(dim) || !Array.isArray(j.variances)) {
    throw new SamebikeError(`${source}: inputDim, dim and variances must be present`);
  }
  if (j.variances.length !== dim) {
    throw new SamebikeError(`${source}: ${j.variances.length} variances for dim ${dim}`);
  }
  const d = dim as number;
  const inDim = inputDim as number;
  return buildWhitening({
    mean: base64ToFloats(j.mean, `${source}.mean`, inDim),
    components: {
      rows: d,
      cols: inDim,
      data: base64ToFloats(j.components, `${source}.components`, d * inDim),
    },
    variances: Float64Array.from(j.variances),
    totalVariance: Number(j.totalVariance),
    power: Number(j.power),
    epsilon: Number(j.epsilon),
  });
}

function buildWhitening(parts: {
  mean: Float32Array;
  components: Matrix;
  variances: Float64Array;
  totalVariance: number;
  power: number;
  epsilon: number;
}): Whitening {
  const { mean, components, variances, totalVariance, power, epsilon } = parts;
  const d = components.rows;
  const inputDim = components.cols;
  const regulariser = (epsilon * totalVariance) / inputDim;
  const projection = new Float32Array(d * inputDim);
  const bias = new Float32Array(d);
  for (let i = 0; i < d; i++) {
    const scale = Math.pow(Math.max(0, variances[i]) + regulariser, -power);
    const row = i * inputDim;
    let dot = 0;
    for (let j = 0; j < inputDim; j++) {
      const p = components.data[row + j] * scale;
      projection[row + j] = p;
      dot += p * mean[j];
    }
    bias[i] = -dot;
  }
  return {
    inputDim,
    dim: d,
    mean,
    components,
    variances,
    totalVariance,
    power,
    epsilon,
    projection: { rows: d, cols: inputDim, data: projection },
    bias,
  };
}

/**
 * The covariance (D×D, divided by N−1) of the rows. Only the blocks on and below the diagonal are
 * multiplied (the matrix is symmetric), over chunks of rows to bound memory.
 */
async function covarianceMatrix(features: Matrix, mean: Float64Array): Promise<Matrix> {
  const { rows, cols } = features;
  const blocks = cols >= 1024 ? 4 : cols >= 256 ? 2 : 1;
  const edges = Array.from({ length: blocks + 1 }, (_, i) => Math.round((i * cols) / blocks));
  const sums = new Map<string, Matrix>();
  for (let start = 0; start < rows; start += CHUNK) {
    const count = Math.min(CHUNK, rows - start);
    // The centred chunk, transposed (cols × count), so that a column block is a row block.
    const t = new Float32Array(cols * count);
    for (let i = 0; i < count; i++) {
      const from = (start + i) * cols;
      for (let j = 0; j < cols; j++) t[j * count + i] = features.data[from + j] - mean[j];
    }
    const block = (b: number): Matrix => ({
      rows: edges[b + 1] - edges[b],
      cols: count,
      data: t.subarray(edges[b] * count, edges[b + 1] * count),
    });
    for (let bi = 0; bi < blocks; bi++) {
      for (let bj = 0; bj <= bi; bj++) {
        const key = `${bi},${bj}`;
        sums.set(key, await gemm(block(bi), block(bj), { transB: true, add: sums.get(key) }));
      }
    }
  }
  const c = new Float32Array(cols * cols);
  const scale = 1 / (rows - 1);
  for (let bi = 0; bi < blocks; bi++) {
    for (let bj = 0; bj <= bi; bj++) {
      const sum = sums.get(`${bi},${bj}`) as Matrix;
      for (let i = 0; i < sum.rows; i++) {
        for (let j = 0; j < sum.cols; j++) {
          const v = sum.data[i * sum.cols + j] * scale;
          const r = edges[bi] + i;
          const q = edges[bj] + j;
          c[r * cols + q] = v;
          c[q * cols + r] = v;
        }
      }
    }
  }
  return { rows: cols, cols, data: c };
}

function checkFinite(features: Matrix): void {
  const { data, cols } = features;
  for (let i = 0; i < data.length; i++) {
    if (!Number.isFinite(data[i])) {
      throw new SamebikeError(
        `PCA-whitening: feature row ${Math.floor(i / cols)}, column ${i % cols} is ${data[i]}`,
        'the feature cache holds NaN or infinite values; re-extract the features',
      );
    }
  }
}

function checkRank(variances: Float64Array, dim: number): void {
  const last = variances[dim - 1];
  if (!(last > 1e-6 * variances[0])) {
    let rank = 0;
    while (rank < dim && variances[rank] > 1e-6 * variances[0]) rank++;
    throw new SamebikeError(
      `PCA-whitening: the features span only about ${rank} independent directions, fewer than ` +
        `the ${dim} components asked for`,
      `lower the whitening dim to at most ${rank}, or add more distinct photos ` +
        '(duplicates and constant features add no directions)',
    );
  }
}
