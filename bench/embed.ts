/**
 * Embedding throughput, end to end: photos on disk in, embeddings on disk out. On demo photos
 * (procedural bike ads, 480×360 JPEG) in a temporary folder, it times
 *
 * - ours: `runEmbed` (read the file, hash it, decode and resize with sharp, MobileNetV2-1.4 on
 *   onnxruntime-node, average pooling, feature cache append, embeddings.npy / images.csv /
 *   embed.json) with 1 and with 2 worker threads, each run with a fresh, empty feature cache, one
 *   plain view (no mirror image, one scale);
 * - the tfjs path: the same decode (decodeImage, sharp, one libvips thread) and the same model on
 *   TensorFlow.js's WebAssembly backend (XNNPACK, one thread), in batches (default 8),
 *   embeddings written to an .npy file.
 *
 * Two rates per path. "End to end" is photos / wall time of the whole call, start-up included
 * (ours: opening the model on the main thread, starting the workers, each worker opening its own
 * session). "Steady" leaves the fixed start-up out: for ours it is measured as the difference
 * between the full run and a short run (one batch per worker) in a fresh cache, for tfjs as the
 * time after the model load and the first (warm-up) batch. Images/s is a rate, so tfjs may run on
 * a subset of the photos (default 128) to keep the benchmark short.
 *
 * Targets (a quiet 2-core machine, 224×224): ours with 2 workers ≥ 100 photos/s end to end, and
 * ≥ 3× the tfjs path. The headline ratio divides ours end to end by tfjs steady, which favours
 * tfjs; the steady/steady ratio is reported too.
 *
 * Also reported: CPU time per thread during the runs (from /proc/self/task on Linux, sampled every
 * 100 ms), to check that 2 workers keep 2 threads busy and the main thread stays light; the
 * process's RSS high-water mark (process.resourceUsage().maxRSS), which covers the worker threads
 * too since they live in the same process; and the cosine similarity of our features and tfjs's on
 * the shared photos (the two paths must compute the same thing).
 *
 * On a shared machine wall-clock rates fall with the load (printed with the figures). CPU time per
 * photo moves much less, so the benchmark also prints the rate that CPU time allows with the cores
 * free: cores used / CPU seconds per photo (2 for ours with 2 workers, 1 for tfjs), start-up left
 * out. It is an upper bound, and only an estimate: contention inflates CPU time a little too.
 *
 * Usage: node dist/bench/embed.js [photos, default 512] [input size, default 224]
 *        [tfjs photos, default 128]
 */
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { DatasetItem } from '../src/data/dataset.js';
import { generateDemoData, planDemoAds } from '../src/demo/index.js';
import { decodeImage, setDecoderThreads } from '../src/image/decode.js';
import { normalizeRows, runEmbed } from '../src/pipeline/embed.js';
import { resolveSettings } from '../src/pipeline/settings.js';
import { readCsv } from '../src/util/csv.js';
import { invalidParameter } from '../src/util/errors.js';
import { writeNpy, type Matrix } from '../src/util/npy.js';
import { loadTfjsBackbone, tfjsFeatures } from '../test/support/tfjs-backbone.js';

/** Options of {@link benchEmbed}. */
export interface BenchEmbedOptions {
  /** Number of demo photos to embed. Default 512; the benchmark's figures want ≥ 500. */
  images?: number;
  /** Backbone input width and height in pixels. Default 224 (the model's training size). */
  size?: number;
  /** Photos run through the tfjs path (the first ones). Default min(images, 128); use ≥ 100 for
   * a steady rate. */
  tfjsImages?: number;
  /** Photos per tfjs batch, 1–64. Default 8. The first batch is the warm-up. */
  tfjsBatch?: number;
  /** Seed of the demo photos. Default 1. */
  seed?: number;
  /** Where the table's lines go. Default console.log. */
  log?: (line: string) => void;
}

/** Photos per second that ours with 2 workers should reach end to end at 224×224. */
export const TARGET_IMAGES_PER_SECOND = 100;

/** How many times faster than the tfjs-wasm path ours with 2 workers should be. */
export const TARGET_RATIO_VS_TFJS = 3;

/** Photos per worker task in extractFeatures (its default), for the start-up probe run. */
const WORKER_BATCH = 4;

/** Linux clock ticks per second for /proc/<pid>/task/<tid>/stat times (USER_HZ, 100 on Linux). */
const CLOCK_TICKS = 100;

/** CPU seconds used by each thread of this process so far, by thread id (Linux only; else empty). */
function threadCpu(): Map<number, number> {
  const times = new Map<number, number>();
  let tids: string[];
  try {
    tids = readdirSync('/proc/self/task');
  } catch {
    return times;
  }
  for (const tid of tids) {
    try {
      const stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
      // Fields after "(comm) ": state is field 3, utime field 14, stime field 15.
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      times.set(Number(tid), (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS);
    } catch {
      // The thread ended between listing and reading.
    }
  }
  return times;
}

/** What one timed run used: wall and CPU seconds, CPU per thread, peak sampled RSS. */
interface Usage {
  seconds: number;
  cpuSeconds: number;
  /** CPU seconds of each thread that ran, busiest first; the main thread is marked. */
  threads: { tid: number; main: boolean; cpuSeconds: number }[];
  /** Largest resident set size seen while sampling, in MiB. */
  rssPeakMb: number;
}

/**
 * Runs `work` while sampling per-thread CPU time and RSS every 100 ms. Threads that end during
 * the run (the workers) keep their last sampled time, so up to 100 ms of each may be missed.
 */
async function measure<T>(work: () => Promise<T>): Promise<{ result: T; usage: Usage }> {
  const base = threadCpu();
  const last = new Map(base);
  let rssPeak = process.memoryUsage.rss();
  const sample = (): void => {
    for (const [tid, cpu] of threadCpu()) last.set(tid, cpu);
    rssPeak = Math.max(rssPeak, process.memoryUsage.rss());
  };
  const timer = setInterval(sample, 100);
  const cpuStart = process.cpuUsage();
  const start = performance.now();
  let result: T;
  try {
    result = await work();
  } finally {
    clearInterval(timer);
  }
  const seconds = (performance.now() - start) / 1000;
  const cpu = process.cpuUsage(cpuStart);
  sample();
  const threads = [...last.entries()]
    .map(([tid, cpuSeconds]) => ({
      tid,
      main: tid === process.pid,
      cpuSeconds: cpuSeconds - (base.get(tid) ?? 0),
    }))
    .filter((t) => t.cpuSeconds > 0)
    .sort((a, b) => b.cpuSeconds - a.cpuSeconds);
  return {
    result,
    usage: {
      seconds,
      cpuSeconds: (cpu.user + cpu.system) / 1e6,
      threads,
      rssPeakMb: rssPeak / 2 ** 20,
    },
  };
}

/** Threads that used at least half as much CPU as the busiest one. */
function busyThreads(usage: Usage): number {
  const top = usage.threads[0]?.cpuSeconds ?? 0;
  return usage.threads.filter((t) => t.cpuSeconds >= top / 2).length;
}

/** Process RSS high-water mark so far, in MiB (maxRSS is in KiB). */
function maxRssMb(): number {
  return process.resourceUsage().maxRSS / 1024;
}

/** Writes demo ads into `dir` until there are at least `images` photos; returns the first ones. */
async function demoPhotos(dir: string, images: number, seed: number): Promise<DatasetItem[]> {
  // Ad i is the same whatever the number of ads, so plan generously and keep the shortest prefix.
  const plan = planDemoAds({ ads: Math.ceil(images / 3), outDir: dir, seed });
  let ads = 0;
  for (let count = 0; count < images; ads++) count += plan[ads].photos.length;
  const demo = await generateDemoData({ ads, outDir: dir, seed });
  const table = readCsv(demo.labelsCsv);
  return table.rows.slice(0, images).map(({ cells: [image, label] }) => ({
    image,
    label,
    path: join(demo.imagesDir, image),
  }));
}

/** One run of ours: runEmbed with `workers` threads into a fresh cache and output folder. */
async function runOurs(
  photos: DatasetItem[],
  size: number,
  workers: number,
  folder: string,
): Promise<{ usage: Usage; features: Matrix }> {
  const settings = resolveSettings(undefined, {
    'image.width': size,
    'image.height': size,
    'image.fit': 'fill',
    'image.flip_tta': false,
    'image.scales': [1],
    'features.pooling': 'avg',
  });
  rmSync(folder, { recursive: true, force: true });
  mkdirSync(folder, { recursive: true });
  const { result, usage } = await measure(() =>
    runEmbed({
      photos,
      settings,
      out: join(folder, 'out'),
      workers,
      onBadImage: 'fail',
      cacheDir: join(folder, 'cache'),
    }),
  );
  if (result.features.computed !== photos.length) {
    throw new Error(
      `runEmbed computed ${result.features.computed} of ${photos.length} photos; the cache ` +
        'was meant to be empty',
    );
  }
  return { usage, features: result.features.features[0] };
}

/** Figures of ours with a given number of workers. */
interface OursFigures {
  usage: Usage;
  features: Matrix;
  /** Photos / seconds of the whole runEmbed call. */
  endToEnd: number;
  /** Rate with the fixed start-up taken out (NaN when the difference is not positive). */
  steady: number;
  /** Estimated fixed start-up in seconds. */
  startup: number;
  /** CPU milliseconds per photo, all threads, start-up left out like `steady`. */
  cpuMsPerImage: number;
  /** Main-thread CPU milliseconds per photo, start-up left out. */
  mainMsPerImage: number;
}

function mainCpu(usage: Usage): number {
  return usage.threads.find((t) => t.main)?.cpuSeconds ?? Number.NaN;
}

/**
 * Times ours with `workers` threads on all photos, and on one batch per worker to estimate the
 * fixed start-up: steady rate = (N − k) / (T_N − T_k).
 */
async function benchOurs(
  photos: DatasetItem[],
  size: number,
  workers: number,
  folder: string,
): Promise<OursFigures> {
  const k = Math.max(1, Math.min(workers * WORKER_BATCH, Math.floor(photos.length / 2)));
  const short = await runOurs(photos.slice(0, k), size, workers, folder);
  const full = await runOurs(photos, size, workers, folder);
  const n = photos.length;
  const extra = full.usage.seconds - short.usage.seconds;
  const steady = extra > 0 ? (n - k) / extra : Number.NaN;
  return {
    usage: full.usage,
    features: full.features,
    endToEnd: n / full.usage.seconds,
    steady,
    startup: Number.isFinite(steady) ? full.usage.seconds - n / steady : Number.NaN,
    cpuMsPerImage: ((full.usage.cpuSeconds - short.usage.cpuSeconds) * 1000) / (n - k),
    mainMsPerImage: ((mainCpu(full.usage) - mainCpu(short.usage)) * 1000) / (n - k),
  };
}

/** Figures of the tfjs-wasm path. */
interface TfjsFigures {
  usage: Usage;
  features: Matrix;
  images: number;
  /** Model load (graph, weights, wasm start), seconds. */
  loadSeconds: number;
  /** Photos / seconds of everything, model load and warm-up batch included. */
  endToEnd: number;
  /** Photos after the first batch / seconds after it (decode + forward + write). */
  steady: number;
  /** CPU milliseconds per photo after the first batch. */
  cpuMsPerImage: number;
}

/**
 * The tfjs path: decode each photo with decodeImage (one libvips thread), convert to float
 * pixel/255 NHWC, run batches through the model on the wasm backend (one thread), write the
 * L2-normalised embeddings. The model is loaded once (test/support's runTfjsWasm would load it
 * again for every batch, so its building blocks are used instead).
 */
async function benchTfjs(
  photos: DatasetItem[],
  size: number,
  batchSize: number,
  out: string,
): Promise<TfjsFigures> {
  setDecoderThreads(1);
  let loadSeconds = 0;
  let firstBatchEnd = 0;
  let firstBatchImages = 0;
  let end = 0;
  let firstBatchCpu = process.cpuUsage();
  let endCpu = firstBatchCpu;
  const { result: features, usage } = await measure(async () => {
    const start = performance.now();
    const backbone = await loadTfjsBackbone('wasm');
    loadSeconds = (performance.now() - start) / 1000;
    let dim = 0;
    let data = new Float32Array(0);
    const pixelsPerImage = size * size * 3;
    for (let first = 0; first < photos.length; first += batchSize) {
      const batch = photos.slice(first, first + batchSize);
      const input = new Float32Array(batch.length * pixelsPerImage);
      for (const [n, photo] of batch.entries()) {
        const image = await decodeImage(photo.path, { width: size, height: size, fit: 'fill' });
        const offset = n * pixelsPerImage;
        for (let i = 0; i < pixelsPerImage; i++) input[offset + i] = image.data[i] / 255;
      }
      const output = await tfjsFeatures(backbone, input, [batch.length, size, size, 3]);
      if (dim === 0) {
        dim = output.length / batch.length;
        data = new Float32Array(photos.length * dim);
      }
      data.set(output, first * dim);
      if (first === 0) {
        firstBatchEnd = performance.now();
        firstBatchCpu = process.cpuUsage();
        firstBatchImages = batch.length;
      }
    }
    backbone.model.dispose();
    const embeddings = { rows: photos.length, cols: dim, data: data.slice() };
    normalizeRows(embeddings.data, dim);
    writeNpy(out, embeddings);
    end = performance.now();
    endCpu = process.cpuUsage(firstBatchCpu);
    return { rows: photos.length, cols: dim, data };
  });
  const rest = photos.length - firstBatchImages;
  return {
    usage,
    features,
    images: photos.length,
    loadSeconds,
    endToEnd: photos.length / usage.seconds,
    steady: rest > 0 ? rest / ((end - firstBatchEnd) / 1000) : Number.NaN,
    cpuMsPerImage: rest > 0 ? (endCpu.user + endCpu.system) / 1000 / rest : Number.NaN,
  };
}

/** Cosine similarity of row i of `a` and row i of `b`, smallest over the rows of `b`. */
function minCosine(a: Matrix, b: Matrix): number {
  let min = 1;
  for (let row = 0; row < b.rows; row++) {
    let dot = 0;
    let na = 0;
    let nb = 0;
    for (let c = 0; c < b.cols; c++) {
      const x = a.data[row * a.cols + c];
      const y = b.data[row * b.cols + c];
      dot += x * y;
      na += x * x;
      nb += y * y;
    }
    min = Math.min(min, dot / Math.sqrt(na * nb));
  }
  return min;
}

function checkCount(name: string, value: unknown, low: number, high: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < low || value > high) {
    invalidParameter(name, `an integer from ${low} to ${high}`, value);
  }
  return value;
}

const fixed = (value: number, digits: number): string =>
  Number.isFinite(value) ? value.toFixed(digits) : '–';

function printTable(
  log: (line: string) => void,
  header: string[],
  rows: { ours1: OursFigures; ours2: OursFigures; tfjs: TfjsFigures; n: number },
): void {
  const { ours1, ours2, tfjs, n } = rows;
  const columns = [
    'path',
    'photos',
    'img/s end to end',
    'img/s steady',
    'start-up s',
    'wall s',
    'CPU s',
    'CPU ms/img',
    'main thread CPU s',
    'busy threads',
  ];
  const line = (r: OursFigures | TfjsFigures, label: string, photos: number, startup: number) => [
    label,
    String(photos),
    fixed(r.endToEnd, 1),
    fixed(r.steady, 1),
    fixed(startup, 2),
    fixed(r.usage.seconds, 2),
    fixed(r.usage.cpuSeconds, 2),
    fixed(r.cpuMsPerImage, 1),
    fixed(mainCpu(r.usage), 2),
    String(busyThreads(r.usage)),
  ];
  const table = [
    columns,
    line(ours1, 'ours, 1 worker', n, ours1.startup),
    line(ours2, 'ours, 2 workers', n, ours2.startup),
    line(tfjs, 'tfjs-wasm, 1 thread', tfjs.images, tfjs.loadSeconds),
  ];
  const widths = columns.map((_, c) => Math.max(...table.map((r) => r[c].length)));
  for (const text of header) log(text);
  log('');
  for (const row of table) {
    log(
      row
        .map((cell, c) => (c === 0 ? cell.padEnd(widths[c]) : cell.padStart(widths[c])))
        .join('  '),
    );
  }
  log('');
}

function threadList(usage: Usage): string {
  return usage.threads
    .slice(0, 6)
    .map((t) => `${t.cpuSeconds.toFixed(2)}${t.main ? ' (main)' : ''}`)
    .join(', ');
}

/**
 * Runs the embedding benchmark (see the file header) and prints a table of the figures. Writes
 * demo photos and all outputs into a temporary folder, removed at the end.
 *
 * @returns the figures by name: `ours_1_worker_img_s`, `ours_2_workers_img_s` (end to end),
 *   their `_steady_img_s` and `_startup_s`, `tfjs_wasm_img_s` (steady, decode + forward + write)
 *   and `tfjs_wasm_end_to_end_img_s`, `ratio_2_workers_vs_tfjs_wasm` (ours end to end / tfjs
 *   steady), `peak_rss_mb` (RSS high-water mark after our runs, MiB), `min_cosine_ours_vs_tfjs`,
 *   the load average and more; rates in photos per second, times in seconds.
 */
export async function benchEmbed(options: BenchEmbedOptions = {}): Promise<Record<string, number>> {
  const images = checkCount('images', options.images ?? 512, 2, 100_000);
  const size = checkCount('size', options.size ?? 224, 32, 2048);
  const tfjsImages = checkCount(
    'tfjsImages',
    options.tfjsImages ?? Math.min(images, 128),
    1,
    images,
  );
  const tfjsBatch = checkCount('tfjsBatch', options.tfjsBatch ?? 8, 1, 64);
  const seed = checkCount('seed', options.seed ?? 1, 0, 4294967295);
  const log = options.log ?? ((line: string) => console.log(line));
  const loadStart = loadavg()[0];
  const dir = mkdtempSync(join(tmpdir(), 'samebike-bench-embed-'));
  try {
    const photos = await demoPhotos(join(dir, 'demo'), images, seed);
    const ads = new Set(photos.map((p) => p.label)).size;
    const bytes = photos.reduce((sum, p) => sum + readFileSync(p.path).length, 0);
    const rssBefore = maxRssMb();

    const ours1 = await benchOurs(photos, size, 1, join(dir, 'ours-1'));
    const ours2 = await benchOurs(photos, size, 2, join(dir, 'ours-2'));
    const peakRss = maxRssMb();
    const tfjs = await benchTfjs(
      photos.slice(0, tfjsImages),
      size,
      tfjsBatch,
      join(dir, 'tfjs.npy'),
    );
    const loadEnd = loadavg()[0];

    const figures: Record<string, number> = {
      images,
      size,
      tfjs_images: tfjsImages,
      cores: availableParallelism(),
      load_1min_start: loadStart,
      load_1min_end: loadEnd,
    };
    for (const [key, r] of [
      ['ours_1_worker', ours1],
      ['ours_2_workers', ours2],
    ] as const) {
      figures[`${key}_img_s`] = r.endToEnd;
      figures[`${key}_steady_img_s`] = r.steady;
      figures[`${key}_startup_s`] = r.startup;
      figures[`${key}_cpu_s`] = r.usage.cpuSeconds;
      figures[`${key}_cpu_ms_per_img`] = r.cpuMsPerImage;
      figures[`${key}_main_thread_cpu_s`] = mainCpu(r.usage);
      figures[`${key}_main_thread_ms_per_img`] = r.mainMsPerImage;
      figures[`${key}_rss_sampled_peak_mb`] = r.usage.rssPeakMb;
      figures[`${key}_busy_threads`] = busyThreads(r.usage);
    }
    figures.tfjs_wasm_img_s = tfjs.steady;
    figures.tfjs_wasm_end_to_end_img_s = tfjs.endToEnd;
    figures.tfjs_wasm_load_s = tfjs.loadSeconds;
    figures.tfjs_wasm_cpu_ms_per_img = tfjs.cpuMsPerImage;
    // What the CPU time per photo allows with the cores free: 2 workers on 2 cores, tfjs on 1.
    figures.ours_2_workers_free_cores_img_s =
      (1000 * Math.min(2, figures.cores)) / ours2.cpuMsPerImage;
    figures.tfjs_wasm_free_core_img_s = 1000 / tfjs.cpuMsPerImage;
    figures.ratio_2_workers_vs_tfjs_wasm_free_cores =
      figures.ours_2_workers_free_cores_img_s / figures.tfjs_wasm_free_core_img_s;
    figures.ratio_2_workers_vs_tfjs_wasm = ours2.endToEnd / tfjs.steady;
    figures.ratio_2_workers_vs_tfjs_wasm_steady = ours2.steady / tfjs.steady;
    figures.ratio_1_worker_vs_tfjs_wasm = ours1.endToEnd / tfjs.steady;
    figures.peak_rss_mb = peakRss;
    figures.peak_rss_sampled_mb = Math.max(ours1.usage.rssPeakMb, ours2.usage.rssPeakMb);
    figures.rss_high_water_before_embed_mb = rssBefore;
    figures.peak_rss_with_tfjs_mb = maxRssMb();
    figures.min_cosine_ours_vs_tfjs = minCosine(ours2.features, tfjs.features);

    const ratio = figures.ratio_2_workers_vs_tfjs_wasm;
    const met = (ok: boolean): string => (ok ? 'met' : 'NOT met');
    printTable(
      log,
      [
        `embedding benchmark: ${images} demo photos (${ads} ads, JPEG, ` +
          `${(bytes / images / 1024).toFixed(0)} KiB each on average) → ${size}×${size}, ` +
          'one plain view, average pooling, fresh feature cache per run',
        `machine: ${figures.cores} cores; load average (1 min) ${loadStart.toFixed(2)} at ` +
          `start, ${loadEnd.toFixed(2)} at end (a load above the core count means other ` +
          'processes took CPU time and every rate is lower than on a quiet machine)',
        `tfjs-wasm ran on the first ${tfjsImages} photos (a rate, so comparable); its ` +
          '"steady" leaves out the model load and the warm-up batch; ours "steady" is ' +
          '(N − k) / (T_N − T_k) with a short run of one batch per worker',
      ],
      { ours1, ours2, tfjs, n: images },
    );
    log(`CPU s per thread, ours 1 worker:  ${threadList(ours1.usage)}`);
    log(`CPU s per thread, ours 2 workers: ${threadList(ours2.usage)}`);
    log(`CPU s per thread, tfjs-wasm:      ${threadList(tfjs.usage)}`);
    log(
      `ours 2 workers / tfjs-wasm: ${fixed(ratio, 2)}× (ours end to end / tfjs steady; ` +
        `target ≥ ${TARGET_RATIO_VS_TFJS}×, ${met(ratio >= TARGET_RATIO_VS_TFJS)}); ` +
        `steady / steady ${fixed(figures.ratio_2_workers_vs_tfjs_wasm_steady, 2)}×; ` +
        `1 worker / tfjs-wasm ${fixed(figures.ratio_1_worker_vs_tfjs_wasm, 2)}×`,
    );
    log(
      `CPU-time bound (steady, if the cores were free): ours 2 workers ` +
        `${fixed(figures.ours_2_workers_free_cores_img_s, 1)} photos/s, tfjs-wasm ` +
        `${fixed(figures.tfjs_wasm_free_core_img_s, 1)} photos/s, ratio ` +
        `${fixed(figures.ratio_2_workers_vs_tfjs_wasm_free_cores, 2)}×; main thread ` +
        `${fixed(ours2.mainMsPerImage, 2)} ms CPU per photo with 2 workers`,
    );
    log(
      `ours 2 workers end to end: ${fixed(ours2.endToEnd, 1)} photos/s ` +
        `(target ≥ ${TARGET_IMAGES_PER_SECOND} at 224×224, ` +
        `${size === 224 ? met(ours2.endToEnd >= TARGET_IMAGES_PER_SECOND) : 'set for 224 only'})`,
    );
    log(
      `peak RSS: ${peakRss.toFixed(0)} MiB high-water mark after our runs (worker threads ` +
        `live in this process, so they are included; ${rssBefore.toFixed(0)} MiB before them, ` +
        `after writing the demo photos); sampled during them: ` +
        `${ours1.usage.rssPeakMb.toFixed(0)} MiB with 1 worker, ` +
        `${ours2.usage.rssPeakMb.toFixed(0)} MiB with 2; ` +
        `${figures.peak_rss_with_tfjs_mb.toFixed(0)} MiB after tfjs`,
    );
    log(
      `features: min cosine similarity ours vs tfjs over ${tfjsImages} photos ` +
        `${figures.min_cosine_ours_vs_tfjs.toFixed(6)}`,
    );
    return figures;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const [images, size, tfjsImages] = process.argv.slice(2).map(Number);
  await benchEmbed({ images, size, tfjsImages });
}
