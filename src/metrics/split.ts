/**
 * Validation protocols: which photos train the embedding head, which ones query, and which ones
 * form the gallery they search. Every split is deterministic for a given seed.
 *
 * - `random`: a random share of the photos is held out. Queries are the held-out photos; the
 *   gallery is every photo (training and held-out), each query leaving itself out at ranking
 *   time. Ads are seen in training, so this measures how well known ads are found again.
 * - `group`: a random share of the ads (labels) is held out with all their photos, so validation
 *   ads are never seen in training. Queries and gallery are the held-out photos, each query
 *   leaving itself out. This measures how the model does on new ads.
 *
 * With `folds` = k > 1 the shuffled photos (random) or ads (group) are cut into k near-equal
 * parts and part `fold` is held out, so the k folds together hold out everything exactly once.
 */
import { SamebikeError, invalidParameter } from '../util/errors.js';
import { debug } from '../util/log.js';
import { createRandom, shuffle } from '../util/rng.js';

/** How validation photos are chosen: see the file header. */
export type SplitProtocol = 'random' | 'group';

/** Options of `splitDataset`. */
export interface SplitOptions {
  /** `random` (photos held out at random) or `group` (ads held out). */
  protocol: SplitProtocol;
  /** Share of photos (random) or ads (group) held out, in (0, 1). Default 0.2, usual 0.1–0.3.
   *  Ignored when folds > 1 (each fold then holds out 1/folds). */
  validationSize?: number;
  /** Seed of the shuffle, a 32-bit integer. Default 0. */
  seed?: number;
  /** Number of folds, an integer ≥ 1. Default 1 (no folds: validationSize decides). */
  folds?: number;
  /** Which fold is held out, 0-based, below `folds`. Default 0. */
  fold?: number;
}

/** A split as indices into the data set, each list in increasing order. */
export interface Split {
  /** Photos that train the embedding head. */
  train: Int32Array;
  /** Photos that query the gallery during validation. */
  queries: Int32Array;
  /** Photos searched during validation (a query is left out of its own results). */
  gallery: Int32Array;
}

/**
 * Splits a data set of `labels.length` photos (label = ad of each photo) for validation.
 *
 * @example
 *   const { train, queries, gallery } = splitDataset(labels, { protocol: 'group', seed: 7 });
 */
export function splitDataset(labels: Int32Array, options: SplitOptions): Split {
  const { protocol } = options;
  const validationSize = options.validationSize ?? 0.2;
  const seed = options.seed ?? 0;
  const folds = options.folds ?? 1;
  const fold = options.fold ?? 0;
  if (protocol !== 'random' && protocol !== 'group') {
    invalidParameter('protocol', '"random" or "group"', protocol);
  }
  if (!(validationSize > 0 && validationSize < 1)) {
    invalidParameter('validationSize', 'a fraction between 0 and 1 (exclusive)', validationSize);
  }
  if (!Number.isInteger(seed)) invalidParameter('seed', 'an integer', seed);
  if (!Number.isInteger(folds) || folds < 1) invalidParameter('folds', 'an integer ≥ 1', folds);
  if (!Number.isInteger(fold) || fold < 0 || fold >= folds) {
    invalidParameter('fold', `an integer from 0 to folds − 1 = ${folds - 1}`, fold);
  }
  if (folds > 1 && options.validationSize !== undefined) {
    debug(`split: ${folds} folds hold out 1/${folds} each; validationSize is not used`);
  }

  const n = labels.length;
  if (protocol === 'random') {
    if (n < 2) {
      throw new SamebikeError(`random split: needs at least 2 photos, got ${n}`);
    }
    const order = shuffle(
      createRandom(seed),
      Array.from({ length: n }, (_, i) => i),
    );
    const held = heldOutRange(n, validationSize, folds, fold, 'photos');
    const validation = new Uint8Array(n);
    for (let p = held.start; p < held.end; p++) validation[order[p]] = 1;
    const gallery = new Int32Array(n);
    for (let i = 0; i < n; i++) gallery[i] = i;
    return { train: select(validation, 0), queries: select(validation, 1), gallery };
  }

  const ads = Array.from(new Set(labels)).sort((a, b) => a - b);
  if (ads.length < 2) {
    throw new SamebikeError(
      `group split: needs at least 2 ads (labels), got ${ads.length}`,
      'use the random protocol, or add ads',
    );
  }
  shuffle(createRandom(seed), ads);
  const held = heldOutRange(ads.length, validationSize, folds, fold, 'ads');
  const heldAds = new Set(ads.slice(held.start, held.end));
  const validation = new Uint8Array(n);
  for (let i = 0; i < n; i++) validation[i] = heldAds.has(labels[i]) ? 1 : 0;
  const queries = select(validation, 1);
  return { train: select(validation, 0), queries, gallery: queries.slice() };
}

/**
 * The positions [start, end) of the shuffled items that are held out: the first
 * round(validationSize · count) items, or fold `fold` of `folds` near-equal parts.
 */
function heldOutRange(
  count: number,
  validationSize: number,
  folds: number,
  fold: number,
  unit: string,
): { start: number; end: number } {
  if (folds > 1) {
    if (folds > count) {
      throw new SamebikeError(
        `${folds} folds need at least ${folds} ${unit}, got ${count}`,
        'use fewer folds',
      );
    }
    return {
      start: Math.floor((fold * count) / folds),
      end: Math.floor(((fold + 1) * count) / folds),
    };
  }
  const held = Math.min(count - 1, Math.max(1, Math.round(validationSize * count)));
  return { start: 0, end: held };
}

/** The indices i (increasing) where flags[i] === value. */
function select(flags: Uint8Array, value: number): Int32Array {
  let count = 0;
  for (let i = 0; i < flags.length; i++) if (flags[i] === value) count++;
  const out = new Int32Array(count);
  let next = 0;
  for (let i = 0; i < flags.length; i++) if (flags[i] === value) out[next++] = i;
  return out;
}
