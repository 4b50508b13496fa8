/**
 * A samebike model: the backbone, how photos are decoded and pooled, and the learned head. A
 * training run saves it as `RUN/model/model.json` (settings, head weights, grouping threshold)
 * beside `RUN/model/model.onnx` (the same pipeline as one ONNX file). "pretrained" names the
 * backbone alone: view-averaged pooled features, L2-normalised.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Settings } from '../config/schema.js';
import type { DatasetItem } from '../data/dataset.js';
import type { OnBadImage } from '../image/bad-images.js';
import { SamebikeError } from '../util/errors.js';
import { sha256 } from '../util/fs.js';
import type { Matrix } from '../util/npy.js';
import { averageViews, embedViews, testFeatures } from './embed.js';
import { backboneFromSettings, resolveSettings, type ResolvedSettings } from './settings.js';
import { headFromJSON, type Head } from '../train/heads.js';

export const MODEL_FORMAT = 'samebike-model';

/** One calibrated threshold with the pairwise precision and recall it had where calibrated. */
export interface CalibratedThreshold {
  /** Cosine similarity: pairs at least this similar count as the same bike. */
  threshold: number;
  /** Pairwise precision at the threshold on the held-out data, 0–1. */
  precision: number;
  /** Pairwise recall at the threshold on the held-out data, 0–1. */
  recall: number;
  /** Pairs at or above the threshold on the held-out data (absent in older models). */
  predictedPairs?: number;
  /** 90 % Wilson interval of `precision` over those pairs (absent in older models). */
  precisionInterval?: [number, number];
}

/**
 * The grouping thresholds calibrated on labelled held-out photos, saved with the model: the
 * photo threshold (grouping photos, the within-ad check) and the ad threshold (grouping ads).
 */
export interface GroupingCalibration extends CalibratedThreshold {
  targetPrecision: number;
  /**
   * The threshold for grouping ads, calibrated on held-out ads split into made-up reposts
   * (`calibrateAdThreshold`). Absent when no held-out ad had two photos, and in models saved
   * before it was calibrated.
   */
  ads?: CalibratedThreshold;
  /**
   * The flag threshold of the within-ad check, calibrated on held-out ads to a false-flag rate
   * (`calibrateFlagThreshold`); precision and recall are those of flags on photos moved into
   * other ads. Absent in models saved before it was calibrated (the photo threshold is used).
   */
  flag?: { threshold: number; falseFlagRate: number; precision: number; recall: number };
}

/** model.json */
export interface ModelFile {
  format: typeof MODEL_FORMAT;
  version: 1;
  /** The backbone id the head was trained on. */
  backbone: string;
  settings: Settings;
  head: unknown;
  grouping?: GroupingCalibration;
  createdAt: string;
}

export interface LoadedModel {
  /** "pretrained" or the run folder. */
  name: string;
  settings: ResolvedSettings;
  head?: Head;
  grouping?: GroupingCalibration;
}

/** Loads "pretrained" or a run folder (RUN, RUN/model or RUN/model/model.json). */
export function loadModel(ref: string, configPath?: string): LoadedModel {
  if (ref === 'pretrained') return { name: ref, settings: resolveSettings(configPath) };
  const candidates = [ref, join(ref, 'model.json'), join(ref, 'model', 'model.json')].map((p) =>
    resolve(p),
  );
  const file = candidates.find((p) => p.endsWith('.json') && existsSync(p));
  if (!file) {
    throw new SamebikeError(
      `${ref}: no model found (looked for model.json and model/model.json)`,
      'pass the output folder of samebike train, or "pretrained"',
    );
  }
  let parsed: ModelFile;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8')) as ModelFile;
  } catch (error) {
    throw new SamebikeError(
      `${file}: not valid JSON (${(error as Error).message})`,
      'train the model again',
    );
  }
  if (parsed.format !== MODEL_FORMAT || parsed.version !== 1) {
    throw new SamebikeError(
      `${file}: expected a ${MODEL_FORMAT} version 1 file, got format ${String(parsed.format)} version ${String(parsed.version)}`,
    );
  }
  const settings: ResolvedSettings = { settings: parsed.settings };
  return {
    name: ref,
    settings,
    head: parsed.head ? headFromJSON(parsed.head, file) : undefined,
    grouping: parsed.grouping,
  };
}

/** Embeds photos with a model: test-view features → head → average of the views' embeddings. */
export async function embedWithModel(
  model: LoadedModel,
  photos: DatasetItem[],
  options: { workers?: number; onBadImage: OnBadImage; reportDir?: string; cacheDir?: string },
): Promise<{ embeddings: Matrix; photos: DatasetItem[]; modelId: string }> {
  const features = await testFeatures(photos, model.settings, options);
  const embeddings = model.head
    ? await embedViews(model.head, features.features)
    : averageViews(features.features);
  return { embeddings, photos: features.kept.map((i) => photos[i]), modelId: features.modelId };
}

/**
 * The id of the embedding a model computes, as recorded in search indexes: the backbone's id, a
 * hash of every setting that changes the embedding (backbone file and normalisation, input size,
 * fit, test-time views, pooling) and of the head's weights. Models with equal ids embed a photo
 * alike; embeddings of models with different ids are not comparable. A custom ONNX backbone is
 * identified by its path and settings, not its content.
 *
 * @example
 * embeddingModelId(loadModel('run/')) // 'head-mobilenet_v2_mid-3f2a9c0d41b7e826'
 */
export function embeddingModelId(model: LoadedModel): string {
  const s = model.settings.settings;
  const spec = backboneFromSettings(model.settings);
  const recipe = [
    spec.id,
    s['backbone.onnx'],
    s['backbone.layout'],
    s['backbone.mean'],
    s['backbone.std'],
    s['backbone.feature_output'],
    s['backbone.feature_map_output'],
    s['image.width'],
    s['image.height'],
    s['image.fit'],
    s['image.flip_tta'],
    s['image.scales'],
    s['features.pooling'],
    s['features.pooling'] === 'gem' ? s['features.gem_p'] : null,
  ];
  const head = model.head ? JSON.stringify(model.head.toJSON()) : '';
  const hash = sha256(`${JSON.stringify(recipe)}\n${head}`).slice(0, 16);
  return `${model.head ? 'head' : 'pretrained'}-${spec.id}-${hash}`;
}

/**
 * Where a model can be loaded from again, as recorded in search indexes: "pretrained", or the
 * absolute path of the run folder (or model file) it was loaded from.
 */
export function modelSource(model: LoadedModel): string {
  return model.name === 'pretrained' ? 'pretrained' : resolve(model.name);
}
