/**
 * Grouping across ads: which ads show the same bike (reposts, duplicates, the same bike sold
 * twice). Photo edges between two ads are aggregated into one ad-to-ad similarity, then the ads
 * are clustered on that ad graph with the same two clusterings as photos.
 *
 * Ad similarity: the mean of the best `matches` one-to-one photo matches between the two ads
 * (greedy: strongest edge first, each photo used at most once), over min(matches, photos of A,
 * photos of B) slots; slots without a known edge count as `missingSimilarity` (default 0). With
 * matches = 1 this is the single best photo match. The default of 2 keeps one shared stock
 * picture (or one look-alike frame) from joining two different bikes, while a repost, whose
 * photos match one to one, scores as high as its photos do; ads with one photo fall back to the
 * best match.
 */
import { invalidParameter } from '../util/errors.js';
import {
  averageLinkage,
  buildSimilarityGraph,
  connectedComponents,
  countingOrder,
  graphFromEdges,
  type ClusteringMethod,
  type KnnLists,
  type SimilarityGraph,
} from './graph.js';
import { checkLength, encodeLabels } from './labels.js';

/** Options of `adSimilarityGraph`. */
export interface AdSimilarityOptions {
  /** One-to-one photo matches averaged into the ad similarity; default 2, usual range 1–3. */
  matches?: number;
  /** Similarity of a match slot with no known photo edge; default 0 (unrelated embeddings). */
  missingSimilarity?: number;
}

/** Options of `groupAds`. */
export interface GroupAdsOptions extends AdSimilarityOptions {
  /** Ads whose similarity is ≥ this are the same bike; cosine, usually 0.5–0.9. */
  threshold: number;
  /** 'average' (default) or 'components' clustering of the ad graph (see graph.ts). */
  method?: ClusteringMethod;
}

/** The grouping result of one ad. */
export interface AdGroup {
  /** The ad id. */
  ad: string;
  /** Group id, shared by all ads that show the same bike; numbered from 0. */
  group: number;
  /** Number of the ad's photos. */
  photos: number;
  /**
   * The ad's highest similarity to another ad of its group; for an ad alone in its group, its
   * highest similarity to any other ad (below the threshold: how close the nearest ad came).
   * null when no photo of the ad has an edge to another ad.
   */
  score: number | null;
  /** The ad that gives `score`, or null. */
  match: string | null;
}

/** Result of `groupAds`. */
export interface AdGrouping {
  /** One entry per distinct ad id, in order of first appearance among the photos. */
  ads: AdGroup[];
  /** Group of each photo: the group of its ad. */
  photoGroups: Int32Array;
  /** Number of ad groups. */
  groupCount: number;
}

/**
 * Aggregates a photo graph into an ad graph: one edge per pair of ads that share at least one
 * photo edge, weighted by the ad similarity described in the file header.
 *
 * @param graph photo graph; include every listed pair (no minSimilarity) so averages see them.
 * @param adOfPhoto ad code of each photo, in [0, photosPerAd.length).
 * @param photosPerAd number of photos of each ad.
 */
export function adSimilarityGraph(
  graph: SimilarityGraph,
  adOfPhoto: Int32Array,
  photosPerAd: Int32Array,
  options: AdSimilarityOptions = {},
): SimilarityGraph {
  const matches = options.matches ?? 2;
  if (!Number.isInteger(matches) || matches < 1) {
    invalidParameter('matches', 'a positive integer, usually 1–3', matches);
  }
  const missing = options.missingSimilarity ?? 0;
  if (typeof missing !== 'number' || !Number.isFinite(missing)) {
    invalidParameter('missingSimilarity', 'a finite cosine similarity, usually 0', missing);
  }
  const adCount = photosPerAd.length;
  const { sources, targets, similarities } = graph;

  // Cross-ad edges, ordered by ad pair with two stable counting sorts (by the larger ad, then by
  // the smaller one), so each pair's edges form one run.
  let crossCount = 0;
  for (let e = 0; e < sources.length; e++) {
    if (adOfPhoto[sources[e]] !== adOfPhoto[targets[e]]) crossCount++;
  }
  const cross = new Int32Array(crossCount);
  const lowAd = new Int32Array(crossCount);
  const highAd = new Int32Array(crossCount);
  let c = 0;
  for (let e = 0; e < sources.length; e++) {
    const a = adOfPhoto[sources[e]];
    const b = adOfPhoto[targets[e]];
    if (a === b) continue;
    cross[c] = e;
    lowAd[c] = a < b ? a : b;
    highAd[c] = a < b ? b : a;
    c++;
  }
  const order = countingOrder(lowAd, adCount, countingOrder(highAd, adCount, null));

  const adSources: number[] = [];
  const adTargets: number[] = [];
  const adScores: number[] = [];
  const used = new Int32Array(graph.n).fill(-1);
  let run: number[] = [];
  for (let r = 0; r <= crossCount; r++) {
    const x = r < crossCount ? order[r] : -1;
    if (run.length > 0 && (x < 0 || lowAd[x] !== lowAd[run[0]] || highAd[x] !== highAd[run[0]])) {
      const a = lowAd[run[0]];
      const b = highAd[run[0]];
      const slots = Math.min(matches, photosPerAd[a], photosPerAd[b]);
      const edges = run.map((i) => cross[i]);
      edges.sort((p, q) => similarities[q] - similarities[p] || p - q);
      let found = 0;
      let sum = 0;
      for (const e of edges) {
        if (found === slots) break;
        const i = sources[e];
        const j = targets[e];
        if (used[i] === r || used[j] === r) continue;
        used[i] = r;
        used[j] = r;
        sum += similarities[e];
        found++;
      }
      adSources.push(a);
      adTargets.push(b);
      adScores.push((sum + (slots - found) * missing) / slots);
      run = [];
    }
    if (x >= 0) run.push(x);
  }
  return graphFromEdges(
    adCount,
    Int32Array.from(adSources),
    Int32Array.from(adTargets),
    Float32Array.from(adScores),
  );
}

/**
 * Groups ads that show the same bike. Builds the photo graph from the k-NN lists, aggregates it
 * into ad similarities, keeps ad pairs ≥ threshold and clusters them.
 *
 * @param knn k-NN lists of all photos (n×k).
 * @param ads ad id of each photo (n entries).
 * @example
 * const { ads } = groupAds(knn, adIds, { threshold: 0.8 });
 * // ads[0] = { ad: 'a17', group: 0, photos: 6, score: 0.93, match: 'a42' }
 */
export function groupAds(
  knn: KnnLists,
  ads: readonly string[],
  options: GroupAdsOptions,
): AdGrouping {
  const threshold = options.threshold;
  if (typeof threshold !== 'number' || !Number.isFinite(threshold)) {
    invalidParameter('threshold', 'a finite cosine similarity, usually 0.5–0.9', threshold);
  }
  const method = options.method ?? 'average';
  if (method !== 'average' && method !== 'components') {
    invalidParameter('method', "'average' or 'components'", method);
  }
  const graph = buildSimilarityGraph(knn);
  checkLength(ads, graph.n, 'ads', 'photos in the k-NN lists');
  const { codes, names, sizes } = encodeLabels(ads, 'ads');
  const adGraph = adSimilarityGraph(graph, codes, sizes, options);

  const clustering =
    method === 'average'
      ? averageLinkage(adGraph, { threshold })
      : connectedComponents(adGraph, threshold);
  const labels = clustering.labels;

  // Per ad: the best edge inside its group, else the best edge to any ad.
  const adCount = names.length;
  const bestInside = new Float64Array(adCount).fill(-Infinity);
  const bestAny = new Float64Array(adCount).fill(-Infinity);
  const matchInside = new Int32Array(adCount).fill(-1);
  const matchAny = new Int32Array(adCount).fill(-1);
  for (let e = 0; e < adGraph.sources.length; e++) {
    const s = adGraph.similarities[e];
    for (const [a, b] of [
      [adGraph.sources[e], adGraph.targets[e]],
      [adGraph.targets[e], adGraph.sources[e]],
    ]) {
      if (s > bestAny[a]) {
        bestAny[a] = s;
        matchAny[a] = b;
      }
      if (labels[a] === labels[b] && s > bestInside[a]) {
        bestInside[a] = s;
        matchInside[a] = b;
      }
    }
  }

  const result: AdGroup[] = [];
  for (let a = 0; a < adCount; a++) {
    const match = matchInside[a] >= 0 ? matchInside[a] : matchAny[a];
    const score = matchInside[a] >= 0 ? bestInside[a] : bestAny[a];
    result.push({
      ad: String(names[a]),
      group: labels[a],
      photos: sizes[a],
      score: match >= 0 ? score : null,
      match: match >= 0 ? String(names[match]) : null,
    });
  }
  const photoGroups = new Int32Array(codes.length);
  for (let i = 0; i < codes.length; i++) photoGroups[i] = labels[codes[i]];
  return { ads: result, photoGroups, groupCount: clustering.groupCount };
}
