/**
 * The settings of a head-training run, their defaults and their validation. The defaults follow
 * what worked on cached frozen-backbone features: square-rooted, standardised input, a head
 * initialised from an LDA of the training ads (learned whitening), ArcFace with margin 0.8 and scale 30, AdamW at 3e-4, a cosine schedule with one warm-up
 * epoch, 30 epochs, keeping the best epoch by validation. (The reference run's margin 0.1, scale
 * 45, 5 epochs and batch 16 overfit a linear head on these features.)
 */
import { SamebikeError, describeValue } from '../util/errors.js';
import type { HeadKind } from './heads.js';
import type { LossKind } from './losses/base.js';
import type { OptimizerKind } from './optim.js';
import type { SamplerKind } from './sampler.js';
import type { ScheduleKind } from './schedule.js';

export interface TrainConfig {
  /** Head: linear, mlp or residual (see heads.ts). Default linear. */
  headKind: HeadKind;
  /** Embedding size d; also the number of whitening components. Default 512; usual 128–512. */
  embeddingSize: number;
  /** Hidden width of the mlp and residual heads. Default 1024 (≥ 2·d lets the mlp start exact). */
  hiddenSize: number;
  /** Learnable scale and shift after the input standardisation (batch norm's γ, β). Default false. */
  learnableAffine: boolean;
  /** Whitening exponent: variance^(−power); 0.5 = full whitening, 0 = PCA only. Default 0.5. */
  whiteningPower: number;
  /** Whitening regulariser, a fraction of the mean variance (see pca.ts). Default 1e-3. */
  whiteningEpsilon: number;
  /**
   * Where the head starts: lda (the projection that separates the training ads best, see
   * linalg/lda.ts) or pca (PCA-whitening, unsupervised). Default lda.
   */
  headInit: 'lda' | 'pca';
  /** LDA shrinkage of the within-class scatter, 0..1 (see lda.ts). Default 0.1. */
  ldaShrinkage: number;
  /** Power normalisation of the features before the head, sign(x)·|x|^p; 1 = none. Default 0.5. */
  featurePower: number;

  /** Loss: arcface, subcenter_arcface or multi_similarity. Default arcface. */
  lossKind: LossKind;
  /**
   * ArcFace angular margin in radians. Default 0.8 (usual 0.1–0.5 from a random start; from the
   * LDA start the training ads are already apart, and a small margin leaves nothing to learn).
   */
  margin: number;
  /** ArcFace logit scale. Default 30; usual 16–64. */
  scale: number;
  /** Sub-centres per class (subcenter_arcface). Default 3. */
  subcenters: number;
  /** Multi-similarity α (positive weight). Default 2. */
  msAlpha: number;
  /** Multi-similarity β (negative weight). Default 50. */
  msBeta: number;
  /** Multi-similarity base λ. Default 0.5. */
  msBase: number;
  /** Multi-similarity mining margin ε. Default 0.1. */
  msEpsilon: number;
  /** Class-weight start: the class means of the initial embeddings, or random. Default means. */
  classInit: 'means' | 'random';

  /** Photos per step. Default 64; usual 16–256. */
  batchSize: number;
  /** Batches: shuffled photos (random) or P labels × K photos (pk). Default random. */
  sampler: SamplerKind;
  /** K of the P×K sampler (P = floor(batchSize / K)). Default 4. */
  pkPhotos: number;
  /** Passes over the training photos. Default 30; usual 20–40. */
  epochs: number;
  /** adamw or sgd. Default adamw. */
  optimizer: OptimizerKind;
  /** Peak learning rate of the head. Default 3e-4 (AdamW); usual 1e-4–1e-2. */
  learningRate: number;
  /** Peak learning rate of the class weights. Default 1e-2. */
  classLearningRate: number;
  /** Decoupled weight decay of the head's matrices. Default 1e-4. */
  weightDecay: number;
  /** SGD momentum. Default 0.9. */
  momentum: number;
  /** SGD Nesterov momentum. Default false. */
  nesterov: boolean;
  /** Schedule after warm-up: cosine, linear or constant. Default cosine. */
  schedule: ScheduleKind;
  /** Linear warm-up in epochs (fractional allowed). Default 1. */
  warmupEpochs: number;
  /** Global gradient-norm clip; 0 = off. Default 0. */
  gradientClip: number;
  /** Return the best epoch by validation (epoch 0 included) rather than the last. Default true. */
  keepBest: boolean;
  /** Seed of sampling and initialisation. Default 42. */
  seed: number;
}

export const DEFAULT_TRAIN_CONFIG: Readonly<TrainConfig> = Object.freeze({
  headKind: 'linear',
  embeddingSize: 512,
  hiddenSize: 1024,
  learnableAffine: false,
  whiteningPower: 0.5,
  whiteningEpsilon: 1e-3,
  headInit: 'lda',
  ldaShrinkage: 0.1,
  featurePower: 0.5,
  lossKind: 'arcface',
  margin: 0.8,
  scale: 30,
  subcenters: 3,
  msAlpha: 2,
  msBeta: 50,
  msBase: 0.5,
  msEpsilon: 0.1,
  classInit: 'means',
  batchSize: 64,
  sampler: 'random',
  pkPhotos: 4,
  epochs: 30,
  optimizer: 'adamw',
  learningRate: 3e-4,
  classLearningRate: 1e-2,
  weightDecay: 1e-4,
  momentum: 0.9,
  nesterov: false,
  schedule: 'cosine',
  warmupEpochs: 1,
  gradientClip: 0,
  keepBest: true,
  seed: 42,
});

type Rule =
  | { kind: 'choice'; choices: readonly string[] }
  | { kind: 'integer' | 'number'; min: number; max?: number; above?: boolean }
  | { kind: 'boolean' };

const RULES: Record<keyof TrainConfig, Rule> = {
  headKind: { kind: 'choice', choices: ['linear', 'mlp', 'residual'] },
  embeddingSize: { kind: 'integer', min: 1, max: 8192 },
  hiddenSize: { kind: 'integer', min: 1, max: 65536 },
  learnableAffine: { kind: 'boolean' },
  whiteningPower: { kind: 'number', min: 0, max: 1 },
  whiteningEpsilon: { kind: 'number', min: 0 },
  headInit: { kind: 'choice', choices: ['lda', 'pca'] },
  ldaShrinkage: { kind: 'number', min: 0, max: 1 },
  featurePower: { kind: 'number', min: 0, max: 4, above: true },
  lossKind: { kind: 'choice', choices: ['arcface', 'subcenter_arcface', 'multi_similarity'] },
  margin: { kind: 'number', min: 0, max: Math.PI / 2 },
  scale: { kind: 'number', min: 0, above: true },
  subcenters: { kind: 'integer', min: 1, max: 64 },
  msAlpha: { kind: 'number', min: 0, above: true },
  msBeta: { kind: 'number', min: 0, above: true },
  msBase: { kind: 'number', min: -1, max: 1 },
  msEpsilon: { kind: 'number', min: 0 },
  classInit: { kind: 'choice', choices: ['means', 'random'] },
  batchSize: { kind: 'integer', min: 2 },
  sampler: { kind: 'choice', choices: ['random', 'pk'] },
  pkPhotos: { kind: 'integer', min: 1 },
  epochs: { kind: 'integer', min: 0 },
  optimizer: { kind: 'choice', choices: ['adamw', 'sgd'] },
  learningRate: { kind: 'number', min: 0 },
  classLearningRate: { kind: 'number', min: 0 },
  weightDecay: { kind: 'number', min: 0, max: 1 },
  momentum: { kind: 'number', min: 0, max: 1 },
  nesterov: { kind: 'boolean' },
  schedule: { kind: 'choice', choices: ['cosine', 'linear', 'constant'] },
  warmupEpochs: { kind: 'number', min: 0 },
  gradientClip: { kind: 'number', min: 0 },
  keepBest: { kind: 'boolean' },
  seed: { kind: 'integer', min: 0, max: 0xffffffff },
};

/**
 * Fills defaults and validates every setting; throws a SamebikeError naming the setting, what
 * was expected and what arrived. Unknown keys are rejected too (a typo would otherwise be lost).
 */
export function resolveTrainConfig(partial: Partial<TrainConfig> = {}): TrainConfig {
  for (const key of Object.keys(partial)) {
    if (!(key in RULES)) {
      throw new SamebikeError(
        `training config: unknown setting "${key}"`,
        `known settings: ${Object.keys(RULES).join(', ')}`,
      );
    }
  }
  const config = { ...DEFAULT_TRAIN_CONFIG, ...stripUndefined(partial) } as TrainConfig;
  for (const [key, rule] of Object.entries(RULES) as [keyof TrainConfig, Rule][]) {
    const value = config[key] as unknown;
    const problem = check(rule, value);
    if (problem) {
      throw new SamebikeError(
        `training config ${key}: expected ${problem}, got ${describeValue(value)}`,
      );
    }
  }
  if (config.lossKind === 'multi_similarity' && config.sampler !== 'pk') {
    throw new SamebikeError(
      'training config: the multi_similarity loss needs positive pairs in every batch, but the ' +
        `sampler is "${config.sampler}"`,
      'set sampler to "pk" (P ads × K photos per batch)',
    );
  }
  if (config.sampler === 'pk' && Math.floor(config.batchSize / config.pkPhotos) < 2) {
    throw new SamebikeError(
      `training config: batchSize ${config.batchSize} holds fewer than 2 ads of pkPhotos ` +
        `${config.pkPhotos} photos`,
      'raise batchSize to at least 2 × pkPhotos',
    );
  }
  return config;
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

function check(rule: Rule, value: unknown): string | undefined {
  if (rule.kind === 'choice') {
    return rule.choices.includes(value as string) ? undefined : `one of ${rule.choices.join(', ')}`;
  }
  if (rule.kind === 'boolean') return typeof value === 'boolean' ? undefined : 'true or false';
  const range =
    `${rule.above ? '>' : '≥'} ${rule.min}` + (rule.max !== undefined ? ` and ≤ ${rule.max}` : '');
  const kind = rule.kind === 'integer' ? 'an integer' : 'a number';
  if (typeof value !== 'number' || !Number.isFinite(value)) return `${kind} ${range}`;
  if (rule.kind === 'integer' && !Number.isInteger(value)) return `${kind} ${range}`;
  if (rule.above ? value <= rule.min : value < rule.min) return `${kind} ${range}`;
  if (rule.max !== undefined && value > rule.max) return `${kind} ${range}`;
  return undefined;
}
