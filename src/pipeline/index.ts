/**
 * The `index` jobs: photos into a search index folder (`runIndexAdd`), photos out of it
 * (`runIndexRemove`), and what it holds (`readIndexInfo`). The index itself lives in src/index.
 *
 * `runIndexAdd` embeds the photos with a model (the feature cache makes a rerun cheap), then adds
 * them in batches, each batch one atomic write. A killed run leaves the batches it committed; a
 * rerun finds them unchanged, adds the rest, and ends with the same index as a run that was never
 * interrupted. The index records the model's id and where the model lives, so that a search can
 * embed query photos without being told the model; a model with another id is refused.
 *
 * Image id = the photo's path relative to the images folder ("ad-0001/1.jpg"); ad = its label in
 * the CSV (none for a bare folder); path = the file's absolute path.
 *
 * Debug hook for the crash test: with SAMEBIKE_INDEX_ADD_PAUSE_AFTER=N in the environment, the
 * add stops after committing its N-th batch, prints "paused after batch N" on stderr and waits
 * until the process is killed.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { DatasetItem } from '../data/dataset.js';
import type { OnBadImage } from '../image/bad-images.js';
import { DATABASE_FILE, openIndex, type EmbeddedIndex } from '../index/embedded.js';
import type { AddSummary, IndexInfo, IndexItem, ScalarKind } from '../index/store.js';
import { SamebikeError } from '../util/errors.js';
import { info, warn } from '../util/log.js';
import type { Matrix } from '../util/npy.js';
import { Progress } from '../util/progress.js';
import { embedWithModel, embeddingModelId, modelSource, type LoadedModel } from './model.js';

/** Photos per atomic write of `runIndexAdd` unless told otherwise. */
export const DEFAULT_INDEX_BATCH = 1000;

/** The environment variable of the crash-test hook (see the file header). */
export const PAUSE_AFTER_VARIABLE = 'SAMEBIKE_INDEX_ADD_PAUSE_AFTER';

export interface IndexAddJob {
  /** The photos; `image` becomes the image id, `label` the ad. */
  photos: DatasetItem[];
  model: LoadedModel;
  /** The index folder; created when it holds no index. */
  index: string;
  /** How a new index's graph stores vectors; must match an existing index when given. */
  scalar?: ScalarKind;
  /** Photos per atomic write; default DEFAULT_INDEX_BATCH. */
  batchSize?: number;
  workers?: number;
  onBadImage: OnBadImage;
  /** Where bad-images.csv goes with onBadImage 'skip'; default the index folder. */
  reportDir?: string;
  /** Feature cache root; default featureCacheDir(). */
  cacheDir?: string;
}

export interface IndexAddResult {
  /** The index folder (absolute). */
  index: string;
  /** The photos that were embedded and written (bad ones left out with 'skip'), in input order. */
  photos: DatasetItem[];
  /** Their embeddings, row i for photos[i]. */
  embeddings: Matrix;
  /** New image ids. */
  added: number;
  /** Image ids that were stored with another vector, ad or path. */
  replaced: number;
  /** Image ids already stored exactly so (a rerun). */
  unchanged: number;
  /** Photos left out because they could not be decoded. */
  skipped: number;
  /** Atomic writes made. */
  batches: number;
  /** Photos in the index afterwards. */
  count: number;
  modelId: string;
  seconds: number;
}

/**
 * Throws when the index holds embeddings of another model than `modelId`: those are not
 * comparable with the model's.
 */
export function checkIndexModel(
  indexInfo: IndexInfo,
  modelId: string,
  modelName: string,
  hint = 'use the model that built the index, or another index folder for this model',
): void {
  if (indexInfo.modelId === undefined || indexInfo.modelId === modelId) return;
  const source = indexInfo.modelSource ? ` (from ${indexInfo.modelSource})` : '';
  throw new SamebikeError(
    `index ${indexInfo.location}: holds embeddings of model ${indexInfo.modelId}${source}, but ` +
      `--model ${modelName} computes ${modelId}; embeddings of different models are not comparable`,
    hint,
  );
}

/** Whether `folder` holds an index. */
export function indexExists(folder: string): boolean {
  return existsSync(join(folder, DATABASE_FILE));
}

/** Opens an existing index for reading its metadata only (no graph is loaded). */
async function peekIndex(folder: string): Promise<IndexInfo> {
  const index = await openIndex(folder, { readOnly: true, mode: 'exact' });
  try {
    return await index.info();
  } finally {
    await index.close();
  }
}

/** Embeds photos with the model and adds them to the index in atomic batches. */
export async function runIndexAdd(job: IndexAddJob): Promise<IndexAddResult> {
  const started = Date.now();
  const folder = resolve(job.index);
  const batchSize = job.batchSize ?? DEFAULT_INDEX_BATCH;
  if (!Number.isInteger(batchSize) || batchSize < 1) {
    throw new SamebikeError(`batch size: expected an integer ≥ 1, got ${batchSize}`);
  }
  if (job.photos.length === 0) {
    throw new SamebikeError('index add: no photos to add', 'check the CSV or the images folder');
  }
  const modelId = embeddingModelId(job.model);

  // Refuse a mismatched model or scalar kind before spending time on embeddings.
  if (indexExists(folder)) {
    const existing = await peekIndex(folder);
    checkIndexModel(existing, modelId, job.model.name);
    if (job.scalar !== undefined && job.scalar !== existing.scalar) {
      throw new SamebikeError(
        `index ${folder}: its graph stores ${existing.scalar} vectors, --scalar ${job.scalar} ` +
          'was asked for; the scalar kind is fixed when an index is created',
        'leave --scalar out to use the stored kind, or build the index in a new folder',
      );
    }
  }

  const reportDir = job.reportDir ?? folder;
  mkdirSync(reportDir, { recursive: true });
  const embedded = await embedWithModel(job.model, job.photos, {
    workers: job.workers,
    onBadImage: job.onBadImage,
    reportDir,
    cacheDir: job.cacheDir,
  });
  const { embeddings, photos } = embedded;
  if (photos.length === 0) {
    throw new SamebikeError('index add: none of the photos could be decoded; nothing to add');
  }

  const index = await openIndex(folder, {
    create: true,
    dimensions: embeddings.cols,
    modelId,
    modelSource: modelSource(job.model),
    scalar: job.scalar,
  });
  const result: IndexAddResult = {
    index: folder,
    photos,
    embeddings,
    added: 0,
    replaced: 0,
    unchanged: 0,
    skipped: job.photos.length - photos.length,
    batches: 0,
    count: 0,
    modelId,
    seconds: 0,
  };
  try {
    const pauseAfter = Number(process.env[PAUSE_AFTER_VARIABLE] ?? 0);
    const totals = await addEmbeddings(index, photos, embeddings, {
      batchSize,
      progress: new Progress('index add', photos.length, 'img'),
      afterBatch: async (batch, batches) => {
        if (batch === pauseAfter && batch < batches) await pauseUntilKilled(batch);
      },
    });
    Object.assign(result, totals);
    result.count = await index.count();
  } finally {
    await index.close();
  }
  result.seconds = (Date.now() - started) / 1000;
  info(
    `index ${folder}: ${result.added} added, ${result.replaced} replaced, ` +
      `${result.unchanged} unchanged${result.skipped ? `, ${result.skipped} skipped` : ''}; ` +
      `it holds ${result.count} photos (${result.seconds.toFixed(1)} s)`,
  );
  return result;
}

/** What `addEmbeddings` wrote. */
export interface AddTotals extends AddSummary {
  /** Atomic writes made. */
  batches: number;
}

/**
 * Adds photos with their embeddings to an open index in batches, each batch one atomic `add`.
 * The photo's `image` is the image id, `label` the ad, `path` the path.
 *
 * @param embeddings row i is the embedding of photos[i].
 * @param options batchSize: photos per write; progress: ticked per photo; afterBatch: called
 *   after each committed batch with its 1-based number and the number of batches.
 */
export async function addEmbeddings(
  index: EmbeddedIndex,
  photos: readonly Pick<DatasetItem, 'image' | 'label' | 'path'>[],
  embeddings: Matrix,
  options: {
    batchSize: number;
    progress?: Progress;
    afterBatch?: (batch: number, batches: number) => Promise<void>;
  },
): Promise<AddTotals> {
  const { batchSize } = options;
  const { cols, data } = embeddings;
  const totals: AddTotals = { added: 0, replaced: 0, unchanged: 0, batches: 0 };
  const batches = Math.ceil(photos.length / batchSize);
  for (let batch = 0; batch < batches; batch++) {
    const start = batch * batchSize;
    const end = Math.min(photos.length, start + batchSize);
    const items: IndexItem[] = [];
    for (let i = start; i < end; i++) {
      const photo = photos[i];
      const item: IndexItem = {
        imageId: photo.image,
        path: photo.path,
        vector: data.subarray(i * cols, (i + 1) * cols),
      };
      if (photo.label !== undefined) item.ad = photo.label;
      items.push(item);
    }
    const summary = await index.add(items);
    totals.added += summary.added;
    totals.replaced += summary.replaced;
    totals.unchanged += summary.unchanged;
    totals.batches++;
    options.progress?.tick(end - start);
    await options.afterBatch?.(batch + 1, batches);
  }
  return totals;
}

/** The crash-test hook: announces the pause and waits for a signal that never comes. */
async function pauseUntilKilled(batch: number): Promise<never> {
  process.stderr.write(`index add: paused after batch ${batch} (${PAUSE_AFTER_VARIABLE})\n`);
  return new Promise<never>(() => {
    setInterval(() => undefined, 1 << 30);
  });
}

export interface IndexRemoveResult {
  index: string;
  /** Image ids that were stored and are now gone. */
  removed: number;
  /** Image ids that were asked for but not stored. */
  missing: string[];
  /** Photos in the index afterwards. */
  count: number;
}

/** Removes photos by image id in one atomic write; ids that are not stored are reported. */
export async function runIndexRemove(
  folder: string,
  imageIds: string[],
): Promise<IndexRemoveResult> {
  const location = resolve(folder);
  if (!indexExists(location)) {
    throw new SamebikeError(
      `index ${location}: no ${DATABASE_FILE} there`,
      'check the --index folder (samebike index add creates one)',
    );
  }
  if (imageIds.length === 0) {
    throw new SamebikeError('index remove: no image ids were given', 'pass --image-id or --data');
  }
  // An 'ann' handle applies the removals to the graph and saves it on close, so that later
  // read-only searches map an up-to-date graph file.
  const index = await openIndex(location);
  try {
    const missing: string[] = [];
    for (const id of new Set(imageIds)) if (!(await index.has(id))) missing.push(id);
    const removed = await index.remove(imageIds);
    if (missing.length > 0) {
      const shown = missing.slice(0, 5).map((id) => `"${id}"`);
      const more = missing.length > 5 ? ` and ${missing.length - 5} more` : '';
      const were = missing.length === 1 ? 'id was' : 'ids were';
      warn(
        `index ${location}: ${missing.length} image ${were} not stored: ${shown.join(', ')}${more}`,
      );
    }
    const count = await index.count();
    info(`index ${location}: removed ${removed} photos; it holds ${count}`);
    return { index: location, removed, missing, count };
  } finally {
    await index.close();
  }
}

/** What `index info` shows: the index's metadata. */
export async function readIndexInfo(folder: string): Promise<IndexInfo> {
  const location = resolve(folder);
  if (!indexExists(location)) {
    throw new SamebikeError(
      `index ${location}: no ${DATABASE_FILE} there`,
      'check the --index folder (samebike index add creates one)',
    );
  }
  return peekIndex(location);
}
