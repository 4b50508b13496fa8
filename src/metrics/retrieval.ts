/**
 * Retrieval metrics of a ranking. A gallery item is relevant to a query when it has the query's
 * label (the same ad). For one query, with rel_i = 1 when the i-th result is relevant, P@i the
 * share of relevant items among the first i results, and R the number of relevant gallery items
 * (the query itself not counted when it is part of the gallery):
 *
 *   AP@k       = (1 / min(R, k)) · Σ_{i ≤ k} P@i · rel_i
 *   mAP@k      = mean of AP@k over the queries
 *   Recall@n   = 1 when a relevant item is among the first n results, else 0 (the hit rate);
 *                reported as the mean over the queries for n = 1, 5, 10
 *   precision@k = mean over the queries of (relevant items in the first k) / k
 *   MAP@R      = mean over the queries of (1 / R) · Σ_{i ≤ R} P@i · rel_i
 *                (Musgrave, Belongie, Lim 2020, "A Metric Learning Reality Check",
 *                https://arxiv.org/abs/2003.08505)
 *
 * Queries with R = 0 have nothing to find: they are left out of every mean and counted as
 * `skipped_queries`. MAP@R reads the first R results, so the ranking must hold at least max R
 * results per query; `requiredDepth` computes that depth and `evaluateEmbeddings` ranks that deep.
 */
import { SamebikeError, invalidParameter } from '../util/errors.js';
import type { Matrix } from '../util/npy.js';
import { type Ranking, excludedRow, rankGallery } from '../retrieval/rank.js';

/** The scalar metrics of one evaluation; every value is a mean over the counted queries. */
export interface RetrievalMetrics {
  /** Mean average precision over the first k results, 0–1. */
  map_at_k: number;
  /** The k of mAP@k and precision@k. */
  k: number;
  /** Share of queries whose first result is relevant, 0–1. */
  recall_at_1: number;
  /** Share of queries with a relevant item among the first 5 results, 0–1. */
  recall_at_5: number;
  /** Share of queries with a relevant item among the first 10 results, 0–1. */
  recall_at_10: number;
  /** Mean share of relevant items among the first k results, 0–1. */
  precision_at_k: number;
  /** MAP@R (Musgrave et al. 2020), 0–1. */
  map_at_r: number;
  /** Queries counted: those with at least one relevant gallery item (R > 0). */
  queries: number;
  /** Queries left out because no gallery item shares their label (R = 0). */
  skipped_queries: number;
  /** Gallery items searched. */
  gallery: number;
}

/** Per-query results, in query order, e.g. for a gallery of the worst queries. */
export interface QueryResults {
  /** AP@k of each query, 0–1; NaN for skipped queries (R = 0). */
  ap_at_k: Float64Array;
  /** (1/R) · Σ_{i ≤ R} P@i · rel_i of each query, 0–1; NaN for skipped queries. */
  ap_at_r: Float64Array;
  /** R: relevant gallery items of each query. */
  relevant: Int32Array;
  /** 1-based position of the first relevant result within the first k, 0 when none. */
  first_hit: Int32Array;
}

/** The metrics plus the per-query results they were averaged from. */
export interface RetrievalEvaluation extends RetrievalMetrics {
  per_query: QueryResults;
}

/** Input of `evaluateRanking`. */
export interface EvaluateRankingInput {
  /** The ranking to score; its indices are gallery rows. */
  ranking: Ranking;
  /** Label of each query, length nq = ranking.indices.length / ranking.k. */
  queryLabels: Int32Array;
  /** Label of each gallery row. */
  galleryLabels: Int32Array;
  /**
   * R per query. Default: the gallery items with the query's label, minus the one `exclude`
   * names when it has the query's label.
   */
  relevantCounts?: Int32Array;
  /**
   * The gallery row that was left out for query q (its own photo), as given to `rankGallery`;
   * used only to compute the default `relevantCounts`. Default: nothing left out.
   */
  exclude?: (q: number) => number | undefined;
  /** The k of mAP@k and precision@k, an integer from 1 to ranking.k (usually 50). */
  k: number;
}

/** Input of `evaluateEmbeddings`. */
export interface EvaluateEmbeddingsInput {
  /** One L2-normalised embedding per photo of the data set. */
  embeddings: Matrix;
  /** Label (ad) of each photo. */
  labels: Int32Array;
  /** Photos used as queries (rows of `embeddings`). */
  queryIdx: Int32Array;
  /** Photos searched (rows of `embeddings`), each at most once. */
  galleryIdx: Int32Array;
  /** The k of mAP@k and precision@k, an integer ≥ 1 (usually 50). */
  k: number;
}

/** Recall@n is reported for these n. */
const RECALL_AT = [1, 5, 10] as const;

/**
 * The ranking depth that `evaluateRanking` needs: max(k, 10, largest R of any query), where R
 * defaults as in `evaluateRanking`.
 */
export function requiredDepth(input: Omit<EvaluateRankingInput, 'ranking'>): number {
  const counts =
    input.relevantCounts ?? relevantCountsOf(input.queryLabels, input.galleryLabels, input.exclude);
  let depth = Math.max(input.k, RECALL_AT[RECALL_AT.length - 1]);
  for (let q = 0; q < counts.length; q++) depth = Math.max(depth, counts[q]);
  return depth;
}

/** R per query: gallery items with the query's label, less the excluded one when it matches. */
function relevantCountsOf(
  queryLabels: Int32Array,
  galleryLabels: Int32Array,
  exclude: ((q: number) => number | undefined) | undefined,
): Int32Array {
  const perLabel = new Map<number, number>();
  for (let g = 0; g < galleryLabels.length; g++) {
    perLabel.set(galleryLabels[g], (perLabel.get(galleryLabels[g]) ?? 0) + 1);
  }
  const counts = new Int32Array(queryLabels.length);
  for (let q = 0; q < queryLabels.length; q++) {
    const label = queryLabels[q];
    const skip = excludedRow(exclude, q, galleryLabels.length);
    counts[q] = (perLabel.get(label) ?? 0) - (skip >= 0 && galleryLabels[skip] === label ? 1 : 0);
  }
  return counts;
}

/**
 * Scores a ranking against labels: mAP@k, Recall@1/5/10, precision@k and MAP@R (formulas in the
 * file header), plus AP@k per query. For each counted query the ranking must hold at least
 * max(k, 10, R) results, or all of that query's candidates (see `requiredDepth`); a shallower
 * one is refused with an error saying how deep to rank.
 */
export function evaluateRanking(input: EvaluateRankingInput): RetrievalEvaluation {
  const { ranking, queryLabels, galleryLabels, k } = input;
  const depth = ranking.k;
  if (!Number.isInteger(depth) || depth < 1) {
    invalidParameter('ranking.k', 'an integer ≥ 1', depth);
  }
  if (ranking.indices.length % depth !== 0) {
    throw new SamebikeError(
      `ranking: ${ranking.indices.length} indices is not a multiple of ranking.k = ${depth}`,
    );
  }
  const nq = ranking.indices.length / depth;
  const ng = galleryLabels.length;
  if (queryLabels.length !== nq) {
    throw new SamebikeError(
      `queryLabels: expected one label per ranked query (${nq}), got ${queryLabels.length}`,
    );
  }
  if (!Number.isInteger(k) || k < 1 || k > depth) {
    invalidParameter('k', `an integer from 1 to the ranking depth ${depth}`, k);
  }
  for (let i = 0; i < ranking.indices.length; i++) {
    const g = ranking.indices[i];
    if (g < -1 || g >= ng) {
      throw new SamebikeError(
        `ranking: query ${Math.floor(i / depth)} result ${i % depth} is gallery row ${g}, ` +
          `but the gallery has ${ng} labels`,
        'pass the labels of the gallery that was ranked',
      );
    }
  }
  let relevant: Int32Array;
  if (input.relevantCounts) {
    relevant = input.relevantCounts;
    if (relevant.length !== nq) {
      throw new SamebikeError(
        `relevantCounts: expected one count per query (${nq}), got ${relevant.length}`,
      );
    }
  } else {
    relevant = relevantCountsOf(queryLabels, galleryLabels, input.exclude);
  }

  for (let q = 0; q < nq; q++) {
    if (!Number.isInteger(relevant[q]) || relevant[q] < 0) {
      invalidParameter(`relevantCounts[${q}]`, 'an integer ≥ 0', relevant[q]);
    }
    const needed = Math.max(k, RECALL_AT[RECALL_AT.length - 1], relevant[q]);
    if (relevant[q] === 0 || depth >= needed) continue;
    // A shorter list still holds every candidate when it ends in padding or spans the gallery.
    const skip = excludedRow(input.exclude, q, ng);
    if (ranking.indices[q * depth + depth - 1] < 0 || depth >= ng - (skip >= 0 ? 1 : 0)) continue;
    throw new SamebikeError(
      `ranking: ${depth} results per query are too few for query ${q}; Recall@10 and MAP@R ` +
        `read the first max(k, 10, R) = ${needed}`,
      'rank deeper (requiredDepth computes the depth), or use evaluateEmbeddings',
    );
  }

  const apAtK = new Float64Array(nq).fill(NaN);
  const apAtR = new Float64Array(nq).fill(NaN);
  const firstHit = new Int32Array(nq);
  const recallSums = RECALL_AT.map(() => 0);
  let apSum = 0;
  let precisionSum = 0;
  let mapAtRSum = 0;
  let counted = 0;
  for (let q = 0; q < nq; q++) {
    const r = relevant[q];
    if (r === 0) continue;
    counted++;
    const label = queryLabels[q];
    const base = q * depth;
    let hits = 0;
    let sumAtK = 0;
    let sumAtR = 0;
    let hitsAtK = 0;
    let first = 0;
    const scanDepth = Math.min(depth, Math.max(k, RECALL_AT[RECALL_AT.length - 1], r));
    for (let i = 1; i <= scanDepth; i++) {
      const g = ranking.indices[base + i - 1];
      if (g < 0 || galleryLabels[g] !== label) continue;
      hits++;
      if (first === 0) first = i;
      if (i <= k) {
        sumAtK += hits / i;
        hitsAtK = hits;
      }
      if (i <= r) sumAtR += hits / i;
    }
    if (hits > r) {
      throw new SamebikeError(
        `relevantCounts[${q}] is ${r}, but the ranking holds ${hits} relevant results for that query`,
        'R counts the gallery items with the query label, the query itself excluded',
      );
    }
    apAtK[q] = sumAtK / Math.min(r, k);
    apAtR[q] = sumAtR / r;
    firstHit[q] = first <= k ? first : 0;
    apSum += apAtK[q];
    mapAtRSum += apAtR[q];
    precisionSum += hitsAtK / k;
    RECALL_AT.forEach((n, j) => {
      if (first > 0 && first <= n) recallSums[j]++;
    });
  }
  if (counted === 0) {
    throw new SamebikeError(
      `none of the ${nq} queries has a relevant gallery item (every query label is absent from ` +
        'the gallery, or only the query itself has it)',
      'check that queries and gallery share labels; an ad needs at least two photos to be a query',
    );
  }

  return {
    map_at_k: apSum / counted,
    k,
    recall_at_1: recallSums[0] / counted,
    recall_at_5: recallSums[1] / counted,
    recall_at_10: recallSums[2] / counted,
    precision_at_k: precisionSum / counted,
    map_at_r: mapAtRSum / counted,
    queries: counted,
    skipped_queries: nq - counted,
    gallery: ng,
    per_query: { ap_at_k: apAtK, ap_at_r: apAtR, relevant, first_hit: firstHit },
  };
}

/**
 * Ranks `galleryIdx` for every photo of `queryIdx` and evaluates the ranking (see
 * `evaluateRanking`). A query that is also in the gallery is left out of its own results and of
 * its R. The ranking is made deep enough for MAP@R (max(k, 10, largest R) results per query) and
 * returned with its indices mapped to data-set rows (entries of `galleryIdx`).
 */
export async function evaluateEmbeddings(
  input: EvaluateEmbeddingsInput,
): Promise<RetrievalEvaluation & { ranking: Ranking }> {
  const { embeddings, labels, queryIdx, galleryIdx, k } = input;
  const n = embeddings.rows;
  if (labels.length !== n) {
    throw new SamebikeError(
      `labels: expected one label per embedding (${n}), got ${labels.length}`,
    );
  }
  if (!Number.isInteger(k) || k < 1) invalidParameter('k', 'an integer ≥ 1', k);
  const galleryPosition = new Int32Array(n).fill(-1);
  galleryIdx.forEach((row, g) => {
    if (!Number.isInteger(row) || row < 0 || row >= n) {
      invalidParameter(`galleryIdx[${g}]`, `a photo row in [0, ${n})`, row);
    }
    if (galleryPosition[row] >= 0) {
      throw new SamebikeError(
        `galleryIdx: photo ${row} appears twice (positions ${galleryPosition[row]} and ${g})`,
        'list each gallery photo once',
      );
    }
    galleryPosition[row] = g;
  });
  queryIdx.forEach((row, q) => {
    if (!Number.isInteger(row) || row < 0 || row >= n) {
      invalidParameter(`queryIdx[${q}]`, `a photo row in [0, ${n})`, row);
    }
  });

  const queries = gatherRows(embeddings, queryIdx);
  const gallery = gatherRows(embeddings, galleryIdx);
  const queryLabels = new Int32Array(queryIdx.length);
  for (let q = 0; q < queryIdx.length; q++) queryLabels[q] = labels[queryIdx[q]];
  const galleryLabels = new Int32Array(galleryIdx.length);
  for (let g = 0; g < galleryIdx.length; g++) galleryLabels[g] = labels[galleryIdx[g]];
  const exclude = (q: number): number | undefined => {
    const g = galleryPosition[queryIdx[q]];
    return g >= 0 ? g : undefined;
  };

  const depth = requiredDepth({ queryLabels, galleryLabels, exclude, k });
  const ranking = await rankGallery(queries, gallery, depth, { exclude });
  const evaluation = evaluateRanking({ ranking, queryLabels, galleryLabels, exclude, k });
  const mapped = new Int32Array(ranking.indices.length);
  for (let i = 0; i < mapped.length; i++) {
    const g = ranking.indices[i];
    mapped[i] = g >= 0 ? galleryIdx[g] : -1;
  }
  return { ...evaluation, ranking: { ...ranking, indices: mapped } };
}

/** The rows `rows` of `matrix`, in that order, as a new matrix. */
function gatherRows(matrix: Matrix, rows: Int32Array): Matrix {
  const d = matrix.cols;
  const data = new Float32Array(rows.length * d);
  for (let i = 0; i < rows.length; i++) {
    data.set(matrix.data.subarray(rows[i] * d, rows[i] * d + d), i * d);
  }
  return { rows: rows.length, cols: d, data };
}
