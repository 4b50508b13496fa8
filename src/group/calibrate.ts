/**
 * Calibration of the grouping threshold on labelled, held-out embeddings (labels = ad ids).
 *
 * Every pair in the k-NN lists is a prediction "same label" once its similarity reaches the
 * threshold. Sweeping the threshold from the top gives the pairwise precision–recall curve:
 * precision over the listed pairs at or above the threshold, recall against all positive pairs
 * of the labels (pairs never listed can never be found, so recall tops out below 1 when labels
 * have more photos than k).
 *
 * Choosing the threshold: the lowest threshold whose smoothed precision reaches the target.
 * Raw precision jumps about among the first few pairs (one unlucky negative at the top), so it is
 * smoothed by isotonic regression (pool adjacent violators; Barlow et al. 1972, as in Zadrozny &
 * Elkan 2002, https://doi.org/10.1145/775047.775151): the rate of same-label pairs is fitted as a
 * non-decreasing function of similarity, and the smoothed precision at a threshold is the mean
 * fitted rate of the pairs above it. It is monotone in the threshold, equals the raw precision
 * wherever a pooled block ends, and so the chosen threshold is unique and stable.
 *
 * Note that positives are "same ad": two ads of the same bike (a repost) count as negatives, so
 * precision is underestimated where reposts are common.
 *
 * `calibrateAdThreshold` does the same for grouping ads, on made-up reposts (each ad split in two).
 */
import { SamebikeError, invalidParameter } from '../util/errors.js';
import { warn } from '../util/log.js';
import { adSimilarityGraph, type AdSimilarityOptions } from './ads.js';
import { buildSimilarityGraph, type KnnLists } from './graph.js';
import { checkLength, encodeLabels, type LabelArray } from './labels.js';

/** Options of `calibrateThreshold`. */
export interface CalibrationOptions {
  /** Pairwise precision the threshold must reach; default 0.95, usual range 0.8–0.99. */
  targetPrecision?: number;
  /** Most points kept in the returned curve (for plots); default 200. */
  maxCurvePoints?: number;
}

/** One point of the pairwise precision–recall curve. */
export interface CalibrationPoint {
  /** Cosine similarity: pairs at or above it are predicted "same". */
  threshold: number;
  /** Fraction of listed pairs at or above the threshold that share a label. */
  precision: number;
  /** Fraction of all same-label pairs that are listed at or above the threshold. */
  recall: number;
  /** Precision after isotonic smoothing (monotone in the threshold). */
  smoothedPrecision: number;
}

/** Result of `calibrateThreshold`. */
export interface Calibration {
  /** The chosen threshold (a similarity that occurs among the pairs). */
  threshold: number;
  /** Raw pairwise precision at the chosen threshold. */
  precision: number;
  /** Pairwise recall at the chosen threshold. */
  recall: number;
  /** Smoothed precision at the chosen threshold (≥ the target when `reached`). */
  smoothedPrecision: number;
  /** Pairs at or above the chosen threshold: the sample its precision is measured on. */
  predictedPairs: number;
  /**
   * 90 % Wilson interval of the precision at the chosen threshold (see `wilsonInterval`): how far
   * the precision on other photos may stray when few pairs were predicted.
   */
  precisionInterval: [number, number];
  /**
   * false when no threshold reaches the target; the threshold then has the highest smoothed
   * precision that any threshold reaches, and a warning is logged.
   */
  reached: boolean;
  /** Pairs the curve runs over: photo pairs in the k-NN lists (ad pairs for ads). */
  pairs: number;
  /** Positive pairs in all, listed or not (the recall denominator). */
  positivePairs: number;
  /** The curve from the highest threshold down, thinned to at most `maxCurvePoints` points. */
  curve: CalibrationPoint[];
}

function checkOptions(options: CalibrationOptions): { target: number; maxPoints: number } {
  const target = options.targetPrecision ?? 0.95;
  if (typeof target !== 'number' || !(target > 0 && target <= 1)) {
    invalidParameter('targetPrecision', 'a fraction in (0, 1], usually 0.8–0.99', target);
  }
  const maxPoints = options.maxCurvePoints ?? 200;
  if (!Number.isInteger(maxPoints) || maxPoints < 2) {
    invalidParameter('maxCurvePoints', 'an integer ≥ 2', maxPoints);
  }
  return { target, maxPoints };
}

/**
 * Finds the lowest similarity threshold whose smoothed pairwise precision reaches the target,
 * for grouping photos.
 *
 * @param knn k-NN lists of the held-out photos.
 * @param labels label of each photo (its ad id).
 * @example
 * const { threshold, precision, recall } = calibrateThreshold(knn, adIds, { targetPrecision: 0.95 });
 */
export function calibrateThreshold(
  knn: KnnLists,
  labels: LabelArray,
  options: CalibrationOptions = {},
): Calibration {
  const { target, maxPoints } = checkOptions(options);
  const graph = buildSimilarityGraph(knn);
  checkLength(labels, graph.n, 'labels', 'photos in the k-NN lists');
  const { codes, sizes } = encodeLabels(labels, 'labels');

  let positivePairs = 0;
  for (const size of sizes) positivePairs += (size * (size - 1)) / 2;
  if (positivePairs === 0) {
    throw new SamebikeError(
      'labels: no two photos share a label, so there are no positive pairs to calibrate on',
      'calibrate on held-out ads with at least two photos each',
    );
  }
  if (graph.sources.length === 0) {
    throw new SamebikeError('knn: the lists hold no pairs of distinct photos to calibrate on');
  }
  const same = new Uint8Array(graph.sources.length);
  for (let e = 0; e < same.length; e++) {
    same[e] = codes[graph.sources[e]] === codes[graph.targets[e]] ? 1 : 0;
  }
  return calibrateOnPairs(graph.similarities, same, positivePairs, target, maxPoints);
}

/** Options of `calibrateAdThreshold`: the calibration's and the ad similarity's. */
export interface AdCalibrationOptions extends CalibrationOptions, AdSimilarityOptions {}

/**
 * Finds the threshold for grouping ads (`groupAds`) on labelled photos without known reposts,
 * by making reposts: each ad with two or more photos is split into two halves (its photos taken
 * alternately), which become two ads that show the same bike; halves of different ads are
 * different bikes. The pairwise precision–recall curve over these ad pairs then chooses the
 * threshold as `calibrateThreshold` does for photos.
 *
 * Ad similarity aggregates the best photo matches and so runs higher than a single photo pair:
 * a photo threshold is too permissive for ads, hence this separate calibration. A half has about
 * half of its ad's photos, so real reposts (whole ads) match a little better than halves do.
 *
 * @param knn k-NN lists of the held-out photos.
 * @param labels ad id of each photo.
 * @param options target precision, curve size, and the ad similarity's `matches` and
 *   `missingSimilarity` (use the same values as for `groupAds`).
 */
export function calibrateAdThreshold(
  knn: KnnLists,
  labels: LabelArray,
  options: AdCalibrationOptions = {},
): Calibration {
  const { target, maxPoints } = checkOptions(options);
  const graph = buildSimilarityGraph(knn);
  checkLength(labels, graph.n, 'labels', 'photos in the k-NN lists');
  const { codes, sizes } = encodeLabels(labels, 'labels');

  // Half of each photo: photos of an ad alternate between halves 2·code and 2·code + 1.
  const seen = new Int32Array(sizes.length);
  const half = new Int32Array(codes.length);
  const halfSizes = new Int32Array(2 * sizes.length);
  for (let i = 0; i < codes.length; i++) {
    half[i] = 2 * codes[i] + (seen[codes[i]]++ % 2);
    halfSizes[half[i]]++;
  }
  let positivePairs = 0;
  for (const size of sizes) if (size >= 2) positivePairs++;
  if (positivePairs === 0) {
    throw new SamebikeError(
      'labels: no ad has two photos, so no ad can be split into a made-up repost',
      'calibrate on held-out ads with at least two photos each',
    );
  }
  const adGraph = adSimilarityGraph(graph, half, halfSizes, options);
  if (adGraph.sources.length === 0) {
    throw new SamebikeError('knn: the lists hold no pairs of photos from different ad halves');
  }
  const same = new Uint8Array(adGraph.sources.length);
  for (let e = 0; e < same.length; e++) {
    same[e] = adGraph.sources[e] >> 1 === adGraph.targets[e] >> 1 ? 1 : 0;
  }
  return calibrateOnPairs(adGraph.similarities, same, positivePairs, target, maxPoints);
}

/**
 * The calibration proper, on a list of pairs: their similarities, whether each is a positive,
 * and the number of positives in all (listed or not, the recall denominator).
 */
function calibrateOnPairs(
  similarities: Float32Array,
  same: Uint8Array,
  positivePairs: number,
  target: number,
  maxPoints: number,
): Calibration {
  const pairs = similarities.length;
  // Similarities of positive and negative pairs, each sorted from the highest down.
  let positiveCount = 0;
  for (let e = 0; e < pairs; e++) positiveCount += same[e];
  const positive = new Float32Array(positiveCount);
  const negative = new Float32Array(pairs - positiveCount);
  let p = 0;
  let q = 0;
  for (let e = 0; e < pairs; e++) {
    if (same[e]) positive[p++] = similarities[e];
    else negative[q++] = similarities[e];
  }
  positive.sort().reverse();
  negative.sort().reverse();

  // One point per distinct similarity: the pairs added when the threshold drops to it.
  const thresholds: number[] = [];
  const addedPositive: number[] = [];
  const addedNegative: number[] = [];
  p = 0;
  q = 0;
  while (p < positive.length || q < negative.length) {
    const v = Math.max(
      p < positive.length ? positive[p] : -Infinity,
      q < negative.length ? negative[q] : -Infinity,
    );
    let tp = 0;
    let fp = 0;
    while (p < positive.length && positive[p] === v) {
      p++;
      tp++;
    }
    while (q < negative.length && negative[q] === v) {
      q++;
      fp++;
    }
    thresholds.push(v);
    addedPositive.push(tp);
    addedNegative.push(fp);
  }

  const fitted = isotonicRates(addedPositive, addedNegative);
  const count = thresholds.length;
  const precision = new Float64Array(count);
  const smoothed = new Float64Array(count);
  const recall = new Float64Array(count);
  // Pairs at or above each threshold, and how many of them are positive.
  const predicted = new Float64Array(count);
  const truePairs = new Float64Array(count);
  let tp = 0;
  let total = 0;
  let fittedSum = 0;
  for (let j = 0; j < count; j++) {
    const w = addedPositive[j] + addedNegative[j];
    tp += addedPositive[j];
    total += w;
    fittedSum += fitted[j] * w;
    predicted[j] = total;
    truePairs[j] = tp;
    precision[j] = tp / total;
    smoothed[j] = Math.min(1, fittedSum / total);
    recall[j] = tp / positivePairs;
  }

  // Smoothed precision does not increase as the threshold drops: take the last point that
  // reaches the target, or else the last point of the top plateau.
  let chosen = -1;
  for (let j = 0; j < count; j++) if (smoothed[j] >= target - 1e-12) chosen = j;
  const reached = chosen >= 0;
  if (!reached) {
    chosen = 0;
    while (chosen + 1 < count && smoothed[chosen + 1] >= smoothed[0] - 1e-12) chosen++;
    warn(
      `calibration: no threshold reaches pairwise precision ${target}; the best is ` +
        `${smoothed[0].toFixed(3)} at threshold ${thresholds[chosen].toFixed(4)}`,
    );
  }

  const curve: CalibrationPoint[] = [];
  const points = Math.min(count, maxPoints);
  for (let i = 0; i < points; i++) {
    const j = points === 1 ? 0 : Math.round((i * (count - 1)) / (points - 1));
    curve.push({
      threshold: thresholds[j],
      precision: precision[j],
      recall: recall[j],
      smoothedPrecision: smoothed[j],
    });
  }
  return {
    threshold: thresholds[chosen],
    precision: precision[chosen],
    recall: recall[chosen],
    smoothedPrecision: smoothed[chosen],
    predictedPairs: predicted[chosen],
    precisionInterval: wilsonInterval(truePairs[chosen], predicted[chosen]),
    reached,
    pairs,
    positivePairs,
    curve,
  };
}

/** How far below the target precision a calibration's 90 % interval may reach. */
export const PRECISION_MARGIN = 0.05;

/**
 * Whether a calibration rests on too few predicted pairs to promise its target: the 90 % interval
 * of its precision reaches more than `PRECISION_MARGIN` below the target.
 */
export function precisionMayFallShort(
  calibration: Pick<Calibration, 'precisionInterval'>,
  target: number,
): boolean {
  return calibration.precisionInterval[0] < target - PRECISION_MARGIN;
}

/**
 * Wilson score interval of a proportion (Wilson 1927, https://doi.org/10.2307/2276774): the
 * range of true rates that `successes` out of `trials` is consistent with. z = 1.645 gives a
 * two-sided 90 % interval; unlike p ± z·√(p(1−p)/n) it stays inside [0, 1] and is not empty
 * at p = 1. Pairs that share a photo are not independent, so for precision it is a guide to the
 * sample's size rather than an exact coverage.
 *
 * @example
 * wilsonInterval(15, 16); // [0.763, 0.986]: 15 of 16 predicted pairs right
 */
export function wilsonInterval(successes: number, trials: number, z = 1.645): [number, number] {
  if (!(trials > 0)) return [0, 1];
  const p = successes / trials;
  const z2 = (z * z) / trials;
  const centre = (p + z2 / 2) / (1 + z2);
  const half = (z * Math.sqrt((p * (1 - p)) / trials + z2 / (4 * trials))) / (1 + z2);
  return [Math.max(0, centre - half), Math.min(1, centre + half)];
}

/**
 * Isotonic regression by pool adjacent violators: given, per point from the highest similarity
 * down, the number of positive and negative pairs, fits same-label rates that never increase
 * down the list, minimising the pair-weighted squared error. Returns the fitted rate per point.
 */
export function isotonicRates(positives: number[], negatives: number[]): Float64Array {
  const count = positives.length;
  const blockPositive: number[] = [];
  const blockWeight: number[] = [];
  const blockEnd: number[] = [];
  for (let j = 0; j < count; j++) {
    let pos = positives[j];
    let weight = positives[j] + negatives[j];
    // A later (lower-similarity) block may not have a higher rate than the one before it.
    while (
      blockWeight.length > 0 &&
      blockPositive[blockPositive.length - 1] * weight <= pos * blockWeight[blockWeight.length - 1]
    ) {
      pos += blockPositive.pop() as number;
      weight += blockWeight.pop() as number;
      blockEnd.pop();
    }
    blockPositive.push(pos);
    blockWeight.push(weight);
    blockEnd.push(j);
  }
  const fitted = new Float64Array(count);
  let j = 0;
  for (let b = 0; b < blockEnd.length; b++) {
    const rate = blockWeight[b] > 0 ? blockPositive[b] / blockWeight[b] : 0;
    for (; j <= blockEnd[b]; j++) fitted[j] = rate;
  }
  return fitted;
}
