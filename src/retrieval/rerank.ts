/**
 * k-reciprocal re-ranking (Zhong, Zheng, Cao, Li, "Re-ranking Person Re-identification with
 * k-reciprocal Encoding", CVPR 2017, https://arxiv.org/abs/1701.08398), computed from top-K
 * neighbour lists and sparse vectors, never from an N × N matrix.
 *
 * The nodes are the gallery items plus the queries, as in the paper where queries and gallery
 * are separate sets; a query whose embedding equals the gallery row `exclude` names (its own
 * photo) is that gallery item's node instead of a duplicate of it. A query changed since, e.g. by
 * α-query expansion, is a node of its own. For nodes i and j:
 *
 * - d(i, j) = ‖x_i − x_j‖² / max_j' ‖x_i − x_j'‖², the squared distance divided by the largest
 *   one from i (as in the authors' code); for unit vectors ‖x_i − x_j‖² = 2 − 2 · similarity.
 * - N(i, k): the first k + 1 nodes of i's ranking (i itself included); the k-reciprocal set
 *   R(i, k) = { j ∈ N(i, k) : i ∈ N(j, k) }.
 * - R*(i) = R(i, k1) ∪ every R(c, round(k1 / 2)) of c ∈ R(i, k1) that shares more than 2/3 of
 *   its members with R(i, k1).
 * - V_i: V_ij = exp(−d(i, j)) / Σ_{j' ∈ R*(i)} exp(−d(i, j')) for j ∈ R*(i), else 0.
 * - Local query expansion (k2 > 1): V_i ← mean of V_j over the first k2 nodes j of i's ranking.
 * - Jaccard distance d_J(i, j) = 1 − m / (2 − m), m = Σ_l min(V_il, V_jl), summed over the
 *   nodes l where V_i is non-zero through an inverted index.
 * - Final distance d*(q, g) = (1 − λ) · d_J(q, g) + λ · d(q, g).
 *
 * The new ranking orders the gallery by ascending d*; its `similarities` hold 1 − d* (0–1,
 * descending) rather than cosine similarities. Rounding k1 / 2 follows numpy (half to even).
 */
import { SamebikeError, invalidParameter } from '../util/errors.js';
import type { Matrix } from '../util/npy.js';
import { Progress } from '../util/progress.js';
import { type Ranking, checkEmbeddings, excludedRow, forEachSimilarityBlock } from './rank.js';
import { TopK } from './topk.js';

/** Options of `kReciprocalRerank`. */
export interface RerankOptions {
  /** Results per query in the new ranking, an integer ≥ 1. Default 50. */
  k?: number;
  /** Neighbourhood size of the k-reciprocal sets, an integer ≥ 1. Default 20, usual 10–30;
   *  should stay below the usual number of photos an ad shares with its look-alikes. */
  k1?: number;
  /** Neighbours averaged in local query expansion, an integer ≥ 1 (1 = off). Default 6, usual
   *  3–10. */
  k2?: number;
  /** Weight of the original distance against the Jaccard distance, 0–1. Default 0.3. */
  lambda?: number;
  /**
   * The gallery row holding query q's own photo, or `undefined` when q is not in the gallery.
   * That row is left out of q's results; when q's embedding equals it (squared distance ≤ 1e-6)
   * it is also q's node in the neighbour graph. Default: no query is in the gallery.
   */
  exclude?: (q: number) => number | undefined;
}

/** A query within this squared distance of its excluded gallery row shares that row's node. */
const SAME_PHOTO = 1e-6;

/** Node pairs above which re-ranking shows a progress bar. */
const PROGRESS_PAIRS = 50_000_000;

/** numpy's `around`: rounds half to even. */
function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** A sparse row-major matrix (CSR) with float64 values. */
interface Sparse {
  start: Int32Array;
  index: Int32Array;
  value: Float64Array;
}

/**
 * Re-ranks the gallery for every query with k-reciprocal encoding (formulas in the file header)
 * and returns the top `k` gallery items per query by ascending final distance; ties go to the
 * lower gallery row. Cost: two blocked similarity passes (nodes × nodes and queries × gallery)
 * plus sparse work of about N · k1² · k2 operations.
 *
 * @param queries nq × d L2-normalised query embeddings
 * @param gallery ng × d L2-normalised gallery embeddings
 */
export async function kReciprocalRerank(
  queries: Matrix,
  gallery: Matrix,
  options: RerankOptions = {},
): Promise<Ranking> {
  const k = options.k ?? 50;
  const k1 = options.k1 ?? 20;
  const k2 = options.k2 ?? 6;
  const lambda = options.lambda ?? 0.3;
  if (!Number.isInteger(k) || k < 1) invalidParameter('k', 'an integer ≥ 1', k);
  if (!Number.isInteger(k1) || k1 < 1) invalidParameter('k1', 'an integer ≥ 1', k1);
  if (!Number.isInteger(k2) || k2 < 1) invalidParameter('k2', 'an integer ≥ 1', k2);
  if (!(lambda >= 0 && lambda <= 1)) invalidParameter('lambda', 'a number from 0 to 1', lambda);
  checkEmbeddings(queries, 'queries');
  checkEmbeddings(gallery, 'gallery');
  const d = gallery.cols;
  if (queries.cols !== d) {
    throw new SamebikeError(
      `queries have ${queries.cols} dimensions but the gallery has ${d}`,
      'embed queries and gallery with the same model',
    );
  }

  const nq = queries.rows;
  const ng = gallery.rows;
  const { nodes, nodeOfQuery, skip } = buildNodes(queries, gallery, options.exclude);
  const n = nodes.rows;
  const progress =
    n * n >= PROGRESS_PAIRS ? new Progress('re-rank', 2 * n + nq, 'item') : undefined;

  // Step 1: every node's first K neighbours (itself first) and its largest squared distance.
  const depth = Math.max(k1 + 1, k2);
  const lists = new Int32Array(n * depth);
  const listScores = new Float32Array(n * depth);
  const maxDistance = new Float64Array(n);
  const heap = new TopK(depth);
  await forEachSimilarityBlock(nodes, nodes, (first, block) => {
    for (let r = 0; r < block.rows; r++) {
      const i = first + r;
      heap.select(block.data, r * n, n, -1, lists, listScores, i * depth);
      let lowest = Infinity;
      for (let j = r * n, end = j + n; j < end; j++) {
        if (block.data[j] < lowest) lowest = block.data[j];
      }
      const farthest = Math.max(0, 2 - 2 * lowest);
      maxDistance[i] = farthest > 0 ? farthest : 1;
    }
    progress?.tick(block.rows);
  });

  // Step 2: the encoding V of every node, then its local query expansion.
  let encoding = encodeNodes(nodes, lists, depth, maxDistance, k1, progress);
  if (k2 > 1) encoding = expandEncoding(encoding, lists, depth, k2, n);
  const inverted = transpose(encoding, n);

  // Step 3: Jaccard and final distances of each query to the whole gallery, a block at a time.
  const indices = new Int32Array(nq * k);
  const similarities = new Float32Array(nq * k);
  const shared = new Float64Array(n);
  const touched = new Int32Array(n);
  const scores = new Float32Array(ng);
  const top = new TopK(k);
  await forEachSimilarityBlock(queries, gallery, (first, block) => {
    for (let r = 0; r < block.rows; r++) {
      const q = first + r;
      const u = nodeOfQuery[q];
      let touchedCount = 0;
      for (let p = encoding.start[u]; p < encoding.start[u + 1]; p++) {
        const l = encoding.index[p];
        const v = encoding.value[p];
        for (let t = inverted.start[l]; t < inverted.start[l + 1]; t++) {
          const x = inverted.index[t];
          if (x >= ng) continue;
          if (shared[x] === 0) touched[touchedCount++] = x;
          const w = inverted.value[t];
          shared[x] += v < w ? v : w;
        }
      }
      const scale = 1 / maxDistance[u];
      const row = r * ng;
      for (let g = 0; g < ng; g++) {
        const m = shared[g];
        const jaccard = 1 - m / (2 - m);
        const original = Math.max(0, 2 - 2 * block.data[row + g]) * scale;
        scores[g] = 1 - ((1 - lambda) * jaccard + lambda * original);
      }
      for (let t = 0; t < touchedCount; t++) shared[touched[t]] = 0;
      top.select(scores, 0, ng, skip[q], indices, similarities, q * k);
    }
    progress?.tick(block.rows);
  });
  return { k, indices, similarities };
}

/**
 * The node set: gallery rows first, then the queries that are not copies of their excluded
 * gallery row. Returns the node of each query and the gallery row each query must skip (-1 for
 * none).
 */
function buildNodes(
  queries: Matrix,
  gallery: Matrix,
  exclude: ((q: number) => number | undefined) | undefined,
): { nodes: Matrix; nodeOfQuery: Int32Array; skip: Int32Array } {
  const d = gallery.cols;
  const nq = queries.rows;
  const ng = gallery.rows;
  const nodeOfQuery = new Int32Array(nq);
  const skip = new Int32Array(nq);
  let extra = 0;
  for (let q = 0; q < nq; q++) {
    const g = excludedRow(exclude, q, ng);
    skip[q] = g;
    if (g < 0 || squaredDistance(queries.data, q * d, gallery.data, g * d, d) > SAME_PHOTO) {
      nodeOfQuery[q] = ng + extra++;
      continue;
    }
    nodeOfQuery[q] = g;
  }
  const data = new Float32Array((ng + extra) * d);
  data.set(gallery.data.subarray(0, ng * d));
  for (let q = 0; q < nq; q++) {
    if (nodeOfQuery[q] >= ng) {
      data.set(queries.data.subarray(q * d, q * d + d), nodeOfQuery[q] * d);
    }
  }
  return { nodes: { rows: ng + extra, cols: d, data }, nodeOfQuery, skip };
}

function squaredDistance(
  a: Float32Array,
  offsetA: number,
  b: Float32Array,
  offsetB: number,
  d: number,
): number {
  let sum = 0;
  for (let j = 0; j < d; j++) sum += (a[offsetA + j] - b[offsetB + j]) ** 2;
  return sum;
}

function dot(
  a: Float32Array,
  offsetA: number,
  b: Float32Array,
  offsetB: number,
  d: number,
): number {
  let sum = 0;
  for (let j = 0; j < d; j++) sum += a[offsetA + j] * b[offsetB + j];
  return sum;
}

/** Appends to `out` the k-reciprocal set R(i, kk): j in i's first kk + 1 with i in j's. */
function reciprocal(i: number, kk: number, lists: Int32Array, depth: number, out: number[]): void {
  out.length = 0;
  for (let m = 0; m <= kk; m++) {
    const j = lists[i * depth + m];
    if (j < 0) continue;
    for (let t = 0; t <= kk; t++) {
      if (lists[j * depth + t] === i) {
        out.push(j);
        break;
      }
    }
  }
}

/** The sparse encoding V of every node: weights over its expanded k-reciprocal set R*(i). */
function encodeNodes(
  nodes: Matrix,
  lists: Int32Array,
  depth: number,
  maxDistance: Float64Array,
  k1: number,
  progress: Progress | undefined,
): Sparse {
  const n = nodes.rows;
  const d = nodes.cols;
  const half = roundHalfEven(k1 / 2);
  const stamp = new Int32Array(n).fill(-1);
  const inSet = new Int32Array(n).fill(-1);
  const start = new Int32Array(n + 1);
  const index: number[] = [];
  const value: number[] = [];
  const set: number[] = [];
  const candidate: number[] = [];
  const expanded: number[] = [];
  for (let i = 0; i < n; i++) {
    reciprocal(i, k1, lists, depth, set);
    expanded.length = 0;
    for (const j of set) {
      inSet[j] = i;
      stamp[j] = i;
      expanded.push(j);
    }
    for (const c of set) {
      reciprocal(c, half, lists, depth, candidate);
      let shared = 0;
      for (const x of candidate) if (inSet[x] === i) shared++;
      if (shared > (2 / 3) * candidate.length) {
        for (const x of candidate) {
          if (stamp[x] !== i) {
            stamp[x] = i;
            expanded.push(x);
          }
        }
      }
    }
    expanded.sort((a, b) => a - b);
    let total = 0;
    const first = value.length;
    for (const j of expanded) {
      const distance = Math.max(0, 2 - 2 * dot(nodes.data, i * d, nodes.data, j * d, d));
      const w = Math.exp(-distance / maxDistance[i]);
      index.push(j);
      value.push(w);
      total += w;
    }
    for (let p = first; p < value.length; p++) value[p] /= total;
    start[i + 1] = value.length;
    if ((i + 1) % 1000 === 0) progress?.tick(1000);
  }
  progress?.tick(n % 1000);
  return { start, index: Int32Array.from(index), value: Float64Array.from(value) };
}

/** Local query expansion: row i becomes the mean of the rows of i's first k2 neighbours. */
function expandEncoding(
  encoding: Sparse,
  lists: Int32Array,
  depth: number,
  k2: number,
  n: number,
): Sparse {
  const sum = new Float64Array(n);
  const touched: number[] = [];
  const start = new Int32Array(n + 1);
  const index: number[] = [];
  const value: number[] = [];
  for (let i = 0; i < n; i++) {
    touched.length = 0;
    let rows = 0;
    for (let m = 0; m < k2; m++) {
      const j = lists[i * depth + m];
      if (j < 0) continue;
      rows++;
      for (let p = encoding.start[j]; p < encoding.start[j + 1]; p++) {
        const l = encoding.index[p];
        if (sum[l] === 0) touched.push(l);
        sum[l] += encoding.value[p];
      }
    }
    touched.sort((a, b) => a - b);
    for (const l of touched) {
      index.push(l);
      value.push(sum[l] / rows);
      sum[l] = 0;
    }
    start[i + 1] = index.length;
  }
  return { start, index: Int32Array.from(index), value: Float64Array.from(value) };
}

/** The transpose of a sparse n × n matrix: for each column, the rows where it is non-zero. */
function transpose(matrix: Sparse, n: number): Sparse {
  const start = new Int32Array(n + 1);
  for (let p = 0; p < matrix.index.length; p++) start[matrix.index[p] + 1]++;
  for (let l = 0; l < n; l++) start[l + 1] += start[l];
  const fill = start.slice(0, n);
  const index = new Int32Array(matrix.index.length);
  const value = new Float64Array(matrix.index.length);
  for (let i = 0; i < n; i++) {
    for (let p = matrix.start[i]; p < matrix.start[i + 1]; p++) {
      const slot = fill[matrix.index[p]]++;
      index[slot] = i;
      value[slot] = matrix.value[p];
    }
  }
  return { start, index, value };
}
