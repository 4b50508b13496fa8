/**
 * `npm run bench`: every benchmark, each in a child process of its own (so that peak memory is
 * the benchmark's own and one cannot slow the next through a warm heap), then one summary of the
 * headline figures beside their goals and the ratios against the baselines measured in the same
 * run.
 *
 * | bench     | measures                                                | baseline in the same run   |
 * |-----------|---------------------------------------------------------|----------------------------|
 * | embed     | photos/s end to end, 1 and 2 workers, 224×224; peak RSS | same model on tfjs-wasm    |
 * | train     | 5 epochs on cached features of 8,000 photos             | —                          |
 * | index     | 1M × 512-d: build, top-50 p50/p99, recall, memory, file | exact search in TypeScript |
 * | group     | 100k embeddings → index → k-NN → calibrate → groups     | exact k-NN, extrapolated   |
 * | retrieval | exact ranking, αQE/DBA, k-reciprocal re-ranking         | —                          |
 *
 * Usage: npm run bench [-- NAME…]   (default: all, in the order above). The figures are wall-clock
 * on this machine: run it on a quiet one. Exit status 0 when every benchmark ran, whether or not
 * a goal was met (the summary says which were).
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { benchEmbed } from './embed.js';
import { benchGroup } from './group.js';
import { benchIndex } from './index.js';
import { benchTrain } from './train.js';

type Metrics = Record<string, number>;

/** The benchmarks that return figures, by name. */
const runners: Record<string, () => Promise<Metrics>> = {
  embed: () => benchEmbed({ images: 512, size: 224 }),
  train: () => benchTrain(8000, 5),
  index: () => benchIndex({ n: 1_000_000 }),
  group: () => benchGroup({ n: 100_000 }),
};

/** Benchmarks that only print (run as their own script). */
const scripts: Record<string, string> = {
  retrieval: 'retrieval.js',
};

const ORDER = ['embed', 'train', 'index', 'group', 'retrieval'];

/** A goal: a figure, a comparison and a bound. */
interface Goal {
  bench: string;
  label: string;
  figure: string;
  at: 'most' | 'least';
  bound: number;
  unit: string;
}

const goals: Goal[] = [
  {
    bench: 'embed',
    label: 'embed, 2 workers, 224×224',
    figure: 'ours_2_workers_img_s',
    at: 'least',
    bound: 100,
    unit: 'img/s',
  },
  {
    bench: 'embed',
    label: 'embed, 2 workers ÷ tfjs-wasm',
    figure: 'ratio_2_workers_vs_tfjs_wasm',
    at: 'least',
    bound: 3,
    unit: '×',
  },
  {
    bench: 'train',
    label: 'train 5 epochs, 8k photos, batch 16',
    figure: 'batch16_total_s',
    at: 'most',
    bound: 60,
    unit: 's',
  },
  {
    bench: 'train',
    label: 'train 5 epochs, 8k photos, batch 64',
    figure: 'batch64_total_s',
    at: 'most',
    bound: 60,
    unit: 's',
  },
  {
    bench: 'index',
    label: 'index 1M f32, top-50 p50',
    figure: 'f32.p50_ms',
    at: 'most',
    bound: 5,
    unit: 'ms',
  },
  {
    bench: 'index',
    label: 'index 1M f32, recall@50 vs exact',
    figure: 'f32.recall_at_50',
    at: 'least',
    bound: 0.99,
    unit: '',
  },
  {
    bench: 'index',
    label: 'index 1M f32, RSS ÷ raw vectors',
    figure: 'f32.rss_ratio',
    at: 'most',
    bound: 1.2,
    unit: '×',
  },
  {
    bench: 'index',
    label: 'index 1M f16, RSS ÷ raw f32 vectors',
    figure: 'f16.rss_ratio',
    at: 'most',
    bound: 1.2,
    unit: '×',
  },
  {
    bench: 'index',
    label: 'index 1M i8, RSS ÷ raw f32 vectors',
    figure: 'i8.rss_ratio',
    at: 'most',
    bound: 1.2,
    unit: '×',
  },
  {
    bench: 'group',
    label: 'group 100k photos, index to groups',
    figure: 'pipelineSeconds',
    at: 'most',
    bound: 60,
    unit: 's',
  },
];

/** Ratios against a baseline of the same run: numerator / denominator, with what they mean. */
const ratios: { bench: string; label: string; compute: (m: Metrics) => number }[] = [
  {
    bench: 'embed',
    label: 'embed: 1 worker ÷ tfjs-wasm',
    compute: (m) => m.ratio_1_worker_vs_tfjs_wasm,
  },
  {
    bench: 'embed',
    label: 'embed: 2 workers ÷ 1 worker',
    compute: (m) => m.ours_2_workers_img_s / m.ours_1_worker_img_s,
  },
  {
    bench: 'index',
    label: 'index: plain TypeScript exact ÷ graph, per query (1M)',
    compute: (m) => m['baseline.plain_ts_exact_ms_per_query'] / m['f32.p50_ms'],
  },
  {
    bench: 'index',
    label: 'index: GEMM exact batch ÷ graph, per query (1M)',
    compute: (m) => m['baseline.gemm_exact_batch_ms_per_query'] / m['f32.p50_ms'],
  },
  {
    bench: 'group',
    label: 'group: exact k-NN (extrapolated) ÷ graph k-NN',
    compute: (m) => m.exactOverGraphRatio,
  },
];

function format(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  if (Number.isInteger(value)) return String(value);
  return Math.abs(value) >= 100 ? value.toFixed(1) : value.toPrecision(3);
}

const MARKER = 'SAMEBIKE_BENCH_RESULT ';

/** Runs one benchmark in a child process; its output passes through; resolves to its figures. */
function runChild(name: string): Promise<Metrics | undefined> {
  const self = fileURLToPath(import.meta.url);
  const script = scripts[name] ? fileURLToPath(new URL(scripts[name], import.meta.url)) : self;
  const args = scripts[name] ? [script] : [self, '--one', name];
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'] });
    let result: Metrics | undefined;
    let pending = '';
    child.stdout.on('data', (chunk: Buffer) => {
      pending += chunk.toString();
      const lines = pending.split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines) {
        if (line.startsWith(MARKER)) result = JSON.parse(line.slice(MARKER.length)) as Metrics;
        else process.stdout.write(`${line}\n`);
      }
    });
    child.on('error', reject);
    child.on('close', (code) => {
      if (pending) process.stdout.write(pending);
      if (code !== 0) reject(new Error(`bench ${name}: exited with status ${code}`));
      else resolvePromise(result);
    });
  });
}

async function main(argv: string[]): Promise<void> {
  if (argv[0] === '--one') {
    const name = argv[1];
    const metrics = await runners[name]();
    process.stdout.write(`${MARKER}${JSON.stringify(metrics)}\n`);
    return;
  }
  const unknown = argv.filter((name) => !ORDER.includes(name));
  if (unknown.length > 0) {
    throw new Error(
      `bench: unknown benchmark ${unknown.join(', ')}; choose from ${ORDER.join(', ')}`,
    );
  }
  const chosen = argv.length > 0 ? ORDER.filter((name) => argv.includes(name)) : ORDER;
  const results: Record<string, Metrics> = {};
  for (const name of chosen) {
    process.stdout.write(`\n=== ${name} ===\n`);
    const start = performance.now();
    const metrics = await runChild(name);
    if (metrics) results[name] = metrics;
    process.stdout.write(`=== ${name}: ${((performance.now() - start) / 1000).toFixed(0)} s\n`);
  }

  process.stdout.write('\n=== summary ===\n');
  for (const goal of goals) {
    const metrics = results[goal.bench];
    if (!metrics) continue;
    const value = metrics[goal.figure];
    const met = goal.at === 'least' ? value >= goal.bound : value <= goal.bound;
    const sign = goal.at === 'least' ? '≥' : '≤';
    process.stdout.write(
      `${met ? 'met ' : 'MISS'}  ${goal.label.padEnd(40)} ${format(value).padStart(9)} ${goal.unit.padEnd(5)} (goal ${sign} ${goal.bound})\n`,
    );
  }
  for (const ratio of ratios) {
    const metrics = results[ratio.bench];
    if (!metrics) continue;
    process.stdout.write(`ratio ${ratio.label.padEnd(52)} ${format(ratio.compute(metrics))}×\n`);
  }
}

await main(process.argv.slice(2));
