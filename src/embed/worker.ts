/**
 * The embedding worker thread: decodes photos (all requested views from one read), runs the
 * backbone with one intra-op thread, pools, and sends the features back. Photos that cannot be
 * decoded come back as errors with their reason, so the main thread can apply its policy.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { Backbone, type RgbImage } from '../backbone/runtime.js';
import { poolFeatureMap, type Pooling } from '../backbone/pooling.js';
import type { BackboneSpec } from '../backbone/spec.js';
import { decodeAugmentedViews } from '../image/augment.js';
import { BadImageError } from '../image/bad-image-error.js';
import { decodeImageViews, setDecoderThreads, type Fit } from '../image/decode.js';
import type { View } from './views.js';

/** What every worker is started with. */
export interface WorkerSetup {
  spec: BackboneSpec;
  fit: Fit;
  limitInputPixels: number;
  pooling: Pooling;
  augmentSeed: number;
  /** Crop-area range of augmented views (share of the photo's area). */
  augmentScale: [number, number];
}

/** One photo to embed: its bytes and the views still missing from the cache. */
export interface WorkerItem {
  name: string;
  bytes: Uint8Array;
  views: View[];
}

export type WorkerResult =
  | { ok: true; features: Float32Array[] }
  | { ok: false; reason: string; message: string; file: string };

const setup = workerData as WorkerSetup;
const backbones = new Map<number, Promise<Backbone>>();

function backboneAt(scale: number): Promise<Backbone> {
  let b = backbones.get(scale);
  if (!b) {
    const { width, height } = setup.spec.inputSize;
    const spec = {
      ...setup.spec,
      inputSize: { width: Math.round(width * scale), height: Math.round(height * scale) },
    };
    b = Backbone.open(spec, { intraOpThreads: 1 });
    backbones.set(scale, b);
  }
  return b;
}

async function decodeViews(item: WorkerItem): Promise<{ image: RgbImage; scale: number }[]> {
  const { width, height } = setup.spec.inputSize;
  const source = { bytes: item.bytes, name: item.name };
  const out: { image: RgbImage; scale: number }[] = new Array(item.views.length);
  const plain = item.views.flatMap((v, i) => (v.kind === 'plain' ? [{ v, i }] : []));
  const scales = [...new Set(plain.map(({ v }) => (v.kind === 'plain' ? v.scale : 1)))];
  if (scales.length > 0) {
    const decoded = await decodeImageViews(source, {
      width,
      height,
      fit: setup.fit,
      scales,
      mirror: plain.some(({ v }) => v.kind === 'plain' && v.flip),
      limitInputPixels: setup.limitInputPixels,
    });
    for (const { v, i } of plain) {
      if (v.kind !== 'plain') continue;
      const found = decoded.find((d) => d.scale === v.scale && d.flipped === v.flip);
      if (!found) throw new Error(`view scale ${v.scale} flip ${v.flip} was not decoded`);
      out[i] = { image: found, scale: v.scale };
    }
  }
  const augmented = item.views.flatMap((v, i) => (v.kind === 'augment' ? [{ v, i }] : []));
  if (augmented.length > 0) {
    const decoded = await decodeAugmentedViews(source, {
      width,
      height,
      seed: setup.augmentSeed,
      scale: setup.augmentScale,
      views: augmented.map(({ v }) => (v.kind === 'augment' ? v.view : 0)),
      limitInputPixels: setup.limitInputPixels,
    });
    augmented.forEach(({ i }, j) => (out[i] = { image: decoded[j], scale: 1 }));
  }
  return out;
}

async function embedBatch(items: WorkerItem[]): Promise<WorkerResult[]> {
  const results: WorkerResult[] = new Array(items.length);
  const jobs: { item: number; view: number; image: RgbImage; scale: number }[] = [];
  for (const [n, item] of items.entries()) {
    try {
      const views = await decodeViews(item);
      views.forEach((v, view) => jobs.push({ item: n, view, ...v }));
      results[n] = { ok: true, features: new Array(item.views.length) };
    } catch (error) {
      if (!(error instanceof BadImageError)) throw error;
      results[n] = { ok: false, reason: error.reason, message: error.message, file: error.file };
    }
  }
  const wantMap = setup.pooling.kind !== 'average';
  for (const scale of [...new Set(jobs.map((j) => j.scale))]) {
    const group = jobs.filter((j) => j.scale === scale);
    const backbone = await backboneAt(scale);
    const output = await backbone.run(
      group.map((j) => j.image),
      { featureMap: wantMap },
    );
    const pooled =
      wantMap && output.featureMap
        ? poolFeatureMap(output.featureMap, setup.pooling)
        : output.features;
    group.forEach((job, row) => {
      const result = results[job.item];
      if (result.ok)
        result.features[job.view] = pooled.data.slice(row * pooled.cols, (row + 1) * pooled.cols);
    });
  }
  return results;
}

setDecoderThreads(1);
parentPort?.on('message', (items: WorkerItem[]) => {
  embedBatch(items).then(
    (result) => parentPort?.postMessage({ ok: true, result }),
    (error: Error) => parentPort?.postMessage({ ok: false, error: error.stack ?? error.message }),
  );
});
