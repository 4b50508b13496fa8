/**
 * Slow float64 reference versions of the training maths, for the train tests: the losses straight
 * from their papers' formulas, the heads' forward passes from their JSON weights, and central
 * finite differences.
 */
import { base64ToFloats } from '../src/linalg/base64.js';
import type { Matrix } from '../src/linalg/gemm.js';
import type { HeadJSON } from '../src/train/heads.js';
import { createRandom, randomNormal } from '../src/util/rng.js';

/** Rows of standard normal values, optionally L2-normalised. */
export function randomRows(rows: number, cols: number, seed: number, unit = false): Matrix {
  const random = createRandom(seed);
  const data = new Float32Array(rows * cols);
  for (let r = 0; r < rows; r++) {
    let sum = 0;
    for (let c = 0; c < cols; c++) {
      const v = randomNormal(random);
      data[r * cols + c] = v;
      sum += v * v;
    }
    if (unit) for (let c = 0; c < cols; c++) data[r * cols + c] /= Math.sqrt(sum);
  }
  return { rows, cols, data };
}

/** Central differences of f at x (float64), step h, for every coordinate. */
export function numericGradient(
  f: (x: Float64Array) => number,
  x: Float64Array,
  h = 1e-6,
): Float64Array {
  const g = new Float64Array(x.length);
  for (let i = 0; i < x.length; i++) {
    const keep = x[i];
    x[i] = keep + h;
    const up = f(x);
    x[i] = keep - h;
    const down = f(x);
    x[i] = keep;
    g[i] = (up - down) / (2 * h);
  }
  return g;
}

/** Asserts |a − b| ≤ rtol·max|b| + atol elementwise; returns the worst difference. */
export function closeTo(
  a: ArrayLike<number>,
  b: ArrayLike<number>,
  rtol: number,
  atol = 1e-7,
): number {
  let scale = 0;
  for (let i = 0; i < b.length; i++) scale = Math.max(scale, Math.abs(b[i]));
  let worst = 0;
  for (let i = 0; i < b.length; i++) {
    const d = Math.abs(a[i] - b[i]);
    worst = Math.max(worst, d);
    if (!(d <= rtol * scale + atol)) {
      throw new Error(`element ${i}: ${a[i]} vs ${b[i]} (tolerance ${rtol * scale + atol})`);
    }
  }
  return worst;
}

/**
 * ArcFace (with k sub-centres) from the paper: θ = arccos of the best sub-centre's cosine, target
 * logit s·cos(θ + m) (or s·(cos θ − m·sin m) once θ + m > π), softmax cross-entropy, batch mean.
 * `e` are the embeddings as given (not renormalised), `w` the raw class weights.
 */
export function arcFaceReference(
  e: Float64Array,
  w: Float64Array,
  labels: Int32Array,
  dim: number,
  classes: number,
  k: number,
  margin: number,
  scale: number,
): number {
  const batch = labels.length;
  let total = 0;
  for (let b = 0; b < batch; b++) {
    const logits: number[] = [];
    for (let c = 0; c < classes; c++) {
      let best = -Infinity;
      for (let j = 0; j < k; j++) {
        const row = (c * k + j) * dim;
        let dot = 0;
        let norm = 0;
        for (let t = 0; t < dim; t++) {
          dot += e[b * dim + t] * w[row + t];
          norm += w[row + t] * w[row + t];
        }
        best = Math.max(best, dot / Math.sqrt(norm));
      }
      if (c === labels[b]) {
        const theta = Math.acos(Math.min(1, Math.max(-1, best)));
        const phi =
          theta + margin <= Math.PI ? Math.cos(theta + margin) : best - margin * Math.sin(margin);
        logits.push(scale * phi);
      } else {
        logits.push(scale * best);
      }
    }
    const max = Math.max(...logits);
    const lse = Math.log(logits.reduce((s, v) => s + Math.exp(v - max), 0)) + max;
    total += lse - logits[labels[b]];
  }
  return total / batch;
}

/** Multi-similarity loss with its mining, from the paper's formulas (batch mean over anchors). */
export function multiSimilarityReference(
  e: Float64Array,
  labels: Int32Array,
  dim: number,
  alpha: number,
  beta: number,
  base: number,
  epsilon: number,
): number {
  const n = labels.length;
  const s = (i: number, j: number) => {
    let dot = 0;
    for (let t = 0; t < dim; t++) dot += e[i * dim + t] * e[j * dim + t];
    return dot;
  };
  let total = 0;
  for (let i = 0; i < n; i++) {
    const positives: number[] = [];
    const negatives: number[] = [];
    for (let j = 0; j < n; j++) {
      if (j === i) continue;
      (labels[j] === labels[i] ? positives : negatives).push(s(i, j));
    }
    if (positives.length === 0 || negatives.length === 0) continue;
    const hardestPositive = Math.min(...positives);
    const hardestNegative = Math.max(...negatives);
    const keptPositives = positives.filter((v) => v - epsilon < hardestNegative);
    const keptNegatives = negatives.filter((v) => v + epsilon > hardestPositive);
    total +=
      Math.log(1 + keptPositives.reduce((a, v) => a + Math.exp(-alpha * (v - base)), 0)) / alpha +
      Math.log(1 + keptNegatives.reduce((a, v) => a + Math.exp(beta * (v - base)), 0)) / beta;
  }
  return total / n;
}

/** A head's parameters and fixed arrays decoded to float64, by name. */
export function headArrays(json: HeadJSON): Record<string, Float64Array> {
  const out: Record<string, Float64Array> = {};
  for (const [name, p] of Object.entries({ ...json.parameters, ...json.fixed })) {
    out[name] = Float64Array.from(base64ToFloats(p.data, name));
  }
  out.mean = Float64Array.from(base64ToFloats(json.mean, 'mean'));
  out.inverseStd = Float64Array.from(base64ToFloats(json.inverseStd, 'inverseStd'));
  return out;
}

/** The head's forward pass in float64 for one input row, from its arrays (see heads.ts). */
export function headReference(
  json: HeadJSON,
  a: Record<string, Float64Array>,
  x: ArrayLike<number>,
): Float64Array {
  const n = json.inputDim;
  const d = json.outputDim;
  const h = json.hiddenSize;
  const s = new Float64Array(n);
  for (let j = 0; j < n; j++) {
    const standardized = (x[j] - a.mean[j]) * a.inverseStd[j];
    s[j] = json.learnableAffine
      ? standardized * a['standardize.gamma'][j] + a['standardize.beta'][j]
      : standardized;
  }
  const affine = (
    w: Float64Array,
    b: Float64Array | undefined,
    input: Float64Array,
    rows: number,
  ) => {
    const cols = input.length;
    const y = new Float64Array(rows);
    for (let i = 0; i < rows; i++) {
      let sum = b ? b[i] : 0;
      for (let j = 0; j < cols; j++) sum += w[i * cols + j] * input[j];
      y[i] = sum;
    }
    return y;
  };
  const relu = (v: Float64Array) => v.map((u) => (u > 0 ? u : 0));
  let z: Float64Array;
  if (json.kind === 'linear') {
    z = affine(a['linear.weight'], a['linear.bias'], s, d);
  } else if (json.kind === 'mlp') {
    const hidden = relu(affine(a['mlp.weight1'], a['mlp.bias1'], s, h));
    z = affine(a['mlp.weight2'], a['mlp.bias2'], hidden, d);
  } else {
    const p = affine(a['residual.projection'], a['residual.projection_bias'], s, d);
    const hidden = relu(affine(a['residual.weight1'], a['residual.bias1'], p, h));
    const correction = affine(a['residual.weight2'], a['residual.bias2'], hidden, d);
    z = p.map((v, i) => v + correction[i]);
  }
  const norm = Math.sqrt(z.reduce((t, v) => t + v * v, 0));
  return z.map((v) => v / norm);
}
