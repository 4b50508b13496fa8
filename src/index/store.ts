/**
 * The contract of a vector store: image embeddings with their image id, ad id and path, searched
 * by cosine similarity. The embedded engine (SQLite + usearch, `embedded.ts`) implements it; a
 * server engine (PostgreSQL + pgvector) can implement the same interface, so every method is
 * asynchronous even where the embedded engine could answer at once.
 *
 * Words: a *query* is a vector (or a stored image id) to search with; the *gallery* is everything
 * stored; *similarity* is the cosine of the angle between two embeddings, in [-1, 1], higher is
 * more alike. Vectors are L2-normalised when they are stored.
 */
import type { Matrix } from '../util/npy.js';

/**
 * How the approximate (HNSW) graph stores each vector. `f32` keeps full precision (4 bytes per
 * dimension); `f16` halves the memory with a similarity error around 1e-3; `i8` quarters it with
 * an error around 1e-2 (each vector is scaled so that its largest component maps to ±127).
 */
export type ScalarKind = 'f32' | 'f16' | 'i8';

/** The scalar kinds `openIndex` accepts, in order of precision. */
export const SCALAR_KINDS: readonly ScalarKind[] = ['f32', 'f16', 'i8'];

/**
 * How searches run by default: `ann` walks the HNSW graph (milliseconds on a million vectors,
 * recall slightly below 1); `exact` compares the query with every stored vector (recall 1, time
 * proportional to the gallery size).
 */
export type SearchMode = 'ann' | 'exact';

/** The search modes `openIndex` accepts. */
export const SEARCH_MODES: readonly SearchMode[] = ['ann', 'exact'];

/** One stored image: its embedding and where it came from. */
export interface IndexItem {
  /** Unique id of the image (for example the photo's file name or URL hash). */
  imageId: string;
  /** Id of the ad the photo belongs to; photos of one ad usually show one bicycle. */
  ad?: string;
  /** Where the photo lives (file path or URL), for reports. */
  path?: string;
  /** The embedding; stored L2-normalised. */
  vector: Float32Array;
}

/** One search result. */
export interface IndexMatch {
  imageId: string;
  ad?: string;
  path?: string;
  /** Cosine similarity to the query, in [-1, 1]. */
  similarity: number;
}

/** What a search may leave out, and how it runs. */
export interface SearchOptions {
  /** Leave out every image of this ad (for example the ad the query photo comes from). */
  excludeAd?: string;
  /**
   * Leave out the images of the query's own ad. Needs the query's ad, so it works only when the
   * query is given as a stored image id; a raw vector query with this option is an error.
   */
  onlyOtherAds?: boolean;
  /** Compare with every stored vector instead of walking the ANN graph (default: the mode). */
  exact?: boolean;
}

/** What `add` did with a batch. */
export interface AddSummary {
  /** Image ids that were new. */
  added: number;
  /** Image ids that existed with a different vector, ad or path and were replaced. */
  replaced: number;
  /** Image ids that existed with the same vector, ad and path (a rerun): nothing was written. */
  unchanged: number;
}

/**
 * The k nearest neighbours of every stored vector (the input of grouping). Row `i` describes
 * `ids[i]`; its neighbours are `indices[i*k .. i*k+k)` (positions in `ids`, best first, -1 where
 * fewer than k exist) with `similarities` at the same places. A vector is never its own neighbour.
 */
export interface NeighborLists {
  ids: string[];
  k: number;
  indices: Int32Array;
  similarities: Float32Array;
}

/** Options of `neighbors`. */
export interface NeighborOptions {
  /** Compare every pair exactly instead of using the ANN graph (O(n²): small galleries only). */
  exact?: boolean;
}

/** Sizes of the files that hold the index, in bytes (0 for a file that does not exist). */
export interface IndexFileSizes {
  /** The SQLite database with rows and metadata, including its write-ahead log. */
  database: number;
  /** The ANN graph cache. */
  ann: number;
}

/** What `info()` reports. */
export interface IndexInfo {
  /** Where the index lives (a folder, or a connection string for a server engine). */
  location: string;
  /** Length of every stored vector. */
  dimensions: number;
  /** Number of stored images. */
  count: number;
  /** How the ANN graph stores vectors. */
  scalar: ScalarKind;
  /** The default search mode of this handle. */
  mode: SearchMode;
  /** The embedding model the vectors come from, when it was recorded. */
  modelId?: string;
  /** Where that model can be found again (a run folder, or "pretrained"), when recorded. */
  modelSource?: string;
  /** HNSW edges per node. */
  connectivity: number;
  /** HNSW candidate list size while inserting. */
  expansionAdd: number;
  /** HNSW candidate list size while searching. */
  expansionSearch: number;
  /** Count of committed writes; grows by one per `add` or `remove` that changed something. */
  generation: number;
  /** The write generation that the saved ANN file reflects (-1 when there is none). */
  annGeneration: number;
  /** Opened for reading only. */
  readOnly: boolean;
  files: IndexFileSizes;
}

/**
 * A store of image embeddings searchable by cosine similarity. Every `add` and `remove` is atomic:
 * after a crash the store holds either all of a batch or none of it.
 */
export interface VectorStore {
  /**
   * Stores a batch of images. An image id that exists with the same vector, ad and path is left
   * alone (so reruns are idempotent); with anything different it is replaced.
   */
  add(items: readonly IndexItem[]): Promise<AddSummary>;

  /** Removes images by id; ids that are not stored are ignored. Resolves to the number removed. */
  remove(imageIds: readonly string[]): Promise<number>;

  /**
   * The k stored images most similar to the query, best first. A query given as a stored image
   * id uses that image's vector and ad, and the image itself is left out of the results.
   */
  search(query: Float32Array | string, k: number, options?: SearchOptions): Promise<IndexMatch[]>;

  /** `search` for many queries at once: a matrix with one query vector per row, or image ids. */
  searchBatch(
    queries: Matrix | readonly string[],
    k: number,
    options?: SearchOptions,
  ): Promise<IndexMatch[][]>;

  /** The stored image with this id, or undefined. */
  get(imageId: string): Promise<IndexItem | undefined>;

  /** Whether an image with this id is stored. */
  has(imageId: string): Promise<boolean>;

  /** The number of stored images. */
  count(): Promise<number>;

  /** The k nearest neighbours of every stored image (see `NeighborLists`). */
  neighbors(k: number, options?: NeighborOptions): Promise<NeighborLists>;

  /** Dimensions, count, scalar kind, mode, model id and file sizes. */
  info(): Promise<IndexInfo>;

  /** Saves what needs saving and releases files; the store cannot be used afterwards. */
  close(): Promise<void>;
}
