/**
 * Retrieval as configured — exact ranking, then the optional α-query expansion and k-reciprocal
 * re-ranking — and its evaluation. Used by training (every validation), evaluate, and the report,
 * so that every number comes from the same harness.
 */
import type { Settings } from '../config/schema.js';
import { evaluateRanking, requiredDepth, type RetrievalEvaluation } from '../metrics/retrieval.js';
import { queryExpansion } from '../retrieval/expansion.js';
import { rankGallery, type Ranking } from '../retrieval/rank.js';
import { kReciprocalRerank } from '../retrieval/rerank.js';
import type { Matrix } from '../util/npy.js';

/** The rows `idx` of `m`. */
export function selectRows(m: Matrix, idx: ArrayLike<number>): Matrix {
  const data = new Float32Array(idx.length * m.cols);
  for (let r = 0; r < idx.length; r++) {
    data.set(m.data.subarray(idx[r] * m.cols, (idx[r] + 1) * m.cols), r * m.cols);
  }
  return { rows: idx.length, cols: m.cols, data };
}

export interface RetrievalRun {
  evaluation: RetrievalEvaluation;
  /** The ranking with indices as data-set rows (not gallery positions). */
  ranking: Ranking;
  queryIdx: Int32Array;
}

/** Options that decide how queries are answered (a subset of the settings). */
export type RetrievalSettings = Pick<
  Settings,
  | 'validation.top_k'
  | 'retrieval.query_expansion'
  | 'retrieval.qe_alpha'
  | 'retrieval.rerank'
  | 'retrieval.rerank_k1'
  | 'retrieval.rerank_k2'
  | 'retrieval.rerank_lambda'
>;

/**
 * Ranks `galleryIdx` for each photo of `queryIdx` (a query never retrieves its own photo) and
 * evaluates the ranking against `labels`. With `labels` absent nothing is evaluated.
 */
export async function retrieve(
  embeddings: Matrix,
  labels: Int32Array,
  queryIdx: Int32Array,
  galleryIdx: Int32Array,
  s: RetrievalSettings,
): Promise<RetrievalRun> {
  const position = new Map<number, number>();
  galleryIdx.forEach((row, g) => position.set(row, g));
  const exclude = (q: number): number | undefined => position.get(queryIdx[q]);
  let queries = selectRows(embeddings, queryIdx);
  const gallery = selectRows(embeddings, galleryIdx);
  const queryLabels = Int32Array.from(queryIdx, (i) => labels[i]);
  const galleryLabels = Int32Array.from(galleryIdx, (i) => labels[i]);
  const k = Math.min(s['validation.top_k'], Math.max(1, galleryIdx.length - 1));
  const depth = Math.min(
    Math.max(1, galleryIdx.length),
    requiredDepth({ queryLabels, galleryLabels, exclude, k }),
  );

  const expand = s['retrieval.query_expansion'];
  if (expand > 0) {
    const first = await rankGallery(queries, gallery, expand, { exclude });
    queries = queryExpansion(queries, gallery, first, {
      n: expand,
      alpha: s['retrieval.qe_alpha'],
    });
  }
  const ranking = s['retrieval.rerank']
    ? await kReciprocalRerank(queries, gallery, {
        k: depth,
        k1: s['retrieval.rerank_k1'],
        k2: s['retrieval.rerank_k2'],
        lambda: s['retrieval.rerank_lambda'],
        exclude,
      })
    : await rankGallery(queries, gallery, depth, { exclude });
  const evaluation = evaluateRanking({ ranking, queryLabels, galleryLabels, exclude, k });
  const indices = Int32Array.from(ranking.indices, (g) => (g < 0 ? -1 : galleryIdx[g]));
  return {
    evaluation,
    ranking: { k: ranking.k, indices, similarities: ranking.similarities },
    queryIdx,
  };
}

/** The metric keys every command reports (the `--json` contract). */
export function metricSummary(e: RetrievalEvaluation): Record<string, number> {
  return {
    map_at_k: e.map_at_k,
    k: e.k,
    recall_at_1: e.recall_at_1,
    recall_at_5: e.recall_at_5,
    recall_at_10: e.recall_at_10,
    precision_at_k: e.precision_at_k,
    map_at_r: e.map_at_r,
    queries: e.queries,
    gallery: e.gallery,
  };
}
