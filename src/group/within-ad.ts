/**
 * The check within each ad: which of an ad's photos show the same bike, and which do not fit (a
 * different bike, a stock picture, a photo of the receipt). An ad has few photos, so every pair
 * inside it is compared exactly from the embeddings; no k-NN lists are needed.
 *
 * Per photo, a score: its median (or mean) cosine similarity to the ad's other photos. The median
 * is the default because it ignores the odd photos themselves: in an ad of five photos of one
 * bike and one stock picture, every bike photo keeps a high median, the stock picture a low one.
 * A photo is flagged when its score is below the flag threshold. That is not the grouping
 * threshold: grouping asks "surely the same bike?" (a high similarity, calibrated for pairwise
 * precision), flagging asks "surely not?" (a low one). `calibrateFlagThreshold` sets it from
 * labelled ads: the score below which only a chosen share of genuine photos fall.
 *
 * Known limits: a photo alone in its ad has nothing to be compared with; it scores 1 and is never
 * flagged. In an ad of two photos that disagree, both are flagged, since nothing tells which one
 * is foreign. An ad whose photos are mostly foreign flags its real bike instead.
 */
import { SamebikeError, invalidParameter } from '../util/errors.js';
import type { Matrix } from '../util/npy.js';
import { checkEmbeddings } from '../retrieval/rank.js';
import { averageLinkage, graphFromEdges } from './graph.js';
import { checkLength, encodeLabels } from './labels.js';
import { flagScores, injectForeignPhotos } from './metrics.js';

/** Most photos one ad may have: the check compares all pairs (2000 photos: 2 million pairs). */
export const MAX_AD_PHOTOS = 2000;

/** How a photo's score summarises its similarities to the other photos of its ad. */
export type WithinAdScore = 'median' | 'mean';

/** Options of `checkWithinAds`. */
export interface WithinAdOptions {
  /** Grouping threshold of the ad's photos. Cosine, usually 0.5–0.9. */
  threshold: number;
  /** Photos scoring below this are flagged. Default: `threshold`. Usually 0.2–0.6. */
  flagThreshold?: number;
  /** 'median' (default, robust to the foreign photos themselves) or 'mean'. */
  score?: WithinAdScore;
}

/** Result of `checkWithinAds`, one entry per photo in every array. */
export interface WithinAdCheck {
  /** Median (or mean) similarity to the other photos of the same ad; 1 for a lone photo. */
  score: Float32Array;
  /** 1 when the score is below the threshold (the photo does not fit its ad), else 0. */
  flag: Uint8Array;
  /**
   * Group of photos showing the same bike, never spanning two ads; numbered over all ads from 0
   * in photo order. Average linkage of the ad's complete similarity matrix at the threshold.
   */
  group: Int32Array;
  /** Rank of the photo's group within its ad: 0 = the ad's largest group (its main bike). */
  adGroup: Int32Array;
  /** Number of groups over all ads. */
  groupCount: number;
}

function dot(data: Float32Array, cols: number, i: number, j: number): number {
  let s = 0;
  const a = i * cols;
  const b = j * cols;
  for (let p = 0; p < cols; p++) s += data[a + p] * data[b + p];
  return s;
}

/** Median of the first `count` values (sorted in place); the mean of the middle two when even. */
function median(values: Float64Array, count: number): number {
  const sorted = values.subarray(0, count).sort();
  const middle = count >> 1;
  return count % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

/**
 * Scores, flags and groups the photos of each ad.
 *
 * @param embeddings L2-normalised embeddings, one row per photo.
 * @param ads ad id of each photo.
 * @example
 * const check = checkWithinAds(embeddings, adIds, { threshold: 0.7 });
 * // check.flag[i] === 1: photo i does not fit the other photos of its ad
 */
export function checkWithinAds(
  embeddings: Matrix,
  ads: readonly string[],
  options: WithinAdOptions,
): WithinAdCheck {
  const threshold = options.threshold;
  if (typeof threshold !== 'number' || !Number.isFinite(threshold)) {
    invalidParameter('threshold', 'a finite cosine similarity, usually 0.5–0.9', threshold);
  }
  const flagThreshold = options.flagThreshold ?? threshold;
  if (typeof flagThreshold !== 'number' || !Number.isFinite(flagThreshold)) {
    invalidParameter('flagThreshold', 'a finite cosine similarity, usually 0.2–0.6', flagThreshold);
  }
  const method = options.score ?? 'median';
  if (method !== 'median' && method !== 'mean') {
    invalidParameter('score', "'median' or 'mean'", method);
  }
  checkEmbeddings(embeddings, 'embeddings');
  const n = embeddings.rows;
  checkLength(ads, n, 'ads', 'embedding rows');
  const encoded = encodeLabels(ads, 'ads');
  const { codes, sizes } = encoded;
  const { cols, data } = embeddings;
  for (let a = 0; a < sizes.length; a++) {
    if (sizes[a] > MAX_AD_PHOTOS) {
      const ad = String(encoded.names[a]);
      throw new SamebikeError(
        `ads: ad "${ad}" has ${sizes[a]} photos; the within-ad check compares every pair of an ` +
          `ad's photos and accepts at most ${MAX_AD_PHOTOS} per ad`,
        'to group a large set of photos without ad ids, use photo-level grouping instead',
      );
    }
  }

  // Photos of each ad, in photo order.
  const start = new Int32Array(sizes.length + 1);
  for (let a = 0; a < sizes.length; a++) start[a + 1] = start[a] + sizes[a];
  const members = new Int32Array(n);
  const fill = start.slice(0, sizes.length);
  for (let i = 0; i < n; i++) members[fill[codes[i]]++] = i;

  let pairCount = 0;
  for (let a = 0; a < sizes.length; a++) pairCount += (sizes[a] * (sizes[a] - 1)) / 2;
  const sources = new Int32Array(pairCount);
  const targets = new Int32Array(pairCount);
  const similarities = new Float32Array(pairCount);
  const score = new Float32Array(n);
  const flag = new Uint8Array(n);
  let largest = 0;
  for (let a = 0; a < sizes.length; a++) largest = Math.max(largest, sizes[a]);
  const row = new Float64Array(largest * largest);
  const others = new Float64Array(largest);

  let e = 0;
  for (let a = 0; a < sizes.length; a++) {
    const m = sizes[a];
    const photos = members.subarray(start[a], start[a + 1]);
    for (let x = 0; x < m; x++) {
      for (let y = x + 1; y < m; y++) {
        const s = dot(data, cols, photos[x], photos[y]);
        row[x * m + y] = s;
        row[y * m + x] = s;
        sources[e] = photos[x];
        targets[e] = photos[y];
        similarities[e] = s;
        e++;
      }
    }
    for (let x = 0; x < m; x++) {
      if (m === 1) {
        score[photos[x]] = 1;
        continue;
      }
      let count = 0;
      let sum = 0;
      for (let y = 0; y < m; y++) {
        if (y === x) continue;
        others[count++] = row[x * m + y];
        sum += row[x * m + y];
      }
      const value = method === 'median' ? median(others, count) : sum / count;
      score[photos[x]] = value;
      // From the stored float32 score, so that a threshold taken from the scores flags exactly
      // the photos below it.
      flag[photos[x]] = score[photos[x]] < flagThreshold ? 1 : 0;
    }
  }

  const { labels, groupCount } = averageLinkage(graphFromEdges(n, sources, targets, similarities), {
    threshold,
  });

  // Rank each ad's groups by size (largest first, ties to the group met first).
  const groupSize = new Int32Array(groupCount);
  for (let i = 0; i < n; i++) groupSize[labels[i]]++;
  const adGroup = new Int32Array(n);
  const rank = new Int32Array(groupCount);
  for (let a = 0; a < sizes.length; a++) {
    const photos = members.subarray(start[a], start[a + 1]);
    const groups: number[] = [];
    for (const i of photos) if (!groups.includes(labels[i])) groups.push(labels[i]);
    groups.sort((g, h) => groupSize[h] - groupSize[g] || g - h);
    groups.forEach((g, r) => (rank[g] = r));
    for (const i of photos) adGroup[i] = rank[labels[i]];
  }
  return { score, flag, group: labels, adGroup, groupCount };
}

/** Options of `calibrateFlagThreshold`. */
export interface FlagCalibrationOptions {
  /** Share of genuine photos (in ads of two or more) that may be flagged. Default 0.05. */
  falseFlagRate?: number;
  /** Share of photos moved into other ads to measure the flags' precision and recall. Default 0.1. */
  foreignRate?: number;
  /** Seed of the moves. Default 1. */
  seed?: number;
}

/** Result of `calibrateFlagThreshold`. */
export interface FlagCalibration {
  /** Photos whose within-ad score is below this are flagged. */
  threshold: number;
  /** The false-flag rate asked for. */
  falseFlagRate: number;
  /** Genuine photos the threshold was chosen on, and foreign photos it was checked with. */
  genuinePhotos: number;
  foreignPhotos: number;
  /** Of the flagged photos, the share that were foreign; of the foreign photos, the share flagged. */
  precision: number;
  recall: number;
}

/**
 * Chooses the flag threshold on labelled photos (held-out ads): moves a share of photos into
 * other ads (`injectForeignPhotos`), scores every photo within its ad as `checkWithinAds` does,
 * and takes the score below which at most `falseFlagRate` of the genuine photos fall. The same
 * moved photos give the flags' precision and recall at that threshold.
 *
 * @param embeddings L2-normalised embeddings, one row per photo.
 * @param ads ad id of each photo (ads of one photo are left out: they have nothing to compare).
 * @example
 * const { threshold } = calibrateFlagThreshold(heldOut, adIds, { falseFlagRate: 0.05 });
 */
export function calibrateFlagThreshold(
  embeddings: Matrix,
  ads: readonly string[],
  options: FlagCalibrationOptions = {},
): FlagCalibration {
  const falseFlagRate = options.falseFlagRate ?? 0.05;
  if (typeof falseFlagRate !== 'number' || !(falseFlagRate >= 0 && falseFlagRate < 1)) {
    invalidParameter('falseFlagRate', 'a fraction in [0, 1), usually 0.01–0.1', falseFlagRate);
  }
  const injection = injectForeignPhotos(ads, options.foreignRate ?? 0.1, options.seed ?? 1);
  const check = checkWithinAds(embeddings, injection.labels, { threshold: 1 });
  const { codes, sizes } = encodeLabels(injection.labels, 'ads');
  const genuine: number[] = [];
  for (let i = 0; i < check.score.length; i++) {
    if (!injection.foreign[i] && sizes[codes[i]] > 1) genuine.push(check.score[i]);
  }
  if (genuine.length === 0) {
    throw new SamebikeError(
      'ads: no ad has two or more photos, so no within-ad score can calibrate the flags',
      'calibrate on held-out ads with several photos each',
    );
  }
  genuine.sort((a, b) => a - b);
  const threshold =
    genuine[Math.min(genuine.length - 1, Math.floor(falseFlagRate * genuine.length))];
  const flags = Uint8Array.from(check.score, (v) => (v < threshold ? 1 : 0));
  const scores = flagScores(flags, injection.foreign);
  return {
    threshold,
    falseFlagRate,
    genuinePhotos: genuine.length,
    foreignPhotos: scores.foreign,
    precision: scores.precision,
    recall: scores.recall,
  };
}
