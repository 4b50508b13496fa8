import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { ANN_FILE, openIndex, type EmbeddedIndex } from '../src/index/embedded.js';
import type { IndexItem, IndexMatch } from '../src/index/store.js';
import { setQuiet } from '../src/util/log.js';
import { clusteredItems, queryVectors, temporaryFolder } from './support/index-fixtures.js';

const d = 32;
const folders: (() => void)[] = [];

function folder(name: string): string {
  const made = temporaryFolder(name);
  folders.push(made.cleanup);
  return made.path;
}

before(() => setQuiet(true));
after(() => folders.forEach((cleanup) => cleanup()));

/** Runs `body` and returns what it wrote to stderr (warnings). */
async function stderrOf(body: () => Promise<unknown>): Promise<string> {
  const original = process.stderr.write.bind(process.stderr);
  let captured = '';
  process.stderr.write = ((chunk: string | Uint8Array) => {
    captured += chunk.toString();
    return true;
  }) as typeof process.stderr.write;
  try {
    await body();
  } finally {
    process.stderr.write = original;
  }
  return captured;
}

function ids(matches: IndexMatch[]): string[] {
  return matches.map((match) => match.imageId);
}

/** Same images, ads and paths in the same order; similarities within 1e-5 (float32 rounding). */
function assertSameMatches(actual: IndexMatch[][], expected: IndexMatch[][], note = ''): void {
  assert.equal(actual.length, expected.length, note);
  actual.forEach((list, q) => {
    const strip = (matches: IndexMatch[]) => matches.map(({ similarity: _, ...rest }) => rest);
    assert.deepEqual(strip(list), strip(expected[q]), `${note} query ${q}`);
    list.forEach((match, i) => {
      assert.ok(
        Math.abs(match.similarity - expected[q][i].similarity) < 1e-5,
        `${note} query ${q}`,
      );
    });
  });
}

/** Share of the exact top-k that the approximate search found, over all queries. */
async function recall(index: EmbeddedIndex, queries: Float32Array[], k: number): Promise<number> {
  let found = 0;
  for (const query of queries) {
    const exact = new Set(ids(await index.search(query, k, { exact: true })));
    found += ids(await index.search(query, k)).filter((id) => exact.has(id)).length;
  }
  return found / (queries.length * k);
}

/**
 * Checks that the graph holds the stored items: each is among the 3 nearest of its own vector,
 * except for at most two that HNSW's neighbour pruning may leave unreachable (rows missing from
 * the graph would be whole batches).
 */
async function assertGraphHolds(index: EmbeddedIndex, items: IndexItem[]): Promise<void> {
  const matrix = { rows: items.length, cols: d, data: new Float32Array(items.length * d) };
  items.forEach((item, i) => matrix.data.set(item.vector, i * d));
  const found = await index.searchBatch(matrix, 3);
  const lost = items.filter((item, i) => !ids(found[i]).includes(item.imageId));
  assert.ok(
    lost.length <= 2,
    `not found by their own vectors: ${lost.map((item) => item.imageId)}`,
  );
}

async function created(
  dir: string,
  items: IndexItem[],
  options: Parameters<typeof openIndex>[1] = {},
): Promise<EmbeddedIndex> {
  const index = await openIndex(dir, { create: true, dimensions: d, ...options });
  for (let start = 0; start < items.length; start += 250) {
    await index.add(items.slice(start, start + 250));
  }
  return index;
}

test('add, get, search and remove round-trip', async () => {
  const { items } = clusteredItems(600, d, 1);
  const index = await created(folder('roundtrip'), items);
  assert.equal(await index.count(), 600);
  assert.ok(await index.has('img-10'));
  assert.ok(!(await index.has('img-600')));

  const stored = (await index.get('img-10')) as IndexItem;
  assert.equal(stored.ad, items[10].ad);
  assert.equal(stored.path, 'photos/10.jpg');
  for (let i = 0; i < d; i++) assert.ok(Math.abs(stored.vector[i] - items[10].vector[i]) < 1e-6);

  // The photos of one cluster (one ad here) are each other's nearest neighbours.
  const matches = await index.search(items[10].vector, 5);
  assert.equal(matches[0].imageId, 'img-10');
  assert.ok(Math.abs(matches[0].similarity - 1) < 1e-5);
  assert.ok(matches.slice(0, 5).every((match) => match.ad === items[10].ad));
  for (let i = 1; i < matches.length; i++) {
    assert.ok(matches[i - 1].similarity >= matches[i].similarity);
  }
  // A stored image as the query: its own vector, itself left out.
  assert.deepEqual(ids(await index.search('img-10', 4)), ids(matches).slice(1, 5));

  assert.equal(await index.remove(['img-10', 'img-11', 'no-such-image', 'img-10']), 2);
  assert.equal(await index.count(), 598);
  assert.equal(await index.get('img-10'), undefined);
  assert.ok(!ids(await index.search(items[10].vector, 20)).includes('img-10'));
  assert.ok(!ids(await index.search(items[10].vector, 20, { exact: true })).includes('img-10'));
  assert.equal(await index.remove(['img-10']), 0);
  await index.close();
});

test('adding the same image again is a no-op; a new vector or ad replaces it', async () => {
  const { items } = clusteredItems(300, d, 2);
  const index = await created(folder('idempotent'), items);
  const generation = (await index.info()).generation;
  assert.deepEqual(await index.add(items), { added: 0, replaced: 0, unchanged: 300 });
  assert.equal((await index.info()).generation, generation);

  // Twice as long, same direction: normalised to the same bytes before comparing.
  const scaled = { ...items[0], vector: items[0].vector.map((x) => x * 2) };
  assert.deepEqual(await index.add([scaled]), { added: 0, replaced: 0, unchanged: 1 });

  const moved = { ...items[0], vector: items[150].vector };
  assert.deepEqual(await index.add([moved, { ...items[1], ad: 'other-ad' }]), {
    added: 0,
    replaced: 2,
    unchanged: 0,
  });
  assert.equal(await index.count(), 300);
  const top = await index.search(items[150].vector, 2);
  assert.deepEqual(new Set(ids(top)), new Set(['img-0', 'img-150']));
  assert.equal((await index.get('img-1'))?.ad, 'other-ad');
  const exact = await index.search(items[1].vector, 1, { exact: true });
  assert.equal(exact[0].ad, 'other-ad');
  await index.close();
});

test('exact and ANN searches agree on a small gallery', async () => {
  const { items, source } = clusteredItems(1500, d, 3);
  const index = await created(folder('agree'), items);
  const queries = queryVectors(source, 40, 99);
  assert.ok((await recall(index, queries, 10)) >= 0.99);
  const [ann] = await index.searchBatch({ rows: 1, cols: d, data: queries[0] }, 10);
  const exact = await index.search(queries[0], 10, { exact: true });
  for (const match of ann) {
    const twin = exact.find((e) => e.imageId === match.imageId);
    if (twin) assert.ok(Math.abs(twin.similarity - match.similarity) < 1e-5);
  }
  // An index opened in exact mode answers like the exact option.
  await index.close();
  const exactMode = await openIndex(index.folder, { mode: 'exact' });
  assert.deepEqual(await exactMode.search(queries[0], 10), exact);
  await exactMode.close();
});

test('f16 and i8 graphs keep recall high and report exact float32 similarities', async () => {
  const { items, source } = clusteredItems(1500, d, 4);
  const queries = queryVectors(source, 40, 98);
  for (const scalar of ['f16', 'i8'] as const) {
    const index = await created(folder(`scalar-${scalar}`), items, { scalar });
    assert.equal((await index.info()).scalar, scalar);
    const found = await recall(index, queries, 10);
    assert.ok(found >= 0.95, `${scalar} recall ${found}`);
    const ann = await index.search(queries[1], 10);
    const exact = await index.search(queries[1], 10, { exact: true });
    for (const match of ann) {
      const twin = exact.find((e) => e.imageId === match.imageId);
      if (twin) assert.ok(Math.abs(twin.similarity - match.similarity) < 1e-6, scalar);
    }
    await index.close();
  }
});

test('searchBatch answers like one search per query, for vectors and image ids', async () => {
  const { items, source } = clusteredItems(500, d, 5);
  const index = await created(folder('batch'), items);
  const queries = queryVectors(source, 6, 97);
  const matrix = { rows: 6, cols: d, data: new Float32Array(6 * d) };
  queries.forEach((q, i) => matrix.data.set(q, i * d));
  for (const exact of [false, true]) {
    const batch = await index.searchBatch(matrix, 7, { exact });
    const single = await Promise.all(queries.map((q) => index.search(q, 7, { exact })));
    assertSameMatches(batch, single, `exact ${exact}`);
    const byId = await index.searchBatch(['img-3', 'img-4'], 5, { exact, onlyOtherAds: true });
    assertSameMatches(
      byId.slice(1),
      [await index.search('img-4', 5, { exact, onlyOtherAds: true })],
      `by id, exact ${exact}`,
    );
  }
  assert.deepEqual(await index.searchBatch([], 3), []);
  await index.close();
});

test('filters leave out an ad, refilling until k results remain', async () => {
  // 40 photos of one ad right around the query, 200 photos of other ads elsewhere.
  const { items: crowd } = clusteredItems(200, d, 6);
  const { items: near } = clusteredItems(40, d, 7, 40);
  const base = near[0].vector;
  const sameAd = near.map((item, i) => ({
    imageId: `same-${i}`,
    ad: 'crowded-ad',
    vector: base.map((x, j) => x + 0.05 * item.vector[j]),
  }));
  const index = await created(folder('filters'), [...crowd, ...sameAd]);
  for (const exact of [false, true]) {
    const plain = await index.search(base, 10, { exact });
    assert.ok(plain.every((match) => match.ad === 'crowded-ad'));
    const others = await index.search(base, 10, { exact, excludeAd: 'crowded-ad' });
    assert.equal(others.length, 10);
    assert.ok(others.every((match) => match.ad !== 'crowded-ad'));
    const byId = await index.search('same-0', 10, { exact, onlyOtherAds: true });
    assert.ok(byId.every((match) => match.ad !== 'crowded-ad'));
    assert.equal(byId.length, 10);
  }
  // ANN and exact filtered results are the same set here.
  assert.deepEqual(
    new Set(ids(await index.search(base, 10, { excludeAd: 'crowded-ad' }))),
    new Set(ids(await index.search(base, 10, { excludeAd: 'crowded-ad', exact: true }))),
  );
  // Asking for more than exists returns everything that passes the filter.
  assert.equal((await index.search(base, 500, { excludeAd: 'crowded-ad' })).length, 200);
  // 240 photos, of which ad-1 has 5.
  assert.equal((await index.search(base, 500, { exact: true, excludeAd: 'ad-1' })).length, 235);

  await assert.rejects(index.search(base, 5, { onlyOtherAds: true }), (error: Error) => {
    assert.match(
      error.message,
      /"onlyOtherAds" needs the query's ad, but search: query is a vector/,
    );
    return true;
  });
  await assert.rejects(
    index.search('same-0', 5, { onlyOtherAds: true, excludeAd: 'ad-3' }),
    /"excludeAd" \(ad-3\) and "onlyOtherAds" \(the query's ad "crowded-ad" \(string\)\) name/,
  );
  await index.close();
});

test('neighbors lists the k nearest other images of every image', async () => {
  const { items } = clusteredItems(400, d, 8);
  const index = await created(folder('neighbors'), items);
  const approximate = await index.neighbors(6);
  const exact = await index.neighbors(6, { exact: true });
  assert.equal(exact.ids.length, 400);
  assert.deepEqual(approximate.ids, exact.ids);
  let same = 0;
  for (let row = 0; row < 400; row++) {
    const expected = await index.search(exact.ids[row], 6, { exact: true });
    const listed = Array.from(exact.indices.subarray(row * 6, row * 6 + 6), (i) => exact.ids[i]);
    assert.deepEqual(listed, ids(expected), `row ${row}`);
    assert.ok(!listed.includes(exact.ids[row]));
    for (let j = 0; j < 6; j++) {
      assert.ok(Math.abs(exact.similarities[row * 6 + j] - expected[j].similarity) < 1e-5);
    }
    const approximateRow = new Set(approximate.indices.subarray(row * 6, row * 6 + 6));
    same += listed.filter((id) => approximateRow.has(exact.ids.indexOf(id))).length;
  }
  assert.ok(same / 2400 >= 0.99, `neighbour recall ${same / 2400}`);

  // Fewer images than k + 1: the lists are padded with -1.
  const small = await created(folder('neighbors-small'), items.slice(0, 3));
  const lists = await small.neighbors(4);
  assert.deepEqual(Array.from(lists.indices.subarray(0, 4)).slice(2), [-1, -1]);
  await small.close();
  await index.close();
});

test('the index persists across reopening, and read-only handles memory-map the graph', async () => {
  const dir = folder('persist');
  const { items, source } = clusteredItems(800, d, 9);
  const queries = queryVectors(source, 10, 96);
  const index = await created(dir, items, { modelId: 'head-abc' });
  const before = await Promise.all(queries.map((q) => index.search(q, 8)));
  await index.close();
  const info = await (async () => {
    const reopened = await openIndex(dir);
    const result = await reopened.info();
    await reopened.close();
    return result;
  })();
  assert.equal(info.generation, info.annGeneration);
  assert.equal(info.modelId, 'head-abc');
  assert.ok(info.files.ann > 800 * d * 4 && info.files.database > 800 * d * 4);

  let reader: EmbeddedIndex | undefined;
  const warnings = await stderrOf(async () => {
    reader = await openIndex(dir, { readOnly: true });
  });
  assert.equal(warnings, '');
  const readOnly = reader as EmbeddedIndex;
  assert.ok((await readOnly.info()).readOnly);
  const after = await Promise.all(queries.map((q) => readOnly.search(q, 8)));
  assert.deepEqual(after, before);
  await assert.rejects(readOnly.add(items.slice(0, 1)), /add on a handle opened with readOnly/);

  // A writer adds more: the reader sees it at its next search (its mapped graph is reloaded).
  const writer = await openIndex(dir);
  await writer.add([{ imageId: 'new-photo', ad: 'new-ad', vector: queries[0] }]);
  assert.equal((await readOnly.search(queries[0], 1))[0].imageId, 'new-photo');
  assert.equal(await readOnly.count(), 801);
  await writer.remove(['new-photo']);
  assert.notEqual((await readOnly.search(queries[0], 1))[0].imageId, 'new-photo');
  await writer.close();
  await readOnly.close();
});

test('a graph file that is behind is replayed; a damaged one is rebuilt', async () => {
  const dir = folder('replay');
  const { items, source } = clusteredItems(900, d, 10);
  const queries = queryVectors(source, 10, 95);
  const first = await created(dir, items.slice(0, 600));
  await first.flush();
  await first.add(items.slice(600));
  await first.remove(['img-5', 'img-6']);
  // No close: as if the process died here. SQLite has every row, the graph file only the first 600.

  let second: EmbeddedIndex | undefined;
  const warnings = await stderrOf(async () => {
    second = await openIndex(dir, { expansionSearch: 256 });
  });
  assert.equal(warnings, '', 'replaying must not need a rebuild');
  const replayed = second as EmbeddedIndex;
  assert.equal(await replayed.count(), 898);
  const stored = items.filter((item) => !['img-5', 'img-6'].includes(item.imageId));
  await assertGraphHolds(replayed, stored);
  for (const list of await Promise.all(queries.map((q) => replayed.search(q, 898)))) {
    assert.ok(!ids(list).includes('img-5') && !ids(list).includes('img-6'));
  }
  assert.ok((await recall(replayed, queries, 10)) >= 0.95);
  await replayed.close();
  await first.close();

  for (const damage of ['garbage', 'truncated']) {
    const path = join(dir, ANN_FILE);
    const bytes = readFileSync(path);
    writeFileSync(
      path,
      damage === 'garbage' ? Buffer.alloc(bytes.length, 1) : bytes.subarray(0, 5000),
    );
    let reopened: EmbeddedIndex | undefined;
    const message = await stderrOf(async () => {
      reopened = await openIndex(dir, { expansionSearch: 256 });
    });
    assert.match(message, /ignoring vectors\.usearch \(.*\); rebuilding it/, damage);
    const index = reopened as EmbeddedIndex;
    await assertGraphHolds(index, stored);
    assert.ok((await recall(index, queries, 10)) >= 0.95, damage);
    await index.close();
  }
});

test('an index opened in exact mode does not touch the graph file', async () => {
  const dir = folder('exact-mode');
  const { items, source } = clusteredItems(300, d, 11);
  const index = await created(dir, items, { mode: 'exact' });
  await index.close();
  assert.ok(!existsSync(join(dir, ANN_FILE)));
  const ann = await openIndex(dir);
  const query = queryVectors(source, 1, 94)[0];
  assert.deepEqual(
    ids(await ann.search(query, 5)),
    ids(await ann.search(query, 5, { exact: true })),
  );
  await ann.close();
  assert.ok(existsSync(join(dir, ANN_FILE)));
});

test("two handles on one folder see each other's writes", async () => {
  const dir = folder('two-handles');
  const { items } = clusteredItems(200, d, 12);
  const a = await created(dir, items.slice(0, 100));
  const b = await openIndex(dir);
  await b.search(items[0].vector, 3, { exact: true }); // loads b's exact table too
  await a.add(items.slice(100));
  assert.equal(await b.count(), 200);
  assert.equal((await b.search(items[150].vector, 1))[0].imageId, 'img-150');
  assert.equal((await b.search(items[150].vector, 1, { exact: true }))[0].imageId, 'img-150');
  await b.remove(['img-150']);
  assert.notEqual((await a.search(items[150].vector, 1))[0].imageId, 'img-150');
  await b.add([{ ...items[150], imageId: 'img-150b' }]);
  assert.equal((await a.search(items[150].vector, 1))[0].imageId, 'img-150b');
  await a.close();
  await b.close();
  const reopened = await openIndex(dir);
  assert.equal(await reopened.count(), 200);
  await reopened.close();
});

test('mismatched dimensions, model id and settings are refused with the folder named', async () => {
  const dir = folder('mismatch');
  const index = await openIndex(dir, {
    create: true,
    dimensions: d,
    modelId: 'model-a',
    scalar: 'f16',
  });
  await index.close();
  await assert.rejects(openIndex(dir, { dimensions: 16 }), (error: Error) => {
    assert.equal(error.name, 'SamebikeError');
    assert.ok(error.message.includes(dir));
    assert.match(error.message, /built with dimensions 32 \(number\), but 16 \(number\) was asked/);
    return true;
  });
  await assert.rejects(
    openIndex(dir, { modelId: 'model-b' }),
    /built with model id "model-a" \(string\), but "model-b" \(string\) was asked for/,
  );
  await assert.rejects(openIndex(dir, { scalar: 'i8' }), /built with scalar kind "f16"/);
  await assert.rejects(openIndex(dir, { connectivity: 32 }), /built with connectivity 16/);

  const reopened = await openIndex(dir, { modelId: 'model-a' });
  await assert.rejects(
    reopened.add([{ imageId: 'x', vector: new Float32Array(16).fill(1) }]),
    /add: items\[0\] \(image "x"\) has 16 dimensions, the index holds 32/,
  );
  await assert.rejects(
    reopened.search(new Float32Array(8).fill(1), 3),
    /search: query has 8 dimensions, the index holds 32/,
  );
  await assert.rejects(
    reopened.searchBatch({ rows: 1, cols: 8, data: new Float32Array(8) }, 3),
    /query vectors have 8 dimensions, the index holds 32/,
  );
  await reopened.close();
});

test('bad input is refused with the parameter, the expectation and what arrived', async () => {
  const missing = join(folder('missing'), 'nothing-here');
  await assert.rejects(openIndex(missing), /no index\.sqlite there/);
  await assert.rejects(openIndex(missing, { create: true }), /needs the vector dimensions, none/);
  await assert.rejects(
    openIndex(missing, { create: true, dimensions: 8, scalar: 'f8' as 'f16' }),
    /openIndex option "scalar": expected one of f32, f16, i8, got "f8" \(string\)/,
  );
  await assert.rejects(
    openIndex(missing, { create: true, dimensions: 0 }),
    /"dimensions": expected an integer from 1 to 65536, got 0 \(number\)/,
  );
  await assert.rejects(
    openIndex(missing, { create: true, readOnly: true, dimensions: 8 }),
    /"create" and "readOnly" were both true/,
  );
  await assert.rejects(
    openIndex(missing, { create: true, dimensions: 8, mode: 'fast' as 'ann' }),
    /"mode": expected one of ann, exact, got "fast"/,
  );

  const index = await openIndex(folder('bad-input'), { create: true, dimensions: 4 });
  const vector = Float32Array.from([1, 0, 0, 0]);
  await assert.rejects(
    index.add([
      { imageId: 'a', vector },
      { imageId: 'a', vector },
    ]),
    /image id "a" appears twice in one add \(items 0 and 1\)/,
  );
  await assert.rejects(
    index.add([{ imageId: 'z', vector: new Float32Array(4) }]),
    /items\[0\] \(image "z"\) is all zeros or has a value that is not a finite number/,
  );
  await assert.rejects(
    index.add([{ imageId: '', vector }]),
    /add: items\[0\]\.imageId: expected a non-empty string, got "" \(string\)/,
  );
  await assert.rejects(
    index.add([{ imageId: 'b', vector: [1, 0, 0, 0] as unknown as Float32Array }]),
    /items\[0\]\.vector: expected a Float32Array, got \[1,0,0,0\] \(array\)/,
  );
  await assert.rejects(index.search(vector, 0), /search: k: expected a positive integer, got 0/);
  await assert.rejects(index.search('nobody', 2), /image id "nobody", which is not in the index/);
  await assert.rejects(index.neighbors(2.5), /neighbors: k: expected a positive integer, got 2\.5/);
  assert.equal(await index.count(), 0);
  assert.deepEqual(await index.search(vector, 3), []);
  assert.deepEqual(await index.search(vector, 3, { exact: true }), []);
  await index.close();
  await assert.rejects(index.count(), /used after close\(\)/);
});

test('a batch larger than one graph chunk (8,192 vectors) is inserted completely', async () => {
  const { items } = clusteredItems(9000, 16, 13, 10);
  const index = await openIndex(folder('large-batch'), { create: true, dimensions: 16 });
  assert.deepEqual(await index.add(items), { added: 9000, replaced: 0, unchanged: 0 });
  // The last chunk (rows 8192..8999) and a sample of the first are in the graph.
  const sample = [...items.slice(0, 200), ...items.slice(8192)];
  const matrix = { rows: sample.length, cols: 16, data: new Float32Array(sample.length * 16) };
  sample.forEach((item, i) => matrix.data.set(item.vector, i * 16));
  const found = await index.searchBatch(matrix, 3);
  const lost = sample.filter((item, i) => !ids(found[i]).includes(item.imageId));
  assert.ok(lost.length <= 2, `lost ${lost.length}`);
  await index.close();
});
