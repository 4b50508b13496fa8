/**
 * How good a grouping is, against known labels.
 *
 * - Pairwise precision, recall and F1: over all pairs of photos, "same group" as a prediction of
 *   "same label". Counted from the contingency table of groups × labels (Σ C(n_ij, 2) and the
 *   row and column sums), so O(n) rather than O(n²).
 * - Adjusted Rand index (Hubert & Arabie 1985, https://doi.org/10.1007/BF01908075): the Rand
 *   index corrected for chance; 1 for identical partitions, about 0 for random ones, negative
 *   when worse than chance.
 * - For the within-ad check: precision and recall of the flagged photos against photos known to
 *   be foreign, with `injectForeignPhotos` to make such a test set from clean labels.
 */
import { invalidParameter, SamebikeError } from '../util/errors.js';
import { createRandom, randomInt } from '../util/rng.js';
import { encodeLabels, type LabelArray } from './labels.js';

/** Pair counts of a clustering against labels. */
export interface PairCounts {
  /** Pairs in the same group and with the same label. */
  truePositives: number;
  /** Pairs in the same group (predicted positives). */
  predictedPairs: number;
  /** Pairs with the same label (actual positives). */
  labelPairs: number;
  /** All pairs, C(n, 2). */
  totalPairs: number;
}

/** Pairwise scores; see `pairwiseScores`. */
export interface PairwiseScores {
  precision: number;
  recall: number;
  f1: number;
}

const pairsOf = (size: number): number => (size * (size - 1)) / 2;

/**
 * Counts pairs from the contingency table of `groups` × `labels` (any label values; n entries
 * each).
 */
export function pairCounts(groups: LabelArray, labels: LabelArray): PairCounts {
  if (groups.length !== labels.length) {
    throw new SamebikeError(
      `groups has ${groups.length} entries and labels ${labels.length}; expected one each per photo`,
    );
  }
  const g = encodeLabels(groups, 'groups');
  const l = encodeLabels(labels, 'labels');
  const cells = new Map<number, number>();
  const width = l.names.length;
  for (let i = 0; i < groups.length; i++) {
    const key = g.codes[i] * width + l.codes[i];
    cells.set(key, (cells.get(key) ?? 0) + 1);
  }
  let truePositives = 0;
  for (const size of cells.values()) truePositives += pairsOf(size);
  let predictedPairs = 0;
  for (const size of g.sizes) predictedPairs += pairsOf(size);
  let labelPairs = 0;
  for (const size of l.sizes) labelPairs += pairsOf(size);
  return { truePositives, predictedPairs, labelPairs, totalPairs: pairsOf(groups.length) };
}

/**
 * Pairwise precision (same-group pairs that share a label), recall (same-label pairs put in one
 * group) and their harmonic mean F1. Precision is 1 when no pair is grouped, recall is 1 when no
 * two photos share a label (nothing was claimed wrongly, nothing was missed).
 */
export function pairwiseScores(groups: LabelArray, labels: LabelArray): PairwiseScores {
  const c = pairCounts(groups, labels);
  const precision = c.predictedPairs > 0 ? c.truePositives / c.predictedPairs : 1;
  const recall = c.labelPairs > 0 ? c.truePositives / c.labelPairs : 1;
  const f1 = precision + recall > 0 ? (2 * precision * recall) / (precision + recall) : 0;
  return { precision, recall, f1 };
}

/**
 * Adjusted Rand index between a grouping and labels (symmetric in its two arguments):
 * (Σ C(n_ij,2) − E) / (½(Σ C(a_i,2) + Σ C(b_j,2)) − E), with E = Σ C(a_i,2) · Σ C(b_j,2) / C(n,2).
 * Returns 1 when the denominator is 0 (both partitions are all singletons or one group each, as
 * scikit-learn does).
 */
export function adjustedRandIndex(groups: LabelArray, labels: LabelArray): number {
  const c = pairCounts(groups, labels);
  if (c.totalPairs === 0) return 1;
  const expected = (c.predictedPairs * c.labelPairs) / c.totalPairs;
  const maximum = (c.predictedPairs + c.labelPairs) / 2;
  if (maximum === expected) return 1;
  return (c.truePositives - expected) / (maximum - expected);
}

/** A test set for the within-ad check: labels with some photos moved into other ads. */
export interface ForeignInjection<T> {
  /** The new labels: equal to the input except at the moved photos. */
  labels: T[];
  /** 1 for each photo moved into an ad that is not its own (a foreign photo), else 0. */
  foreign: Uint8Array;
}

/**
 * Moves round(rate · n) photos, drawn at random, each into a different ad drawn at random, so
 * that those photos become foreign to the ad they now sit in. Only photos whose ad keeps at least
 * two of its own photos are moved, and only into ads with at least two photos of their own, so
 * every foreign photo has real photos to be compared with. Deterministic for a given seed.
 *
 * @param labels ad id of each photo.
 * @param rate fraction of photos to move, in [0, 0.5]; usually 0.05–0.2.
 * @param seed seed of the random draws.
 */
export function injectForeignPhotos<T extends string | number>(
  labels: readonly T[],
  rate: number,
  seed: number,
): ForeignInjection<T> {
  if (typeof rate !== 'number' || !(rate >= 0 && rate <= 0.5)) {
    invalidParameter('rate', 'a fraction in [0, 0.5], usually 0.05–0.2', rate);
  }
  if (!Number.isInteger(seed)) invalidParameter('seed', 'an integer', seed);
  const { codes, names, sizes } = encodeLabels(labels, 'labels');
  const n = labels.length;
  const random = createRandom(seed);
  const wanted = Math.round(rate * n);
  const remaining = Int32Array.from(sizes);
  const hosts: number[] = [];
  for (let a = 0; a < sizes.length; a++) if (sizes[a] >= 2) hosts.push(a);

  const order: number[] = [];
  for (let i = 0; i < n; i++) order.push(i);
  for (let i = n - 1; i > 0; i--) {
    const j = randomInt(random, i + 1);
    [order[i], order[j]] = [order[j], order[i]];
  }

  const result = labels.slice() as T[];
  const foreign = new Uint8Array(n);
  let moved = 0;
  for (const i of order) {
    if (moved === wanted) break;
    const own = codes[i];
    if (remaining[own] <= 2 || hosts.length < 2) continue;
    let host = hosts[randomInt(random, hosts.length - 1)];
    if (host === own) host = hosts[hosts.length - 1];
    remaining[own]--;
    result[i] = names[host] as T;
    foreign[i] = 1;
    moved++;
  }
  if (moved < wanted) {
    throw new SamebikeError(
      `injectForeignPhotos: could move only ${moved} of ${wanted} photos (rate ${rate}); ` +
        'too few ads keep two photos of their own',
      'use a lower rate or a set with more photos per ad',
    );
  }
  return { labels: result, foreign };
}

/** Precision, recall and F1 of flagged photos against the known foreign ones. */
export interface FlagScores extends PairwiseScores {
  /** Photos flagged. */
  flagged: number;
  /** Photos that are foreign. */
  foreign: number;
  /** Photos both flagged and foreign. */
  caught: number;
}

/**
 * Scores the within-ad flags: precision = caught / flagged (1 when nothing is flagged), recall
 * = caught / foreign (1 when nothing is foreign).
 *
 * @param flags 1 (or true) for each flagged photo.
 * @param foreign 1 (or true) for each photo known to be foreign.
 */
export function flagScores(
  flags: ArrayLike<number | boolean>,
  foreign: ArrayLike<number | boolean>,
): FlagScores {
  if (flags.length !== foreign.length) {
    throw new SamebikeError(
      `flags has ${flags.length} entries and foreign ${foreign.length}; expected one each per photo`,
    );
  }
  let flagged = 0;
  let known = 0;
  let caught = 0;
  for (let i = 0; i < flags.length; i++) {
    const f = Boolean(flags[i]);
    const x = Boolean(foreign[i]);
    if (f) flagged++;
    if (x) known++;
    if (f && x) caught++;
  }
  const precision = flagged > 0 ? caught / flagged : 1;
  const recall = known > 0 ? caught / known : 1;
  const f1 = precision + recall > 0 ? (2 * precision * recall) / (precision + recall) : 0;
  return { precision, recall, f1, flagged, foreign: known, caught };
}
