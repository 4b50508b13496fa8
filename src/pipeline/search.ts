/**
 * The `search` job: the photos of an index most similar to each query, best first. A query is a
 * photo file (embedded with the index's model) or a stored image id (its stored embedding).
 *
 * The model comes from the index, which records its id and where it lives; a model passed in
 * instead must have the same id. Filters: leave out one ad (`excludeAd`), or each query's own ad
 * (`onlyOtherAds`: for stored image ids, and for photo queries whose ad is known from a CSV).
 * Batch results go to a CSV with one row per (query, rank).
 */
import type { DatasetItem } from '../data/dataset.js';
import type { OnBadImage } from '../image/bad-images.js';
import { openIndex } from '../index/embedded.js';
import type { IndexInfo, IndexMatch, SearchOptions } from '../index/store.js';
import { writeCsv } from '../util/csv.js';
import { SamebikeError } from '../util/errors.js';
import { Progress } from '../util/progress.js';
import { checkIndexModel, readIndexInfo } from './index.js';
import { embedWithModel, embeddingModelId, loadModel, type LoadedModel } from './model.js';

/** A query: a photo file (with its ad when known), or the id of a photo stored in the index. */
export type SearchQuery = { photo: DatasetItem } | { imageId: string };

export interface SearchJob {
  /** The index folder. */
  index: string;
  queries: SearchQuery[];
  /** Results per query (k). */
  top: number;
  /** Leave out every photo of this ad. */
  excludeAd?: string;
  /** Leave out the photos of each query's own ad. */
  onlyOtherAds?: boolean;
  /** Compare with every stored vector instead of walking the HNSW graph (recall 1). */
  exact?: boolean;
  /**
   * HNSW candidate list (ef) of the graph walk; default the index's (128). Higher finds more of
   * the true neighbours and costs time (see `OpenIndexOptions.expansionSearch`).
   */
  expansionSearch?: number;
  /** The model for photo queries; default the one the index records. */
  model?: LoadedModel;
  /** Settings file for loading a recorded "pretrained" model (image size, pooling). */
  configPath?: string;
  workers?: number;
  onBadImage: OnBadImage;
  /** Where bad-images.csv goes with onBadImage 'skip'. */
  reportDir?: string;
  cacheDir?: string;
}

/** One ranked result. */
export interface RankedMatch extends IndexMatch {
  /** 1 for the most similar photo. */
  rank: number;
}

/** The results of one query. */
export interface SearchResult {
  /** The query's photo name (as given) or its image id. */
  query: string;
  /** The query's ad, when known. */
  ad?: string;
  /** Candidate list (ef) of the HNSW graph walk that answered it; null for an exact search. */
  ef: number | null;
  matches: RankedMatch[];
}

/**
 * The model to embed photo queries with: the given one, or the one the index records; refused
 * when its id differs from the index's.
 */
export function modelForIndex(
  indexInfo: IndexInfo,
  given?: LoadedModel,
  configPath?: string,
): LoadedModel {
  if (given) {
    checkIndexModel(indexInfo, embeddingModelId(given), given.name);
    return given;
  }
  const source = indexInfo.modelSource;
  if (source === undefined) {
    throw new SamebikeError(
      `index ${indexInfo.location}: does not record the model its embeddings come from`,
      'pass --model with the model that built the index',
    );
  }
  let model: LoadedModel;
  try {
    model = loadModel(source, configPath);
  } catch (error) {
    if (!(error instanceof SamebikeError)) throw error;
    throw new SamebikeError(
      `index ${indexInfo.location}: was built with the model at ${source}, which cannot be ` +
        `loaded any more (${error.message})`,
      'pass --model with the model that built the index (for example its new folder)',
    );
  }
  checkIndexModel(
    indexInfo,
    embeddingModelId(model),
    source,
    source === 'pretrained'
      ? 'the index was built with other settings: pass --config with the settings file used ' +
          'for index add'
      : 'the run folder now holds another model: pass --model with the model that built the index',
  );
  return model;
}

/** Runs the queries; resolves to one result per query, in order. */
export async function runSearch(job: SearchJob): Promise<SearchResult[]> {
  if (!Number.isInteger(job.top) || job.top < 1) {
    throw new SamebikeError(`top: expected an integer ≥ 1, got ${job.top}`);
  }
  if (job.excludeAd !== undefined && job.onlyOtherAds) {
    throw new SamebikeError(
      '--exclude-ad and --only-other-ads both name an ad to leave out',
      'use one of the two',
    );
  }
  const indexInfo = await readIndexInfo(job.index);
  const photos = job.queries.flatMap((q) => ('photo' in q ? [q.photo] : []));
  if (job.onlyOtherAds) {
    const unknown = photos.find((p) => p.label === undefined);
    if (unknown) {
      throw new SamebikeError(
        `--only-other-ads needs each query's ad, but the ad of query photo ${unknown.image} is ` +
          'not known',
        'query with --id (a stored photo), or give the queries with --data CSV (its label ' +
          'column holds each ad); to leave out one ad, use --exclude-ad',
      );
    }
  }

  // Embed the photo queries (the model only loads when there are any).
  const vectors = new Map<DatasetItem, Float32Array>();
  if (photos.length > 0) {
    const model = modelForIndex(indexInfo, job.model, job.configPath);
    const embedded = await embedWithModel(model, photos, {
      workers: job.workers,
      onBadImage: job.onBadImage,
      reportDir: job.reportDir,
      cacheDir: job.cacheDir,
    });
    const { cols, data } = embedded.embeddings;
    embedded.photos.forEach((photo, i) => {
      vectors.set(photo, data.slice(i * cols, (i + 1) * cols));
    });
  }

  const index = await openIndex(indexInfo.location, {
    readOnly: true,
    mode: job.exact ? 'exact' : 'ann',
    expansionSearch: job.expansionSearch,
  });
  const results: SearchResult[] = [];
  try {
    // A bar only for batches: one query answers in milliseconds.
    const progress =
      job.queries.length > 1 ? new Progress('search', job.queries.length, 'query') : undefined;
    const ef = job.exact ? null : index.expansionSearch;
    for (const query of job.queries) {
      const options: SearchOptions = { excludeAd: job.excludeAd, exact: job.exact };
      let result: SearchResult | undefined;
      if ('imageId' in query) {
        const stored = await index.get(query.imageId);
        if (!stored) {
          throw new SamebikeError(
            `index ${indexInfo.location}: no stored photo has image id "${query.imageId}"`,
            'image ids are paths relative to the --images folder of index add, e.g. ' +
              '"ad-0001/1.jpg"; samebike index info shows what the index holds',
          );
        }
        options.onlyOtherAds = job.onlyOtherAds;
        const matches = await index.search(query.imageId, job.top, options);
        result = { query: query.imageId, ad: stored.ad, ef, matches: ranked(matches) };
      } else {
        // A photo without a vector could not be decoded and was left out ('skip').
        const vector = vectors.get(query.photo);
        if (vector) {
          if (job.onlyOtherAds) options.excludeAd = query.photo.label;
          const matches = await index.search(vector, job.top, options);
          result = {
            query: query.photo.image,
            ad: query.photo.label,
            ef,
            matches: ranked(matches),
          };
        }
      }
      if (result) {
        if (result.ad === undefined) delete result.ad;
        results.push(result);
      }
      progress?.tick();
    }
  } finally {
    await index.close();
  }
  return results;
}

function ranked(matches: IndexMatch[]): RankedMatch[] {
  return matches.map((m, i) => ({ rank: i + 1, ...m }));
}

/** Writes results as a CSV: one row per (query, rank), columns query,rank,image,ad,similarity. */
export function writeSearchCsv(path: string, results: readonly SearchResult[]): void {
  const rows: (string | number)[][] = [];
  for (const result of results) {
    for (const m of result.matches) {
      rows.push([result.query, m.rank, m.imageId, m.ad ?? '', m.similarity.toFixed(6)]);
    }
  }
  writeCsv(path, ['query', 'rank', 'image', 'ad', 'similarity'], rows);
}
