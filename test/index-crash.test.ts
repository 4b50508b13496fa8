import assert from 'node:assert/strict';
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { after, test } from 'node:test';
import { openIndex, type EmbeddedIndex } from '../src/index/embedded.js';
import type { IndexItem, IndexMatch } from '../src/index/store.js';
import { setQuiet } from '../src/util/log.js';
import { CRASH_BATCH, CRASH_ITEMS, crashGallery } from './support/index-crash-gallery.js';
import { queryVectors, temporaryFolder } from './support/index-fixtures.js';
import { ClusteredSource } from '../src/index/synthetic.js';

const cleanups: (() => void)[] = [];
after(() => cleanups.forEach((cleanup) => cleanup()));

/** Forks the writer and kills it with SIGKILL once it reports batch `killAfter` committed. */
function runAndKill(folder: string, killAfter: number): Promise<number> {
  const script = fileURLToPath(new URL('./support/index-crash-child.js', import.meta.url));
  return new Promise((resolve, reject) => {
    const child = fork(script, [folder], {
      env: { ...process.env, SAMEBIKE_INDEX_CRASH_CHILD: '1' },
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
    });
    let stderr = '';
    let last = 0;
    child.stderr?.on('data', (chunk) => (stderr += String(chunk)));
    child.on('message', (message: { batch?: number; done?: boolean }) => {
      if (message.batch !== undefined) last = message.batch;
      if (message.batch === killAfter) child.kill('SIGKILL');
      if (message.done) reject(new Error('the writer finished before it was killed'));
    });
    child.on('exit', (code, signal) => {
      if (signal === 'SIGKILL') resolve(last);
      else reject(new Error(`the writer exited with code ${code}: ${stderr}`));
    });
  });
}

async function addAll(index: EmbeddedIndex, items: IndexItem[]) {
  const total = { added: 0, replaced: 0, unchanged: 0 };
  for (let start = 0; start < items.length; start += CRASH_BATCH) {
    const summary = await index.add(items.slice(start, start + CRASH_BATCH));
    total.added += summary.added;
    total.replaced += summary.replaced;
    total.unchanged += summary.unchanged;
  }
  return total;
}

/** Every stored row as comparable text: id, ad, path and the vector's bytes. */
async function rows(index: EmbeddedIndex, items: IndexItem[]): Promise<string[]> {
  const out: string[] = [];
  for (const item of items) {
    const stored = await index.get(item.imageId);
    if (!stored) continue;
    const bytes = Buffer.from(
      stored.vector.buffer,
      stored.vector.byteOffset,
      stored.vector.byteLength,
    );
    out.push(`${stored.imageId}|${stored.ad}|${stored.path}|${bytes.toString('base64')}`);
  }
  return out;
}

function ids(matches: IndexMatch[]): string[] {
  return matches.map((match) => match.imageId);
}

test('a writer killed mid-add leaves a usable index that a rerun completes', async () => {
  setQuiet(true);
  const interrupted = temporaryFolder('crash');
  const fresh = temporaryFolder('crash-fresh');
  cleanups.push(interrupted.cleanup, fresh.cleanup);
  const items = crashGallery();

  const reported = await runAndKill(interrupted.path, 10);
  assert.ok(reported >= 10);

  // Every batch is one transaction: the index holds whole batches only, at least the reported ones.
  const recovered = await openIndex(interrupted.path, { expansionSearch: 256 });
  const survived = await recovered.count();
  assert.equal(survived % CRASH_BATCH, 0, `${survived} rows survived`);
  assert.ok(survived >= reported * CRASH_BATCH && survived < CRASH_ITEMS, `${survived} rows`);
  const info = await recovered.info();
  assert.ok(info.annGeneration >= 4 && info.annGeneration < info.generation);

  // The rerun skips what is stored and adds the rest.
  assert.deepEqual(await addAll(recovered, items), {
    added: CRASH_ITEMS - survived,
    replaced: 0,
    unchanged: survived,
  });

  const reference = await openIndex(fresh.path, {
    create: true,
    dimensions: 32,
    expansionSearch: 256,
  });
  await addAll(reference, items);

  assert.equal(await recovered.count(), CRASH_ITEMS);
  assert.deepEqual(await rows(recovered, items), await rows(reference, items));

  // Exact search is deterministic: identical answers. The two graphs were built in different
  // batches on two threads, so they differ; both must hold every row and rank almost exactly.
  const source = new ClusteredSource({ dimensions: 32, clusters: CRASH_ITEMS / 5, seed: 2024 });
  const queries = queryVectors(source, 30, 7);
  const exactA = await Promise.all(queries.map((q) => recovered.search(q, 10, { exact: true })));
  const exactB = await Promise.all(queries.map((q) => reference.search(q, 10, { exact: true })));
  assert.deepEqual(exactA, exactB);
  const matrix = { rows: CRASH_ITEMS, cols: 32, data: new Float32Array(CRASH_ITEMS * 32) };
  items.forEach((item, i) => matrix.data.set(item.vector, i * 32));
  for (const index of [recovered, reference]) {
    // Every row is in the graph: each finds itself, except for the rare node that HNSW's
    // neighbour pruning leaves unreachable (a missing batch would lose 100).
    const own = await index.searchBatch(matrix, 3);
    const lost = items.filter((item, i) => !ids(own[i]).includes(item.imageId));
    assert.ok(
      lost.length <= 2,
      `not found by their own vectors: ${lost.map((item) => item.imageId)}`,
    );
    const approximate = await Promise.all(queries.map((q) => index.search(q, 10)));
    let hits = 0;
    approximate.forEach((list, q) => {
      const truth = new Set(ids(exactA[q]));
      hits += ids(list).filter((id) => truth.has(id)).length;
    });
    assert.ok(hits / (queries.length * 10) >= 0.95, `recall ${hits / 300}`);
  }
  await recovered.close();
  await reference.close();

  // After a clean close the recovered index reopens from its saved graph, with the same answers.
  const reopened = await openIndex(interrupted.path, { readOnly: true, expansionSearch: 256 });
  const reopenedInfo = await reopened.info();
  assert.equal(reopenedInfo.annGeneration, reopenedInfo.generation);
  assert.equal(await reopened.count(), CRASH_ITEMS);
  await reopened.close();
});
