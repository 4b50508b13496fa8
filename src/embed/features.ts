/**
 * Backbone features for a list of photos, computed on a pool of worker threads and kept in the
 * feature cache: a rerun after an interruption computes only what is missing (the key is the
 * file's content hash plus the view signature, which includes the model id). Output order is
 * the input order, whatever order the workers finish in.
 */
import { availableParallelism } from 'node:os';
import type { Pooling } from '../backbone/pooling.js';
import { Backbone } from '../backbone/runtime.js';
import type { BackboneSpec } from '../backbone/spec.js';
import { BadImageError, type BadImageReason } from '../image/bad-image-error.js';
import { BadImageCollector, type BadImageRecord, type OnBadImage } from '../image/bad-images.js';
import type { Fit } from '../image/decode.js';
import { readImageBytes } from '../image/source.js';
import { SamebikeError } from '../util/errors.js';
import { sha256 } from '../util/fs.js';
import { debug, info } from '../util/log.js';
import type { Matrix } from '../util/npy.js';
import { Progress } from '../util/progress.js';
import { FeatureCache } from './cache.js';
import { WorkerPool } from './pool.js';
import { viewSignature, type View } from './views.js';
import type { WorkerItem, WorkerResult, WorkerSetup } from './worker.js';

/** A photo to embed: `image` is how the data set names it (shown in errors), `path` its file. */
export interface PhotoRef {
  image: string;
  path: string;
}

export interface FeatureOptions {
  spec: BackboneSpec;
  /** Resize mode of test views. */
  fit: Fit;
  /** Decode pixel limit. */
  limitInputPixels: number;
  pooling: Pooling;
  /** Which views to compute (see views.ts). */
  views: View[];
  /** Seed of the augmented views. */
  augmentSeed: number;
  /** Crop-area range of augmented views (share of the photo's area); default [0.6, 1]. */
  augmentScale?: [number, number];
  /** Root folder of the feature cache. */
  cacheDir: string;
  /** Worker threads; default one per core. */
  workers?: number;
  onBadImage: OnBadImage;
  /** Where `bad-images.csv` goes with onBadImage 'skip'. */
  reportDir?: string;
  /** Photos per worker task (default 4). */
  batchSize?: number;
  /** Progress bar label. */
  label?: string;
}

export interface FeatureResult {
  views: View[];
  /** Per view: one row per kept photo, in input order. */
  features: Matrix[];
  /** Input indices of the photos that decoded. */
  kept: number[];
  /** Photos left out with onBadImage 'skip'. */
  bad: BadImageRecord[];
  /** Content hash of each kept photo. */
  hashes: string[];
  /** Photos whose features had to be computed in this run. */
  computed: number;
  dim: number;
  modelId: string;
}

export function poolingName(pooling: Pooling): string {
  return pooling.kind === 'gem' ? `gem${pooling.p ?? 3}` : pooling.kind === 'max' ? 'max' : 'avg';
}

/** Computes (or reads from the cache) the features of every view of every photo. */
export async function extractFeatures(
  photos: PhotoRef[],
  options: FeatureOptions,
): Promise<FeatureResult> {
  const probe = await Backbone.open(options.spec, { intraOpThreads: 1 });
  const dim = probe.featureDim;
  await probe.close();
  const base = {
    modelId: options.spec.id,
    width: options.spec.inputSize.width,
    height: options.spec.inputSize.height,
    fit: options.fit,
    pooling: poolingName(options.pooling),
    dim,
    seed: options.augmentSeed,
    augmentScale: options.augmentScale ?? [0.6, 1],
  };
  const caches = options.views.map((v) =>
    FeatureCache.open(options.cacheDir, viewSignature(v, base)),
  );
  const bad = new BadImageCollector(options.onBadImage);
  try {
    const hashes: (string | undefined)[] = new Array(photos.length);
    for (const [i, photo] of photos.entries()) {
      try {
        hashes[i] = sha256((await readImageBytes(photo.path)).bytes);
      } catch (error) {
        if (!(error instanceof BadImageError)) throw error;
        bad.record(error, photo.image);
      }
    }

    // One task entry per distinct content that misses at least one view.
    const todo = new Map<string, { photo: PhotoRef; views: number[] }>();
    photos.forEach((photo, i) => {
      const hash = hashes[i];
      if (hash === undefined || todo.has(hash)) return;
      const missing = caches.flatMap((c, v) => (c.has(hash) ? [] : [v]));
      if (missing.length > 0) todo.set(hash, { photo, views: missing });
    });
    debug(
      `features: ${photos.length} photos, ${todo.size} to compute, ${options.views.length} views`,
    );
    const failed = new Set<string>();
    if (todo.size > 0) await compute(todo, caches, options, bad, failed);

    const finished = bad.finish(options.reportDir);
    const kept: number[] = [];
    for (let i = 0; i < photos.length; i++) {
      const hash = hashes[i];
      if (hash !== undefined && !failed.has(hash)) kept.push(i);
    }
    const features = caches.map((cache) => {
      const data = new Float32Array(kept.length * dim);
      kept.forEach((i, row) => {
        if (!cache.read(hashes[i] as string, data, row * dim)) {
          throw new Error(
            `features of ${photos[i].image} are missing from the cache after computing`,
          );
        }
      });
      return { rows: kept.length, cols: dim, data };
    });
    return {
      views: options.views,
      features,
      kept,
      bad: finished,
      hashes: kept.map((i) => hashes[i] as string),
      computed: todo.size,
      dim,
      modelId: options.spec.id,
    };
  } finally {
    for (const cache of caches) cache.close();
  }
}

async function compute(
  todo: Map<string, { photo: PhotoRef; views: number[] }>,
  caches: FeatureCache[],
  options: FeatureOptions,
  bad: BadImageCollector,
  failed: Set<string>,
): Promise<void> {
  const setup: WorkerSetup = {
    spec: options.spec,
    fit: options.fit,
    limitInputPixels: options.limitInputPixels,
    pooling: options.pooling,
    augmentSeed: options.augmentSeed,
    augmentScale: options.augmentScale ?? [0.6, 1],
  };
  const workers = Math.max(1, Math.min(options.workers ?? availableParallelism(), todo.size));
  const pool = new WorkerPool<WorkerItem[], WorkerResult[]>(
    new URL('./worker.js', import.meta.url),
    workers,
    setup,
  );
  const progress = new Progress(options.label ?? 'features', todo.size, 'img');
  const entries = [...todo.entries()];
  const batchSize = options.batchSize ?? 4;
  let next = 0;
  const runOne = async (): Promise<void> => {
    while (next < entries.length) {
      const batch = entries.slice(next, next + batchSize);
      next += batch.length;
      const items: WorkerItem[] = [];
      for (const [, { photo, views }] of batch) {
        const { bytes } = await readImageBytes(photo.path);
        items.push({ name: photo.image, bytes, views: views.map((v) => options.views[v]) });
      }
      let results: WorkerResult[];
      try {
        results = await pool.run(items);
      } catch (error) {
        throw new SamebikeError(`embedding failed in a worker thread: ${(error as Error).message}`);
      }
      results.forEach((result, n) => {
        const [hash, { photo, views }] = batch[n];
        if (result.ok) {
          views.forEach((v, j) => caches[v].write(hash, result.features[j]));
        } else {
          failed.add(hash);
          bad.record(
            BadImageError.restore(result.file, result.reason as BadImageReason, result.message),
            photo.image,
          );
        }
      });
      progress.tick(batch.length);
    }
  };
  try {
    await Promise.all(Array.from({ length: workers * 2 }, runOne));
  } finally {
    await pool.close();
  }
  info(
    `features: ${todo.size} photos computed with ${workers} worker(s), ${progress.rate().toFixed(1)} img/s`,
  );
}
