/**
 * Exact ranking of a gallery for each query by cosine similarity. Embeddings are L2-normalised
 * rows, so similarity is a dot product: queries are taken in blocks, each block's similarities to
 * the whole gallery come from one `gemm`, and a small heap keeps each query's top k. Memory stays
 * bounded by the block (about 64 MB of similarities) plus the nq × k result.
 */
import { gemm } from '../linalg/gemm.js';
import { SamebikeError, invalidParameter } from '../util/errors.js';
import type { Matrix } from '../util/npy.js';
import { Progress } from '../util/progress.js';
import { TopK } from './topk.js';

/** The top k gallery items of every query, best first. */
export interface Ranking {
  /** Results per query. */
  k: number;
  /**
   * Gallery row of the j-th result of query q at `q * k + j`; -1 where the gallery had fewer than
   * k items to offer.
   */
  indices: Int32Array;
  /**
   * Cosine similarity of that result, −1 to 1, descending within a query (NaN where the index is
   * -1). Re-ranking stores its own score here, documented where it is produced.
   */
  similarities: Float32Array;
}

/** Options of `rankGallery`. */
export interface RankOptions {
  /**
   * The gallery row to leave out for query q, usually the query's own photo when the queries are
   * part of the gallery; `undefined` leaves nothing out. Default: nothing is left out.
   */
  exclude?: (q: number) => number | undefined;
  /**
   * Queries per block. Default: as many as keep one block of similarities under 16M floats
   * (64 MB), e.g. 1677 queries for a 10k gallery.
   */
  blockRows?: number;
}

/** Similarities per block of queries: 16M floats, 64 MB. */
const BLOCK_FLOATS = 16 * 1024 * 1024;

/** Rankings bigger than this many query-gallery pairs show a progress bar. */
const PROGRESS_PAIRS = 50_000_000;

/**
 * Checks that `matrix` is a well-formed matrix of L2-normalised, finite rows (norm within 1e-3 of
 * 1) and throws a SamebikeError naming `name` and the first bad row otherwise.
 */
export function checkEmbeddings(matrix: Matrix, name: string): void {
  const { rows, cols, data } = matrix;
  if (!Number.isInteger(rows) || rows < 0 || !Number.isInteger(cols) || cols < 1) {
    throw new SamebikeError(
      `${name}: expected a matrix with rows ≥ 0 and cols ≥ 1, got ${rows} × ${cols}`,
    );
  }
  if (!(data instanceof Float32Array) || data.length !== rows * cols) {
    throw new SamebikeError(
      `${name}: expected ${rows} × ${cols} = ${rows * cols} float32 values, got ` +
        `${data instanceof Float32Array ? data.length : typeof data}`,
    );
  }
  for (let i = 0; i < rows; i++) {
    let sum = 0;
    for (let j = i * cols, end = j + cols; j < end; j++) sum += data[j] * data[j];
    if (!Number.isFinite(sum)) {
      throw new SamebikeError(
        `${name}: row ${i} holds a NaN or infinite value`,
        'the embedding that produced it is broken; re-embed that photo or drop it',
      );
    }
    if (Math.abs(Math.sqrt(sum) - 1) > 1e-3) {
      throw new SamebikeError(
        `${name}: row ${i} has L2 norm ${Math.sqrt(sum).toPrecision(4)}, expected 1 ` +
          '(similarity is a dot product of L2-normalised embeddings)',
        'L2-normalise the rows first (normalizeRows in src/retrieval/views.ts)',
      );
    }
  }
}

/** Checks the `exclude` answer for query q and returns it as a gallery row, or -1. */
export function excludedRow(
  exclude: ((q: number) => number | undefined) | undefined,
  q: number,
  galleryRows: number,
): number {
  if (!exclude) return -1;
  const g = exclude(q);
  if (g === undefined) return -1;
  if (!Number.isInteger(g) || g < 0 || g >= galleryRows) {
    invalidParameter(`exclude(${q})`, `a gallery row in [0, ${galleryRows}) or undefined`, g);
  }
  return g;
}

/**
 * Calls `visit(first, block)` for consecutive blocks of queries, where `block` holds the cosine
 * similarities of queries [first, first + block.rows) to every gallery row (row-major,
 * block.rows × gallery.rows). The block's buffer is only valid during the call. Inputs are not
 * checked here; see `checkEmbeddings`.
 */
export async function forEachSimilarityBlock(
  queries: Matrix,
  gallery: Matrix,
  visit: (first: number, block: Matrix) => void,
  blockRows?: number,
): Promise<void> {
  const nq = queries.rows;
  const ng = gallery.rows;
  const d = queries.cols;
  const rowsPerBlock = blockRows ?? Math.max(1, Math.floor(BLOCK_FLOATS / Math.max(1, ng)));
  for (let first = 0; first < nq; first += rowsPerBlock) {
    const rows = Math.min(rowsPerBlock, nq - first);
    const block: Matrix = {
      rows,
      cols: d,
      data: queries.data.subarray(first * d, (first + rows) * d),
    };
    const similarities =
      ng === 0
        ? { rows, cols: 0, data: new Float32Array(0) }
        : await gemm(block, gallery, {
            transB: true,
          });
    visit(first, similarities);
  }
}

/**
 * Ranks the gallery for every query by cosine similarity (dot product of L2-normalised rows),
 * keeping the top k per query, best first; ties go to the lower gallery row.
 *
 * @param queries nq × d L2-normalised query embeddings
 * @param gallery ng × d L2-normalised gallery embeddings
 * @param k results per query, an integer ≥ 1 (usually 10–100); when the gallery has fewer items
 *   the tail is padded with index -1
 * @example
 *   const ranking = await rankGallery(embeddings, embeddings, 50, { exclude: (q) => q });
 *   const best = ranking.indices[q * ranking.k]; // nearest other photo of photo q
 */
export async function rankGallery(
  queries: Matrix,
  gallery: Matrix,
  k: number,
  options: RankOptions = {},
): Promise<Ranking> {
  if (!Number.isInteger(k) || k < 1) invalidParameter('k', 'an integer ≥ 1', k);
  const blockRows = options.blockRows;
  if (blockRows !== undefined && (!Number.isInteger(blockRows) || blockRows < 1)) {
    invalidParameter('blockRows', 'an integer ≥ 1', blockRows);
  }
  checkEmbeddings(queries, 'queries');
  checkEmbeddings(gallery, 'gallery');
  if (queries.cols !== gallery.cols) {
    throw new SamebikeError(
      `queries have ${queries.cols} dimensions but the gallery has ${gallery.cols}`,
      'embed queries and gallery with the same model',
    );
  }

  const nq = queries.rows;
  const ng = gallery.rows;
  const skip = new Int32Array(nq);
  for (let q = 0; q < nq; q++) skip[q] = excludedRow(options.exclude, q, ng);

  const indices = new Int32Array(nq * k);
  const similarities = new Float32Array(nq * k);
  const heap = new TopK(k);
  const progress = nq * ng >= PROGRESS_PAIRS ? new Progress('rank', nq, 'query') : undefined;
  await forEachSimilarityBlock(
    queries,
    gallery,
    (first, block) => {
      for (let r = 0; r < block.rows; r++) {
        const q = first + r;
        heap.select(block.data, r * ng, ng, skip[q], indices, similarities, q * k);
      }
      progress?.tick(block.rows);
    },
    blockRows,
  );
  return { k, indices, similarities };
}
