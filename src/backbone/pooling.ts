/**
 * Pooling a backbone's feature map (batch × channels × h × w, NCHW) into one vector per image:
 * average, max, and generalised mean (GeM). All three return a batch × channels Matrix.
 */
import { invalidParameter } from '../util/errors.js';
import type { Matrix } from '../util/npy.js';

/** A batch of feature maps in NCHW order. */
export interface FeatureMap {
  n: number;
  channels: number;
  height: number;
  width: number;
  /** n·channels·height·width values, NCHW. */
  data: Float32Array;
}

/** How to pool a feature map: average, max, or GeM with exponent p. */
export type Pooling = { kind: 'average' } | { kind: 'max' } | { kind: 'gem'; p?: number };

/** Default GeM exponent; Radenović et al. report p ≈ 3 as a good fixed value. */
export const DEFAULT_GEM_P = 3;

/** Floor applied to activations before the power in GeM, so that x^p stays defined. */
export const GEM_EPSILON = 1e-6;

function check(map: FeatureMap): number {
  const area = map.height * map.width;
  if (map.data.length !== map.n * map.channels * area) {
    throw new Error(
      `feature map ${map.n}×${map.channels}×${map.height}×${map.width} needs ` +
        `${map.n * map.channels * area} values, got ${map.data.length}`,
    );
  }
  if (area === 0) throw new Error('feature map has no spatial positions to pool');
  return area;
}

/** Mean over the h×w positions of each channel (global average pooling). */
export function averagePool(map: FeatureMap): Matrix {
  const area = check(map);
  const out = new Float32Array(map.n * map.channels);
  for (let r = 0; r < out.length; r++) {
    let sum = 0;
    const start = r * area;
    for (let i = 0; i < area; i++) sum += map.data[start + i];
    out[r] = sum / area;
  }
  return { rows: map.n, cols: map.channels, data: out };
}

/** Maximum over the h×w positions of each channel (global max pooling, MAC). */
export function maxPool(map: FeatureMap): Matrix {
  const area = check(map);
  const out = new Float32Array(map.n * map.channels);
  for (let r = 0; r < out.length; r++) {
    let best = -Infinity;
    const start = r * area;
    for (let i = 0; i < area; i++) if (map.data[start + i] > best) best = map.data[start + i];
    out[r] = best;
  }
  return { rows: map.n, cols: map.channels, data: out };
}

/**
 * Generalised mean pooling: (mean over positions of max(x, ε)^p)^(1/p). p = 1 is average pooling
 * and p → ∞ approaches max pooling. Default p = 3, usual range 1–6. Activations are floored at
 * ε = 1e-6 first, as in the paper's code. Radenović, Tolias, Chum, "Fine-tuning CNN Image
 * Retrieval with No Human Annotation", TPAMI 2018, https://arxiv.org/abs/1711.02512
 */
export function gemPool(map: FeatureMap, p = DEFAULT_GEM_P): Matrix {
  if (!Number.isFinite(p) || p <= 0) invalidParameter('pooling.p', 'a number > 0', p);
  const area = check(map);
  const out = new Float32Array(map.n * map.channels);
  for (let r = 0; r < out.length; r++) {
    let sum = 0;
    const start = r * area;
    for (let i = 0; i < area; i++) {
      const v = map.data[start + i];
      sum += Math.pow(v > GEM_EPSILON ? v : GEM_EPSILON, p);
    }
    out[r] = Math.pow(sum / area, 1 / p);
  }
  return { rows: map.n, cols: map.channels, data: out };
}

/** Pools a feature map the way `pooling` says. */
export function poolFeatureMap(map: FeatureMap, pooling: Pooling): Matrix {
  switch (pooling.kind) {
    case 'average':
      return averagePool(map);
    case 'max':
      return maxPool(map);
    case 'gem':
      return gemPool(map, pooling.p ?? DEFAULT_GEM_P);
  }
}
