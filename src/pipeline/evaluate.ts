/**
 * The `evaluate` job: how well a model (a training run's, or the pretrained backbone alone)
 * retrieves photos of the same ad. Without a protocol every photo queries all the others; with
 * one, the split is made as in training (`random`: validation photos query every photo; `group`:
 * held-out ads query each other).
 */
import type { DatasetItem } from '../data/dataset.js';
import { labelsOf } from '../data/dataset.js';
import type { OnBadImage } from '../image/bad-images.js';
import { splitDataset, type SplitProtocol } from '../metrics/split.js';
import { SamebikeError } from '../util/errors.js';
import { embedWithModel, type LoadedModel } from './model.js';
import { retrieve, type RetrievalRun } from './retrieve.js';

export interface EvaluateJob {
  photos: DatasetItem[];
  model: LoadedModel;
  protocol?: SplitProtocol;
  seed?: number;
  workers?: number;
  onBadImage: OnBadImage;
  reportDir?: string;
}

export interface EvaluateResult extends RetrievalRun {
  photos: DatasetItem[];
}

export async function runEvaluate(job: EvaluateJob): Promise<EvaluateResult> {
  if (job.photos.some((p) => p.label === undefined)) {
    throw new SamebikeError('evaluate needs labelled photos', 'pass --data with a labels CSV');
  }
  const { embeddings, photos } = await embedWithModel(job.model, job.photos, {
    workers: job.workers,
    onBadImage: job.onBadImage,
    reportDir: job.reportDir,
  });
  const { labels } = labelsOf(photos);
  const s = job.model.settings.settings;
  let queryIdx: Int32Array;
  let galleryIdx: Int32Array;
  if (job.protocol) {
    const split = splitDataset(labels, {
      protocol: job.protocol,
      validationSize: s['validation.validation_size'],
      seed: job.seed ?? s['training.seed'],
      folds: s['validation.folds'],
      fold: s['validation.fold'],
    });
    queryIdx = split.queries;
    galleryIdx = split.gallery;
  } else {
    queryIdx = Int32Array.from(photos, (_, i) => i);
    galleryIdx = queryIdx;
  }
  const run = await retrieve(embeddings, labels, queryIdx, galleryIdx, s);
  return { ...run, photos };
}
