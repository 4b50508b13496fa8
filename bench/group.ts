/**
 * Grouping benchmark, end to end through samebike's own path: n synthetic 512-d photo embeddings
 * of bikes (src/group/synthetic.ts) → the embedded index (src/index: SQLite + HNSW graph, added
 * in atomic batches with `addEmbeddings`, as `index add` does) → k-NN lists from the index
 * (`photoNeighbors`, as the `group` job takes them) → thresholds calibrated on a held-out half of
 * the bikes → `groupEmbeddings` (both clusterings of photos and of ads, the within-ad check) →
 * `evaluateGrouping` against the bikes, and flag scores on foreign photos injected into ads.
 *
 * Ads: every bike with more than three photos is split into an ad and its repost, so that ad
 * grouping has reposts to find; within ads, 5% of photos are moved into other ads.
 *
 * The index stores i8 vectors with 12 edges per node and insertion list 48: on two cores that
 * builds four times faster than f32 at the defaults, and the lists are re-scored exactly from the
 * float32 embeddings, so only the choice of neighbours is approximate. The exact-search baseline
 * times exact top-k for a sample of queries (`search` with exact: true), extrapolates it to all
 * photos and compares with the graph's k-NN step; the same sample gives the lists' recall.
 *
 * Run alone: node dist/bench/group.js [photos]   (default 100000; under a minute on 2 cores).
 * Everything is written under os.tmpdir() and deleted at the end.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { calibrateAdThreshold, calibrateThreshold } from '../src/group/calibrate.js';
import type { KnnLists } from '../src/group/graph.js';
import { flagScores, injectForeignPhotos } from '../src/group/metrics.js';
import { syntheticBikes } from '../src/group/synthetic.js';
import { openIndex } from '../src/index/embedded.js';
import { evaluateGrouping, groupEmbeddings, photoNeighbors } from '../src/pipeline/group.js';
import { addEmbeddings } from '../src/pipeline/index.js';
import { setQuiet } from '../src/util/log.js';

/** Neighbours per photo in the k-NN lists (grouping.neighbors' default). */
const K = 20;
/** Photos per atomic write. */
const BATCH = 25_000;
/** Queries timed with exact search and used for the lists' recall. */
const EXACT_SAMPLE = 200;

function round(value: number, digits = 2): number {
  const scale = 10 ** digits;
  return Math.round(value * scale) / scale;
}

/**
 * The k-NN lists restricted to the photos where `keep` is true, renumbered in photo order:
 * neighbours outside the subset are dropped and the rest move up (the held-out half).
 */
function subsetKnn(knn: KnnLists, keep: (i: number) => boolean): { knn: KnnLists; rows: number[] } {
  const { k, indices, similarities } = knn;
  const n = indices.length / k;
  const index = new Int32Array(n).fill(-1);
  const rows: number[] = [];
  for (let i = 0; i < n; i++) if (keep(i)) index[i] = rows.push(i) - 1;
  const subIndices = new Int32Array(rows.length * k).fill(-1);
  const subSimilarities = new Float32Array(rows.length * k);
  rows.forEach((i, row) => {
    let r = 0;
    for (let p = i * k; p < (i + 1) * k; p++) {
      const j = indices[p] >= 0 ? index[indices[p]] : -1;
      if (j < 0) continue;
      subIndices[row * k + r] = j;
      subSimilarities[row * k + r] = similarities[p];
      r++;
    }
  });
  return { knn: { k, indices: subIndices, similarities: subSimilarities }, rows };
}

/**
 * Runs the benchmark; resolves to stage timings (wall-clock and CPU seconds of all threads) and
 * quality numbers, flat, e.g. `indexAddSeconds`, `averageF1`, `adsAverageAri`.
 *
 * @param options n: number of photos, default 100,000.
 */
export async function benchGroup(options: { n?: number } = {}): Promise<Record<string, number>> {
  const n = options.n ?? 100_000;
  setQuiet(true);
  const result: Record<string, number> = { photos: n, dim: 512, k: K };
  const total = performance.now();
  const stage = async <T>(name: string, run: () => T | Promise<T>): Promise<T> => {
    const cpu = process.cpuUsage();
    const start = performance.now();
    const value = await run();
    result[`${name}Seconds`] = round((performance.now() - start) / 1000);
    const used = process.cpuUsage(cpu);
    result[`${name}CpuSeconds`] = round((used.user + used.system) / 1e6);
    return value;
  };

  const { embeddings, bikes } = await stage('generate', () =>
    syntheticBikes({ photos: n, dim: 512, seed: 42 }),
  );
  result.bikes = new Set(bikes).size;

  // Ads: bikes with more than three photos become an ad and its repost.
  const bikeSize = new Int32Array(result.bikes);
  for (const b of bikes) bikeSize[b]++;
  const seen = new Int32Array(result.bikes);
  const ads = Array.from(bikes, (b) => (bikeSize[b] > 3 && seen[b]++ % 2 === 1 ? `${b}r` : `${b}`));
  const photos = ads.map((ad, i) => ({ image: `p${i}`, label: ad, path: `p${i}.jpg` }));
  const imageIds = photos.map((p) => p.image);

  const folder = mkdtempSync(join(tmpdir(), 'samebike-bench-group-'));
  try {
    const pipeline = performance.now();
    const index = await openIndex(folder, {
      create: true,
      dimensions: 512,
      scalar: 'i8',
      connectivity: 12,
      expansionAdd: 48,
      expansionSearch: 40,
      modelId: 'synthetic-bikes',
    });
    try {
      await stage('indexAdd', async () => {
        await addEmbeddings(index, photos, embeddings, { batchSize: BATCH });
        await index.flush();
      });
      const knn = await stage('neighbors', () => photoNeighbors(index, imageIds, K, embeddings));
      result.repairedNodes = index.repairedNodes;

      // Thresholds on the photos of the even-numbered bikes, as on held-out labelled ads.
      const held = subsetKnn(knn, (i) => bikes[i] % 2 === 0);
      const heldBikes = held.rows.map((i) => bikes[i]);
      const calibration = await stage('calibrate', () =>
        calibrateThreshold(held.knn, heldBikes, { targetPrecision: 0.95 }),
      );
      const adCalibration = await stage('adCalibrate', () =>
        calibrateAdThreshold(held.knn, heldBikes, { targetPrecision: 0.95 }),
      );
      result.threshold = round(calibration.threshold, 4);
      result.adThreshold = round(adCalibration.threshold, 4);

      const outcome = await stage('group', () =>
        groupEmbeddings({
          knn,
          embeddings,
          ads,
          threshold: calibration.threshold,
          adThreshold: adCalibration.threshold,
        }),
      );
      for (const [name, seconds] of Object.entries(outcome.seconds)) {
        result[`${name}Seconds`] = round(seconds);
      }
      result.pipelineSeconds = round((performance.now() - pipeline) / 1000);

      const truth = Array.from(bikes, String);
      const evaluation = evaluateGrouping(outcome, truth, ads);
      for (const method of ['components', 'average'] as const) {
        const photoScores = evaluation.photoGroups[method];
        result[`${method}Groups`] = photoScores.groups;
        result[`${method}Precision`] = round(photoScores.precision, 4);
        result[`${method}Recall`] = round(photoScores.recall, 4);
        result[`${method}F1`] = round(photoScores.f1, 4);
        result[`${method}Ari`] = round(photoScores.ari, 4);
        const adScores = evaluation.adGroups?.[method];
        if (adScores) {
          result[`ads${method === 'average' ? 'Average' : 'Components'}F1`] = round(adScores.f1, 4);
          result[`ads${method === 'average' ? 'Average' : 'Components'}Ari`] = round(
            adScores.ari,
            4,
          );
        }
      }

      // Within ads: one ad per bike, 5% of photos moved into other ads.
      const injected = injectForeignPhotos(truth, 0.05, 7);
      const check = await stage(
        'withinAdInjected',
        () =>
          groupEmbeddings({
            knn,
            embeddings,
            ads: injected.labels,
            threshold: calibration.threshold,
            adThreshold: adCalibration.threshold,
          }).check,
      );
      const flags = flagScores(check?.flag ?? new Uint8Array(n), injected.foreign);
      result.flagPrecision = round(flags.precision, 4);
      result.flagRecall = round(flags.recall, 4);

      // Exact-search baseline on a sample: time per query, extrapolated, and the lists' recall.
      const step = Math.max(1, Math.floor(n / EXACT_SAMPLE));
      const sample: number[] = [];
      for (let q = 0; q < n && sample.length < EXACT_SAMPLE; q += step) sample.push(q);
      const exactStart = performance.now();
      const exact = await index.searchBatch(
        sample.map((q) => imageIds[q]),
        K,
        { exact: true },
      );
      const exactSeconds = (performance.now() - exactStart) / 1000;
      result.exactAllSecondsEstimate = round((exactSeconds * n) / sample.length, 1);
      result.exactOverGraphRatio = round(
        result.exactAllSecondsEstimate / result.neighborsSeconds,
        1,
      );
      let hits = 0;
      sample.forEach((q, s) => {
        const listed = new Set(knn.indices.subarray(q * K, (q + 1) * K));
        for (const match of exact[s]) if (listed.has(Number(match.imageId.slice(1)))) hits++;
      });
      result.listRecall = round(hits / (sample.length * K), 4);
    } finally {
      await index.close();
    }
  } finally {
    rmSync(folder, { recursive: true, force: true });
  }
  result.totalSeconds = round((performance.now() - total) / 1000);
  return result;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const n = process.argv[2] ? Number(process.argv[2]) : undefined;
  const result = await benchGroup({ n });
  for (const [name, value] of Object.entries(result)) {
    process.stdout.write(`${name.padEnd(26)} ${value}\n`);
  }
}
