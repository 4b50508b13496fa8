/**
 * Creating a loss from its settings: ArcFace, sub-center ArcFace or multi-similarity.
 */
import { invalidParameter } from '../../util/errors.js';
import { ArcFaceLoss } from './arcface.js';
import type { EmbeddingLoss, LossKind } from './base.js';
import { MultiSimilarityLoss } from './multi-similarity.js';
import { SubCenterArcFaceLoss } from './subcenter-arcface.js';

export type { EmbeddingLoss, LossJSON, LossKind, LossResult } from './base.js';

export interface LossOptions {
  kind: LossKind;
  /** Number of classes (ArcFace losses). */
  classes: number;
  /** Embedding dimension. */
  dim: number;
  /** ArcFace margin (radians), scale and sub-centres; see arcface.ts. */
  margin?: number;
  scale?: number;
  subcenters?: number;
  /** Multi-similarity α, β, base λ and mining ε; see multi-similarity.ts. */
  msAlpha?: number;
  msBeta?: number;
  msBase?: number;
  msEpsilon?: number;
}

export function createLoss(options: LossOptions): EmbeddingLoss {
  switch (options.kind) {
    case 'arcface':
      return new ArcFaceLoss({ ...options, subcenters: 1 });
    case 'subcenter_arcface':
      return new SubCenterArcFaceLoss(options);
    case 'multi_similarity':
      return new MultiSimilarityLoss({
        alpha: options.msAlpha,
        beta: options.msBeta,
        base: options.msBase,
        epsilon: options.msEpsilon,
      });
    default:
      return invalidParameter(
        'loss kind',
        'arcface, subcenter_arcface or multi_similarity',
        options.kind,
      );
  }
}
