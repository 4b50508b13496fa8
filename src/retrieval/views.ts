/**
 * Row normalisation and multi-view averaging: test-time augmentation embeds each photo several
 * times (a horizontal flip, a few scales) and averages the views into one embedding per photo.
 */
import { SamebikeError, invalidParameter } from '../util/errors.js';
import type { Matrix } from '../util/npy.js';

/**
 * Returns a copy of `matrix` with every row scaled to L2 norm 1, the form `rankGallery` expects.
 * An all-zero row stays zero (it has no direction), so check for such rows upstream.
 */
export function normalizeRows(matrix: Matrix): Matrix {
  const { rows, cols } = matrix;
  const data = new Float32Array(matrix.data);
  for (let i = 0; i < rows; i++) {
    const start = i * cols;
    let sum = 0;
    for (let j = start; j < start + cols; j++) sum += data[j] * data[j];
    if (sum === 0) continue;
    const scale = 1 / Math.sqrt(sum);
    for (let j = start; j < start + cols; j++) data[j] *= scale;
  }
  return { rows, cols, data };
}

/**
 * Averages several views of the same photos into one L2-normalised embedding per photo: each
 * view's row is first L2-normalised (so every view counts by its direction, not its length),
 * then the weighted mean is taken and L2-normalised again.
 *
 * @param views one matrix per view (e.g. original, flipped, 1.15× scale), all photos × d, with
 *   row i of every view showing photo i
 * @param weights one weight ≥ 0 per view; default 1 each. Usual choice: equal weights.
 * @example
 *   const embeddings = averageViews([plain, flipped]);
 */
export function averageViews(views: Matrix[], weights?: number[]): Matrix {
  if (views.length === 0) invalidParameter('views', 'at least one view', views);
  const { rows, cols } = views[0];
  views.forEach((view, v) => {
    if (view.rows !== rows || view.cols !== cols || view.data.length !== rows * cols) {
      throw new SamebikeError(
        `views[${v}]: expected ${rows} × ${cols} like views[0], got ${view.rows} × ${view.cols} ` +
          `with ${view.data.length} values`,
        'embed every view of the same photos in the same order',
      );
    }
  });
  const w = weights ?? views.map(() => 1);
  if (w.length !== views.length) {
    invalidParameter('weights', `one weight per view (${views.length})`, weights);
  }
  w.forEach((x, v) => {
    if (!Number.isFinite(x) || x < 0) invalidParameter(`weights[${v}]`, 'a number ≥ 0', x);
  });
  if (w.every((x) => x === 0)) invalidParameter('weights', 'at least one weight > 0', weights);

  const sum = new Float32Array(rows * cols);
  views.forEach((view, v) => {
    if (w[v] === 0) return;
    const unit = normalizeRows(view).data;
    for (let i = 0; i < sum.length; i++) sum[i] += w[v] * unit[i];
  });
  return normalizeRows({ rows, cols, data: sum });
}
