/**
 * The approximate nearest-neighbour graph: a thin layer over usearch's HNSW index (cosine metric,
 * integer keys) that quantises int8 vectors well, checks a saved file's header before usearch
 * reads it (a damaged file would otherwise crash the process), and saves atomically.
 *
 * It talks to usearch's compiled binding (`CompiledIndex`, the class behind usearch's JavaScript
 * `Index`) directly: the JavaScript wrapper turns Int8Array vectors back into floats, after which
 * usearch's own float→int8 cast (x·127/‖x‖, truncated) leaves 512-d unit vectors about 20 levels
 * per component; quantising here (see `quantizeInt8`) keeps the full ±127 range.
 *
 * HNSW: Malkov & Yashunin, "Efficient and robust approximate nearest neighbor search using
 * Hierarchical Navigable Small World graphs", https://arxiv.org/abs/1603.09320
 */
import { closeSync, fsyncSync, openSync, readSync, renameSync, rmSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import { dirname, resolve } from 'node:path';
import type { ScalarKind } from './store.js';
import { quantizeInt8 } from './vectors.js';

/** The settings that shape the graph. */
export interface AnnConfig {
  /** Length of every vector. */
  dimensions: number;
  /** How the graph stores vectors. */
  scalar: ScalarKind;
  /** Edges per node (HNSW's M); 16 is usearch's default, 8–64 the usual range. */
  connectivity: number;
  /** Candidate list size while inserting (efConstruction); usual range 64–512. */
  expansionAdd: number;
  /** Candidate list size while searching (ef); at least k is used; usual range 32–512. */
  expansionSearch: number;
  /**
   * Threads for inserting and for batch searches, capped at the machine's cores. usearch keeps
   * one working context per thread and refuses calls that use more threads than were reserved,
   * so every insertion uses this same count and searches never exceed it.
   */
  threads: number;
}

/** One query's answer from the graph: keys best first, with cosine similarities. */
export interface AnnResult {
  keys: number[];
  similarities: number[];
}

/**
 * The methods of usearch 2.25's compiled index that this module uses. Vectors are flat typed
 * arrays (rows × dimensions); keys are unsigned 64-bit integers; `search` returns the keys,
 * cosine distances (1 − similarity) and the number found per query, `wanted` slots per query.
 */
interface NativeIndex {
  add(keys: BigUint64Array, vectors: Float32Array | Int8Array, threads: number): void;
  search(
    queries: Float32Array | Int8Array,
    wanted: number,
    threads: number,
  ): [BigUint64Array, Float32Array, BigUint64Array];
  remove(keys: BigUint64Array): number[];
  contains(keys: BigUint64Array): boolean[];
  size(): number;
  save(path: string): void;
  load(path: string): void;
  view(path: string): void;
}

type NativeIndexClass = new (
  dimensions: number,
  metric: string,
  quantization: string,
  connectivity: number,
  expansionAdd: number,
  expansionSearch: number,
  multi: boolean,
) => NativeIndex;

let nativeClass: NativeIndexClass | undefined;

/** Loads usearch's compiled module the way usearch's own wrapper does (node-gyp-build). */
function compiledIndexClass(): NativeIndexClass {
  if (nativeClass) return nativeClass;
  const require = createRequire(import.meta.url);
  const wrapper = require.resolve('usearch');
  const root = resolve(dirname(wrapper), '../../..');
  const build = createRequire(wrapper)('node-gyp-build') as (dir: string) => unknown;
  const binding = build(root) as { CompiledIndex?: NativeIndexClass };
  const methods = ['add', 'search', 'remove', 'contains', 'size', 'save', 'load', 'view'];
  const prototype = binding.CompiledIndex?.prototype as Record<string, unknown> | undefined;
  const missing = methods.filter((name) => typeof prototype?.[name] !== 'function');
  if (!binding.CompiledIndex || missing.length > 0) {
    throw new Error(
      `usearch's compiled module in ${root} lacks CompiledIndex.${missing.join(', ')}; ` +
        'samebike needs usearch 2.25.x',
    );
  }
  nativeClass = binding.CompiledIndex;
  return nativeClass;
}

/** usearch's scalar kind codes in a file header (enum scalar_kind_t). */
const HEADER_SCALAR_CODE: Record<ScalarKind, number> = { f32: 11, f16: 12, i8: 23 };

/**
 * How deep a new node looks for itself after a parallel insertion: a little more than 1, so that
 * near-duplicates ranked first do not make a reachable node look orphaned.
 */
const ORPHAN_CHECK_DEPTH = 4;

const BYTES_PER_VALUE: Record<ScalarKind, number> = { f32: 4, f16: 2, i8: 1 };

/** The HNSW graph of an index, keyed by the index's integer row keys. */
export class AnnGraph {
  private readonly threads: number;

  private constructor(
    private readonly native: NativeIndex,
    readonly config: AnnConfig,
    /** False for a memory-mapped (viewed) file, which usearch cannot change. */
    readonly mutable: boolean,
  ) {
    this.threads = Math.max(1, Math.min(config.threads, availableParallelism()));
  }

  /** An empty graph. */
  static create(config: AnnConfig): AnnGraph {
    return new AnnGraph(makeNative(config), config, true);
  }

  /**
   * Opens a saved graph. `view` memory-maps the file (fast to open, nothing read until searched,
   * but read-only); otherwise it is loaded into memory and can change. Throws a plain Error saying
   * why when the file does not match `config` or is damaged; callers rebuild in that case.
   */
  static open(path: string, config: AnnConfig, view: boolean): AnnGraph {
    const problem = checkAnnFile(path, config);
    if (problem) throw new Error(problem);
    const native = makeNative(config);
    if (view) native.view(path);
    else native.load(path);
    return new AnnGraph(native, config, !view);
  }

  /** Number of vectors in the graph (removed ones excluded). */
  get size(): number {
    return this.native.size();
  }

  /** Whether the graph holds this key. */
  contains(key: number): boolean {
    return this.native.contains(BigUint64Array.of(BigInt(key)))[0];
  }

  /**
   * Inserts rows of `vectors` (each `dimensions` long, unit-length) under `keys`, on the
   * configured threads. Keys must not be in the graph yet.
   *
   * usearch 2.25 can leave a node that was inserted concurrently with others without any incoming
   * link, so that no search ever reaches it (usearch issue #735, about 0.1–1% of the nodes on two
   * threads). After a parallel insertion every new vector is therefore searched for; those that do
   * not find themselves are removed and inserted again one at a time, which cannot orphan them.
   * The check costs about one search per vector. Returns the number of nodes re-inserted.
   */
  add(keys: ArrayLike<number>, vectors: Float32Array): number {
    if (keys.length === 0) return 0;
    const dimensions = this.config.dimensions;
    const bigKeys = new BigUint64Array(keys.length);
    for (let i = 0; i < keys.length; i++) bigKeys[i] = BigInt(keys[i]);
    const data = this.config.scalar === 'i8' ? quantizeInt8(vectors, dimensions) : vectors;
    this.native.add(bigKeys, data, this.threads);
    if (this.threads === 1 || keys.length === 1) return 0;

    const orphans: number[] = [];
    const [found, , counts] = this.native.search(data, ORPHAN_CHECK_DEPTH, this.threads);
    for (let i = 0; i < keys.length; i++) {
      let reached = false;
      const count = Number(counts[i]);
      for (let j = 0; j < count && !reached; j++) {
        reached = found[i * ORPHAN_CHECK_DEPTH + j] === bigKeys[i];
      }
      if (!reached) orphans.push(i);
    }
    for (const i of orphans) {
      const key = bigKeys.subarray(i, i + 1);
      this.native.remove(key);
      this.native.add(key, data.subarray(i * dimensions, (i + 1) * dimensions), this.threads);
    }
    return orphans.length;
  }

  /** Removes keys; keys that are not in the graph are ignored. */
  remove(keys: ArrayLike<number>): void {
    if (keys.length === 0) return;
    const bigKeys = new BigUint64Array(keys.length);
    for (let i = 0; i < keys.length; i++) bigKeys[i] = BigInt(keys[i]);
    this.native.remove(bigKeys);
  }

  /**
   * The `wanted` nearest keys of each query row (`queries` holds rows of `dimensions` values),
   * searched in parallel on the configured threads when `parallel`. Fewer come back when the
   * graph is smaller.
   */
  search(queries: Float32Array, wanted: number, parallel = true): AnnResult[] {
    const dimensions = this.config.dimensions;
    const count = queries.length / dimensions;
    const limit = Math.min(wanted, this.size);
    if (limit <= 0 || count === 0) {
      return Array.from({ length: count }, () => ({ keys: [], similarities: [] }));
    }
    const data = this.config.scalar === 'i8' ? quantizeInt8(queries, dimensions) : queries;
    const [keys, distances, counts] = this.native.search(
      data,
      limit,
      parallel ? Math.min(this.threads, count) : 1,
    );
    const results: AnnResult[] = [];
    for (let q = 0; q < count; q++) {
      results.push(toResult(keys, distances, q * limit, Number(counts[q])));
    }
    return results;
  }

  /**
   * Writes the graph to `path` atomically: a temporary file beside it is written, flushed to disk
   * and renamed over `path`, so readers see the old file or the new one, never a partial one.
   * Returns the file's size in bytes.
   */
  save(path: string): number {
    const temporary = `${path}.${process.pid}.tmp`;
    try {
      this.native.save(temporary);
      const fd = openSync(temporary, 'r+');
      try {
        fsyncSync(fd);
      } finally {
        closeSync(fd);
      }
      renameSync(temporary, path);
    } finally {
      rmSync(temporary, { force: true });
    }
    return statSync(path).size;
  }
}

function makeNative(config: AnnConfig): NativeIndex {
  const CompiledIndex = compiledIndexClass();
  return new CompiledIndex(
    config.dimensions,
    'cos',
    config.scalar,
    config.connectivity,
    config.expansionAdd,
    config.expansionSearch,
    false,
  );
}

function toResult(
  keys: BigUint64Array,
  distances: Float32Array,
  start: number,
  count: number,
): AnnResult {
  const result: AnnResult = { keys: new Array(count), similarities: new Array(count) };
  for (let i = 0; i < count; i++) {
    result.keys[i] = Number(keys[start + i]);
    result.similarities[i] = 1 - distances[start + i];
  }
  return result;
}

/**
 * Checks a saved usearch file against `config` without letting usearch parse it: the vector
 * matrix size at the start, then the 64-byte header after the vectors (magic "usearch", format
 * version 2, cosine metric, scalar kind, dimensions). Returns why the file is unusable, or
 * undefined when it looks right.
 */
export function checkAnnFile(path: string, config: AnnConfig): string | undefined {
  let size: number;
  try {
    size = statSync(path).size;
  } catch {
    return `${path} does not exist`;
  }
  if (size < 8 + 64) return `${path} is too short (${size} bytes) to be a usearch index`;
  const fd = openSync(path, 'r');
  try {
    const start = Buffer.alloc(8);
    readSync(fd, start, 0, 8, 0);
    const rows = start.readUInt32LE(0);
    const rowBytes = start.readUInt32LE(4);
    const expectedRowBytes = config.dimensions * BYTES_PER_VALUE[config.scalar];
    if (rowBytes !== expectedRowBytes) {
      return (
        `${path} stores ${rowBytes} bytes per vector; ` +
        `${config.dimensions} dimensions in ${config.scalar} need ${expectedRowBytes}`
      );
    }
    const headAt = 8 + rows * rowBytes;
    if (headAt + 64 > size) {
      return `${path} is truncated: ${rows} vectors need more than its ${size} bytes`;
    }
    const head = Buffer.alloc(64);
    readSync(fd, head, 0, 64, headAt);
    if (head.toString('latin1', 0, 7) !== 'usearch') return `${path} has no usearch header`;
    const major = head.readUInt16LE(7);
    if (major !== 2) return `${path} is usearch format ${major}; this build reads format 2`;
    if (head[13] !== 'c'.charCodeAt(0)) return `${path} does not use the cosine metric`;
    if (head[14] !== HEADER_SCALAR_CODE[config.scalar]) {
      return `${path} stores scalar kind code ${head[14]}, expected ${config.scalar}`;
    }
    const dimensions = Number(head.readBigUInt64LE(33));
    if (dimensions !== config.dimensions) {
      return `${path} has ${dimensions} dimensions, expected ${config.dimensions}`;
    }
    return undefined;
  } finally {
    closeSync(fd);
  }
}
