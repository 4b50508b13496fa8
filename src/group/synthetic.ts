/**
 * Synthetic embeddings of bike photos with known labels, for tests and benchmarks of grouping.
 *
 * Three levels, as in real ads: models (a make and type of bike), bikes of a model (similar but
 * distinct), and photos of a bike (noisy views of it). Directions are Gaussian in `dim`
 * dimensions, so unrelated embeddings have cosine similarity near 0.
 *
 * - A bike's direction is its model's plus Gaussian noise of squared norm u, with
 *   u = 1 / modelSimilarity − 1, so two bikes of one model have cosine ≈ modelSimilarity.
 * - A photo is its bike's direction plus noise of squared norm v drawn uniformly from
 *   `photoNoise`; two photos of one bike have cosine ≈ 1 / √((1 + v₁)(1 + v₂)).
 *
 * With the defaults, photos of one bike have similarities of about 0.55–0.9 and photos of two
 * bikes of one model about 0.3–0.55: separable, but not trivially.
 */
import { invalidParameter } from '../util/errors.js';
import type { Matrix } from '../util/npy.js';
import { createRandom, randomInt, randomNormal } from '../util/rng.js';

/** Options of `syntheticBikes`. */
export interface SyntheticBikesOptions {
  /** Number of photos. */
  photos: number;
  /** Embedding dimension; default 512. */
  dim?: number;
  /** Seed of every random draw; default 1. */
  seed?: number;
  /** Each bike gets 1 … this many photos, uniformly; default 12. */
  maxPhotosPerBike?: number;
  /** Bikes per model; default 5. */
  bikesPerModel?: number;
  /** Expected cosine similarity of two bikes of one model; default 0.5, in (0, 1). */
  modelSimilarity?: number;
  /** Range of a photo's relative noise energy v (see the file header); default [0.1, 0.8]. */
  photoNoise?: [number, number];
}

/** Synthetic photos: L2-normalised embeddings with their bike and model labels. */
export interface SyntheticBikes {
  /** photos × dim, each row of unit length. */
  embeddings: Matrix;
  /** Bike of each photo (the ground-truth group), numbered from 0. */
  bikes: Int32Array;
  /** Model of each photo's bike, numbered from 0. */
  models: Int32Array;
}

function normalise(data: Float32Array, offset: number, dim: number): void {
  let norm = 0;
  for (let p = offset; p < offset + dim; p++) norm += data[p] * data[p];
  const scale = norm > 0 ? 1 / Math.sqrt(norm) : 0;
  for (let p = offset; p < offset + dim; p++) data[p] *= scale;
}

/**
 * Generates photos of bikes of models (see the file header), in random row order.
 *
 * @example
 * const { embeddings, bikes } = syntheticBikes({ photos: 1000, seed: 7 });
 */
export function syntheticBikes(options: SyntheticBikesOptions): SyntheticBikes {
  const n = options.photos;
  if (!Number.isInteger(n) || n < 1) invalidParameter('photos', 'a positive integer', n);
  const dim = options.dim ?? 512;
  if (!Number.isInteger(dim) || dim < 2) invalidParameter('dim', 'an integer ≥ 2', dim);
  const maxPhotos = options.maxPhotosPerBike ?? 12;
  if (!Number.isInteger(maxPhotos) || maxPhotos < 1) {
    invalidParameter('maxPhotosPerBike', 'a positive integer', maxPhotos);
  }
  const bikesPerModel = options.bikesPerModel ?? 5;
  if (!Number.isInteger(bikesPerModel) || bikesPerModel < 1) {
    invalidParameter('bikesPerModel', 'a positive integer', bikesPerModel);
  }
  const modelSimilarity = options.modelSimilarity ?? 0.5;
  if (!(modelSimilarity > 0 && modelSimilarity < 1)) {
    invalidParameter('modelSimilarity', 'a cosine similarity in (0, 1)', modelSimilarity);
  }
  const [noiseLow, noiseHigh] = options.photoNoise ?? [0.1, 0.8];
  if (!(noiseLow >= 0 && noiseHigh >= noiseLow)) {
    invalidParameter('photoNoise', 'a range [low, high] with 0 ≤ low ≤ high', [
      noiseLow,
      noiseHigh,
    ]);
  }
  const random = createRandom(options.seed ?? 1);

  // Photo counts per bike until n photos are assigned; the last bike takes what is left.
  const bikeSizes: number[] = [];
  for (let left = n; left > 0;) {
    const size = Math.min(left, 1 + randomInt(random, maxPhotos));
    bikeSizes.push(size);
    left -= size;
  }

  // Each generated photo goes to a random row, so that neither bikes nor models sit together.
  const position = new Int32Array(n);
  for (let i = 0; i < n; i++) position[i] = i;
  for (let i = n - 1; i > 0; i--) {
    const j = randomInt(random, i + 1);
    const t = position[i];
    position[i] = position[j];
    position[j] = t;
  }

  const bikeSpread = Math.sqrt((1 / modelSimilarity - 1) / dim);
  const model = new Float32Array(dim);
  const bike = new Float32Array(dim);
  const data = new Float32Array(n * dim);
  const bikes = new Int32Array(n);
  const models = new Int32Array(n);
  let photo = 0;
  for (let b = 0; b < bikeSizes.length; b++) {
    if (b % bikesPerModel === 0) {
      for (let p = 0; p < dim; p++) model[p] = randomNormal(random);
      normalise(model, 0, dim);
    }
    for (let p = 0; p < dim; p++) bike[p] = model[p] + bikeSpread * randomNormal(random);
    normalise(bike, 0, dim);
    for (let s = 0; s < bikeSizes[b]; s++) {
      const v = noiseLow + (noiseHigh - noiseLow) * random();
      const spread = Math.sqrt(v / dim);
      const row = position[photo++];
      const offset = row * dim;
      for (let p = 0; p < dim; p++) data[offset + p] = bike[p] + spread * randomNormal(random);
      normalise(data, offset, dim);
      bikes[row] = b;
      models[row] = Math.floor(b / bikesPerModel);
    }
  }
  return { embeddings: { rows: n, cols: dim, data }, bikes, models };
}
