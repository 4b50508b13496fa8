/**
 * The check within each ad: which of an ad's photos show the same bike, and which do not fit (a
 * different bike, a stock picture, a photo of the receipt). An ad has few photos, so every pair
 * inside it is compared exactly from the embeddings; no k-NN lists are needed.
 *
 * Per photo, a score: its median (or mean) cosine similarity to the ad's other photos. The median
 * is the default because it ignores the odd photos themselves: in an ad of five photos of one
 * bike and one stock picture, every bike photo keeps a high median, the stock picture a low one.
 * A photo is flagged when its score is below the threshold.
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

/** Most photos one ad may have: the check compares all pairs (2000 photos: 2 million pairs). */
export const MAX_AD_PHOTOS = 2000;

/** How a photo's score summarises its similarities to the other photos of its ad. */
export type WithinAdScore = 'median' | 'mean';

/** Options of `checkWithinAds`. */
export interface WithinAdOptions {
  /** Photos scoring below this are flagged; also the grouping threshold. Cosine, usually 0.5–0.9. */
  threshold: number;
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
      flag[photos[x]] = value < threshold ? 1 : 0;
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
