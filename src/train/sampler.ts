/**
 * Batch samplers over photos, seeded so that an epoch's batches repeat exactly:
 *
 * - random: the photos shuffled and cut into batches of batchSize; an incomplete last batch is
 *   dropped (unless it is the only one), as in the reference run.
 * - pk: class-balanced batches of P labels × K photos (Hermans et al. 2017, "In Defense of the
 *   Triplet Loss", arXiv:1703.07737), P = floor(batchSize / K). Labels are visited in shuffled
 *   order, every label once before any repeats; a label's K photos are drawn without replacement,
 *   or with replacement when it has fewer than K. An epoch has as many batches as fit the photo
 *   count, so it sees about as many photos as a random epoch.
 *
 * When a photo has several cached views (augmentations), `pickViews` chooses one at random for
 * each photo of a batch, so a label with one photo still gives two different views in a P×K batch.
 */
import { invalidParameter } from '../util/errors.js';
import { randomInt, shuffle, type Random } from '../util/rng.js';

export type SamplerKind = 'random' | 'pk';

export interface SamplerOptions {
  kind: SamplerKind;
  /** Photos per batch (P×K for pk; P = floor(batchSize / K)). */
  batchSize: number;
  /** pk only: K, photos per label in a batch. Default 4; usual 2–8. */
  photosPerLabel?: number;
}

/**
 * The batches of one epoch, as arrays of photo indices. `photoLabels[i]` is the label of photo i
 * (0-based class numbers).
 */
export function epochBatches(
  photoLabels: Int32Array,
  options: SamplerOptions,
  random: Random,
): Int32Array[] {
  const count = photoLabels.length;
  const { batchSize } = options;
  if (!Number.isInteger(batchSize) || batchSize < 2) {
    invalidParameter('batch size', 'an integer ≥ 2', batchSize);
  }
  if (options.kind === 'random') {
    const order = shuffle(
      random,
      Array.from({ length: count }, (_, i) => i),
    );
    const batches: Int32Array[] = [];
    for (let start = 0; start < count; start += batchSize) {
      const end = Math.min(count, start + batchSize);
      if (end - start < batchSize && batches.length > 0) break;
      batches.push(Int32Array.from(order.slice(start, end)));
    }
    return batches;
  }
  if (options.kind !== 'pk') invalidParameter('sampler', '"random" or "pk"', options.kind);

  const k = options.photosPerLabel ?? 4;
  if (!Number.isInteger(k) || k < 1) invalidParameter('photos per label (K)', 'an integer ≥ 1', k);
  const byLabel = photosByLabel(photoLabels);
  const labels = Array.from(byLabel.keys());
  const p = Math.min(labels.length, Math.floor(batchSize / k));
  if (p < 1) {
    invalidParameter('batch size', `at least K = ${k} for P×K sampling`, batchSize);
  }
  const batchCount = Math.max(1, Math.floor(count / (p * k)));
  let queue: number[] = [];
  const batches: Int32Array[] = [];
  for (let b = 0; b < batchCount; b++) {
    const chosen: number[] = [];
    const taken = new Set<number>();
    while (chosen.length < p) {
      if (queue.length === 0) queue = shuffle(random, labels.slice());
      // A label still queued from the previous round may already be in this batch: put it back.
      const label = queue.pop() as number;
      if (taken.has(label)) {
        queue.unshift(label);
        continue;
      }
      taken.add(label);
      chosen.push(label);
    }
    const batch = new Int32Array(p * k);
    chosen.forEach((label, li) => {
      const photos = byLabel.get(label) as number[];
      const picks =
        photos.length >= k
          ? shuffle(random, photos.slice()).slice(0, k)
          : Array.from({ length: k }, (_, i) =>
              i < photos.length ? photos[i] : photos[randomInt(random, photos.length)],
            );
      batch.set(picks, li * k);
    });
    batches.push(batch);
  }
  return batches;
}

/** How many batches `epochBatches` returns for this many photos and labels. */
export function batchesPerEpoch(
  photoCount: number,
  labelCount: number,
  options: SamplerOptions,
): number {
  if (options.kind === 'random') return Math.max(1, Math.floor(photoCount / options.batchSize));
  const k = options.photosPerLabel ?? 4;
  const p = Math.min(labelCount, Math.floor(options.batchSize / k));
  return Math.max(1, Math.floor(photoCount / (p * k)));
}

/**
 * One feature row per photo of a batch: a random one of the photo's views (`views[photo]` lists
 * its rows).
 */
export function pickViews(batch: Int32Array, views: Int32Array[], random: Random): Int32Array {
  const rows = new Int32Array(batch.length);
  for (let i = 0; i < batch.length; i++) {
    const options = views[batch[i]];
    rows[i] = options.length === 1 ? options[0] : options[randomInt(random, options.length)];
  }
  return rows;
}

function photosByLabel(photoLabels: Int32Array): Map<number, number[]> {
  const byLabel = new Map<number, number[]>();
  for (let i = 0; i < photoLabels.length; i++) {
    const list = byLabel.get(photoLabels[i]);
    if (list) list.push(i);
    else byLabel.set(photoLabels[i], [i]);
  }
  return byLabel;
}
