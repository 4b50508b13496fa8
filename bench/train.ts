/**
 * Benchmark of head training on cached features: random clustered data shaped like the bicycle
 * ads (8,000 photos of 1,148 ads, 1792-d non-negative features: ad centre + photo noise, passed
 * through a ReLU), 5 epochs of the linear head with ArcFace, including the PCA-whitening fit.
 * Prints and returns the timings: whitening and initialisation (epoch 0), seconds per epoch, steps
 * per second, and the total, for batch 16 (the reference run's) and batch 64 (the default).
 *
 * Usage: node dist/bench/train.js [photos, default 8000] [epochs, default 5]
 */
import { fileURLToPath } from 'node:url';
import type { Matrix } from '../src/linalg/gemm.js';
import { trainHead } from '../src/train/trainer.js';
import { setQuiet } from '../src/util/log.js';
import { createRandom, randomInt, randomNormal } from '../src/util/rng.js';

const DIM = 1792;

/** Photos in ads of 3–11 photos; a photo = relu(ad centre + noise + shared offset). */
function clusteredFeatures(
  photos: number,
  ads: number,
  seed: number,
): { features: Matrix; labels: Int32Array } {
  const random = createRandom(seed);
  const labels = new Int32Array(photos);
  for (let i = 0; i < photos; i++) labels[i] = i < ads ? i : randomInt(random, ads);
  const centres = new Float32Array(ads * DIM);
  for (let i = 0; i < centres.length; i++) centres[i] = 0.5 * randomNormal(random);
  const data = new Float32Array(photos * DIM);
  for (let i = 0; i < photos; i++) {
    const centre = labels[i] * DIM;
    for (let j = 0; j < DIM; j++) {
      const v = 0.3 + centres[centre + j] + 0.5 * randomNormal(random);
      data[i * DIM + j] = v > 0 ? v : 0;
    }
  }
  return { features: { rows: photos, cols: DIM, data }, labels };
}

/** Times 5 epochs (by default) of the linear ArcFace head at batch 16 and 64. */
export async function benchTrain(photos = 8000, epochs = 5): Promise<Record<string, number>> {
  setQuiet(true);
  const { features, labels } = clusteredFeatures(photos, Math.round((photos * 1148) / 8000), 7);
  const results: Record<string, number> = {};
  for (const batchSize of [16, 64]) {
    const start = performance.now();
    const cpu = process.cpuUsage();
    const run = await trainHead({ epochs, batchSize, warmupEpochs: 0.5 }, { features, labels });
    const used = process.cpuUsage(cpu);
    const total = (performance.now() - start) / 1000;
    const init = run.history[0].seconds;
    const epochSeconds = run.history.slice(1).map((e) => e.seconds);
    const steps = Math.floor(photos / batchSize) * epochs;
    const training = epochSeconds.reduce((a, b) => a + b, 0);
    const prefix = `batch${batchSize}`;
    results[`${prefix}_total_s`] = total;
    results[`${prefix}_cpu_s`] = (used.user + used.system) / 1e6;
    results[`${prefix}_whitening_init_s`] = init;
    results[`${prefix}_epoch_s`] = training / epochs;
    results[`${prefix}_steps_per_s`] = steps / training;
    results[`${prefix}_final_loss`] = run.history[epochs].loss ?? NaN;
    console.log(
      `batch ${batchSize}: ${total.toFixed(1)} s total (${results[`${prefix}_cpu_s`].toFixed(1)} s CPU); ` +
        `whitening + init ${init.toFixed(1)} s; ${(training / epochs).toFixed(1)} s per epoch, ` +
        `${(steps / training).toFixed(0)} steps/s; loss ${run.history[1].loss?.toFixed(3)} → ` +
        `${run.history[epochs].loss?.toFixed(3)}`,
    );
  }
  return results;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const photos = Number(process.argv[2] ?? 8000);
  const epochs = Number(process.argv[3] ?? 5);
  await benchTrain(photos, epochs);
}
