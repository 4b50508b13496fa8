/**
 * The `train` job. The backbone stays frozen: features of every photo (test views) and of the
 * training photos' augmented views are computed once and cached; a head is learned on them.
 *
 * 1. split the photos (protocol `random` or `group`, see src/metrics/split.ts);
 * 2. zero-shot: score the pretrained features (view-averaged, L2-normalised);
 * 3. train the head from its PCA-whitening start, validating every epoch with the same retrieval
 *    harness, keeping the best epoch (epoch 0 = the untrained start, so training never ends
 *    below it);
 * 4. write the run: model/ (model.json + model.onnx), metrics.json, predictions.csv,
 *    embeddings.npy, images.csv, history.json, train.log, report.html.
 * `resume` continues from the checkpoint an interrupted run left in the output folder.
 */
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { appendFileSync } from 'node:fs';
import { join } from 'node:path';
import { exportEmbeddingModel } from '../backbone/export.js';
import type { Settings } from '../config/schema.js';
import { labelsOf, type DatasetItem } from '../data/dataset.js';
import { extractFeatures } from '../embed/features.js';
import { augmentViews } from '../embed/views.js';
import {
  calibrateAdThreshold,
  calibrateThreshold,
  precisionMayFallShort,
  type Calibration,
} from '../group/calibrate.js';
import { calibrateFlagThreshold, type FlagCalibration } from '../group/within-ad.js';
import type { OnBadImage } from '../image/bad-images.js';
import { splitDataset } from '../metrics/split.js';
import { writeReport } from '../report/render.js';
import { hydrogenTorchReference, type ChosenThreshold, type RunReport } from '../report/types.js';
import { rankGallery } from '../retrieval/rank.js';
import type { TrainConfig } from '../train/config.js';
import type { Head } from '../train/heads.js';
import { trainHead, type EpochStats, type StepStats, type TrainState } from '../train/trainer.js';
import { formatCsv } from '../util/csv.js';
import { SamebikeError } from '../util/errors.js';
import { writeFileAtomic } from '../util/fs.js';
import { info, warn } from '../util/log.js';
import { writeNpy, type Matrix } from '../util/npy.js';
import { averageViews, embedViews, testFeatures } from './embed.js';
import { MODEL_FORMAT, type CalibratedThreshold, type ModelFile } from './model.js';
import { metricSummary, retrieve, selectRows, type RetrievalRun } from './retrieve.js';
import {
  backboneFromSettings,
  featureCacheDir,
  poolingFromSettings,
  type ResolvedSettings,
} from './settings.js';

export interface TrainJob {
  photos: DatasetItem[];
  settings: ResolvedSettings;
  out: string;
  resume?: boolean;
  workers?: number;
  onBadImage: OnBadImage;
  cacheDir?: string;
}

export interface TrainOutcome {
  zeroShot: Record<string, number>;
  trained: Record<string, number>;
  bestEpoch: number;
  out: string;
  seconds: number;
  calibration?: Calibration;
  /** The ad grouping threshold, calibrated on held-out ads split into made-up reposts. */
  adCalibration?: Calibration;
}

/** The trainer's settings from samebike's settings. */
export function trainConfigFrom(s: Settings, seed: number): Partial<TrainConfig> {
  return {
    headKind: s['head.kind'],
    embeddingSize: s['head.embedding_size'],
    hiddenSize: s['head.hidden_size'],
    whiteningPower: s['head.whitening_power'],
    headInit: s['head.init'],
    ldaShrinkage: s['head.lda_shrinkage'],
    featurePower: s['features.power'],
    lossKind: s['loss.kind'],
    margin: s['loss.margin'],
    scale: s['loss.scale'],
    subcenters: s['loss.subcenters'],
    batchSize: s['training.batch_size'],
    sampler: s['loss.kind'] === 'multi_similarity' ? 'pk' : s['training.sampler'],
    pkPhotos: s['training.pk_photos'],
    epochs: s['training.epochs'],
    optimizer: s['training.optimizer'],
    learningRate: s['training.learning_rate'],
    classLearningRate: s['training.class_learning_rate'],
    weightDecay: s['training.weight_decay'],
    schedule: s['training.schedule'],
    warmupEpochs: s['training.warmup_epochs'],
    gradientClip: s['training.gradient_clip'],
    keepBest: s['training.keep_best'],
    seed,
  };
}

function formatEpoch(e: EpochStats, epochs: number, k: number): string {
  const m = e.metrics;
  const parts = [`epoch ${e.epoch}/${epochs}`];
  parts.push(e.loss === undefined ? 'start (LDA or whitening)' : `loss ${e.loss.toFixed(4)}`);
  parts.push(`lr ${e.lr.toExponential(2)}`);
  if (m.map_at_k !== undefined) {
    parts.push(
      `mAP@${k} ${m.map_at_k.toFixed(4)}`,
      `R@1 ${m.recall_at_1.toFixed(4)}`,
      `MAP@R ${m.map_at_r.toFixed(4)}`,
    );
  }
  parts.push(`(${(e.seconds + e.validationSeconds).toFixed(1)} s)`);
  return parts.join('  ');
}

/** Training rows: every test view and augmented view of each training photo, as its own row. */
function trainingRows(
  views: Matrix[],
  train: Int32Array,
  labels: Int32Array,
): { features: Matrix; labels: Int32Array; photoOf: Int32Array } {
  const cols = views[0].cols;
  const rows = train.length * views.length;
  const data = new Float32Array(rows * cols);
  const rowLabels = new Int32Array(rows);
  const photoOf = new Int32Array(rows);
  let r = 0;
  for (const view of views) {
    for (let t = 0; t < train.length; t++, r++) {
      const i = train[t];
      data.set(view.data.subarray(i * cols, (i + 1) * cols), r * cols);
      rowLabels[r] = labels[i];
      photoOf[r] = i;
    }
  }
  return { features: { rows, cols, data }, labels: rowLabels, photoOf };
}

/** Runs the train job. */
export async function runTrain(job: TrainJob): Promise<TrainOutcome> {
  const started = Date.now();
  const s = job.settings.settings;
  const out = job.out;
  mkdirSync(out, { recursive: true });
  const logPath = join(out, 'train.log');
  const log = (line: string): void => {
    info(line);
    appendFileSync(logPath, `${new Date().toISOString()} ${line}\n`);
  };
  if (job.photos.some((p) => p.label === undefined)) {
    throw new SamebikeError(
      'train needs labelled photos',
      'pass --data with a labels CSV (image,label)',
    );
  }
  let seed = s['training.seed'];
  const checkpointPath = join(out, 'checkpoint.json');
  let resumeFrom: (TrainState & { steps_history?: StepStats[] }) | undefined;
  if (job.resume) {
    if (!existsSync(checkpointPath)) {
      throw new SamebikeError(
        `${checkpointPath}: no checkpoint to resume from`,
        'run without --resume to start afresh',
      );
    }
    resumeFrom = JSON.parse(readFileSync(checkpointPath, 'utf8')) as TrainState & {
      steps_history?: StepStats[];
    };
    seed = resumeFrom.config.seed;
  } else if (seed === -1) {
    seed = Math.floor(Math.random() * 2 ** 31);
    log(`training.seed -1: picked seed ${seed}`);
  }

  // 1. Features of every photo's test views; bad photos are left out (or stop the run).
  const test = await testFeatures(job.photos, job.settings, {
    workers: job.workers,
    onBadImage: job.onBadImage,
    reportDir: out,
    cacheDir: job.cacheDir,
    label: 'features',
  });
  const photos = test.kept.map((i) => job.photos[i]);
  const { labels, names } = labelsOf(photos);

  // 2. The split.
  const split = splitDataset(labels, {
    protocol: s['validation.protocol'],
    validationSize: s['validation.validation_size'],
    seed,
    folds: s['validation.folds'],
    fold: s['validation.fold'],
  });
  log(
    `${photos.length} photos of ${names.length} ads; protocol ${s['validation.protocol']}: ` +
      `${split.train.length} training photos, ${split.queries.length} queries, gallery of ${split.gallery.length}`,
  );

  // 3. Augmented views of the training photos.
  const augmentCount = s['features.augmented_views'];
  let views = test.features;
  if (augmentCount > 0) {
    const trainPhotos = Array.from(split.train, (i) => ({
      image: photos[i].image,
      path: photos[i].path,
    }));
    const augmented = await extractFeatures(trainPhotos, {
      spec: backboneFromSettings(job.settings),
      fit: s['image.fit'],
      limitInputPixels: s['image.max_pixels'],
      pooling: poolingFromSettings(s),
      views: augmentViews(augmentCount),
      augmentSeed: seed,
      augmentScale: [s['features.augment_min_area'], 1],
      cacheDir: job.cacheDir ?? featureCacheDir(),
      workers: job.workers,
      onBadImage: 'fail',
      label: 'augmented views',
    });
    // Scatter the training photos' augmented rows back to data-set positions.
    const full = augmented.features.map((m) => {
      const data = new Float32Array(photos.length * m.cols);
      split.train.forEach((i, t) =>
        data.set(m.data.subarray(t * m.cols, (t + 1) * m.cols), i * m.cols),
      );
      return { rows: photos.length, cols: m.cols, data };
    });
    views = [...views, ...full];
  }
  const rows = trainingRows(views, split.train, labels);

  // 4. Zero-shot.
  const zero = await retrieve(averageViews(test.features), labels, split.queries, split.gallery, s);
  const zeroShot = metricSummary(zero.evaluation);
  const k = zeroShot.k;
  log(
    `zero-shot (pretrained features): mAP@${k} ${zeroShot.map_at_k.toFixed(4)}  R@1 ${zeroShot.recall_at_1.toFixed(4)}  MAP@R ${zeroShot.map_at_r.toFixed(4)}`,
  );

  // 5. Training.
  const config = trainConfigFrom(s, seed);
  const steps: StepStats[] = resumeFrom?.steps_history ?? [];
  const result = await trainHead(
    config,
    rows,
    {
      validate: async (head: Head) => {
        const run = await retrieve(
          await embedViews(head, test.features),
          labels,
          split.queries,
          split.gallery,
          s,
        );
        return metricSummary(run.evaluation);
      },
      selectMetric: 'map_at_k',
      onEpoch: (e) => log(formatEpoch(e, s['training.epochs'], k)),
      onStep: (step) => steps.push(step),
      checkpoint: (state) =>
        writeFileAtomic(checkpointPath, JSON.stringify({ ...state, steps_history: steps })),
    },
    resumeFrom,
  );
  const best = result.head;
  log(`best epoch ${result.bestEpoch} (of ${s['training.epochs']}, by mAP@${k})`);

  // 6. Final embeddings, metrics and predictions.
  const embeddings = await embedViews(best, test.features);
  const final = await retrieve(embeddings, labels, split.queries, split.gallery, s);
  const trained = metricSummary(final.evaluation);
  log(
    `trained: mAP@${k} ${trained.map_at_k.toFixed(4)}  R@1 ${trained.recall_at_1.toFixed(4)}  MAP@R ${trained.map_at_r.toFixed(4)}` +
      `  (zero-shot ${zeroShot.map_at_k.toFixed(4)}, reference run 0.769)`,
  );

  // 7. Grouping thresholds (photos, ads) on the held-out photos.
  const {
    photos: calibration,
    ads: adCalibration,
    flag: flagCalibration,
  } = await calibrate(embeddings, labels, split.queries, s);
  if (calibration) {
    const target = s['grouping.target_precision'];
    const parts = [`photos ${describeCalibration(calibration)}`];
    if (adCalibration) parts.push(`ads ${describeCalibration(adCalibration)}`);
    if (flagCalibration) {
      parts.push(
        `flags ${flagCalibration.threshold.toFixed(3)} (at most ${flagCalibration.falseFlagRate} of genuine photos; on moved photos precision ${flagCalibration.precision.toFixed(2)}, recall ${flagCalibration.recall.toFixed(2)})`,
      );
    }
    log(`grouping thresholds on the held-out photos: ${parts.join('; ')}`);
    for (const [what, c] of [
      ['photo', calibration],
      ['ad', adCalibration],
    ] as const) {
      if (c && c.reached && precisionMayFallShort(c, target)) {
        warn(
          `the ${what} grouping threshold rests on ${c.predictedPairs} held-out ${what} pairs: ` +
            `its precision may be as low as ${c.precisionInterval[0].toFixed(2)} on other ` +
            `photos (90 % interval), not ${target}; hold out more ads (a larger ` +
            `validation.validation_size) for a steadier threshold`,
        );
      }
    }
  }

  // 8. Outputs.
  writeNpy(join(out, 'embeddings.npy'), embeddings);
  const splitOf = new Array<string>(photos.length).fill('');
  split.train.forEach((i) => (splitOf[i] = 'train'));
  split.queries.forEach((i) => (splitOf[i] = splitOf[i] ? `${splitOf[i]}+query` : 'query'));
  writeFileAtomic(
    join(out, 'images.csv'),
    formatCsv(
      ['row', 'image', 'label', 'split'],
      photos.map((p, i) => [i, p.image, p.label ?? '', splitOf[i] || 'gallery']),
    ),
  );
  writePredictions(join(out, 'predictions.csv'), final, photos, s['validation.top_k']);
  const modelDir = join(out, 'model');
  const model: ModelFile = {
    format: MODEL_FORMAT,
    version: 1,
    backbone: test.modelId,
    settings: { ...s, 'training.seed': seed },
    head: best.toJSON(),
    grouping: calibration && {
      ...savedThreshold(calibration),
      targetPrecision: s['grouping.target_precision'],
      ads: adCalibration && savedThreshold(adCalibration),
      flag: flagCalibration && {
        threshold: flagCalibration.threshold,
        falseFlagRate: flagCalibration.falseFlagRate,
        precision: flagCalibration.precision,
        recall: flagCalibration.recall,
      },
    },
    createdAt: new Date().toISOString(),
  };
  writeFileAtomic(join(modelDir, 'model.json'), `${JSON.stringify(model)}\n`);
  exportOnnx(job.settings, best, join(modelDir, 'model.onnx'));
  const seconds = (Date.now() - started) / 1000;
  const history = {
    steps: steps.map((st) => ({ step: st.step, epoch: st.epoch, lr: st.lr, loss: st.loss })),
    epochs: result.history.map((e) => ({
      epoch: e.epoch,
      loss: e.loss ?? Number.NaN,
      lr: e.lr,
      seconds: e.seconds + e.validationSeconds,
      metrics: e.metrics,
    })),
    bestEpoch: result.bestEpoch,
  };
  const metrics = {
    zero_shot: zeroShot,
    trained,
    best_epoch: result.bestEpoch,
    protocol: s['validation.protocol'],
    seed,
    seconds,
  };
  writeFileAtomic(join(out, 'metrics.json'), `${JSON.stringify(metrics, null, 2)}\n`);
  writeFileAtomic(join(out, 'history.json'), `${JSON.stringify(history)}\n`);
  const report: RunReport = {
    title: job.settings.name ?? `samebike run ${out}`,
    createdAt: new Date().toISOString(),
    dataSummary: {
      photos: photos.length,
      ads: names.length,
      trainPhotos: split.train.length,
      queries: split.queries.length,
      gallery: split.gallery.length,
      protocol: s['validation.protocol'],
    },
    config: { ...s, 'training.seed': seed },
    metrics: { zeroShot: zeroShot as never, trained: trained as never },
    reference: hydrogenTorchReference,
    history,
    gallery: galleryOf(final, photos, names, labels),
    grouping: calibration && {
      curve: calibration.curve.map((c) => ({
        threshold: c.threshold,
        precision: c.precision,
        recall: c.recall,
      })),
      chosen: chosenForReport(calibration, s['grouping.target_precision']),
      target: s['grouping.target_precision'],
      ads: adCalibration && {
        curve: adCalibration.curve.map((c) => ({
          threshold: c.threshold,
          precision: c.precision,
          recall: c.recall,
        })),
        chosen: chosenForReport(adCalibration, s['grouping.target_precision']),
      },
    },
    timings: { total_seconds: seconds },
  };
  await writeReport(join(out, 'report.html'), report);
  log(
    `wrote ${out}: model/, metrics.json, predictions.csv, embeddings.npy, report.html (${seconds.toFixed(1)} s)`,
  );
  return {
    zeroShot,
    trained,
    bestEpoch: result.bestEpoch,
    out,
    seconds,
    calibration,
    adCalibration,
  };
}

/** What the model file and the report keep of a calibration. */
function savedThreshold(c: Calibration): CalibratedThreshold {
  return {
    threshold: c.threshold,
    precision: c.precision,
    recall: c.recall,
    predictedPairs: c.predictedPairs,
    precisionInterval: c.precisionInterval,
  };
}

/** The report's view of a chosen threshold: what the model keeps, and whether it is unsteady. */
function chosenForReport(c: Calibration, target: number): ChosenThreshold {
  return { ...savedThreshold(c), fewPairs: precisionMayFallShort(c, target) };
}

/** "0.447 (precision 0.94, 90 % interval 0.76–0.99 over 16 pairs, recall 0.65)". */
function describeCalibration(c: Calibration): string {
  const [low, high] = c.precisionInterval;
  return (
    `${c.threshold.toFixed(3)} (precision ${c.precision.toFixed(2)}, 90 % interval ` +
    `${low.toFixed(2)}–${high.toFixed(2)} over ${c.predictedPairs} pairs, recall ${c.recall.toFixed(2)})`
  );
}

/**
 * The grouping thresholds on the held-out photos: photos (same ad = same bike), ads (each ad
 * split into two made-up reposts) and the within-ad flags (a false-flag rate on genuine photos,
 * checked with photos moved into other ads). Each is left out, with a warning, when the held-out
 * photos cannot calibrate it (no two share an ad; no ad has two of them).
 */
async function calibrate(
  embeddings: Matrix,
  labels: Int32Array,
  heldOut: Int32Array,
  s: Settings,
): Promise<{ photos?: Calibration; ads?: Calibration; flag?: FlagCalibration }> {
  const subset = selectRows(embeddings, heldOut);
  const subsetLabels = Int32Array.from(heldOut, (i) => labels[i]);
  const k = Math.min(s['grouping.neighbors'], heldOut.length - 1);
  if (k < 1) return {};
  const knn = await rankGallery(subset, subset, k, { exclude: (q) => q });
  const options = { targetPrecision: s['grouping.target_precision'] };
  const attempt = <T>(what: string, run: () => T): T | undefined => {
    try {
      return run();
    } catch (error) {
      if (!(error instanceof SamebikeError)) throw error;
      warn(`no ${what} grouping threshold calibrated on the held-out photos: ${error.message}`);
      return undefined;
    }
  };
  const photos = attempt('photo', () => calibrateThreshold(knn, subsetLabels, options));
  if (!photos) return {};
  const ads = attempt('ad', () => calibrateAdThreshold(knn, subsetLabels, options));
  const flag = attempt('flag', () =>
    calibrateFlagThreshold(subset, Array.from(subsetLabels, String), {
      falseFlagRate: s['grouping.false_flag_rate'],
    }),
  );
  return { photos, ads, flag };
}

function exportOnnx(resolved: ResolvedSettings, head: Head, path: string): void {
  const s = resolved.settings;
  if (s['image.scales'].length !== 1 || s['image.scales'][0] !== 1) {
    warn(
      'model.onnx averages the photo and its mirror image at scale 1 only; multi-scale views are not exported',
    );
  }
  const spec = backboneFromSettings(resolved);
  const bytes = exportEmbeddingModel(readFileSync(spec.onnx), spec, {
    pooling: poolingFromSettings(s),
    flip: s['image.flip_tta'],
    stages: head.stages(),
  });
  writeFileAtomic(path, bytes);
}

/** predictions.csv: each query with its top-k gallery photos and their cosine similarities. */
function writePredictions(
  path: string,
  run: RetrievalRun,
  photos: DatasetItem[],
  topK: number,
): void {
  const { ranking, queryIdx } = run;
  const k = Math.min(topK, ranking.k);
  const rows = Array.from(queryIdx, (row, q) => {
    const images: string[] = [];
    const similarities: string[] = [];
    for (let j = 0; j < k; j++) {
      const g = ranking.indices[q * ranking.k + j];
      if (g < 0) break;
      images.push(photos[g].image);
      similarities.push(ranking.similarities[q * ranking.k + j].toFixed(5));
    }
    return [photos[row].image, photos[row].label ?? '', images.join('|'), similarities.join('|')];
  });
  writeFileAtomic(path, formatCsv(['image', 'label', 'similar_images', 'similarities'], rows));
}

function galleryOf(
  run: RetrievalRun,
  photos: DatasetItem[],
  names: string[],
  labels: Int32Array,
): RunReport['gallery'] {
  const { ranking, queryIdx, evaluation } = run;
  const queries = Array.from(queryIdx, (row, q) => {
    const matches = [];
    for (let j = 0; j < Math.min(8, ranking.k); j++) {
      const g = ranking.indices[q * ranking.k + j];
      if (g < 0) break;
      matches.push({
        image: photos[g].path,
        label: names[labels[g]],
        similarity: ranking.similarities[q * ranking.k + j],
        match: labels[g] === labels[row],
      });
    }
    return {
      image: photos[row].path,
      label: names[labels[row]],
      ap: evaluation.per_query.ap_at_k[q],
      relevant: evaluation.per_query.relevant[q],
      matches,
    };
  });
  return { queries: queries.filter((q) => Number.isFinite(q.ap)) };
}
