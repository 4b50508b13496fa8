/**
 * Benchmark of the embedded vector index (src/index) on synthetic 512-d embeddings shaped like
 * real ones (see `ClusteredSource`: n/10 bicycles of 10 photos each, in n/100 models whose
 * directions span 48 dimensions, so that unrelated photos spread around cosine 0 about as widely
 * as trained catalog embeddings do), for each graph scalar kind:
 *
 * - build: `add` in batches of 50k (SQLite transaction + multi-threaded HNSW insertion), then
 *   `flush` (atomic save of the graph file);
 * - serving, in a fresh process: open time, latency p50/p99 of single top-50 queries (1,000 new
 *   photos of stored bicycles), batch throughput, RSS after open and after the queries, for a
 *   loaded graph and for a memory-mapped (read-only) one;
 * - recall@50 of those queries against exact search (on the first 200 queries);
 * - file sizes against the raw vector bytes (n × 512 × 4);
 * - baselines: exact search with a plain TypeScript loop, and with the index's blocked gemm scan.
 *
 * Everything is written under os.tmpdir() and deleted at the end.
 *
 * Usage: node dist/bench/index.js [n, default 1000000] [quantised n, default n]
 *        [ef list, default 64,128,256] [connectivity, default 16] [kinds, default f32,f16,i8]
 *        [efConstruction, default 64] [family dimensions, default 48]
 */
import { fork } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { openIndex } from '../src/index/embedded.js';
import type { IndexItem, ScalarKind } from '../src/index/store.js';
import { ClusteredSource, type ClusteredSpec } from '../src/index/synthetic.js';
import { TopK } from '../src/index/topk.js';
import { setQuiet } from '../src/util/log.js';
import { writeNpy } from '../src/util/npy.js';
import type { ServeReport, ServeRequest } from './index-serve.js';

/** Options of `benchIndex`. */
export interface BenchIndexOptions {
  /** Gallery size for the f32 graph. Default 1,000,000. */
  n?: number;
  /** Gallery size for the f16 and i8 graphs. Default n. */
  quantizedN?: number;
  /** Graph kinds to measure. Default f32, f16, i8. */
  scalars?: ScalarKind[];
  /**
   * Search candidate lists (ef) to measure; the first is the headline (metrics without an
   * `ef<N>.` part, and the memory-mapped run). Default [64, 128, 256].
   */
  expansionSearch?: number[];
  /**
   * Dimensions spanned by the bike models' directions (`ClusteredSpec.familyDimensions`).
   * Default 48: photos of unrelated bicycles then spread around cosine 0 with standard deviation
   * 0.08 (trained catalog embeddings: 0.09–0.13, see bench/README.md); 512 makes all models
   * mutually orthogonal (0.044), which no graph search navigates well.
   */
  familyDimensions?: number;
  /** HNSW edges per node (M). Default 16. */
  connectivity?: number;
  /** Insertion candidate list (efConstruction). Default 64. */
  expansionAdd?: number;
  /** Threads for building and batch search. Default 2. */
  threads?: number;
  /** Number of timed queries. Default 1,000. */
  queries?: number;
  /** Queries checked against exact search. Default 200. */
  recallQueries?: number;
  /** Queries timed with the plain TypeScript exact loop. Default 5. */
  plainQueries?: number;
}

const DIMENSIONS = 512;
const K = 50;
const BATCH = 50_000;
const GALLERY_SEED = 1;
const QUERY_SEED = 2;

/** Runs the benchmark; resolves to flat metrics such as `f32.p50_ms` and `f32.recall_at_50`. */
export async function benchIndex(options: BenchIndexOptions = {}): Promise<Record<string, number>> {
  const n = options.n ?? 1_000_000;
  const settings = {
    quantizedN: options.quantizedN ?? n,
    scalars: options.scalars ?? (['f32', 'f16', 'i8'] as ScalarKind[]),
    expansionSearch: options.expansionSearch ?? [64, 128, 256],
    familyDimensions: options.familyDimensions ?? 48,
    connectivity: options.connectivity ?? 16,
    expansionAdd: options.expansionAdd ?? 64,
    threads: options.threads ?? 2,
    queries: options.queries ?? 1000,
    recallQueries: options.recallQueries ?? 200,
    plainQueries: options.plainQueries ?? 5,
  };
  setQuiet(true);
  const metrics: Record<string, number> = {
    n,
    dimensions: DIMENSIONS,
    k: K,
    family_dimensions: settings.familyDimensions,
    connectivity: settings.connectivity,
    expansion_add: settings.expansionAdd,
  };
  const root = mkdtempSync(join(tmpdir(), 'samebike-bench-index-'));
  try {
    let baselineDone = false;
    for (const scalar of settings.scalars) {
      const size = scalar === 'f32' ? n : settings.quantizedN;
      const spec: ClusteredSpec = {
        dimensions: DIMENSIONS,
        clusters: Math.max(1, Math.floor(size / 10)),
        familyDimensions: settings.familyDimensions,
        seed: GALLERY_SEED,
      };
      const folder = join(root, scalar);
      const prefix = `${scalar}.`;
      metrics[`${prefix}n`] = size;
      const rawBytes = size * DIMENSIONS * 4;

      // Build.
      const build = await buildIndex(folder, spec, size, scalar, settings);
      metrics[`${prefix}build_s`] = build.addSeconds;
      metrics[`${prefix}build_cpu_s`] = build.addCpuSeconds;
      metrics[`${prefix}build_vectors_per_s`] = size / build.addSeconds;
      metrics[`${prefix}save_s`] = build.flushSeconds;
      metrics[`${prefix}build_peak_rss_ratio`] = build.peakRss / rawBytes;
      metrics[`${prefix}ann_file_ratio`] = build.annBytes / rawBytes;
      metrics[`${prefix}database_file_ratio`] = build.databaseBytes / rawBytes;
      log(`${scalar}: built ${size} vectors in ${build.addSeconds.toFixed(1)} s`);

      // Serve from a loaded graph at each ef, then from a memory-mapped one at the first ef.
      const queriesFile = join(root, `queries-${scalar}.npy`);
      writeNpy(queriesFile, queryMatrix(spec, settings.queries));
      const request: ServeRequest = {
        folder,
        queriesFile,
        k: K,
        recallQueries: settings.recallQueries,
        expansionSearch: settings.expansionSearch[0],
        view: false,
        threads: settings.threads,
      };
      const runs: [string, ServeReport][] = [];
      for (const [i, ef] of settings.expansionSearch.entries()) {
        runs.push([
          i === 0 ? '' : `ef${ef}.`,
          await serveInChild({ ...request, expansionSearch: ef }),
        ]);
      }
      runs.push(['view.', await serveInChild({ ...request, view: true })]);
      for (const [label, report] of runs) {
        const sorted = [...report.latenciesMs].sort((a, b) => a - b);
        metrics[`${prefix}${label}open_s`] = report.openSeconds;
        metrics[`${prefix}${label}p50_ms`] = percentile(sorted, 0.5);
        metrics[`${prefix}${label}p99_ms`] = percentile(sorted, 0.99);
        metrics[`${prefix}${label}cpu_ms_per_query`] = report.cpuMsPerQuery;
        metrics[`${prefix}${label}batch_queries_per_s`] = report.batchQueriesPerSecond;
        metrics[`${prefix}${label}rss_bytes`] = report.rssAfterQueries;
        metrics[`${prefix}${label}rss_ratio`] = report.rssAfterQueries / rawBytes;
      }
      metrics[`${prefix}expansion_search`] = settings.expansionSearch[0];
      log(`${scalar}: p50 ${metrics[`${prefix}p50_ms`].toFixed(2)} ms`);

      // Recall against exact search, and the exact baselines (once, on the f32 gallery).
      const exact = await exactAnswers(folder, spec, size, settings, !baselineDone);
      for (const [label, report] of runs) {
        metrics[`${prefix}${label}recall_at_50`] = recall(report.found, exact.found);
        metrics[`${prefix}${label}queries_below_half_recall`] = poorQueries(
          report.found,
          exact.found,
          0.5,
        );
      }
      if (!baselineDone) {
        metrics['baseline.gallery'] = size;
        metrics['baseline.plain_ts_exact_ms_per_query'] = exact.plainMsPerQuery;
        metrics['baseline.gemm_exact_batch_ms_per_query'] = exact.gemmBatchMsPerQuery;
        metrics['baseline.gemm_exact_single_ms_per_query'] = exact.gemmSingleMsPerQuery;
        baselineDone = true;
      }
      log(`${scalar}: recall@50 ${metrics[`${prefix}recall_at_50`].toFixed(4)}`);
      rmSync(folder, { recursive: true, force: true });
    }
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
  return metrics;
}

interface Settings {
  expansionSearch: number[];
  connectivity: number;
  expansionAdd: number;
  threads: number;
  queries: number;
  recallQueries: number;
  plainQueries: number;
}

async function buildIndex(
  folder: string,
  spec: ClusteredSpec,
  size: number,
  scalar: ScalarKind,
  settings: Settings,
) {
  const source = new ClusteredSource(spec);
  const index = await openIndex(folder, {
    create: true,
    dimensions: DIMENSIONS,
    scalar,
    connectivity: settings.connectivity,
    expansionAdd: settings.expansionAdd,
    expansionSearch: settings.expansionSearch[0],
    threads: settings.threads,
  });
  const chunk = new Float32Array(BATCH * DIMENSIONS);
  let addSeconds = 0;
  let addCpuSeconds = 0;
  let peakRss = process.memoryUsage().rss;
  for (let start = 0; start < size; start += BATCH) {
    const count = Math.min(BATCH, size - start);
    source.fillMembers(chunk, start, count, GALLERY_SEED + 100, (row) => row % spec.clusters);
    const items: IndexItem[] = [];
    for (let i = 0; i < count; i++) {
      const row = start + i;
      items.push({
        imageId: `img-${row}`,
        ad: `ad-${row % spec.clusters}`,
        path: `photos/${row}.jpg`,
        vector: chunk.subarray(i * DIMENSIONS, (i + 1) * DIMENSIONS),
      });
    }
    const began = performance.now();
    const cpu = process.cpuUsage();
    await index.add(items);
    addSeconds += (performance.now() - began) / 1000;
    const used = process.cpuUsage(cpu);
    addCpuSeconds += (used.user + used.system) / 1e6;
    peakRss = Math.max(peakRss, process.memoryUsage().rss);
    if ((start / BATCH) % 4 === 3)
      log(`  ${start + count} / ${size} added, ${addSeconds.toFixed(0)} s`);
  }
  const began = performance.now();
  await index.flush();
  const flushSeconds = (performance.now() - began) / 1000;
  await index.close();
  // File sizes after close: the write-ahead log has been checkpointed into the database.
  const reopened = await openIndex(folder, { mode: 'exact' });
  const { files } = await reopened.info();
  await reopened.close();
  return {
    addSeconds,
    addCpuSeconds,
    flushSeconds,
    peakRss,
    annBytes: files.ann,
    databaseBytes: files.database,
  };
}

function serveInChild(request: ServeRequest): Promise<ServeReport> {
  const script = fileURLToPath(new URL('./index-serve.js', import.meta.url));
  return new Promise((resolve, reject) => {
    const child = fork(script, [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    let report: ServeReport | undefined;
    child.on('message', (message: ServeReport) => (report = message));
    child.on('exit', (code) => {
      if (report) resolve(report);
      else reject(new Error(`the serving process exited with code ${code} and no report`));
    });
    child.send(request);
  });
}

/**
 * Exact top-50 of the first recall queries (the index's blocked gemm scan), timed; with
 * `baselines`, also a plain TypeScript scan and one-query-at-a-time gemm scans.
 */
async function exactAnswers(
  folder: string,
  spec: ClusteredSpec,
  size: number,
  settings: Settings,
  baselines: boolean,
) {
  const source = new ClusteredSource(spec);
  const queries = queryMatrix(spec, settings.recallQueries, source);
  const index = await openIndex(folder, {
    readOnly: true,
    mode: 'exact',
    threads: settings.threads,
  });
  await index.search(queries.data.subarray(0, DIMENSIONS), K); // loads the table
  let began = performance.now();
  const results = await index.searchBatch(queries, K);
  const gemmBatchMsPerQuery = (performance.now() - began) / queries.rows;
  const found = results.map((list) => list.map((match) => match.imageId));

  let plainMsPerQuery = 0;
  let gemmSingleMsPerQuery = 0;
  if (baselines) {
    const plain = settings.plainQueries;
    const plainQueries = queries.data.subarray(0, plain * DIMENSIONS);
    plainMsPerQuery = plainScanMs(source, spec, size, plainQueries) / plain;
    began = performance.now();
    for (let q = 0; q < plain; q++) {
      await index.search(queries.data.subarray(q * DIMENSIONS, (q + 1) * DIMENSIONS), K);
    }
    gemmSingleMsPerQuery = (performance.now() - began) / plain;
  }
  await index.close();
  return { found, gemmBatchMsPerQuery, plainMsPerQuery, gemmSingleMsPerQuery };
}

/**
 * Milliseconds that a plain TypeScript exact scan (a dot product per gallery vector and a heap)
 * spends on all `queries` rows over the whole gallery. The gallery is regenerated in chunks and
 * only the scans are timed.
 */
function plainScanMs(
  source: ClusteredSource,
  spec: ClusteredSpec,
  size: number,
  queries: Float32Array,
): number {
  const count = queries.length / DIMENSIONS;
  const heaps = Array.from({ length: count }, () => new TopK(K));
  const chunk = new Float32Array(BATCH * DIMENSIONS);
  let spent = 0;
  for (let start = 0; start < size; start += BATCH) {
    const rows = Math.min(BATCH, size - start);
    source.fillMembers(chunk, start, rows, GALLERY_SEED + 100, (row) => row % spec.clusters);
    const began = performance.now();
    for (let q = 0; q < count; q++) {
      plainExactScan(
        chunk,
        rows,
        start,
        queries.subarray(q * DIMENSIONS, (q + 1) * DIMENSIONS),
        heaps[q],
      );
    }
    spent += performance.now() - began;
  }
  return spent;
}

/** Offers every row of `data` to `heap` by its dot product with `query`: the plain baseline. */
export function plainExactScan(
  data: Float32Array,
  rows: number,
  firstRow: number,
  query: Float32Array,
  heap: TopK,
): void {
  const d = query.length;
  for (let row = 0; row < rows; row++) {
    let sum = 0;
    const offset = row * d;
    for (let j = 0; j < d; j++) sum += data[offset + j] * query[j];
    if (sum >= heap.threshold) heap.push(sum, firstRow + row);
  }
}

/**
 * The query photos: new members (seed QUERY_SEED) of clusters spread over the whole gallery. The
 * first rows are the same for any count, so the recall queries are the first timed queries.
 */
function queryMatrix(spec: ClusteredSpec, count: number, source = new ClusteredSource(spec)) {
  return source.members(
    count,
    QUERY_SEED,
    (row) => (Math.imul(row + 1, 2654435761) >>> 0) % spec.clusters,
  );
}

/** Per query, how many of its exact top-k the search found. */
function hitsPerQuery(found: string[][], exact: string[][]): number[] {
  return exact.map((truth, q) => {
    const wanted = new Set(truth);
    return found[q].filter((id) => wanted.has(id)).length;
  });
}

function recall(found: string[][], exact: string[][]): number {
  const hits = hitsPerQuery(found, exact).reduce((sum, h) => sum + h, 0);
  const total = exact.reduce((sum, truth) => sum + truth.length, 0);
  return total === 0 ? 1 : hits / total;
}

/** How many queries found less than `fraction` of their exact top-k: lost in the graph. */
function poorQueries(found: string[][], exact: string[][], fraction: number): number {
  const hits = hitsPerQuery(found, exact);
  return hits.filter((h, q) => h < fraction * exact[q].length).length;
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))];
}

function log(line: string): void {
  process.stderr.write(`${line}\n`);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const [n, quantizedN, expansionSearch, connectivity, scalars, expansionAdd, familyDimensions] =
    process.argv.slice(2);
  const efs = expansionSearch ? expansionSearch.split(',').map(Number) : undefined;
  const metrics = await benchIndex({
    n: n ? Number(n) : undefined,
    quantizedN: quantizedN ? Number(quantizedN) : undefined,
    expansionSearch: efs,
    connectivity: connectivity ? Number(connectivity) : undefined,
    scalars: scalars ? (scalars.split(',') as ScalarKind[]) : undefined,
    expansionAdd: expansionAdd ? Number(expansionAdd) : undefined,
    familyDimensions: familyDimensions ? Number(familyDimensions) : undefined,
  });
  for (const [name, value] of Object.entries(metrics)) {
    console.log(`${name.padEnd(44)} ${Number.isInteger(value) ? value : value.toPrecision(4)}`);
  }
}
