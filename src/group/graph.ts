/**
 * The similarity graph between photos and the two clusterings run on it.
 *
 * A graph is built from k-NN lists (exact ranking or an ANN index): every listed pair becomes one
 * undirected edge carrying the cosine similarity of the two embeddings. The lists are
 * symmetrised: a pair is an edge when either photo lists the other.
 *
 * - `connectedComponents`: photos joined by any chain of edges with similarity ≥ threshold share
 *   a group (single linkage). Fast and predictable, but one wrong edge joins two bikes.
 * - `averageLinkage`: agglomerative clustering restricted to the sparse graph. Two groups merge
 *   while the average similarity between them stays ≥ threshold; one wrong edge is outvoted by
 *   the other known pairs between the two groups.
 *
 * Both run in O(edges · log edges); 100k photos with 20 neighbours each group in seconds.
 */
import { SamebikeError, invalidParameter } from '../util/errors.js';

/** k nearest neighbours of every photo, in the layout an index search returns. */
export interface KnnLists {
  /** Neighbours per photo (the row length of `indices` and `similarities`). */
  k: number;
  /** n×k photo indices, row-major; row i lists photo i's neighbours, -1 marks an empty slot. */
  indices: Int32Array;
  /** n×k cosine similarities aligned with `indices` (values in empty slots are ignored). */
  similarities: Float32Array;
}

/** An undirected weighted graph over `n` photos, each edge stored once with source < target. */
export interface SimilarityGraph {
  /** Number of photos (nodes); photos without edges still count. */
  n: number;
  /** Smaller photo index of each edge; edges are sorted by (source, target). */
  sources: Int32Array;
  /** Larger photo index of each edge. */
  targets: Int32Array;
  /** Cosine similarity of each edge, in [-1, 1]. */
  similarities: Float32Array;
}

/** A partition of photos (or ads) into groups. */
export interface Clustering {
  /** Group of each item, numbered 0, 1, … in order of each group's first (lowest-index) item. */
  labels: Int32Array;
  /** Number of groups, singletons included. */
  groupCount: number;
}

/** The two clusterings: `components` (single linkage) and `average` (average linkage). */
export type ClusteringMethod = 'components' | 'average';

/** How `averageLinkage` treats photo pairs that have no edge in the graph. */
export type MissingSimilarity = 'ignore' | number;

/** Options of `buildSimilarityGraph`. */
export interface GraphOptions {
  /**
   * Edges with a lower similarity are dropped. Default -Infinity: every listed pair is kept, so
   * that `averageLinkage` sees the known dissimilar pairs too. Set it to the grouping threshold
   * for a graph of only the strong edges.
   */
  minSimilarity?: number;
}

/** Options of `averageLinkage`. */
export interface AverageLinkageOptions {
  /** Groups merge while their average similarity is ≥ this; cosine, usually 0.5–0.9. */
  threshold: number;
  /**
   * Pairs of photos with no edge between them. 'ignore' (the default): the average runs over the
   * known edges only, which suits k-NN graphs, where a large group (more photos than k) always
   * has unlisted pairs that are in truth similar. A number: every missing pair counts as this
   * similarity (e.g. 0, the similarity of unrelated embeddings), which stops large groups from
   * growing through a few strong edges but also caps group size near k. Must be < threshold.
   */
  missingSimilarity?: MissingSimilarity;
}

function checkThreshold(name: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    invalidParameter(name, 'a finite cosine similarity, usually 0.5–0.9', value);
  }
  return value;
}

/**
 * Builds the undirected similarity graph from k-NN lists. Self matches and empty slots (-1) are
 * skipped; a pair listed by both photos becomes one edge with the larger of the two similarities
 * (they are equal for exact search; an approximate index may quantise them differently).
 *
 * @param knn n×k neighbour lists of n photos.
 * @param options `minSimilarity` (default -Infinity: keep every listed pair).
 * @example
 * const graph = buildSimilarityGraph({ k: 2, indices, similarities });
 * const { labels } = connectedComponents(graph, 0.8);
 */
export function buildSimilarityGraph(knn: KnnLists, options: GraphOptions = {}): SimilarityGraph {
  const { k, indices, similarities } = knn;
  if (!Number.isInteger(k) || k < 1) invalidParameter('knn.k', 'a positive integer', k);
  if (!(indices instanceof Int32Array)) {
    invalidParameter('knn.indices', 'an Int32Array', indices);
  }
  if (!(similarities instanceof Float32Array)) {
    invalidParameter('knn.similarities', 'a Float32Array', similarities);
  }
  if (indices.length % k !== 0 || similarities.length !== indices.length) {
    throw new SamebikeError(
      `knn: indices has ${indices.length} values and similarities ${similarities.length}; ` +
        `both must be n×k with k = ${k}`,
    );
  }
  const minSimilarity = options.minSimilarity ?? -Infinity;
  if (typeof minSimilarity !== 'number' || Number.isNaN(minSimilarity)) {
    invalidParameter('minSimilarity', 'a number (or -Infinity to keep all edges)', minSimilarity);
  }

  const n = indices.length / k;
  let count = 0;
  for (let p = 0; p < indices.length; p++) {
    const j = indices[p];
    if (j < -1 || j >= n) {
      const row = Math.floor(p / k);
      throw new SamebikeError(
        `knn.indices: photo ${row}, neighbour ${p % k} is ${j}; ` +
          `expected a photo index in [0, ${n - 1}] or -1 for an empty slot`,
      );
    }
    if (j < 0 || j === Math.floor(p / k)) continue;
    const s = similarities[p];
    if (Number.isNaN(s)) {
      throw new SamebikeError(
        `knn.similarities: photo ${Math.floor(p / k)}, neighbour ${p % k} is NaN`,
        'check the embeddings for NaN values',
      );
    }
    if (s >= minSimilarity) count++;
  }

  const sources = new Int32Array(count);
  const targets = new Int32Array(count);
  const weights = new Float32Array(count);
  let e = 0;
  for (let i = 0; i < n; i++) {
    for (let p = i * k; p < (i + 1) * k; p++) {
      const j = indices[p];
      if (j < 0 || j === i || !(similarities[p] >= minSimilarity)) continue;
      sources[e] = i;
      targets[e] = j;
      weights[e] = similarities[p];
      e++;
    }
  }
  return graphFromEdges(n, sources, targets, weights);
}

/**
 * Builds a graph from an edge list in any order and direction: self loops are dropped, and
 * repeated pairs (in either direction) become one edge with the largest similarity. Runs two
 * counting sorts, O(n + edges).
 *
 * @param n number of nodes; every endpoint must be in [0, n).
 */
export function graphFromEdges(
  n: number,
  sources: Int32Array,
  targets: Int32Array,
  similarities: Float32Array,
): SimilarityGraph {
  if (!Number.isInteger(n) || n < 0) invalidParameter('n', 'a non-negative integer', n);
  const m = sources.length;
  if (targets.length !== m || similarities.length !== m) {
    throw new SamebikeError(
      `edges: sources, targets and similarities have ${m}, ${targets.length} and ` +
        `${similarities.length} values; expected the same length`,
    );
  }
  const low = new Int32Array(m);
  const high = new Int32Array(m);
  for (let e = 0; e < m; e++) {
    const a = sources[e];
    const b = targets[e];
    if (!(a >= 0 && a < n && b >= 0 && b < n)) {
      throw new SamebikeError(`edge ${e}: (${a}, ${b}) has a node outside [0, ${n - 1}]`);
    }
    low[e] = a < b ? a : b;
    high[e] = a < b ? b : a;
  }

  // Counting sort by target, then a stable counting sort by source: edges end up ordered by
  // (source, target) and duplicates sit next to each other.
  const byTarget = countingOrder(high, n, null);
  const order = countingOrder(low, n, byTarget);

  let unique = 0;
  let previous = -1;
  for (let r = 0; r < m; r++) {
    const e = order[r];
    if (low[e] === high[e]) continue;
    const key = low[e] * n + high[e];
    if (key !== previous) unique++;
    previous = key;
  }
  const outSources = new Int32Array(unique);
  const outTargets = new Int32Array(unique);
  const outSimilarities = new Float32Array(unique);
  let u = -1;
  previous = -1;
  for (let r = 0; r < m; r++) {
    const e = order[r];
    if (low[e] === high[e]) continue;
    const key = low[e] * n + high[e];
    if (key !== previous) {
      u++;
      outSources[u] = low[e];
      outTargets[u] = high[e];
      outSimilarities[u] = similarities[e];
    } else if (similarities[e] > outSimilarities[u]) {
      outSimilarities[u] = similarities[e];
    }
    previous = key;
  }
  return { n, sources: outSources, targets: outTargets, similarities: outSimilarities };
}

/**
 * A stable counting sort: the positions 0…m-1 ordered by `keys` (integers in [0, n)), ties kept
 * in the order of `within` (a previous ordering to refine) or in position order when null.
 */
export function countingOrder(keys: Int32Array, n: number, within: Int32Array | null): Int32Array {
  const m = keys.length;
  const start = new Int32Array(n + 1);
  for (let e = 0; e < m; e++) start[keys[e] + 1]++;
  for (let i = 0; i < n; i++) start[i + 1] += start[i];
  const order = new Int32Array(m);
  for (let r = 0; r < m; r++) {
    const e = within ? within[r] : r;
    order[start[keys[e]]++] = e;
  }
  return order;
}

/** Root of `x` in a union-find forest, halving the path on the way. */
function find(parent: Int32Array, x: number): number {
  while (parent[x] !== x) {
    parent[x] = parent[parent[x]];
    x = parent[x];
  }
  return x;
}

/**
 * Turns a union-find forest (or any item → representative map) into compact group labels,
 * numbered in order of each group's lowest item.
 */
function compactLabels(parent: Int32Array): Clustering {
  const n = parent.length;
  const id = new Int32Array(n).fill(-1);
  const labels = new Int32Array(n);
  let groupCount = 0;
  for (let i = 0; i < n; i++) {
    const root = find(parent, i);
    if (id[root] < 0) id[root] = groupCount++;
    labels[i] = id[root];
  }
  return { labels, groupCount };
}

/**
 * Connected components of the graph's edges with similarity ≥ `threshold` (union-find with
 * union by size and path halving; O(edges · α(n))). Photos with no such edge are groups of one.
 *
 * @param threshold cosine similarity; default -Infinity uses every edge of the graph.
 */
export function connectedComponents(graph: SimilarityGraph, threshold = -Infinity): Clustering {
  if (typeof threshold !== 'number' || Number.isNaN(threshold)) {
    invalidParameter('threshold', 'a cosine similarity, usually 0.5–0.9', threshold);
  }
  const { n, sources, targets, similarities } = graph;
  const parent = new Int32Array(n);
  const size = new Int32Array(n).fill(1);
  for (let i = 0; i < n; i++) parent[i] = i;
  for (let e = 0; e < sources.length; e++) {
    if (!(similarities[e] >= threshold)) continue;
    let a = find(parent, sources[e]);
    let b = find(parent, targets[e]);
    if (a === b) continue;
    if (size[a] < size[b]) [a, b] = [b, a];
    parent[b] = a;
    size[a] += size[b];
  }
  return compactLabels(parent);
}

/** The known edges between two current groups: their similarity sum and count. */
interface Link {
  sum: number;
  count: number;
}

/**
 * A binary max-heap of candidate merges (similarity, group a, group b) in growable typed arrays.
 * Ties go to the pair with the smaller a, then the smaller b, so results do not depend on the
 * order edges arrive in.
 */
class MergeHeap {
  private keys = new Float64Array(1024);
  private as = new Int32Array(1024);
  private bs = new Int32Array(1024);
  size = 0;

  push(key: number, a: number, b: number): void {
    if (this.size === this.keys.length) this.grow();
    let i = this.size++;
    while (i > 0) {
      const up = (i - 1) >> 1;
      if (!this.before(key, a, b, up)) break;
      this.keys[i] = this.keys[up];
      this.as[i] = this.as[up];
      this.bs[i] = this.bs[up];
      i = up;
    }
    this.keys[i] = key;
    this.as[i] = a;
    this.bs[i] = b;
  }

  topKey(): number {
    return this.keys[0];
  }

  topA(): number {
    return this.as[0];
  }

  topB(): number {
    return this.bs[0];
  }

  pop(): void {
    const last = --this.size;
    if (last === 0) return;
    const key = this.keys[last];
    const a = this.as[last];
    const b = this.bs[last];
    let i = 0;
    for (;;) {
      let child = 2 * i + 1;
      if (child >= last) break;
      if (
        child + 1 < last &&
        this.before(this.keys[child + 1], this.as[child + 1], this.bs[child + 1], child)
      ) {
        child++;
      }
      if (!this.before(this.keys[child], this.as[child], this.bs[child], -1, key, a, b)) break;
      this.keys[i] = this.keys[child];
      this.as[i] = this.as[child];
      this.bs[i] = this.bs[child];
      i = child;
    }
    this.keys[i] = key;
    this.as[i] = a;
    this.bs[i] = b;
  }

  /** Whether (key, a, b) comes before slot `slot` (or before the given triple when slot < 0). */
  private before(
    key: number,
    a: number,
    b: number,
    slot: number,
    otherKey = this.keys[slot],
    otherA = this.as[slot],
    otherB = this.bs[slot],
  ): boolean {
    if (key !== otherKey) return key > otherKey;
    if (a !== otherA) return a < otherA;
    return b < otherB;
  }

  private grow(): void {
    const keys = new Float64Array(this.keys.length * 2);
    const as = new Int32Array(keys.length);
    const bs = new Int32Array(keys.length);
    keys.set(this.keys);
    as.set(this.as);
    bs.set(this.bs);
    this.keys = keys;
    this.as = as;
    this.bs = bs;
  }
}

/**
 * Average-linkage agglomerative clustering (UPGMA; Sokal & Michener 1958) restricted to the
 * sparse graph: starting from one group per photo, repeatedly merges the two groups with the
 * highest average similarity, as long as it is ≥ `threshold`. Only groups joined by at least one
 * edge are ever compared; how pairs without an edge count is `missingSimilarity` (see there).
 *
 * Edges below the threshold are useful evidence here (they pull averages down), so build the
 * graph with every listed pair (`buildSimilarityGraph` without `minSimilarity`).
 *
 * Runs a lazy max-heap of candidate merges and merges the smaller group's edge map into the
 * larger one's, O(edges · log² edges) at worst and close to O(edges · log edges) in practice.
 */
export function averageLinkage(graph: SimilarityGraph, options: AverageLinkageOptions): Clustering {
  const threshold = checkThreshold('threshold', options.threshold);
  const missing = options.missingSimilarity ?? 'ignore';
  if (missing !== 'ignore' && !(typeof missing === 'number' && missing < threshold)) {
    invalidParameter(
      'missingSimilarity',
      `'ignore' or a number below the threshold ${threshold} (usually 0)`,
      missing,
    );
  }
  const { n, sources, targets, similarities } = graph;
  const size = new Float64Array(n).fill(1);
  const parent = new Int32Array(n);
  for (let i = 0; i < n; i++) parent[i] = i;
  const links: Map<number, Link>[] = new Array(n);
  for (let i = 0; i < n; i++) links[i] = new Map();

  const average =
    missing === 'ignore'
      ? (_a: number, _b: number, link: Link) => link.sum / link.count
      : (a: number, b: number, link: Link) => {
          const pairs = size[a] * size[b];
          return (link.sum + (pairs - link.count) * missing) / pairs;
        };

  const heap = new MergeHeap();
  for (let e = 0; e < sources.length; e++) {
    const a = sources[e];
    const b = targets[e];
    const link = { sum: similarities[e], count: 1 };
    links[a].set(b, link);
    links[b].set(a, link);
    const value = average(a, b, link);
    if (value >= threshold) heap.push(value, a, b);
  }

  while (heap.size > 0) {
    const key = heap.topKey();
    if (key < threshold) break;
    const a = heap.topA();
    const b = heap.topB();
    heap.pop();
    if (parent[a] !== a || parent[b] !== b) continue;
    const link = links[a].get(b);
    if (!link) continue;

    // An entry is stale when a merge changed the pair since it was pushed. If the average went
    // up, the merge pushed a fresher entry; if it went down (a grew with no edges to b while
    // missing pairs count), re-queue it with its current value.
    const current = average(a, b, link);
    if (current > key) continue;
    if (current < key) {
      if (current >= threshold) heap.push(current, a, b);
      continue;
    }

    const [large, small] = links[a].size >= links[b].size ? [a, b] : [b, a];
    parent[small] = large;
    size[large] += size[small];
    const largeLinks = links[large];
    largeLinks.delete(small);
    for (const [c, smallLink] of links[small]) {
      if (c === large) continue;
      const cLinks = links[c];
      cLinks.delete(small);
      let merged = largeLinks.get(c);
      if (merged) {
        merged.sum += smallLink.sum;
        merged.count += smallLink.count;
      } else {
        merged = smallLink;
        largeLinks.set(c, merged);
        cLinks.set(large, merged);
      }
      const value = average(large, c, merged);
      if (value >= threshold) heap.push(value, Math.min(large, c), Math.max(large, c));
    }
    links[small] = new Map();
  }
  return compactLabels(parent);
}

/** Options of `groupPhotos`. */
export interface GroupPhotosOptions {
  /** Cosine similarity at which two photos (or groups) count as the same bike; usually 0.5–0.9. */
  threshold: number;
  /** 'average' (default) or 'components'; see the file header for the trade-off. */
  method?: ClusteringMethod;
  /** How 'average' counts pairs without an edge; default 'ignore' (see AverageLinkageOptions). */
  missingSimilarity?: MissingSimilarity;
}

/**
 * Groups a bare set of photos (no ad ids) into bikes from their k-NN lists: builds the graph and
 * runs the chosen clustering. 'components' keeps only edges ≥ threshold; 'average' keeps every
 * listed pair as evidence.
 */
export function groupPhotos(knn: KnnLists, options: GroupPhotosOptions): Clustering {
  const threshold = checkThreshold('threshold', options.threshold);
  const method = options.method ?? 'average';
  if (method === 'components') {
    return connectedComponents(buildSimilarityGraph(knn, { minSimilarity: threshold }), threshold);
  }
  if (method === 'average') {
    return averageLinkage(buildSimilarityGraph(knn), {
      threshold,
      missingSimilarity: options.missingSimilarity,
    });
  }
  return invalidParameter('method', "'average' or 'components'", method);
}
