/**
 * ArcFace: additive angular margin loss (Deng et al. 2019, "ArcFace: Additive Angular Margin Loss
 * for Deep Face Recognition", arXiv:1801.07698). Each class has a weight vector (its centre); with
 * θ the angle between a unit embedding and its class's unit weight, the target logit is
 * s·cos(θ + m) and the others s·cos θⱼ, followed by softmax cross-entropy. When θ + m would pass
 * π the target logit continues as s·(cos θ − m·sin m), as in the authors' code, so the logit
 * stays monotonic in θ.
 *
 * With k > 1 this is sub-center ArcFace (see subcenter-arcface.ts): each class has k weight
 * vectors and cos θ for the class is the largest of the k cosines.
 */
import { SamebikeError } from '../../util/errors.js';
import { randomNormal, type Random } from '../../util/rng.js';
import { gemm, type Matrix } from '../../linalg/gemm.js';
import { base64ToFloats, floatsToBase64 } from '../../linalg/base64.js';
import { addGradient, createParameter, type Parameter } from '../params.js';
import type { EmbeddingLoss, LossJSON, LossKind, LossResult } from './base.js';

export interface ArcFaceOptions {
  /** Number of classes (labels 0..classes−1). */
  classes: number;
  /** Embedding dimension. */
  dim: number;
  /** Additive angular margin m in radians. Default 0.3; usual 0.1–0.5. */
  margin?: number;
  /** Logit scale s. Default 30; usual 16–64. */
  scale?: number;
  /** Sub-centres per class k (1 = plain ArcFace). Default 1; usual 1–3. */
  subcenters?: number;
}

/** Clamp of cos θ away from ±1 when computing sin θ, so the gradient stays finite. */
const COS_LIMIT = 1 - 1e-7;

export class ArcFaceLoss implements EmbeddingLoss {
  readonly kind: LossKind;
  readonly classes: number;
  readonly dim: number;
  readonly margin: number;
  readonly scale: number;
  readonly subcenters: number;
  /** Class weights, (classes·k) × dim; rows c·k .. c·k+k−1 belong to class c. */
  readonly weights: Parameter;

  constructor(options: ArcFaceOptions, kind: LossKind = 'arcface') {
    const { classes, dim } = options;
    this.margin = options.margin ?? 0.3;
    this.scale = options.scale ?? 30;
    this.subcenters = options.subcenters ?? 1;
    this.kind = kind;
    checkNumber('ArcFace margin', this.margin, 0, Math.PI / 2, 'radians, usual 0.1–0.5');
    checkNumber('ArcFace scale', this.scale, 1e-3, 1e4, 'usual 16–64');
    if (!Number.isInteger(this.subcenters) || this.subcenters < 1) {
      throw new SamebikeError(`sub-centres: expected an integer ≥ 1, got ${this.subcenters}`);
    }
    if (!Number.isInteger(classes) || classes < 2) {
      throw new SamebikeError(
        `ArcFace: needs at least 2 classes (labels), got ${classes}`,
        'training needs photos of at least two different ads',
      );
    }
    this.classes = classes;
    this.dim = dim;
    this.weights = createParameter('loss.class_weights', classes * this.subcenters, dim, {
      group: 'classes',
      decay: false,
    });
  }

  parameters(): Parameter[] {
    return [this.weights];
  }

  initializeFromEmbeddings(embeddings: Matrix, labels: Int32Array, random: Random): void {
    const { classes, dim, subcenters } = this;
    const sums = new Float64Array(classes * dim);
    const counts = new Int32Array(classes);
    for (let r = 0; r < embeddings.rows; r++) {
      const c = labels[r];
      counts[c]++;
      for (let j = 0; j < dim; j++) sums[c * dim + j] += embeddings.data[r * dim + j];
    }
    const w = this.weights.value;
    for (let c = 0; c < classes; c++) {
      for (let s = 0; s < subcenters; s++) {
        const row = (c * subcenters + s) * dim;
        // A class without rows gets a random centre; sub-centres get a small random spread.
        const noise = counts[c] === 0 ? 1 : subcenters > 1 ? 0.05 : 0;
        let norm = 0;
        for (let j = 0; j < dim; j++) {
          const mean = counts[c] > 0 ? sums[c * dim + j] / counts[c] : 0;
          const v = mean + (noise > 0 ? (noise * randomNormal(random)) / Math.sqrt(dim) : 0);
          w[row + j] = v;
          norm += v * v;
        }
        const inv = norm > 0 ? 1 / Math.sqrt(norm) : 0;
        for (let j = 0; j < dim; j++) w[row + j] *= inv;
      }
    }
  }

  async forward(embeddings: Matrix, labels: Int32Array): Promise<LossResult> {
    const { classes, dim, subcenters, scale, margin } = this;
    const batch = embeddings.rows;
    if (embeddings.cols !== dim || labels.length !== batch) {
      throw new Error(`ArcFace: ${batch}×${embeddings.cols} embeddings, ${labels.length} labels`);
    }
    const centres = classes * subcenters;

    // Cosines of every embedding with every centre: (E·Wᵀ) divided by the centres' norms, so
    // the unit weights ŵ = w/‖w‖ are never formed.
    const w = this.weights.value;
    const weights: Matrix = { rows: centres, cols: dim, data: w };
    const inverseNorms = new Float64Array(centres);
    for (let r = 0; r < centres; r++) {
      const row = r * dim;
      let sum = 0;
      for (let j = 0; j < dim; j++) sum += w[row + j] * w[row + j];
      inverseNorms[r] = 1 / Math.max(Math.sqrt(sum), 1e-12);
    }
    const cosines = (await gemm(embeddings, weights, { transB: true })).data;
    for (let b = 0; b < batch; b++) {
      for (let r = 0; r < centres; r++) cosines[b * centres + r] *= inverseNorms[r];
    }

    // Per class: the best sub-centre's cosine and which one it was.
    const best = new Int32Array(batch * classes);
    const cos = new Float64Array(batch * classes);
    for (let b = 0; b < batch; b++) {
      for (let c = 0; c < classes; c++) {
        let arg = 0;
        let value = cosines[b * centres + c * subcenters];
        for (let s = 1; s < subcenters; s++) {
          const v = cosines[b * centres + c * subcenters + s];
          if (v > value) {
            value = v;
            arg = s;
          }
        }
        best[b * classes + c] = arg;
        cos[b * classes + c] = value;
      }
    }

    // Margin on the target logit, softmax cross-entropy, d loss / d cos (only the chosen
    // sub-centre of each class has one).
    const cosM = Math.cos(margin);
    const sinM = Math.sin(margin);
    const threshold = Math.cos(Math.PI - margin);
    const fallback = Math.sin(Math.PI - margin) * margin;
    const dCos = new Float32Array(batch * centres);
    const exps = new Float64Array(classes);
    let total = 0;
    for (let b = 0; b < batch; b++) {
      const y = labels[b];
      if (!(y >= 0 && y < classes)) {
        throw new Error(`ArcFace: label ${y} outside 0..${classes - 1}`);
      }
      const row = b * classes;
      const ct = cos[row + y];
      let phi: number;
      let dPhi: number;
      if (ct > threshold) {
        const clamped = Math.min(COS_LIMIT, Math.max(-COS_LIMIT, ct));
        const sin = Math.sqrt(1 - clamped * clamped);
        phi = ct * cosM - sin * sinM;
        dPhi = cosM + (sinM * clamped) / sin;
      } else {
        phi = ct - fallback;
        dPhi = 1;
      }
      let max = scale * phi;
      for (let c = 0; c < classes; c++) if (c !== y) max = Math.max(max, scale * cos[row + c]);
      let sum = 0;
      for (let c = 0; c < classes; c++) {
        const e = Math.exp(scale * (c === y ? phi : cos[row + c]) - max);
        exps[c] = e;
        sum += e;
      }
      total += Math.log(sum) + max - scale * phi;
      const factor = scale / (sum * batch);
      for (let c = 0; c < classes; c++) {
        const g = c === y ? (factor * exps[c] - scale / batch) * dPhi : factor * exps[c];
        dCos[b * centres + c * subcenters + best[row + c]] = g;
      }
    }

    // With ŵ_r = w_r/n_r: d loss / d e_b = Σ_r dCos_br·ŵ_r, d loss / d ŵ_r = Σ_b dCos_br·e_b, and
    // through the normalisation d loss / d w_r = (d ŵ_r − ŵ_r·t_r)/n_r where
    // t_r = ŵ_r·d ŵ_r = Σ_b dCos_br·cos_br. Both products take dCos scaled by 1/n_r.
    const along = new Float64Array(centres);
    for (let b = 0; b < batch; b++) {
      for (let r = 0; r < centres; r++) {
        const i = b * centres + r;
        along[r] += dCos[i] * cosines[i];
        dCos[i] *= inverseNorms[r];
      }
    }
    const scaled: Matrix = { rows: batch, cols: centres, data: dCos };
    const gradient = await gemm(scaled, weights);
    const dWeights = (await gemm(scaled, embeddings, { transA: true })).data;
    for (let r = 0; r < centres; r++) {
      const row = r * dim;
      const f = along[r] * inverseNorms[r] * inverseNorms[r];
      if (f === 0) continue;
      for (let j = 0; j < dim; j++) dWeights[row + j] -= f * w[row + j];
    }
    addGradient(this.weights, dWeights);
    return { loss: total / batch, gradient };
  }

  toJSON(): LossJSON {
    return {
      kind: this.kind,
      settings: {
        classes: this.classes,
        dim: this.dim,
        margin: this.margin,
        scale: this.scale,
        subcenters: this.subcenters,
      },
      parameters: { [this.weights.name]: floatsToBase64(this.weights.value) },
    };
  }

  loadParameters(json: LossJSON, source: string): void {
    const text = json.parameters?.[this.weights.name];
    this.weights.value.set(
      base64ToFloats(text, `${source}.${this.weights.name}`, this.weights.value.length),
    );
  }
}

function checkNumber(name: string, value: number, min: number, max: number, usual: string): void {
  if (typeof value !== 'number' || !(value >= min && value <= max)) {
    throw new SamebikeError(
      `${name}: expected a number in ${min}..${max} (${usual}), got ${value}`,
    );
  }
}
