/**
 * The writer process of the index crash test (test/index-crash.test.ts): adds a seeded gallery in
 * batches, reporting each committed batch to its parent, which kills it with SIGKILL part way.
 * It saves the graph file once early on, so that recovery exercises a replay, not only a rebuild.
 *
 * Run only when the parent sets SAMEBIKE_INDEX_CRASH_CHILD=1 (node's test runner also loads every
 * file under test/, and then this one must do nothing).
 */
import { openIndex } from '../../src/index/embedded.js';
import { setQuiet } from '../../src/util/log.js';
import { CRASH_BATCH, CRASH_DIMENSIONS, CRASH_ITEMS, crashGallery } from './index-crash-gallery.js';

async function main(folder: string): Promise<void> {
  setQuiet(true);
  const items = crashGallery();
  const index = await openIndex(folder, { create: true, dimensions: CRASH_DIMENSIONS });
  for (let start = 0, batch = 1; start < CRASH_ITEMS; start += CRASH_BATCH, batch++) {
    await index.add(items.slice(start, start + CRASH_BATCH));
    if (batch === 4) await index.flush();
    process.send?.({ batch });
  }
  await index.close();
  process.send?.({ done: true });
}

if (process.env.SAMEBIKE_INDEX_CRASH_CHILD === '1' && process.argv[2]) {
  main(process.argv[2]).catch((error: unknown) => {
    process.stderr.write(`${String(error)}\n`);
    process.exit(1);
  });
}
