/**
 * The `group` job: which photos show the same bike. The photos are embedded and put in a search
 * index (`runIndexAdd`), each photo's k nearest neighbours come from the index, and the grouping
 * functions of src/group run on those lists:
 *
 * - with ad ids: groups of ads that show the same bike (reposts, duplicates; `groupAds`) and the
 *   check within each ad of which photos belong together and which do not fit (`checkWithinAds`);
 * - without: groups of photos, one per bike (`groupPhotos`).
 *
 * Both clusterings (connected components and average linkage) are always run, so that the
 * metrics compare them; the chosen one is written to groups.csv and groups.json. Thresholds come
 * from the model's calibration (saved by `samebike train`) unless given.
 *
 * Evaluation: with the true bike of every photo (a truth column), pairwise precision, recall, F1
 * and the adjusted Rand index of photo groups and of ad groups, for both clusterings; with
 * `injectForeign`, photos are moved into other ads on purpose and the flags of the within-ad check
 * are scored against them.
 *
 * `groupEmbeddings` (k-NN lists and embeddings in, both clusterings out) is the part the grouping
 * benchmark (bench/group.ts) times on 100k photos.
 */
import { join, resolve } from 'node:path';
import type { DatasetItem } from '../data/dataset.js';
import { groupAds, type AdGrouping } from '../group/ads.js';
import {
  groupPhotos,
  type Clustering,
  type ClusteringMethod,
  type KnnLists,
} from '../group/graph.js';
import { encodeLabels, type LabelArray } from '../group/labels.js';
import {
  adjustedRandIndex,
  flagScores,
  injectForeignPhotos,
  pairwiseScores,
  type FlagScores,
} from '../group/metrics.js';
import { toGroupRows, writeGroups } from '../group/output.js';
import { checkWithinAds, type WithinAdCheck } from '../group/within-ad.js';
import type { OnBadImage } from '../image/bad-images.js';
import { openIndex, type EmbeddedIndex } from '../index/embedded.js';
import type { NeighborLists, ScalarKind } from '../index/store.js';
import { readCsv, writeCsv } from '../util/csv.js';
import { SamebikeError } from '../util/errors.js';
import { writeFileAtomic } from '../util/fs.js';
import { info } from '../util/log.js';
import type { Matrix } from '../util/npy.js';
import { checkIndexModel, indexExists, readIndexInfo, runIndexAdd } from './index.js';
import { embeddingModelId, type LoadedModel } from './model.js';

/** The two clusterings, in the order the metrics list them. */
export const CLUSTERINGS: readonly ClusteringMethod[] = ['components', 'average'];

// -------------------------------------------------------------------------------------------------
// k-NN lists from the index

/**
 * The k-NN lists of the given photos, taken from an index's lists of all its photos: row i
 * describes `imageIds[i]`, and neighbours stored in the index but not among `imageIds` are
 * dropped (the rest move up). With `embeddings` (row i for imageIds[i], L2-normalised), the
 * similarities are recomputed exactly and each row re-sorted: f16 and i8 graphs report
 * approximate ones.
 */
export function knnForPhotos(
  lists: NeighborLists,
  imageIds: readonly string[],
  embeddings?: Matrix,
): KnnLists {
  const { k } = lists;
  const photoOf = new Map<string, number>();
  imageIds.forEach((id, i) => photoOf.set(id, i));
  const photoOfRow = new Int32Array(lists.ids.length).fill(-1);
  const rowOfPhoto = new Int32Array(imageIds.length).fill(-1);
  lists.ids.forEach((id, row) => {
    const photo = photoOf.get(id);
    if (photo === undefined) return;
    photoOfRow[row] = photo;
    rowOfPhoto[photo] = row;
  });
  const missing = rowOfPhoto.indexOf(-1);
  if (missing >= 0) {
    throw new SamebikeError(`the index has no neighbour list for photo "${imageIds[missing]}"`);
  }

  const n = imageIds.length;
  const indices = new Int32Array(n * k).fill(-1);
  const similarities = new Float32Array(n * k);
  for (let i = 0; i < n; i++) {
    const row = rowOfPhoto[i];
    let slot = i * k;
    for (let p = row * k; p < (row + 1) * k; p++) {
      const neighbour = lists.indices[p];
      if (neighbour < 0) break;
      const j = photoOfRow[neighbour];
      if (j < 0) continue;
      indices[slot] = j;
      similarities[slot] = embeddings ? dot(embeddings, i, j) : lists.similarities[p];
      slot++;
    }
    if (embeddings) sortRow(indices, similarities, i * k, slot);
  }
  return { k, indices, similarities };
}

/**
 * The k-NN lists of the given photos from an index (see `knnForPhotos`); similarities are exact:
 * from the f32 graph, or recomputed from `embeddings` for f16 and i8 graphs.
 */
export async function photoNeighbors(
  index: EmbeddedIndex,
  imageIds: readonly string[],
  k: number,
  embeddings: Matrix,
): Promise<KnnLists> {
  const lists = await index.neighbors(k);
  return knnForPhotos(lists, imageIds, index.scalar === 'f32' ? undefined : embeddings);
}

function dot(m: Matrix, i: number, j: number): number {
  const { cols, data } = m;
  let s = 0;
  for (let a = i * cols, b = j * cols, end = a + cols; a < end; a++, b++) s += data[a] * data[b];
  return s;
}

/** Insertion sort of one row's slots [start, end): similarity down, ties to the smaller index. */
function sortRow(
  indices: Int32Array,
  similarities: Float32Array,
  start: number,
  end: number,
): void {
  for (let a = start + 1; a < end; a++) {
    const index = indices[a];
    const similarity = similarities[a];
    let b = a - 1;
    while (
      b >= start &&
      (similarities[b] < similarity || (similarities[b] === similarity && indices[b] > index))
    ) {
      indices[b + 1] = indices[b];
      similarities[b + 1] = similarities[b];
      b--;
    }
    indices[b + 1] = index;
    similarities[b + 1] = similarity;
  }
}

// -------------------------------------------------------------------------------------------------
// Grouping and its evaluation

/** What `groupEmbeddings` works on. */
export interface GroupingInput {
  /** k-NN lists of the photos (row i = photo i). */
  knn: KnnLists;
  /** L2-normalised embeddings, row i = photo i (the within-ad check compares them exactly). */
  embeddings: Matrix;
  /** Ad id of each photo; without, photos are grouped on their own. */
  ads?: readonly string[];
  /** Photo threshold: grouping photos and flagging photos that do not fit their ad. */
  threshold: number;
  /** Ad threshold: grouping ads; required with `ads`. */
  adThreshold?: number;
  /** Within-ad flag threshold: photos scoring below it do not fit their ad; default `threshold`. */
  flagThreshold?: number;
}

/** Both clusterings of the photos, and with ads both ad groupings and the within-ad check. */
export interface GroupingOutcome {
  /** Photo groups (ad ids ignored) by each clustering. */
  photos: Record<ClusteringMethod, Clustering>;
  /** Ad groups by each clustering, with ads. */
  ads?: Record<ClusteringMethod, AdGrouping>;
  /** The within-ad check, with ads. */
  check?: WithinAdCheck;
  /** Wall-clock seconds per step. */
  seconds: Record<string, number>;
}

/**
 * Groups photos (and ads, and checks within ads when ad ids are given) with both clusterings.
 *
 * @example
 * const outcome = groupEmbeddings({ knn, embeddings, ads, threshold: 0.7, adThreshold: 0.8 });
 * outcome.ads?.average.ads[0] // { ad: 'a1', group: 0, photos: 5, score: 0.91, match: 'a7' }
 */
export function groupEmbeddings(input: GroupingInput): GroupingOutcome {
  const seconds: Record<string, number> = {};
  const timed = <T>(name: string, run: () => T): T => {
    const start = performance.now();
    const value = run();
    seconds[name] = (performance.now() - start) / 1000;
    return value;
  };
  const { knn, embeddings, ads, threshold } = input;
  const photos = {} as Record<ClusteringMethod, Clustering>;
  for (const method of CLUSTERINGS) {
    photos[method] = timed(`photos_${method}`, () => groupPhotos(knn, { threshold, method }));
  }
  if (!ads) return { photos, seconds };
  const adThreshold = input.adThreshold;
  if (adThreshold === undefined) {
    throw new SamebikeError('grouping ads needs an ad threshold, none was given');
  }
  const adGroupings = {} as Record<ClusteringMethod, AdGrouping>;
  for (const method of CLUSTERINGS) {
    adGroupings[method] = timed(`ads_${method}`, () =>
      groupAds(knn, ads, { threshold: adThreshold, method }),
    );
  }
  const flagThreshold = input.flagThreshold;
  const check = timed('within_ad', () =>
    checkWithinAds(embeddings, ads, { threshold, flagThreshold }),
  );
  return { photos, ads: adGroupings, check, seconds };
}

/** Agreement of a grouping with the truth. */
export interface GroupScores {
  /** Number of groups. */
  groups: number;
  /** Pairwise precision: grouped pairs that show the same bike, 0–1. */
  precision: number;
  /** Pairwise recall: pairs of the same bike that were grouped, 0–1. */
  recall: number;
  f1: number;
  /** Adjusted Rand index: 1 = the truth, about 0 = chance. */
  ari: number;
}

/** Scores of both clusterings against the true bikes. */
export interface GroupingEvaluation {
  /** Photo groups (ad ids ignored) against each photo's bike. */
  photoGroups: Record<ClusteringMethod, GroupScores>;
  /**
   * Ad groups against each ad's bike (the bike most of its photos show), counted over pairs of
   * ads; `photos` counts the same grouping over pairs of photos (each photo in its ad's group).
   */
  adGroups?: Record<ClusteringMethod, GroupScores & { photos: GroupScores }>;
}

function scores(groups: LabelArray, truth: LabelArray, count: number): GroupScores {
  return { groups: count, ...pairwiseScores(groups, truth), ari: adjustedRandIndex(groups, truth) };
}

/**
 * The bike of each ad, in the order of `AdGrouping.ads` (first appearance): the truth most of
 * its photos carry, ties to the one met first.
 */
export function adTruth(ads: readonly string[], truth: readonly string[]): string[] {
  const { codes, names } = encodeLabels(ads, 'ads');
  const counts = names.map(() => new Map<string, number>());
  codes.forEach((code, i) => counts[code].set(truth[i], (counts[code].get(truth[i]) ?? 0) + 1));
  return counts.map((count) => {
    let best = '';
    let most = 0;
    for (const [bike, n] of count) {
      if (n > most) {
        best = bike;
        most = n;
      }
    }
    return best;
  });
}

/** Scores every grouping of `outcome` against the true bike of each photo. */
export function evaluateGrouping(
  outcome: GroupingOutcome,
  truth: readonly string[],
  ads?: readonly string[],
): GroupingEvaluation {
  const photoGroups = {} as GroupingEvaluation['photoGroups'];
  for (const method of CLUSTERINGS) {
    const { labels, groupCount } = outcome.photos[method];
    photoGroups[method] = scores(labels, truth, groupCount);
  }
  if (!outcome.ads || !ads) return { photoGroups };
  const bikes = adTruth(ads, truth);
  const adGroups = {} as NonNullable<GroupingEvaluation['adGroups']>;
  for (const method of CLUSTERINGS) {
    const grouping = outcome.ads[method];
    adGroups[method] = {
      ...scores(
        grouping.ads.map((a) => a.group),
        bikes,
        grouping.groupCount,
      ),
      photos: scores(grouping.photoGroups, truth, grouping.groupCount),
    };
  }
  return { photoGroups, adGroups };
}

// -------------------------------------------------------------------------------------------------
// The job

/**
 * Reads the true bike of every photo from a column of the labels CSV, keyed by the photo's image
 * name. Errors name the file, the line and the column.
 */
export function readTruthColumn(
  csv: string,
  column: string,
  photos: readonly DatasetItem[],
): Map<string, string> {
  const table = readCsv(csv);
  const at = table.header.indexOf(column);
  if (at < 0) {
    throw new SamebikeError(
      `${csv}: line 1: no truth column "${column}"; the header has columns ` +
        table.header.map((h) => `"${h}"`).join(', '),
      'name the column that holds the true bike id of each photo with --truth-column',
    );
  }
  const byLine = new Map(table.rows.map((row) => [row.line, row.cells]));
  const truth = new Map<string, string>();
  for (const photo of photos) {
    const cells = photo.row === undefined ? undefined : byLine.get(photo.row);
    const value = cells?.[at]?.trim() ?? '';
    if (value === '') {
      throw new SamebikeError(
        `${csv}: line ${photo.row ?? '?'}: empty truth cell for "${photo.image}" ` +
          `(column "${column}")`,
        'give the true bike id of every photo, or leave --truth-column out',
      );
    }
    truth.set(photo.image, value);
  }
  return truth;
}

export interface GroupJob {
  /** The photos; with labels (ad ids) ads are grouped and checked, without photos are grouped. */
  photos: DatasetItem[];
  model: LoadedModel;
  /** Output folder: groups.csv, groups.json, metrics.json (and the index, unless `index`). */
  out: string;
  /** The index to put the photos in; default OUT/index. */
  index?: string;
  /** Graph scalar kind of a new index. */
  scalar?: ScalarKind;
  /** Photo threshold; default the model's calibrated one. */
  threshold?: number;
  /** Ad threshold; default the model's calibrated one. */
  adThreshold?: number;
  /** Within-ad flag threshold; default the model's calibrated one, else the photo threshold. */
  flagThreshold?: number;
  /** The clustering written to the outputs; default the model's grouping.clustering. */
  clustering?: ClusteringMethod;
  /** True bike of each photo, by image name (see `readTruthColumn`), and the column's name. */
  truth?: { column: string; bikes: Map<string, string> };
  /** Move this share of photos into other ads on purpose, and score the within-ad flags. */
  injectForeign?: { rate: number; seed: number };
  workers?: number;
  onBadImage: OnBadImage;
  /** Photos per atomic index write. */
  batchSize?: number;
  cacheDir?: string;
}

/** Where a threshold came from. */
export interface UsedThreshold {
  value: number;
  /** 'model': the model's calibration; 'option': given by the caller. */
  from: 'model' | 'option';
}

/** The content of metrics.json. */
export interface GroupMetrics {
  photos: number;
  ads?: number;
  /** Photos left out because they could not be decoded. */
  skipped: number;
  /** Neighbours per photo in the similarity graph. */
  neighbors: number;
  /** The clustering written to groups.csv and groups.json. */
  clustering: ClusteringMethod;
  thresholds: { photo: UsedThreshold; ad?: UsedThreshold; flag?: UsedThreshold };
  /** Photo groups by each clustering (ad ids ignored). */
  photoGroups: Record<ClusteringMethod, number>;
  /** Ad groups by each clustering. */
  adGroups?: Record<ClusteringMethod, number>;
  /** Photos the within-ad check flags as not fitting their ad. */
  flagged?: number;
  evaluation?: GroupingEvaluation & { truthColumn: string };
  /** The within-ad flags against photos moved into other ads on purpose. */
  injected?: FlagScores & { rate: number; seed: number };
  /** Wall-clock seconds per step. */
  seconds?: Record<string, number>;
}

export interface GroupOutcome {
  out: string;
  index: string;
  metrics: GroupMetrics;
  files: { csv: string; json: string; metrics: string; injected?: string };
}

/** The thresholds of a run: the caller's, else the model's calibration, else an error. */
function chooseThresholds(
  job: GroupJob,
  withAds: boolean,
): { photo: UsedThreshold; ad?: UsedThreshold; flag?: UsedThreshold } {
  const grouping = job.model.grouping;
  const untrained = job.model.name === 'pretrained' ? ' (the pretrained backbone has none)' : '';
  const pick = (given: number | undefined, saved: number | undefined, option: string) => {
    if (given !== undefined) return { value: given, from: 'option' as const };
    if (saved !== undefined) return { value: saved, from: 'model' as const };
    throw new SamebikeError(
      `--model ${job.model.name}: no calibrated ${option === '--threshold' ? 'photo' : 'ad'} ` +
        `grouping threshold is saved with it${untrained}`,
      `pass ${option} (a cosine similarity, usually 0.5–0.9), or use a model trained by ` +
        'samebike train, which calibrates it on held-out ads',
    );
  };
  const photo = pick(job.threshold, grouping?.threshold, '--threshold');
  if (!withAds) return { photo };
  const flag =
    job.flagThreshold !== undefined
      ? { value: job.flagThreshold, from: 'option' as const }
      : grouping?.flag
        ? { value: grouping.flag.threshold, from: 'model' as const }
        : photo;
  return { photo, ad: pick(job.adThreshold, grouping?.ads?.threshold, '--ad-threshold'), flag };
}

/** Runs the group job and writes its files into `job.out`. */
export async function runGroup(job: GroupJob): Promise<GroupOutcome> {
  const started = performance.now();
  const out = resolve(job.out);
  const withAds = job.photos.length > 0 && job.photos.every((p) => p.label !== undefined);
  if (job.injectForeign && !withAds) {
    throw new SamebikeError(
      '--inject-foreign moves photos between ads, but the photos have no ad ids',
      'give the photos with --data CSV (its label column holds each ad)',
    );
  }
  const thresholds = chooseThresholds(job, withAds);
  const clustering = job.clustering ?? job.model.settings.settings['grouping.clustering'];

  // The photos go into the index (a rerun finds them there and embeds from the cache).
  const indexFolder = resolve(job.index ?? join(out, 'index'));
  if (job.index === undefined && indexExists(indexFolder)) {
    checkIndexModel(
      await readIndexInfo(indexFolder),
      embeddingModelId(job.model),
      job.model.name,
      `delete ${indexFolder} (left by an earlier group run with another model) or pass --index`,
    );
  }
  const added = await runIndexAdd({
    photos: job.photos,
    model: job.model,
    index: indexFolder,
    scalar: job.scalar,
    batchSize: job.batchSize,
    workers: job.workers,
    onBadImage: job.onBadImage,
    reportDir: out,
    cacheDir: job.cacheDir,
  });
  const { photos, embeddings } = added;
  const n = photos.length;
  if (n < 2) {
    throw new SamebikeError(`group: ${n} photo could be embedded; grouping needs at least two`);
  }
  const images = photos.map((p) => p.image);

  // k-NN lists from the index, restricted to these photos, similarities exact.
  const neighborsStart = performance.now();
  const k = Math.min(job.model.settings.settings['grouping.neighbors'], added.count - 1);
  const index = await openIndex(indexFolder, { readOnly: true });
  let knn: KnnLists;
  try {
    knn = await photoNeighbors(index, images, k, embeddings);
  } finally {
    await index.close();
  }
  const neighborSeconds = (performance.now() - neighborsStart) / 1000;

  // Ads, with photos moved into other ads on purpose when asked.
  let ads = withAds ? photos.map((p) => p.label as string) : undefined;
  let foreign: Uint8Array | undefined;
  if (ads && job.injectForeign) {
    const injection = injectForeignPhotos(ads, job.injectForeign.rate, job.injectForeign.seed);
    foreign = injection.foreign;
    ads = injection.labels;
  }

  const outcome = groupEmbeddings({
    knn,
    embeddings,
    ads,
    threshold: thresholds.photo.value,
    adThreshold: thresholds.ad?.value,
    flagThreshold: thresholds.flag?.value,
  });

  // Outputs: the chosen clustering.
  const adGrouping = outcome.ads?.[clustering];
  const rows = adGrouping
    ? toGroupRows(images, adGrouping.photoGroups, { ads, check: outcome.check })
    : toGroupRows(images, outcome.photos[clustering].labels);
  const written = writeGroups(out, rows, adGrouping?.ads);
  let injectedCsv: string | undefined;
  if (foreign && ads) {
    injectedCsv = join(out, 'injected.csv');
    const moved: string[][] = [];
    foreign.forEach((f, i) => {
      if (f) moved.push([images[i], photos[i].label as string, (ads as string[])[i]]);
    });
    writeCsv(injectedCsv, ['image', 'ad', 'placed_in'], moved);
  }

  const count = (make: (method: ClusteringMethod) => number) =>
    Object.fromEntries(CLUSTERINGS.map((m) => [m, make(m)])) as Record<ClusteringMethod, number>;
  const metrics: GroupMetrics = {
    photos: n,
    ads: undefined, // set below with ad ids; here to keep its place in metrics.json
    skipped: added.skipped,
    neighbors: k,
    clustering,
    thresholds,
    photoGroups: count((m) => outcome.photos[m].groupCount),
  };
  if (outcome.ads && outcome.check) {
    const groupings = outcome.ads;
    metrics.ads = groupings.average.ads.length;
    metrics.adGroups = count((m) => groupings[m].groupCount);
    metrics.flagged = outcome.check.flag.reduce((sum, f) => sum + f, 0);
  }
  if (job.truth) {
    const bikes = job.truth.bikes;
    const truth = images.map((image) => bikes.get(image) as string);
    metrics.evaluation = {
      truthColumn: job.truth.column,
      ...evaluateGrouping(outcome, truth, ads),
    };
  }
  if (foreign && outcome.check && job.injectForeign) {
    metrics.injected = { ...job.injectForeign, ...flagScores(outcome.check.flag, foreign) };
  }
  metrics.seconds = {
    index_add: added.seconds,
    neighbors: neighborSeconds,
    ...outcome.seconds,
    total: (performance.now() - started) / 1000,
  };
  const metricsPath = join(out, 'metrics.json');
  writeFileAtomic(metricsPath, `${JSON.stringify(metrics, null, 2)}\n`);

  info(summaryLine(metrics, out));
  return {
    out,
    index: indexFolder,
    metrics,
    files: { csv: written.csv, json: written.json, metrics: metricsPath, injected: injectedCsv },
  };
}

function summaryLine(m: GroupMetrics, out: string): string {
  const method = m.clustering === 'average' ? 'average linkage' : 'connected components';
  const what =
    m.ads !== undefined && m.adGroups
      ? `${m.ads} ads into ${m.adGroups[m.clustering]} bikes (ad threshold ` +
        `${m.thresholds.ad?.value.toFixed(3)}); ${m.flagged} photos do not fit their ad ` +
        `(flag threshold ${(m.thresholds.flag ?? m.thresholds.photo).value.toFixed(3)})`
      : `${m.photos} photos into ${m.photoGroups[m.clustering]} bikes (threshold ` +
        `${m.thresholds.photo.value.toFixed(3)})`;
  return `grouped ${what}, ${method} → ${join(out, 'groups.csv')}`;
}
