/**
 * α-query expansion (αQE) and database-side augmentation (DBA), after Radenović, Tolias, Chum,
 * "Fine-tuning CNN Image Retrieval with No Human Annotation", TPAMI 2018
 * (https://arxiv.org/abs/1711.02512). A query is replaced by the weighted mean of itself and its
 * top n gallery neighbours, each weighted by its similarity raised to the power α:
 *
 *   q' = normalise(q + Σ_{i ≤ n} max(s_i, 0)^α · g_i)
 *
 * (the query's own weight is its similarity to itself, 1^α = 1; negative similarities weigh 0).
 * α = 0 gives plain average query expansion; a large α trusts only near-duplicates.
 *
 * DBA applies the same formula to every gallery item with its gallery neighbours (itself left
 * out of its list), which smooths the gallery towards its local clusters. The usual order is DBA
 * on the gallery first, then αQE of the queries against the augmented gallery, with the same n.
 */
import { SamebikeError, invalidParameter } from '../util/errors.js';
import type { Matrix } from '../util/npy.js';
import { type Ranking, checkEmbeddings, rankGallery } from './rank.js';
import { normalizeRows } from './views.js';

/** Options of αQE and DBA. */
export interface ExpansionOptions {
  /** Neighbours averaged into each embedding, an integer ≥ 0; 0 changes nothing. Default 2,
   *  usual 1–3 (more helps only when every ad has many photos). */
  n?: number;
  /** Power of the similarity weights, ≥ 0. Default 3, usual 1–5. */
  alpha?: number;
}

function checkOptions(options: ExpansionOptions): { n: number; alpha: number } {
  const n = options.n ?? 2;
  const alpha = options.alpha ?? 3;
  if (!Number.isInteger(n) || n < 0) invalidParameter('n', 'an integer ≥ 0', n);
  if (!Number.isFinite(alpha) || alpha < 0) invalidParameter('alpha', 'a number ≥ 0', alpha);
  return { n, alpha };
}

/**
 * αQE: expands each query with its top n neighbours from `ranking` (queries × gallery, as made by
 * `rankGallery`, at least n deep) and returns the new, L2-normalised query embeddings. Missing
 * neighbours (index -1) are skipped.
 */
export function queryExpansion(
  queries: Matrix,
  gallery: Matrix,
  ranking: Ranking,
  options: ExpansionOptions = {},
): Matrix {
  const { n, alpha } = checkOptions(options);
  const d = queries.cols;
  if (gallery.cols !== d) {
    throw new SamebikeError(
      `queries have ${d} dimensions but the gallery has ${gallery.cols}`,
      'expand with embeddings from the same model',
    );
  }
  if (ranking.indices.length !== queries.rows * ranking.k) {
    throw new SamebikeError(
      `ranking: expected ${queries.rows} queries × ${ranking.k} results, got ` +
        `${ranking.indices.length} entries`,
      'pass the ranking of these queries against this gallery',
    );
  }
  if (n > ranking.k) {
    invalidParameter('n', `at most the ranking depth ${ranking.k}`, n);
  }

  const data = new Float32Array(queries.data);
  for (let q = 0; q < queries.rows; q++) {
    const out = q * d;
    for (let i = 0; i < n; i++) {
      const g = ranking.indices[q * ranking.k + i];
      if (g < 0) continue;
      if (g >= gallery.rows) {
        throw new SamebikeError(
          `ranking: query ${q} result ${i} is gallery row ${g}, but the gallery has ` +
            `${gallery.rows} rows`,
        );
      }
      const s = ranking.similarities[q * ranking.k + i];
      const weight = s > 0 ? Math.pow(s, alpha) : 0;
      if (weight === 0) continue;
      const row = g * d;
      for (let j = 0; j < d; j++) data[out + j] += weight * gallery.data[row + j];
    }
  }
  return normalizeRows({ rows: queries.rows, cols: d, data });
}

/**
 * DBA: replaces every gallery embedding by the αQE of itself over its top n other gallery items
 * (the same formula as `queryExpansion`). Ranks the gallery against itself, so it costs one
 * `rankGallery` of the gallery.
 */
export async function databaseAugmentation(
  gallery: Matrix,
  options: ExpansionOptions = {},
): Promise<Matrix> {
  const { n, alpha } = checkOptions(options);
  checkEmbeddings(gallery, 'gallery');
  if (n === 0) return normalizeRows(gallery);
  const ranking = await rankGallery(gallery, gallery, n, { exclude: (g) => g });
  return queryExpansion(gallery, gallery, ranking, { n, alpha });
}
