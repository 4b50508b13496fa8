/**
 * The embedded vector index: a folder beside the data, no server. `index.sqlite` holds every row
 * and is the source of truth (see `database.ts`); `vectors.usearch` caches the HNSW graph built
 * from it (see `ann.ts`). Writes commit to SQLite first and then update the graph in memory; the
 * graph file is saved atomically on `flush()` and `close()` together with the write generation it
 * reflects. On open, a graph file that is missing, damaged or behind is brought up to date from
 * SQLite (replaying the rows added and removed since, or rebuilding), so a crash at any moment
 * leaves a usable index and rerunning the interrupted `add` completes it.
 *
 * Several processes may open one index: each write takes SQLite's write lock, and every call
 * first replays what other processes committed, so a handle always answers from the latest
 * committed state.
 */
import { availableParallelism } from 'node:os';
import { existsSync, mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { SamebikeError, describeValue, invalidParameter } from '../util/errors.js';
import { debug, warn } from '../util/log.js';
import type { Matrix } from '../util/npy.js';
import { Progress } from '../util/progress.js';
import { AnnGraph, type AnnConfig, type AnnResult } from './ann.js';
import { FORMAT_VERSION, IndexDatabase, type IndexMeta, type ItemRow } from './database.js';
import { NO_AD, VectorTable, searchExact, type ExactExclusion } from './exact.js';
import {
  SCALAR_KINDS,
  SEARCH_MODES,
  type AddSummary,
  type IndexInfo,
  type IndexItem,
  type IndexMatch,
  type NeighborLists,
  type NeighborOptions,
  type ScalarKind,
  type SearchMode,
  type SearchOptions,
  type VectorStore,
} from './store.js';
import { blobToVector, dot, normalized, sameBytes, vectorToBlob } from './vectors.js';

/** File name of the SQLite database inside the index folder. */
export const DATABASE_FILE = 'index.sqlite';

/** File name of the ANN graph cache inside the index folder. */
export const ANN_FILE = 'vectors.usearch';

/** Options of `openIndex`. */
export interface OpenIndexOptions {
  /**
   * Length of the vectors. Required to create an index; when opening one it must match (or be
   * left out).
   */
  dimensions?: number;
  /**
   * The embedding model the vectors come from (for example the head's checkpoint hash). Recorded
   * when the index is created; when given later it must match, because embeddings of different
   * models are not comparable.
   */
  modelId?: string;
  /**
   * Where that model can be found again (a training run folder, or "pretrained"), so that a
   * search can embed query photos with it. Recorded by every writable open that gives it (the
   * latest location wins when a run folder moves); it is a note, not checked like `modelId`.
   */
  modelSource?: string;
  /** How the ANN graph stores vectors (see `ScalarKind`). Fixed at creation; default 'f32'. */
  scalar?: ScalarKind;
  /** Default search mode of this handle (see `SearchMode`); default 'ann'. */
  mode?: SearchMode;
  /** HNSW edges per node (M). Fixed at creation; default 16, usual range 8–64. */
  connectivity?: number;
  /** HNSW candidate list while inserting (efConstruction). Fixed at creation; default 128. */
  expansionAdd?: number;
  /**
   * HNSW candidate list while searching (ef); at least k is used. Higher is slower and closer
   * to exact. Default 128, usual range 32–512.
   */
  expansionSearch?: number;
  /**
   * For f16 and i8 graphs: fetch this many times k candidates from the graph and re-rank them
   * by their exact float32 similarity from SQLite. Default 2 for i8, 1 for f16 (f16 ranks almost
   * exactly). Similarities returned by f16/i8 searches are always the exact float32 ones.
   */
  rescore?: number;
  /** Create the folder and an empty index when there is none. Default false. */
  create?: boolean;
  /**
   * Open for searching only: nothing is written, and an up-to-date graph file is memory-mapped
   * instead of read (opens in milliseconds; pages load as searches touch them). Default false.
   */
  readOnly?: boolean;
  /**
   * Threads for inserting into the graph and for batch searches (capped at the machine's cores).
   * With more than one, every new vector is searched for once after insertion to repair the nodes
   * usearch 2.25's parallel insertion leaves unreachable (see `AnnGraph.add`): on two cores that
   * check takes about what the second thread saves; from four cores on, insertion gets faster.
   * Default: all cores.
   */
  threads?: number;
}

const DEFAULT_CONNECTIVITY = 16;
const DEFAULT_EXPANSION_ADD = 128;
const DEFAULT_EXPANSION_SEARCH = 128;

/** Rows per chunk when replaying SQLite rows into the graph or the exact table. */
const REPLAY_CHUNK = 8192;

/** Extra candidates fetched when a search leaves out an ad, before refilling. */
const FILTER_EXTRA = 32;

/**
 * Opens (or with `create`, creates) the embedded index in folder `dir`. Resolves when the index
 * is ready to search: in 'ann' mode the graph is loaded (or memory-mapped when `readOnly`) and
 * brought up to date with SQLite first.
 *
 * @example
 * const index = await openIndex('data/index', { create: true, dimensions: 512 });
 * await index.add([{ imageId: 'a1-0.jpg', ad: 'a1', vector }]);
 * const matches = await index.search('a1-0.jpg', 10, { onlyOtherAds: true });
 * await index.close();
 */
export async function openIndex(
  dir: string,
  options: OpenIndexOptions = {},
): Promise<EmbeddedIndex> {
  const checked = checkOptions(options);
  const folder = resolve(dir);
  const file = join(folder, DATABASE_FILE);

  if (!existsSync(file)) {
    if (!checked.create) {
      throw new SamebikeError(
        `index ${folder}: no ${DATABASE_FILE} there`,
        'create the index first (openIndex with create: true), or check the folder name',
      );
    }
    if (checked.dimensions === undefined) {
      throw new SamebikeError(
        `index ${folder}: creating an index needs the vector dimensions, none were given`,
        'pass dimensions (512 for the default embedding head)',
      );
    }
    mkdirSync(folder, { recursive: true });
  }

  const db = IndexDatabase.open(file, { create: checked.create, readOnly: checked.readOnly });
  try {
    if (!db.isInitialised()) {
      if (checked.readOnly || checked.dimensions === undefined) {
        throw new SamebikeError(
          `index ${folder}: ${DATABASE_FILE} exists but was never initialised`,
          'open it once with create: true and dimensions to initialise it',
        );
      }
      db.initialise({
        format: FORMAT_VERSION,
        dimensions: checked.dimensions,
        modelId: checked.modelId,
        scalar: checked.scalar ?? 'f32',
        connectivity: checked.connectivity ?? DEFAULT_CONNECTIVITY,
        expansionAdd: checked.expansionAdd ?? DEFAULT_EXPANSION_ADD,
      });
    }
    const meta = db.readMeta();
    checkAgainstMeta(folder, meta, checked);
    if (checked.modelId !== undefined && meta.modelId === undefined && !checked.readOnly) {
      db.setMeta('model_id', checked.modelId);
      meta.modelId = checked.modelId;
    }
    const source = checked.modelSource;
    if (source !== undefined && source !== meta.modelSource && !checked.readOnly) {
      db.setMeta('model_source', source);
      meta.modelSource = source;
    }
    const index = new EmbeddedIndex(folder, db, meta, checked);
    if (!checked.readOnly) removeStaleTemporaryFiles(folder);
    if (index.mode === 'ann') index.prepareGraph();
    return index;
  } catch (error) {
    db.close();
    throw error;
  }
}

interface CheckedOptions {
  dimensions?: number;
  modelId?: string;
  modelSource?: string;
  scalar?: ScalarKind;
  mode: SearchMode;
  connectivity?: number;
  expansionAdd?: number;
  expansionSearch: number;
  rescore?: number;
  create: boolean;
  readOnly: boolean;
  threads: number;
}

function checkOptions(options: OpenIndexOptions): CheckedOptions {
  if (typeof options !== 'object' || options === null) {
    invalidParameter('openIndex options', 'an object', options);
  }
  const integer = (name: keyof OpenIndexOptions, min: number, max: number): number | undefined => {
    const value = options[name];
    if (value === undefined) return undefined;
    if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
      invalidParameter(`openIndex option "${name}"`, `an integer from ${min} to ${max}`, value);
    }
    return value;
  };
  const flag = (name: 'create' | 'readOnly'): boolean => {
    const value = options[name];
    if (value !== undefined && typeof value !== 'boolean') {
      invalidParameter(`openIndex option "${name}"`, 'true or false', value);
    }
    return value ?? false;
  };
  if (options.scalar !== undefined && !SCALAR_KINDS.includes(options.scalar)) {
    invalidParameter(
      'openIndex option "scalar"',
      `one of ${SCALAR_KINDS.join(', ')}`,
      options.scalar,
    );
  }
  if (options.mode !== undefined && !SEARCH_MODES.includes(options.mode)) {
    invalidParameter('openIndex option "mode"', `one of ${SEARCH_MODES.join(', ')}`, options.mode);
  }
  if (
    options.modelId !== undefined &&
    (typeof options.modelId !== 'string' || options.modelId.length === 0)
  ) {
    invalidParameter('openIndex option "modelId"', 'a non-empty string', options.modelId);
  }
  if (
    options.modelSource !== undefined &&
    (typeof options.modelSource !== 'string' || options.modelSource.length === 0)
  ) {
    invalidParameter('openIndex option "modelSource"', 'a non-empty string', options.modelSource);
  }
  const create = flag('create');
  const readOnly = flag('readOnly');
  if (create && readOnly) {
    throw new SamebikeError(
      'openIndex: options "create" and "readOnly" were both true',
      'a read-only handle cannot create an index: drop one of them',
    );
  }
  return {
    dimensions: integer('dimensions', 1, 65536),
    modelId: options.modelId,
    modelSource: options.modelSource,
    scalar: options.scalar,
    mode: options.mode ?? 'ann',
    connectivity: integer('connectivity', 2, 1024),
    expansionAdd: integer('expansionAdd', 1, 65536),
    expansionSearch: integer('expansionSearch', 1, 65536) ?? DEFAULT_EXPANSION_SEARCH,
    rescore: integer('rescore', 1, 100),
    create,
    readOnly,
    threads: integer('threads', 1, 1024) ?? availableParallelism(),
  };
}

/** Throws when the caller's expectations differ from what the index was built with. */
function checkAgainstMeta(folder: string, meta: IndexMeta, options: CheckedOptions): void {
  if (meta.format > FORMAT_VERSION) {
    throw new SamebikeError(
      `index ${folder}: format ${meta.format} is newer than this samebike reads (${FORMAT_VERSION})`,
      'upgrade samebike to open it',
    );
  }
  if (!SCALAR_KINDS.includes(meta.scalar as ScalarKind)) {
    throw new SamebikeError(
      `index ${folder}: stored scalar kind ${describeValue(meta.scalar)} is not one of ` +
        SCALAR_KINDS.join(', '),
      'the index is damaged; rebuild it from the embeddings',
    );
  }
  const mismatch = (what: string, stored: unknown, asked: unknown, hint: string): never => {
    throw new SamebikeError(
      `index ${folder}: it was built with ${what} ${describeValue(stored)}, ` +
        `but ${describeValue(asked)} was asked for`,
      hint,
    );
  };
  const rebuildHint = 'leave the option out to use the stored value, or build a new index folder';
  if (options.dimensions !== undefined && options.dimensions !== meta.dimensions) {
    mismatch(
      'dimensions',
      meta.dimensions,
      options.dimensions,
      'embeddings of another length belong in another index: use a new folder',
    );
  }
  if (
    options.modelId !== undefined &&
    meta.modelId !== undefined &&
    options.modelId !== meta.modelId
  ) {
    mismatch(
      'model id',
      meta.modelId,
      options.modelId,
      'embeddings of different models are not comparable: use a new folder, or re-embed ' +
        'everything with one model',
    );
  }
  if (options.scalar !== undefined && options.scalar !== meta.scalar) {
    mismatch('scalar kind', meta.scalar, options.scalar, rebuildHint);
  }
  if (options.connectivity !== undefined && options.connectivity !== meta.connectivity) {
    mismatch('connectivity', meta.connectivity, options.connectivity, rebuildHint);
  }
  if (options.expansionAdd !== undefined && options.expansionAdd !== meta.expansionAdd) {
    mismatch('expansionAdd', meta.expansionAdd, options.expansionAdd, rebuildHint);
  }
}

/** Deletes graph files half-written by processes that no longer run. */
function removeStaleTemporaryFiles(folder: string): void {
  for (const name of readdirSync(folder)) {
    const match = /^vectors\.usearch\.(\d+)\.tmp$/.exec(name);
    if (!match) continue;
    const pid = Number(match[1]);
    if (pid !== process.pid && isRunning(pid)) continue;
    rmSync(join(folder, name), { force: true });
    debug(`removed ${name}, left by an interrupted save`);
  }
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** A validated item ready to write. */
interface PreparedItem {
  imageId: string;
  ad?: string;
  path?: string;
  vector: Float32Array;
  blob: Buffer;
}

/** A resolved query: its unit vector, and for stored-image queries the image's key and ad. */
interface ResolvedQuery {
  vector: Float32Array;
  selfKey: number;
  ad?: string;
  /** The query's excluded ad after applying the options (undefined: none). */
  excludedAd?: string;
}

/** The embedded `VectorStore`: SQLite rows plus a usearch HNSW graph in one folder. */
export class EmbeddedIndex implements VectorStore {
  /** The index folder (absolute). */
  readonly folder: string;
  /** Default search mode of this handle. */
  readonly mode: SearchMode;
  /** Vector length. */
  readonly dimensions: number;
  /** How the graph stores vectors. */
  readonly scalar: ScalarKind;
  /** Opened for searching only. */
  readonly readOnly: boolean;
  /** Candidate list (ef) of this handle's graph searches. */
  readonly expansionSearch: number;

  private readonly db: IndexDatabase;
  private readonly annConfig: AnnConfig;
  private readonly rescore: number;
  private modelId?: string;
  private ann?: AnnGraph;
  /** The write generation the in-memory graph reflects. */
  private annGeneration = -1;
  /** Whether the in-memory graph differs from the graph file. */
  private annDirty = false;
  private table?: VectorTable;
  private tableGeneration = -1;
  private closed = false;
  private repaired = 0;

  /** Use `openIndex`. */
  constructor(folder: string, db: IndexDatabase, meta: IndexMeta, options: CheckedOptions) {
    this.folder = folder;
    this.db = db;
    this.mode = options.mode;
    this.dimensions = meta.dimensions;
    this.scalar = meta.scalar as ScalarKind;
    this.readOnly = options.readOnly;
    this.expansionSearch = options.expansionSearch;
    this.modelId = meta.modelId;
    this.rescore = options.rescore ?? (this.scalar === 'i8' ? 2 : 1);
    this.annConfig = {
      dimensions: meta.dimensions,
      scalar: this.scalar,
      connectivity: meta.connectivity,
      expansionAdd: meta.expansionAdd,
      expansionSearch: options.expansionSearch,
      threads: options.threads,
    };
  }

  /**
   * Graph nodes that a parallel insertion left unreachable and this handle inserted again (see
   * `AnnGraph.add`); reported by the benchmark.
   */
  get repairedNodes(): number {
    return this.repaired;
  }

  private get annPath(): string {
    return join(this.folder, ANN_FILE);
  }

  // ---------------------------------------------------------------------------------------------
  // Writes

  async add(items: readonly IndexItem[]): Promise<AddSummary> {
    this.checkWritable('add');
    const prepared = this.prepareItems(items);
    const summary: AddSummary = { added: 0, replaced: 0, unchanged: 0 };
    if (prepared.length === 0) return summary;

    const added: { key: number; item: PreparedItem }[] = [];
    const removedKeys: number[] = [];
    const updated: { key: number; ad?: string }[] = [];
    const before = this.db.transaction(() => {
      const generation = this.db.generation();
      const next = generation + 1;
      for (const item of prepared) {
        const existing = this.db.itemByImageId(item.imageId);
        if (existing) {
          const blob = this.db.vectorBlob(existing.key);
          if (blob && sameBytes(blob, item.blob)) {
            if (existing.ad === item.ad && existing.path === item.path) {
              summary.unchanged++;
              continue;
            }
            this.db.update(existing.key, item.ad, item.path, next);
            updated.push({ key: existing.key, ad: item.ad });
            summary.replaced++;
            continue;
          }
          this.db.delete(existing.key, next);
          removedKeys.push(existing.key);
          summary.replaced++;
        } else {
          summary.added++;
        }
        const key = this.db.insert(item.imageId, item.ad, item.path, item.blob, next);
        added.push({ key, item });
      }
      if (added.length > 0 || removedKeys.length > 0 || updated.length > 0) {
        this.db.setMeta('generation', next);
        this.db.setMeta('count', this.storedCount() + added.length - removedKeys.length);
      }
      return generation;
    });
    if (added.length === 0 && removedKeys.length === 0 && updated.length === 0) return summary;

    const after = before + 1;
    if (this.ann && this.annGeneration === before) {
      this.applyToGraph(
        removedKeys,
        added.map((entry) => entry.key),
        added.map((entry) => entry.item.vector),
      );
      this.annGeneration = after;
    }
    if (this.table && this.tableGeneration === before) {
      for (const key of removedKeys) this.table.remove(key);
      for (const { key, ad } of updated) {
        const row = this.db.vectorBlob(key);
        if (row) this.table.append(key, blobToVector(row, this.dimensions) as Float32Array, ad);
      }
      for (const { key, item } of added) this.table.append(key, item.vector, item.ad);
      this.tableGeneration = after;
    }
    this.refresh();
    return summary;
  }

  async remove(imageIds: readonly string[]): Promise<number> {
    this.checkWritable('remove');
    if (!Array.isArray(imageIds))
      invalidParameter('remove: imageIds', 'an array of strings', imageIds);
    imageIds.forEach((id, position) => {
      if (typeof id !== 'string') {
        invalidParameter(`remove: imageIds[${position}]`, 'a string', id);
      }
    });
    const removedKeys: number[] = [];
    const before = this.db.transaction(() => {
      const generation = this.db.generation();
      for (const imageId of new Set(imageIds)) {
        const existing = this.db.itemByImageId(imageId);
        if (!existing) continue;
        this.db.delete(existing.key, generation + 1);
        removedKeys.push(existing.key);
      }
      if (removedKeys.length > 0) {
        this.db.setMeta('generation', generation + 1);
        this.db.setMeta('count', this.storedCount() - removedKeys.length);
      }
      return generation;
    });
    if (removedKeys.length === 0) return 0;
    if (this.ann && this.annGeneration === before) {
      this.applyToGraph(removedKeys, [], []);
      this.annGeneration = before + 1;
    }
    if (this.table && this.tableGeneration === before) {
      for (const key of removedKeys) this.table.remove(key);
      this.tableGeneration = before + 1;
    }
    this.refresh();
    return removedKeys.length;
  }

  /**
   * Saves the graph file if it is behind the in-memory graph: brings the graph up to date under
   * SQLite's write lock, writes it atomically and records the generation it reflects. Called by
   * `close()`; call it after a large `add` to make the next open fast even if this process dies.
   */
  async flush(): Promise<void> {
    this.checkOpen();
    if (this.readOnly || !this.ann || !this.annDirty) return;
    this.db.transaction(() => {
      this.refreshGraph();
      const graph = this.ann as AnnGraph;
      const bytes = graph.save(this.annPath);
      this.db.setMeta('ann_generation', this.annGeneration);
      this.db.setMeta('ann_bytes', bytes);
      debug(`saved ${this.annPath} (${bytes} bytes) at generation ${this.annGeneration}`);
    });
    this.annDirty = false;
  }

  // ---------------------------------------------------------------------------------------------
  // Reads

  async search(
    query: Float32Array | string,
    k: number,
    options: SearchOptions = {},
  ): Promise<IndexMatch[]> {
    this.checkOpen();
    checkK('search', k);
    this.refresh();
    const resolved = this.resolveQuery(query, 'search: query', options);
    return (await this.searchResolved([resolved], k, options))[0];
  }

  async searchBatch(
    queries: Matrix | readonly string[],
    k: number,
    options: SearchOptions = {},
  ): Promise<IndexMatch[][]> {
    this.checkOpen();
    checkK('searchBatch', k);
    this.refresh();
    const resolved: ResolvedQuery[] = [];
    if (Array.isArray(queries)) {
      queries.forEach((id, i) => {
        resolved.push(this.resolveQuery(id, `searchBatch: queries[${i}]`, options));
      });
    } else {
      const matrix = queries as Matrix;
      if (
        typeof matrix !== 'object' ||
        matrix === null ||
        !(matrix.data instanceof Float32Array) ||
        matrix.data.length !== matrix.rows * matrix.cols
      ) {
        invalidParameter(
          'searchBatch: queries',
          'a Matrix {rows, cols, data} or image ids',
          queries,
        );
      }
      if (matrix.cols !== this.dimensions) {
        throw new SamebikeError(
          `index ${this.folder}: query vectors have ${matrix.cols} dimensions, ` +
            `the index holds ${this.dimensions}`,
          'embed the queries with the model that built the index',
        );
      }
      for (let row = 0; row < matrix.rows; row++) {
        const vector = matrix.data.subarray(row * matrix.cols, (row + 1) * matrix.cols);
        resolved.push(this.resolveQuery(vector, `searchBatch: queries row ${row}`, options));
      }
    }
    return this.searchResolved(resolved, k, options);
  }

  async get(imageId: string): Promise<IndexItem | undefined> {
    this.checkOpen();
    if (typeof imageId !== 'string') invalidParameter('get: imageId', 'a string', imageId);
    const row = this.db.itemByImageId(imageId);
    if (!row) return undefined;
    const blob = this.db.vectorBlob(row.key);
    const vector = blob ? blobToVector(blob, this.dimensions) : undefined;
    if (!vector) this.damaged(`the vector of image "${imageId}" is missing or has the wrong size`);
    const item: IndexItem = { imageId: row.imageId, vector };
    if (row.ad !== undefined) item.ad = row.ad;
    if (row.path !== undefined) item.path = row.path;
    return item;
  }

  async has(imageId: string): Promise<boolean> {
    this.checkOpen();
    if (typeof imageId !== 'string') invalidParameter('has: imageId', 'a string', imageId);
    return this.db.itemByImageId(imageId) !== undefined;
  }

  async count(): Promise<number> {
    this.checkOpen();
    return this.storedCount();
  }

  /**
   * See `VectorStore.neighbors`. The graph version runs one batch search per 8,192 stored
   * vectors on all threads; with f16/i8 graphs its similarities are the graph's approximate ones
   * (about 1e-3 and 1e-2 off). The exact version compares every pair: O(n²·d), for galleries up
   * to some tens of thousands.
   */
  async neighbors(k: number, options: NeighborOptions = {}): Promise<NeighborLists> {
    this.checkOpen();
    checkK('neighbors', k);
    this.refresh();
    const ids: string[] = [];
    const position = new Map<number, number>();
    for (const row of this.db.allItems()) {
      position.set(row.key, ids.length);
      ids.push(row.imageId);
    }
    const n = ids.length;
    const indices = new Int32Array(n * k).fill(-1);
    const similarities = new Float32Array(n * k);
    const progress = new Progress('neighbors', n, 'img');
    const exact = options.exact ?? this.mode === 'exact';

    const fill = (row: number, keys: number[], sims: number[], selfKey: number): void => {
      let slot = 0;
      for (let i = 0; i < keys.length && slot < k; i++) {
        if (keys[i] === selfKey) continue;
        const neighbor = position.get(keys[i]);
        if (neighbor === undefined) continue;
        indices[row * k + slot] = neighbor;
        similarities[row * k + slot] = sims[i];
        slot++;
      }
    };

    if (exact) {
      const table = this.ensureTable();
      const chunk = 256;
      for (let start = 0; start < table.rows; start += chunk) {
        const end = Math.min(table.rows, start + chunk);
        const queries = {
          rows: end - start,
          cols: this.dimensions,
          data: table.block(start, end).data.slice(),
        };
        const exclusions: ExactExclusion[] = [];
        for (let row = start; row < end; row++)
          exclusions.push({ adCode: NO_AD, key: table.key(row) });
        const results = await searchExact(table, queries, k, exclusions);
        for (let row = start; row < end; row++) {
          const key = table.key(row);
          fill(
            position.get(key) as number,
            results[row - start].keys,
            results[row - start].similarities,
            key,
          );
        }
        progress.tick(end - start);
      }
    } else {
      const graph = this.ensureGraph();
      let keys: number[] = [];
      let data = new Float32Array(REPLAY_CHUNK * this.dimensions);
      const flushChunk = (): void => {
        const results = graph.search(data.subarray(0, keys.length * this.dimensions), k + 1);
        keys.forEach((key, i) =>
          fill(position.get(key) as number, results[i].keys, results[i].similarities, key),
        );
        progress.tick(keys.length);
        keys = [];
      };
      for (const row of this.db.allVectors()) {
        if (!blobToVector(row.vector, this.dimensions, data, keys.length * this.dimensions)) {
          this.damaged(`the vector of key ${row.key} has the wrong size`);
        }
        keys.push(row.key);
        if (keys.length === REPLAY_CHUNK) flushChunk();
      }
      if (keys.length > 0) flushChunk();
      data = new Float32Array(0);
    }
    return { ids, k, indices, similarities };
  }

  async info(): Promise<IndexInfo> {
    this.checkOpen();
    const meta = this.db.readMeta();
    const size = (path: string): number => (existsSync(path) ? statSync(path).size : 0);
    const database = join(this.folder, DATABASE_FILE);
    const result: IndexInfo = {
      location: this.folder,
      dimensions: meta.dimensions,
      count: meta.count,
      scalar: this.scalar,
      mode: this.mode,
      connectivity: meta.connectivity,
      expansionAdd: meta.expansionAdd,
      expansionSearch: this.annConfig.expansionSearch,
      generation: meta.generation,
      annGeneration: meta.annGeneration,
      readOnly: this.readOnly,
      files: {
        database: size(database) + size(`${database}-wal`),
        ann: size(this.annPath),
      },
    };
    if (meta.modelId !== undefined) result.modelId = meta.modelId;
    else if (this.modelId !== undefined) result.modelId = this.modelId;
    if (meta.modelSource !== undefined) result.modelSource = meta.modelSource;
    return result;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    try {
      await this.flush();
    } finally {
      this.closed = true;
      this.ann = undefined;
      this.table = undefined;
      this.db.close();
    }
  }

  // ---------------------------------------------------------------------------------------------
  // The graph and the exact table

  /**
   * Loads (or memory-maps) the graph file and replays what SQLite committed since it was saved;
   * rebuilds the graph from SQLite when the file is missing, damaged or does not match.
   */
  prepareGraph(): void {
    const meta = this.db.readMeta();
    const path = this.annPath;
    let graph: AnnGraph | undefined;
    let from = -1;
    if (existsSync(path)) {
      const size = statSync(path).size;
      let problem: string | undefined;
      if (meta.annGeneration < 0) problem = 'the index has no record of saving it';
      else if (meta.annGeneration > meta.generation) {
        problem = `it claims generation ${meta.annGeneration}, newer than the rows (${meta.generation})`;
      } else if (size !== meta.annBytes) {
        problem = `it has ${size} bytes, ${meta.annBytes} were saved`;
      }
      if (!problem) {
        try {
          const view = this.readOnly && meta.annGeneration === meta.generation;
          graph = AnnGraph.open(path, this.annConfig, view);
          from = meta.annGeneration;
        } catch (error) {
          problem = (error as Error).message;
        }
      }
      if (problem) warn(`index ${this.folder}: ignoring ${ANN_FILE} (${problem}); rebuilding it`);
    }
    this.ann = graph ?? AnnGraph.create(this.annConfig);
    this.annGeneration = from;
    this.annDirty = graph === undefined;
    this.refreshGraph();
    const count = this.storedCount();
    if (this.ann.size !== count) {
      warn(
        `index ${this.folder}: the graph holds ${this.ann.size} vectors but ${count} rows are ` +
          'stored; rebuilding it',
      );
      this.ann = AnnGraph.create(this.annConfig);
      this.annGeneration = -1;
      this.annDirty = true;
      this.refreshGraph();
    }
  }

  /** The graph, loaded and up to date. */
  private ensureGraph(): AnnGraph {
    if (!this.ann) this.prepareGraph();
    else this.refreshGraph();
    return this.ann as AnnGraph;
  }

  /** The exact table, loaded and up to date. */
  private ensureTable(): VectorTable {
    if (!this.table) {
      this.table = new VectorTable(this.dimensions, this.storedCount());
      this.tableGeneration = -1;
    }
    this.refreshTable();
    return this.table;
  }

  /** Replays into the graph and the table whatever other handles committed since. */
  private refresh(): void {
    if (!this.ann && !this.table) return;
    const generation = this.db.generation();
    if (this.ann && this.annGeneration !== generation) this.refreshGraph();
    if (this.table && this.tableGeneration !== generation) this.refreshTable();
  }

  /** Brings the in-memory graph to SQLite's current generation. */
  private refreshGraph(): void {
    const generation = this.db.generation();
    if (!this.ann || this.annGeneration === generation) return;
    if (!this.ann.mutable) {
      // A memory-mapped graph cannot change: read the file into memory, then replay. (The file
      // may be newer than the mapped one; replaying is idempotent.)
      try {
        this.ann = AnnGraph.open(this.annPath, this.annConfig, false);
      } catch (error) {
        warn(`index ${this.folder}: reloading ${ANN_FILE} failed (${(error as Error).message})`);
        this.ann = AnnGraph.create(this.annConfig);
        this.annGeneration = -1;
      }
    }
    const graph = this.ann;
    const from = this.annGeneration;
    const reached = this.db.db
      .transaction(() => {
        const current = this.db.generation();
        if (from >= 0) graph.remove(this.db.removedSince(from));
        const total = this.db.countChangedSince(from);
        const progress = total >= 50_000 ? new Progress('index graph', total, 'vec') : undefined;
        let keys: number[] = [];
        let data = new Float32Array(Math.min(REPLAY_CHUNK, Math.max(1, total)) * this.dimensions);
        const addChunk = (): void => {
          this.repaired += graph.add(keys, data.subarray(0, keys.length * this.dimensions));
          progress?.tick(keys.length);
          keys = [];
        };
        for (const row of this.db.changedSince(from)) {
          if (from >= 0 && graph.contains(row.key)) {
            progress?.tick(1);
            continue;
          }
          if (keys.length * this.dimensions === data.length) {
            const grown = new Float32Array(data.length * 2);
            grown.set(data);
            data = grown;
          }
          if (!blobToVector(row.vector, this.dimensions, data, keys.length * this.dimensions)) {
            this.damaged(`the vector of key ${row.key} has the wrong size`);
          }
          keys.push(row.key);
          if (keys.length === REPLAY_CHUNK) addChunk();
        }
        if (keys.length > 0) addChunk();
        return current;
      })
      .deferred();
    debug(`graph brought from generation ${from} to ${reached}`);
    this.annGeneration = reached;
    this.annDirty = true;
  }

  /** Brings the exact table to SQLite's current generation. */
  private refreshTable(): void {
    const table = this.table;
    if (!table) return;
    const from = this.tableGeneration;
    this.tableGeneration = this.db.db
      .transaction(() => {
        const current = this.db.generation();
        if (from === current) return current;
        if (from >= 0) for (const key of this.db.removedSince(from)) table.remove(key);
        const scratch = new Float32Array(this.dimensions);
        for (const row of this.db.changedSince(from)) {
          if (!blobToVector(row.vector, this.dimensions, scratch)) {
            this.damaged(`the vector of key ${row.key} has the wrong size`);
          }
          table.append(row.key, scratch, row.ad);
        }
        return current;
      })
      .deferred();
  }

  /** Applies one committed write to the in-memory graph. */
  private applyToGraph(removedKeys: number[], addedKeys: number[], vectors: Float32Array[]): void {
    const graph = this.ann as AnnGraph;
    try {
      graph.remove(removedKeys);
      // In chunks, so that a large batch does not need a second copy of all its vectors.
      const data = new Float32Array(Math.min(REPLAY_CHUNK, vectors.length) * this.dimensions);
      for (let start = 0; start < vectors.length; start += REPLAY_CHUNK) {
        const end = Math.min(vectors.length, start + REPLAY_CHUNK);
        for (let i = start; i < end; i++) data.set(vectors[i], (i - start) * this.dimensions);
        const chunk = data.subarray(0, (end - start) * this.dimensions);
        this.repaired += graph.add(addedKeys.slice(start, end), chunk);
      }
      this.annDirty = true;
    } catch (error) {
      warn(
        `index ${this.folder}: updating the graph failed (${(error as Error).message}); rebuilding`,
      );
      this.ann = AnnGraph.create(this.annConfig);
      this.annGeneration = -1;
      this.annDirty = true;
      this.refreshGraph();
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Search internals

  private async searchResolved(
    queries: ResolvedQuery[],
    k: number,
    options: SearchOptions,
  ): Promise<IndexMatch[][]> {
    if (options.exact !== undefined && typeof options.exact !== 'boolean') {
      invalidParameter('search option "exact"', 'true or false', options.exact);
    }
    const exact = options.exact ?? this.mode === 'exact';
    if (queries.length === 0) return [];
    return exact ? this.searchExactly(queries, k) : this.searchGraph(queries, k);
  }

  private async searchExactly(queries: ResolvedQuery[], k: number): Promise<IndexMatch[][]> {
    const table = this.ensureTable();
    const matrix: Matrix = {
      rows: queries.length,
      cols: this.dimensions,
      data: new Float32Array(queries.length * this.dimensions),
    };
    queries.forEach((query, i) => matrix.data.set(query.vector, i * this.dimensions));
    const exclusions = queries.map((query) => ({
      adCode: table.adCode(query.excludedAd),
      key: query.selfKey,
    }));
    const results = await searchExact(table, matrix, k, exclusions);
    return results.map((result) =>
      result.keys.map((key, i) => this.match(this.rowOf(key), result.similarities[i])),
    );
  }

  /**
   * Graph search with filters: fetches extra candidates when an ad is left out and asks the graph
   * for twice as many while too few pass. HNSW may not reach every vector even when asked for all
   * of them, so a query that is still short of k then is answered by the exact scan.
   */
  private async searchGraph(queries: ResolvedQuery[], k: number): Promise<IndexMatch[][]> {
    const graph = this.ensureGraph();
    const rescoring = this.scalar !== 'f32';
    const wantedRows = rescoring ? k * this.rescore : k;
    const filtered = queries.some((query) => query.excludedAd !== undefined);
    const wanted = wantedRows + 1 + (filtered ? FILTER_EXTRA : 0);
    const data = new Float32Array(queries.length * this.dimensions);
    queries.forEach((query, i) => data.set(query.vector, i * this.dimensions));
    const first = graph.search(data, wanted);
    const answers: IndexMatch[][] = [];
    const short: number[] = [];
    queries.forEach((query, i) => {
      let result = first[i];
      let asked = wanted;
      for (;;) {
        const accepted = this.acceptCandidates(result, query, wantedRows);
        if (accepted.length >= wantedRows || (asked >= graph.size && accepted.length >= k)) {
          answers[i] = this.finish(accepted, query, k);
          return;
        }
        if (asked >= graph.size) {
          short.push(i);
          return;
        }
        asked = Math.min(graph.size, asked * 2);
        result = graph.search(query.vector, asked, false)[0];
      }
    });
    if (short.length > 0) {
      debug(`${short.length} queries short of ${k} graph results: answering them exactly`);
      const exact = await this.searchExactly(
        short.map((i) => queries[i]),
        k,
      );
      short.forEach((i, j) => (answers[i] = exact[j]));
    }
    return answers;
  }

  /** Walks graph candidates best first, keeping rows the query's filters allow (at most `limit`). */
  private acceptCandidates(
    result: AnnResult,
    query: ResolvedQuery,
    limit: number,
  ): { row: ItemRow; similarity: number }[] {
    const accepted: { row: ItemRow; similarity: number }[] = [];
    // Look rows up in slices: one query per slice, and no lookups far past what is needed.
    for (let start = 0; start < result.keys.length && accepted.length < limit;) {
      const end = Math.min(result.keys.length, start + (limit - accepted.length) + 1);
      const rows = this.db.itemsByKeys(result.keys.slice(start, end));
      for (let i = start; i < end && accepted.length < limit; i++) {
        const key = result.keys[i];
        if (key === query.selfKey) continue;
        const row = rows.get(key);
        if (!row) continue;
        if (query.excludedAd !== undefined && row.ad === query.excludedAd) continue;
        accepted.push({ row, similarity: result.similarities[i] });
      }
      start = end;
    }
    return accepted;
  }

  /** For f16/i8 graphs, replaces similarities by exact float32 ones and re-ranks; keeps k. */
  private finish(
    accepted: { row: ItemRow; similarity: number }[],
    query: ResolvedQuery,
    k: number,
  ): IndexMatch[] {
    if (this.scalar !== 'f32') {
      const scratch = new Float32Array(this.dimensions);
      const blobs = this.db.vectorBlobs(accepted.map((candidate) => candidate.row.key));
      for (const candidate of accepted) {
        const blob = blobs.get(candidate.row.key);
        if (blob && blobToVector(blob, this.dimensions, scratch)) {
          candidate.similarity = dot(query.vector, scratch);
        }
      }
      accepted.sort((a, b) => b.similarity - a.similarity || a.row.key - b.row.key);
    }
    return accepted.slice(0, k).map(({ row, similarity }) => this.match(row, similarity));
  }

  private resolveQuery(
    query: Float32Array | string,
    name: string,
    options: SearchOptions,
  ): ResolvedQuery {
    if (typeof options !== 'object' || options === null) {
      invalidParameter('search options', 'an object', options);
    }
    if (options.excludeAd !== undefined && typeof options.excludeAd !== 'string') {
      invalidParameter('search option "excludeAd"', 'a string', options.excludeAd);
    }
    if (options.onlyOtherAds !== undefined && typeof options.onlyOtherAds !== 'boolean') {
      invalidParameter('search option "onlyOtherAds"', 'true or false', options.onlyOtherAds);
    }
    let resolved: ResolvedQuery;
    if (typeof query === 'string') {
      const row = this.db.itemByImageId(query);
      if (!row) {
        throw new SamebikeError(
          `index ${this.folder}: ${name} is image id "${query}", which is not in the index`,
          'add the image first, or search with its vector',
        );
      }
      const blob = this.db.vectorBlob(row.key);
      const vector = blob ? blobToVector(blob, this.dimensions) : undefined;
      if (!vector) this.damaged(`the vector of image "${query}" is missing or has the wrong size`);
      resolved = { vector, selfKey: row.key, ad: row.ad };
    } else if (query instanceof Float32Array) {
      if (query.length !== this.dimensions) {
        throw new SamebikeError(
          `index ${this.folder}: ${name} has ${query.length} dimensions, ` +
            `the index holds ${this.dimensions}`,
          'embed the query with the model that built the index',
        );
      }
      const unit = normalized(query);
      if (!unit) {
        throw new SamebikeError(
          `index ${this.folder}: ${name} is all zeros or has a value that is not a finite number`,
          'check the embedding that produced it',
        );
      }
      resolved = { vector: unit, selfKey: -1 };
    } else {
      invalidParameter(name, 'a Float32Array or a stored image id', query);
    }
    if (options.onlyOtherAds) {
      if (typeof query !== 'string') {
        throw new SamebikeError(
          `index ${this.folder}: search option "onlyOtherAds" needs the query's ad, ` +
            `but ${name} is a vector`,
          'pass the query as a stored image id, or name the ad to leave out with excludeAd',
        );
      }
      if (options.excludeAd !== undefined && options.excludeAd !== resolved.ad) {
        throw new SamebikeError(
          `index ${this.folder}: search options "excludeAd" (${options.excludeAd}) and ` +
            `"onlyOtherAds" (the query's ad ${describeValue(resolved.ad)}) name different ads`,
          'use one of the two',
        );
      }
      resolved.excludedAd = resolved.ad;
    } else {
      resolved.excludedAd = options.excludeAd;
    }
    return resolved;
  }

  // ---------------------------------------------------------------------------------------------
  // Helpers

  private prepareItems(items: readonly IndexItem[]): PreparedItem[] {
    if (!Array.isArray(items)) invalidParameter('add: items', 'an array of items', items);
    const seen = new Map<string, number>();
    return items.map((item, position) => {
      const where = `add: items[${position}]`;
      if (typeof item !== 'object' || item === null) invalidParameter(where, 'an object', item);
      const { imageId, ad, path, vector } = item;
      if (typeof imageId !== 'string' || imageId.length === 0) {
        invalidParameter(`${where}.imageId`, 'a non-empty string', imageId);
      }
      const earlier = seen.get(imageId);
      if (earlier !== undefined) {
        throw new SamebikeError(
          `index ${this.folder}: image id "${imageId}" appears twice in one add ` +
            `(items ${earlier} and ${position})`,
          'keep one of them: an image id names exactly one image',
        );
      }
      seen.set(imageId, position);
      if (ad !== undefined && ad !== null && typeof ad !== 'string') {
        invalidParameter(`${where}.ad`, 'a string or nothing', ad);
      }
      if (path !== undefined && path !== null && typeof path !== 'string') {
        invalidParameter(`${where}.path`, 'a string or nothing', path);
      }
      if (!(vector instanceof Float32Array)) {
        invalidParameter(`${where}.vector`, 'a Float32Array', vector);
      }
      if (vector.length !== this.dimensions) {
        throw new SamebikeError(
          `index ${this.folder}: ${where} (image "${imageId}") has ${vector.length} ` +
            `dimensions, the index holds ${this.dimensions}`,
          'embed it with the model that built the index, or use another index folder',
        );
      }
      const unit = normalized(vector);
      if (!unit) {
        throw new SamebikeError(
          `index ${this.folder}: ${where} (image "${imageId}") is all zeros or has a value ` +
            'that is not a finite number',
          'check the embedding that produced it',
        );
      }
      const prepared: PreparedItem = { imageId, vector: unit, blob: vectorToBlob(unit) };
      if (ad !== undefined && ad !== null) prepared.ad = ad;
      if (path !== undefined && path !== null) prepared.path = path;
      return prepared;
    });
  }

  private storedCount(): number {
    return this.db.readMeta().count;
  }

  private rowOf(key: number): ItemRow {
    const row = this.db.itemByKey(key);
    if (!row) this.damaged(`key ${key} is in the search structures but not in ${DATABASE_FILE}`);
    return row;
  }

  private match(row: ItemRow, similarity: number): IndexMatch {
    return {
      imageId: row.imageId,
      ...(row.ad === undefined ? {} : { ad: row.ad }),
      ...(row.path === undefined ? {} : { path: row.path }),
      similarity,
    };
  }

  private checkOpen(): void {
    if (this.closed) {
      throw new SamebikeError(`index ${this.folder}: used after close()`, 'open it again');
    }
  }

  private checkWritable(operation: string): void {
    this.checkOpen();
    if (this.readOnly) {
      throw new SamebikeError(
        `index ${this.folder}: ${operation} on a handle opened with readOnly: true`,
        'open the index without readOnly to change it',
      );
    }
  }

  private damaged(what: string): never {
    throw new SamebikeError(
      `index ${this.folder}: ${what}`,
      `the index is damaged; rebuild it from the embeddings into a new folder`,
    );
  }
}

function checkK(operation: string, k: number): void {
  if (typeof k !== 'number' || !Number.isInteger(k) || k < 1) {
    invalidParameter(`${operation}: k`, 'a positive integer', k);
  }
}
