/**
 * Training an embedding head on cached backbone features. The run:
 *
 * 1. groups the feature rows into photos (several rows of one photo are its cached views) and
 *    labels into classes;
 * 2. power-normalises the features (square roots by default), fits the starting projection on
 *    them — an LDA of the training classes by default, or a PCA-whitening (unless one is given)
 *    — and the standardisation statistics, builds the head so that it starts as that projection
 *    of the features, and sets the class weights of an ArcFace loss to the class means of those
 *    starting embeddings;
 * 3. validates the untrained start as epoch 0, then trains epoch by epoch (a batch of photos, one
 *    random view each; forward, loss, backward, optional clipping, one optimiser step at the
 *    scheduled learning rate), validating after each epoch;
 * 4. returns the best epoch's head by the chosen validation metric, so the result is never worse
 *    on validation than the start (or the last epoch when asked, or without validation).
 *
 * Every epoch's sampling comes from a generator seeded by (seed, epoch), so a run resumed from a
 * checkpoint continues exactly as an uninterrupted one would. The trainer logs nothing itself
 * beyond a progress bar per epoch; the caller logs from the hooks.
 */
import { SamebikeError } from '../util/errors.js';
import { debug } from '../util/log.js';
import { Progress } from '../util/progress.js';
import { createRandom } from '../util/rng.js';
import type { Matrix } from '../linalg/gemm.js';
import { columnStatistics } from '../linalg/normalize.js';
import { fitLda, type Lda } from '../linalg/lda.js';
import { fitWhitening, type Whitening } from '../linalg/pca.js';
import { signedPower } from '../backbone/export.js';
import { resolveTrainConfig, type TrainConfig } from './config.js';
import {
  cloneHead,
  createHead,
  headFromJSON,
  type Head,
  type HeadInit,
  type HeadJSON,
} from './heads.js';
import { createLoss, type EmbeddingLoss, type LossJSON } from './losses/index.js';
import { createOptimizer, type OptimizerState } from './optim.js';
import { clipGradients, zeroGradients, type Parameter } from './params.js';
import { batchesPerEpoch, epochBatches, pickViews } from './sampler.js';
import { scheduleFactor, warmupStepsFor } from './schedule.js';

/** The training data: cached features, one row per view of a photo. */
export interface TrainData {
  /** Feature rows (e.g. N × 1792), possibly several augmented views per photo. */
  features: Matrix;
  /** The label (ad) of every row; any integers. */
  labels: Int32Array;
  /** Which photo every row is a view of (any integers); absent = every row is its own photo. */
  photoOf?: Int32Array;
  /**
   * A PCA-whitening to start from, fitted on the power-normalised features (with headInit pca).
   * When absent it is fitted on the training rows (at most WHITENING_ROWS of them, drawn with
   * the run's seed).
   */
  whitening?: Whitening;
}

/** What happened in one epoch. Epoch 0 is the untrained start (no loss, no steps). */
export interface EpochStats {
  epoch: number;
  /** Mean training loss of the epoch's batches (absent for epoch 0). */
  loss?: number;
  /** The head's learning rate at the epoch's last step. */
  lr: number;
  /** Seconds of training (for epoch 0: whitening and initialisation). */
  seconds: number;
  /** Seconds spent in the validate hook. */
  validationSeconds: number;
  /** What the validate hook returned (empty without one). */
  metrics: Record<string, number>;
}

/** What happened in one optimisation step. */
export interface StepStats {
  step: number;
  epoch: number;
  loss: number;
  lr: number;
  /** Global gradient norm before clipping (only computed when clipping is on). */
  gradientNorm?: number;
}

export interface TrainHooks {
  /**
   * Evaluates a head (called with the untrained start as epoch 0, then after every epoch) and
   * returns metrics, higher is better for `selectMetric`. The head is the live one: embed with it,
   * do not keep it.
   */
  validate?(head: Head, epoch: number): Promise<Record<string, number>>;
  /** The metric that picks the best epoch. Default "map_at_k". */
  selectMetric?: string;
  onEpoch?(stats: EpochStats): void | Promise<void>;
  onStep?(stats: StepStats): void;
  /** Receives a serialisable state after every epoch; pass it back as `resumeFrom` to resume. */
  checkpoint?(state: TrainState): void | Promise<void>;
}

/** Everything needed to resume a run after an epoch. JSON-serialisable. */
export interface TrainState {
  format: 'samebike-train-state';
  version: 1;
  config: TrainConfig;
  /** Epochs completed. */
  epoch: number;
  /** Optimisation steps taken. */
  steps: number;
  head: HeadJSON;
  loss: LossJSON;
  optimizer: OptimizerState;
  /** Sampling is seeded by (seed, epoch), so the seed and epoch are the generator's state. */
  random: { seed: number; nextEpoch: number };
  /** The label values in class order, to check the data on resume. */
  classLabels: number[];
  best: { epoch: number; value: number | null; head: HeadJSON };
  history: EpochStats[];
}

export interface TrainResult {
  /** The best epoch's head (or the last one with keepBest false or without validation). */
  head: Head;
  /** Which epoch `head` is (0 = the untrained start). */
  bestEpoch: number;
  /** The head after the last epoch. */
  last: Head;
  history: EpochStats[];
  /** The label values in class order (class i of the loss is label classLabels[i]). */
  classLabels: number[];
  /** The PCA-whitening the head started from (absent with an LDA start or when resumed). */
  whitening?: Whitening;
  /** The LDA the head started from (absent with a PCA start or when resumed). */
  lda?: Lda;
}

/** Rows the whitening is fitted on at most (a seeded sample beyond that). */
export const WHITENING_ROWS = 16384;

/** Settings that must not change when a run is resumed. */
const STRUCTURAL: (keyof TrainConfig)[] = [
  'headKind',
  'embeddingSize',
  'hiddenSize',
  'learnableAffine',
  'lossKind',
  'subcenters',
  'optimizer',
  'sampler',
  'pkPhotos',
  'batchSize',
  'seed',
];

/**
 * Trains a head; see the file comment for the steps. `config` may be partial (defaults from
 * DEFAULT_TRAIN_CONFIG); `resumeFrom` continues a run from a checkpoint state.
 */
export async function trainHead(
  partialConfig: Partial<TrainConfig>,
  data: TrainData,
  hooks: TrainHooks = {},
  resumeFrom?: TrainState,
): Promise<TrainResult> {
  const config = resolveTrainConfig(partialConfig);
  const started = Date.now();
  const prepared = prepareData(data);
  const { classLabels, rowClasses, photoLabels, views } = prepared;
  const selectMetric = hooks.selectMetric ?? 'map_at_k';

  let head: Head;
  let whitening: Whitening | undefined;
  let lda: Lda | undefined;
  const loss = createLoss({
    kind: config.lossKind,
    classes: classLabels.length,
    dim: config.embeddingSize,
    margin: config.margin,
    scale: config.scale,
    subcenters: config.subcenters,
    msAlpha: config.msAlpha,
    msBeta: config.msBeta,
    msBase: config.msBase,
    msEpsilon: config.msEpsilon,
  });

  if (resumeFrom) {
    checkResume(resumeFrom, config, classLabels);
    head = headFromJSON(resumeFrom.head, 'checkpoint head');
    loss.loadParameters(resumeFrom.loss, 'checkpoint loss');
  } else {
    const powered =
      config.featurePower === 1 ? data.features : signedPower(data.features, config.featurePower);
    let start: HeadInit['whitening'];
    if (config.headInit === 'lda' && !data.whitening) {
      lda = await fitTrainingLda(powered, rowClasses, config);
      start = lda;
    } else {
      whitening = data.whitening ?? (await fitTrainingWhitening(powered, config));
      start = whitening;
    }
    const statistics = columnStatistics(powered);
    head = createHead(
      {
        kind: config.headKind,
        embeddingSize: config.embeddingSize,
        hiddenSize: config.hiddenSize,
        learnableAffine: config.learnableAffine,
        seed: mixSeed(config.seed, 1),
        inputPower: config.featurePower,
      },
      { mean: statistics.mean, variance: statistics.variance, whitening: start },
    );
    await initializeClassWeights(loss, head, data.features, rowClasses, views, config);
  }

  const parameters: Parameter[] = [...head.parameters(), ...loss.parameters()];
  const optimizer = createOptimizer(parameters, {
    kind: config.optimizer,
    weightDecay: config.weightDecay,
    momentum: config.momentum,
    nesterov: config.nesterov,
  });
  const samplerOptions = {
    kind: config.sampler,
    batchSize: config.batchSize,
    photosPerLabel: config.pkPhotos,
  };
  const stepsPerEpoch = batchesPerEpoch(photoLabels.length, classLabels.length, samplerOptions);
  const schedule = {
    kind: config.schedule,
    totalSteps: stepsPerEpoch * config.epochs,
    warmupSteps: warmupStepsFor(config.warmupEpochs, stepsPerEpoch),
  };

  let history: EpochStats[] = [];
  let best: { epoch: number; value: number | null; head: Head };
  let firstEpoch = 1;
  let steps = 0;
  if (resumeFrom) {
    optimizer.load(resumeFrom.optimizer);
    history = resumeFrom.history.slice();
    best = {
      epoch: resumeFrom.best.epoch,
      value: resumeFrom.best.value,
      head: headFromJSON(resumeFrom.best.head, 'checkpoint best head'),
    };
    firstEpoch = resumeFrom.epoch + 1;
    steps = resumeFrom.steps;
  } else {
    const seconds = (Date.now() - started) / 1000;
    const { metrics, validationSeconds } = await validate(hooks, head, 0);
    const stats: EpochStats = { epoch: 0, lr: 0, seconds, validationSeconds, metrics };
    history.push(stats);
    best = { epoch: 0, value: metricValue(metrics, selectMetric, hooks), head: cloneHead(head) };
    await hooks.onEpoch?.(stats);
  }

  for (let epoch = firstEpoch; epoch <= config.epochs; epoch++) {
    const epochStart = Date.now();
    const random = createRandom(mixSeed(config.seed, 1000 + epoch));
    const batches = epochBatches(photoLabels, samplerOptions, random);
    const progress = new Progress(`epoch ${epoch}/${config.epochs}`, batches.length, 'batch');
    let lossSum = 0;
    let lr = 0;
    for (const batch of batches) {
      const rows = pickViews(batch, views, random);
      const x = gatherRows(data.features, rows);
      const labels = new Int32Array(rows.length);
      for (let i = 0; i < rows.length; i++) labels[i] = rowClasses[rows[i]];

      zeroGradients(parameters);
      const embeddings = await head.forward(x, true);
      const result = await loss.forward(embeddings, labels);
      if (!Number.isFinite(result.loss)) {
        throw new SamebikeError(
          `training: the loss became ${result.loss} at epoch ${epoch}, step ${steps + 1}`,
          'lower the learning rate, or set a gradient clip (e.g. 5)',
        );
      }
      await head.backward(result.gradient);
      const gradientNorm = clipGradients(parameters, config.gradientClip);
      const factor = scheduleFactor(steps, schedule);
      lr = config.learningRate * factor;
      optimizer.step({ head: lr, classes: config.classLearningRate * factor });
      steps++;
      lossSum += result.loss;
      hooks.onStep?.({ step: steps, epoch, loss: result.loss, lr, gradientNorm });
      progress.tick(1, `loss ${result.loss.toFixed(4)}`);
    }
    const seconds = (Date.now() - epochStart) / 1000;

    const { metrics, validationSeconds } = await validate(hooks, head, epoch);
    const stats: EpochStats = {
      epoch,
      loss: lossSum / batches.length,
      lr,
      seconds,
      validationSeconds,
      metrics,
    };
    history.push(stats);
    const value = metricValue(metrics, selectMetric, hooks);
    if (value !== null && (best.value === null || value > best.value)) {
      best = { epoch, value, head: cloneHead(head) };
    }
    await hooks.onEpoch?.(stats);
    if (hooks.checkpoint) {
      await hooks.checkpoint({
        format: 'samebike-train-state',
        version: 1,
        config,
        epoch,
        steps,
        head: head.toJSON(),
        loss: loss.toJSON(),
        optimizer: optimizer.state(),
        random: { seed: config.seed, nextEpoch: epoch + 1 },
        classLabels,
        best: { epoch: best.epoch, value: best.value, head: best.head.toJSON() },
        history,
      });
    }
  }

  const useBest = config.keepBest && hooks.validate !== undefined;
  debug(() => `training: best epoch ${best.epoch} by ${selectMetric} = ${best.value}`);
  return {
    head: useBest ? best.head : head,
    bestEpoch: useBest ? best.epoch : config.epochs,
    last: head,
    history,
    classLabels,
    whitening,
    lda,
  };
}

interface PreparedData {
  /** Label values in class order. */
  classLabels: number[];
  /** Class of every row. */
  rowClasses: Int32Array;
  /** Class of every photo. */
  photoLabels: Int32Array;
  /** Rows of every photo. */
  views: Int32Array[];
}

function prepareData(data: TrainData): PreparedData {
  const { features, labels, photoOf } = data;
  if (
    !features ||
    !Number.isInteger(features.rows) ||
    !Number.isInteger(features.cols) ||
    features.data.length !== features.rows * features.cols
  ) {
    throw new SamebikeError(
      'training data: features must be a Matrix whose data has rows × cols values',
    );
  }
  const rows = features.rows;
  if (!(labels instanceof Int32Array) || labels.length !== rows) {
    throw new SamebikeError(
      `training data: expected ${rows} labels (one per feature row), got ${labels?.length ?? 'none'}`,
    );
  }
  if (photoOf !== undefined && (!(photoOf instanceof Int32Array) || photoOf.length !== rows)) {
    throw new SamebikeError(
      `training data: photoOf must give a photo for each of the ${rows} rows, got ${photoOf.length}`,
    );
  }
  const classLabels = Array.from(new Set(labels)).sort((a, b) => a - b);
  if (classLabels.length < 2) {
    throw new SamebikeError(
      `training data: found ${classLabels.length} label(s); training needs photos of at least 2 ads`,
    );
  }
  const classOf = new Map(classLabels.map((label, i) => [label, i]));
  const rowClasses = new Int32Array(rows);
  for (let r = 0; r < rows; r++) rowClasses[r] = classOf.get(labels[r]) as number;

  const photoIndex = new Map<number, number>();
  const viewLists: number[][] = [];
  const photoClasses: number[] = [];
  for (let r = 0; r < rows; r++) {
    const id = photoOf ? photoOf[r] : r;
    let p = photoIndex.get(id);
    if (p === undefined) {
      p = viewLists.length;
      photoIndex.set(id, p);
      viewLists.push([]);
      photoClasses.push(rowClasses[r]);
    } else if (photoClasses[p] !== rowClasses[r]) {
      throw new SamebikeError(
        `training data: photo ${id} has rows with different labels ` +
          `(${classLabels[photoClasses[p]]} and ${labels[r]}, row ${r})`,
        'all views of a photo must carry the label of its ad',
      );
    }
    viewLists[p].push(r);
  }
  return {
    classLabels,
    rowClasses,
    photoLabels: Int32Array.from(photoClasses),
    views: viewLists.map((v) => Int32Array.from(v)),
  };
}

/** At most WHITENING_ROWS row numbers of `rows`, a sample drawn with the run's seed, sorted. */
function sampleRows(rows: number, config: TrainConfig): Int32Array | undefined {
  if (rows <= WHITENING_ROWS) return undefined;
  const random = createRandom(mixSeed(config.seed, 2));
  const picked = Array.from({ length: rows }, (_, i) => i);
  for (let i = 0; i < WHITENING_ROWS; i++) {
    const j = i + Math.floor(random() * (picked.length - i));
    [picked[i], picked[j]] = [picked[j], picked[i]];
  }
  return Int32Array.from(picked.slice(0, WHITENING_ROWS).sort((a, b) => a - b));
}

/**
 * The LDA of the training rows' classes (on at most WHITENING_ROWS rows), with as many
 * directions as the embedding size allows: at most classes − 1; the rest start at zero.
 */
async function fitTrainingLda(
  features: Matrix,
  rowClasses: Int32Array,
  config: TrainConfig,
): Promise<Lda> {
  const sample = sampleRows(features.rows, config);
  const rows = sample ? gatherRows(features, sample) : features;
  const classes = sample ? sample.map((r) => rowClasses[r]) : rowClasses;
  const distinct = new Set(classes).size;
  const dim = Math.min(config.embeddingSize, distinct - 1, rows.cols);
  if (dim < config.embeddingSize) {
    debug(
      `training: the LDA start has ${dim} directions (classes − 1 or the feature size); the ` +
        `other ${config.embeddingSize - dim} embedding dimensions start at zero`,
    );
  }
  return fitLda(rows, classes, { dim, shrinkage: config.ldaShrinkage, seed: config.seed });
}

async function fitTrainingWhitening(features: Matrix, config: TrainConfig): Promise<Whitening> {
  const sample = sampleRows(features.rows, config);
  const rows = sample ? gatherRows(features, sample) : features;
  const dim = Math.min(config.embeddingSize, rows.rows - 1, rows.cols);
  if (dim < config.embeddingSize) {
    debug(
      `training: whitening keeps ${dim} components (rows − 1 or the feature size); the other ` +
        `${config.embeddingSize - dim} embedding dimensions start at zero`,
    );
  }
  return fitWhitening(rows, {
    dim,
    power: config.whiteningPower,
    epsilon: config.whiteningEpsilon,
    seed: config.seed,
  });
}

/** Class weights from the class means of the starting embeddings (first view of each photo). */
async function initializeClassWeights(
  loss: EmbeddingLoss,
  head: Head,
  features: Matrix,
  rowClasses: Int32Array,
  views: Int32Array[],
  config: TrainConfig,
): Promise<void> {
  const random = createRandom(mixSeed(config.seed, 3));
  const parameters = loss.parameters();
  if (parameters.length === 0) return;
  if (config.classInit === 'random') {
    for (const p of parameters) {
      for (let i = 0; i < p.value.length; i++) p.value[i] = random() * 2 - 1;
    }
    return;
  }
  const firstRows = Int32Array.from(views.map((v) => v[0]));
  const embeddings = await head.embed(gatherRows(features, firstRows));
  const labels = new Int32Array(firstRows.length);
  for (let i = 0; i < firstRows.length; i++) labels[i] = rowClasses[firstRows[i]];
  loss.initializeFromEmbeddings(embeddings, labels, random);
}

async function validate(
  hooks: TrainHooks,
  head: Head,
  epoch: number,
): Promise<{ metrics: Record<string, number>; validationSeconds: number }> {
  if (!hooks.validate) return { metrics: {}, validationSeconds: 0 };
  const start = Date.now();
  const metrics = await hooks.validate(head, epoch);
  return { metrics, validationSeconds: (Date.now() - start) / 1000 };
}

function metricValue(
  metrics: Record<string, number>,
  key: string,
  hooks: TrainHooks,
): number | null {
  if (!hooks.validate) return null;
  const value = metrics[key];
  if (typeof value !== 'number' || Number.isNaN(value)) {
    throw new SamebikeError(
      `training: the validation metrics have no number "${key}" to pick the best epoch by ` +
        `(got ${Object.keys(metrics).join(', ') || 'none'})`,
      'set selectMetric to one of the returned metrics',
    );
  }
  return value;
}

function checkResume(state: TrainState, config: TrainConfig, classLabels: number[]): void {
  if (!state || state.format !== 'samebike-train-state' || state.version !== 1) {
    throw new SamebikeError(
      'resume: the checkpoint is not a samebike-train-state version 1',
      'start the run again without resuming',
    );
  }
  for (const key of STRUCTURAL) {
    if (state.config[key] !== config[key]) {
      throw new SamebikeError(
        `resume: the checkpoint was trained with ${key} = ${String(state.config[key])}, ` +
          `the config now says ${String(config[key])}`,
        `resume with the same ${key}, or start a new run`,
      );
    }
  }
  const same =
    state.classLabels.length === classLabels.length &&
    state.classLabels.every((label, i) => label === classLabels[i]);
  if (!same) {
    throw new SamebikeError(
      `resume: the checkpoint has ${state.classLabels.length} classes, the data ` +
        `${classLabels.length} (or other labels)`,
      'resume on the same training split',
    );
  }
}

/** The rows of `m` listed in `rows`, as a new matrix. */
export function gatherRows(m: Matrix, rows: Int32Array): Matrix {
  const data = new Float32Array(rows.length * m.cols);
  for (let i = 0; i < rows.length; i++) {
    data.set(m.data.subarray(rows[i] * m.cols, (rows[i] + 1) * m.cols), i * m.cols);
  }
  return { rows: rows.length, cols: m.cols, data };
}

/** A 32-bit seed from (seed, stream) by an integer hash (murmur3's finaliser). */
export function mixSeed(seed: number, stream: number): number {
  let h = (seed ^ Math.imul(stream + 0x9e3779b9, 0x85ebca6b)) >>> 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}
