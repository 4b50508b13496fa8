/**
 * The serving half of the index benchmark (bench/index.ts), run in a fresh process so that its
 * memory is what a search service would hold: opens a built index, times single top-k queries
 * one after another, measures batch throughput, and reports RSS and the ids found for the first
 * queries (for recall against exact search). Started by `benchIndex` through `fork`; it answers
 * one IPC message and exits. Without that message (for example when loaded by a test runner) it
 * does nothing.
 */
import { openIndex } from '../src/index/embedded.js';
import { setQuiet } from '../src/util/log.js';
import { readNpy } from '../src/util/npy.js';

/** What the benchmark asks the serving process to do. */
export interface ServeRequest {
  folder: string;
  /** A .npy file with one query vector per row. */
  queriesFile: string;
  k: number;
  /** Report the ids found for this many first queries. */
  recallQueries: number;
  expansionSearch: number;
  /** Memory-map the graph (read-only) instead of loading it. */
  view: boolean;
  threads: number;
}

/** What the serving process reports. */
export interface ServeReport {
  openSeconds: number;
  rssAfterOpen: number;
  rssAfterQueries: number;
  latenciesMs: number[];
  /** Mean CPU time per single query (all threads), less sensitive than wall time to other load. */
  cpuMsPerQuery: number;
  batchQueriesPerSecond: number;
  found: string[][];
}

async function serve(request: ServeRequest): Promise<ServeReport> {
  setQuiet(true);
  const queries = readNpy(request.queriesFile);
  const d = queries.cols;

  const started = performance.now();
  const index = await openIndex(request.folder, {
    readOnly: request.view,
    expansionSearch: request.expansionSearch,
    threads: request.threads,
  });
  const openSeconds = (performance.now() - started) / 1000;
  const rssAfterOpen = process.memoryUsage().rss;

  const latenciesMs: number[] = [];
  const found: string[][] = [];
  const cpu = process.cpuUsage();
  for (let q = 0; q < queries.rows; q++) {
    const query = queries.data.subarray(q * d, (q + 1) * d);
    const start = performance.now();
    const matches = await index.search(query, request.k);
    latenciesMs.push(performance.now() - start);
    if (q < request.recallQueries) found.push(matches.map((match) => match.imageId));
  }
  const used = process.cpuUsage(cpu);
  const cpuMsPerQuery = (used.user + used.system) / 1000 / queries.rows;
  const rssAfterQueries = process.memoryUsage().rss;

  const batchStart = performance.now();
  await index.searchBatch(queries, request.k);
  const batchQueriesPerSecond = queries.rows / ((performance.now() - batchStart) / 1000);
  await index.close();
  return {
    openSeconds,
    rssAfterOpen,
    rssAfterQueries,
    latenciesMs,
    cpuMsPerQuery,
    batchQueriesPerSecond,
    found,
  };
}

if (process.send) {
  process.once('message', (request: ServeRequest) => {
    serve(request).then(
      (report) => process.send?.(report, () => process.exit(0)),
      (error: unknown) => {
        process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
        process.exit(1);
      },
    );
  });
}
