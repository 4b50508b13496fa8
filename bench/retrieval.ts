/**
 * Timings of exact ranking and the retrieval add-ons on synthetic clustered embeddings (ads of
 * 2–12 photos around random centres, L2-normalised), with a spot check of exactness:
 *
 * - rankGallery, 10k queries × 10k gallery × 512 dims, k = 50 (queries are the gallery, each
 *   leaving itself out), checked against a full sort for 20 queries;
 * - evaluateEmbeddings on the same set (ranks as deep as MAP@R needs);
 * - αQE of the queries and DBA of the gallery, 10k photos;
 * - k-reciprocal re-ranking (k1 = 20, k2 = 6, λ = 0.3) on 2k photos, with mAP@50 before and after.
 *
 * Usage: node dist/bench/retrieval.js [photos, default 10000] [rerank photos, default 2000]
 */
import { evaluateEmbeddings, evaluateRanking } from '../src/metrics/retrieval.js';
import { databaseAugmentation, queryExpansion } from '../src/retrieval/expansion.js';
import { rankGallery } from '../src/retrieval/rank.js';
import { kReciprocalRerank } from '../src/retrieval/rerank.js';
import type { Matrix } from '../src/util/npy.js';
import { createRandom, randomInt, randomNormal } from '../src/util/rng.js';

const dims = 512;

/** Photos grouped in ads of 2–12 photos, each photo a noisy copy of its ad's centre. */
function syntheticAds(photos: number, seed: number): { embeddings: Matrix; labels: Int32Array } {
  const random = createRandom(seed);
  const labels = new Int32Array(photos);
  let ad = 0;
  for (let i = 0; i < photos; ad++) {
    const size = 2 + randomInt(random, 11);
    for (let j = 0; j < size && i < photos; j++) labels[i++] = ad;
  }
  const centres = new Float32Array(ad * dims);
  for (let i = 0; i < centres.length; i++) centres[i] = randomNormal(random);
  const data = new Float32Array(photos * dims);
  for (let i = 0; i < photos; i++) {
    let sum = 0;
    for (let j = 0; j < dims; j++) {
      const v = centres[labels[i] * dims + j] + 3 * randomNormal(random);
      data[i * dims + j] = v;
      sum += v * v;
    }
    const scale = 1 / Math.sqrt(sum);
    for (let j = 0; j < dims; j++) data[i * dims + j] *= scale;
  }
  return { embeddings: { rows: photos, cols: dims, data }, labels };
}

async function timed<T>(label: string, run: () => Promise<T> | T): Promise<T> {
  const start = performance.now();
  const cpu = process.cpuUsage();
  const result = await run();
  const used = process.cpuUsage(cpu);
  const wall = (performance.now() - start) / 1000;
  const cpuSeconds = (used.user + used.system) / 1e6;
  console.log(`${label}: ${wall.toFixed(2)} s wall, ${cpuSeconds.toFixed(2)} s CPU`);
  return result;
}

function spotCheck(embeddings: Matrix, ranking: { k: number; indices: Int32Array }): void {
  const n = embeddings.rows;
  const d = embeddings.cols;
  for (let q = 0; q < n; q += Math.floor(n / 20)) {
    const order: { g: number; s: number }[] = [];
    for (let g = 0; g < n; g++) {
      if (g === q) continue;
      let s = 0;
      for (let j = 0; j < d; j++) s += embeddings.data[q * d + j] * embeddings.data[g * d + j];
      order.push({ g, s });
    }
    order.sort((a, b) => b.s - a.s || a.g - b.g);
    for (let j = 0; j < ranking.k; j++) {
      if (order[j].g !== ranking.indices[q * ranking.k + j]) {
        console.log(
          `  query ${q} result ${j}: full sort says ${order[j].g}, ranking says ` +
            `${ranking.indices[q * ranking.k + j]} (similarities within float32 rounding?)`,
        );
        return;
      }
    }
  }
  console.log('  spot check: 20 queries identical to a full sort');
}

async function main(): Promise<void> {
  const photos = Number(process.argv[2] ?? 10000);
  const rerankPhotos = Number(process.argv[3] ?? 2000);

  const { embeddings, labels } = syntheticAds(photos, 1);
  console.log(`${photos} photos, ${labels[photos - 1] + 1} ads, ${dims} dims`);
  const self = (q: number): number => q;
  const ranking = await timed(`rankGallery ${photos}×${photos}, k=50`, () =>
    rankGallery(embeddings, embeddings, 50, { exclude: self }),
  );
  spotCheck(embeddings, ranking);

  const all = Int32Array.from({ length: photos }, (_, i) => i);
  const evaluation = await timed('evaluateEmbeddings (same set, k=50)', () =>
    evaluateEmbeddings({ embeddings, labels, queryIdx: all, galleryIdx: all, k: 50 }),
  );
  console.log(
    `  mAP@50 ${evaluation.map_at_k.toFixed(4)}, R@1 ${evaluation.recall_at_1.toFixed(4)}, ` +
      `MAP@R ${evaluation.map_at_r.toFixed(4)}, depth ${evaluation.ranking.k}`,
  );

  const expanded = await timed('αQE of every query (n=2, α=3)', () =>
    queryExpansion(embeddings, embeddings, ranking, { n: 2, alpha: 3 }),
  );
  const augmented = await timed('DBA of the gallery (n=2, α=3)', () =>
    databaseAugmentation(embeddings, { n: 2, alpha: 3 }),
  );
  const afterQe = evaluateRanking({
    ranking: await rankGallery(expanded, augmented, evaluation.ranking.k, { exclude: self }),
    queryLabels: labels,
    galleryLabels: labels,
    exclude: self,
    k: 50,
  });
  console.log(`  mAP@50 after DBA + αQE ${afterQe.map_at_k.toFixed(4)}`);

  const small = syntheticAds(rerankPhotos, 2);
  const before = await rankGallery(small.embeddings, small.embeddings, 50, { exclude: self });
  const reranked = await timed(
    `kReciprocalRerank ${rerankPhotos} photos (k1=20, k2=6, λ=0.3)`,
    () => kReciprocalRerank(small.embeddings, small.embeddings, { k: 50, exclude: self }),
  );
  for (const [name, r] of [
    ['before', before],
    ['after', reranked],
  ] as const) {
    const m = evaluateRanking({
      ranking: r,
      queryLabels: small.labels,
      galleryLabels: small.labels,
      exclude: self,
      k: 50,
    });
    console.log(`  mAP@50 ${name} re-ranking ${m.map_at_k.toFixed(4)}`);
  }
}

await main();
