/**
 * Multi-similarity loss with its pair mining (Wang et al. 2019, "Multi-Similarity Loss with
 * General Pair Weighting for Deep Metric Learning", arXiv:1904.06044), chosen over batch-hard
 * triplets because it weighs every informative pair instead of one per anchor.
 *
 * With S the cosine similarities of a batch, for each anchor i, positives P (same label, j ≠ i)
 * and negatives N:
 *
 * - mining keeps a negative j when S_ij > min_{k∈P} S_ik − ε, and a positive j when
 *   S_ij < max_{k∈N} S_ik + ε (ε = 0.1);
 * - L_i = (1/α)·log(1 + Σ_{kept P} e^{−α(S_ij − λ)}) + (1/β)·log(1 + Σ_{kept N} e^{β(S_ij − λ)});
 * - the loss is the mean of L_i over the batch's anchors (anchors without a positive or a
 *   negative contribute 0). Defaults α = 2, β = 50, λ (base) = 0.5, as in the paper.
 *
 * It has no parameters and needs positives in every batch: use the P×K sampler.
 */
import { SamebikeError } from '../../util/errors.js';
import { gemm, type Matrix } from '../../linalg/gemm.js';
import type { EmbeddingLoss, LossJSON, LossResult } from './base.js';
import type { Parameter } from '../params.js';

export interface MultiSimilarityOptions {
  /** Weight of positive pairs α. Default 2; usual 1–4. */
  alpha?: number;
  /** Weight of negative pairs β. Default 50; usual 20–60. */
  beta?: number;
  /** Similarity margin λ (the paper's base). Default 0.5; usual 0.3–0.8. */
  base?: number;
  /** Mining margin ε. Default 0.1. */
  epsilon?: number;
}

export class MultiSimilarityLoss implements EmbeddingLoss {
  readonly kind = 'multi_similarity';
  readonly alpha: number;
  readonly beta: number;
  readonly base: number;
  readonly epsilon: number;

  constructor(options: MultiSimilarityOptions = {}) {
    this.alpha = options.alpha ?? 2;
    this.beta = options.beta ?? 50;
    this.base = options.base ?? 0.5;
    this.epsilon = options.epsilon ?? 0.1;
    for (const [name, value] of [
      ['multi-similarity alpha', this.alpha],
      ['multi-similarity beta', this.beta],
    ] as const) {
      if (typeof value !== 'number' || !(value > 0) || !Number.isFinite(value)) {
        throw new SamebikeError(`${name}: expected a positive number, got ${value}`);
      }
    }
    if (!Number.isFinite(this.base) || !Number.isFinite(this.epsilon) || this.epsilon < 0) {
      throw new SamebikeError(
        `multi-similarity: base must be a number and epsilon ≥ 0, got ${this.base}, ${this.epsilon}`,
      );
    }
  }

  parameters(): Parameter[] {
    return [];
  }

  initializeFromEmbeddings(): void {}

  async forward(embeddings: Matrix, labels: Int32Array): Promise<LossResult> {
    const n = embeddings.rows;
    if (labels.length !== n)
      throw new Error(`multi-similarity: ${n} embeddings, ${labels.length} labels`);
    const { alpha, beta, base, epsilon } = this;
    const s = await gemm(embeddings, embeddings, { transB: true });

    // G_ij = d loss / d S_ij; S is symmetric, so d loss / d E = (G + Gᵀ)·E.
    const g = new Float32Array(n * n);
    let total = 0;
    for (let i = 0; i < n; i++) {
      let minPositive = Infinity;
      let maxNegative = -Infinity;
      for (let j = 0; j < n; j++) {
        if (j === i) continue;
        const v = s.data[i * n + j];
        if (labels[j] === labels[i]) minPositive = Math.min(minPositive, v);
        else maxNegative = Math.max(maxNegative, v);
      }
      if (minPositive === Infinity || maxNegative === -Infinity) continue;

      let positiveSum = 0;
      let negativeSum = 0;
      for (let j = 0; j < n; j++) {
        if (j === i) continue;
        const v = s.data[i * n + j];
        if (labels[j] === labels[i]) {
          if (v - epsilon < maxNegative) positiveSum += Math.exp(-alpha * (v - base));
        } else if (v + epsilon > minPositive) {
          negativeSum += Math.exp(beta * (v - base));
        }
      }
      total += Math.log1p(positiveSum) / alpha + Math.log1p(negativeSum) / beta;
      for (let j = 0; j < n; j++) {
        if (j === i) continue;
        const v = s.data[i * n + j];
        if (labels[j] === labels[i]) {
          if (v - epsilon < maxNegative) {
            g[i * n + j] = -Math.exp(-alpha * (v - base)) / (1 + positiveSum) / n;
          }
        } else if (v + epsilon > minPositive) {
          g[i * n + j] = Math.exp(beta * (v - base)) / (1 + negativeSum) / n;
        }
      }
    }

    const symmetric = new Float32Array(n * n);
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < n; j++) symmetric[i * n + j] = g[i * n + j] + g[j * n + i];
    }
    const gradient = await gemm({ rows: n, cols: n, data: symmetric }, embeddings);
    return { loss: total / n, gradient };
  }

  toJSON(): LossJSON {
    const { alpha, beta, base, epsilon } = this;
    return { kind: this.kind, settings: { alpha, beta, base, epsilon }, parameters: {} };
  }

  loadParameters(): void {}
}
