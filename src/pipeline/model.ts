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
import type { Matrix } from '../util/npy.js';
import { averageViews, meanViews, testFeatures } from './embed.js';
import { resolveSettings, type ResolvedSettings } from './settings.js';
import { headFromJSON, type Head } from '../train/heads.js';

export const MODEL_FORMAT = 'samebike-model';

/** The grouping threshold calibrated on labelled data, saved with the model. */
export interface GroupingCalibration {
  threshold: number;
  targetPrecision: number;
  precision: number;
  recall: number;
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

/** Embeds photos with a model: test-view features → mean → head → L2-normalised rows. */
export async function embedWithModel(
  model: LoadedModel,
  photos: DatasetItem[],
  options: { workers?: number; onBadImage: OnBadImage; reportDir?: string; cacheDir?: string },
): Promise<{ embeddings: Matrix; photos: DatasetItem[]; modelId: string }> {
  const features = await testFeatures(photos, model.settings, options);
  const embeddings = model.head
    ? await model.head.embed(meanViews(features.features))
    : averageViews(features.features);
  return { embeddings, photos: features.kept.map((i) => photos[i]), modelId: features.modelId };
}
