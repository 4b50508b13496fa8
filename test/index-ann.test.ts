import assert from 'node:assert/strict';
import { writeFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { AnnGraph, checkAnnFile, type AnnConfig } from '../src/index/ann.js';
import { dot } from '../src/index/vectors.js';
import { ClusteredSource } from '../src/index/synthetic.js';
import { temporaryFolder } from './support/index-fixtures.js';

const d = 32;

function config(scalar: AnnConfig['scalar']): AnnConfig {
  return {
    dimensions: d,
    scalar,
    connectivity: 16,
    expansionAdd: 128,
    expansionSearch: 128,
    threads: 2,
  };
}

function gallery(n: number): Float32Array {
  return new ClusteredSource({ dimensions: d, clusters: 50, seed: 21 }).members(n, 22).data;
}

/** Keys 100.. of the exact top-k by a plain scan. */
function exactTop(data: Float32Array, query: Float32Array, k: number): number[] {
  const n = data.length / d;
  return Array.from({ length: n }, (_, i) => ({
    key: 100 + i,
    s: dot(query, data.subarray(i * d, (i + 1) * d)),
  }))
    .sort((a, b) => b.s - a.s)
    .slice(0, k)
    .map((e) => e.key);
}

test('AnnGraph finds the exact neighbours of a small gallery in every scalar kind', () => {
  const data = gallery(400);
  const keys = Array.from({ length: 400 }, (_, i) => 100 + i);
  for (const scalar of ['f32', 'f16', 'i8'] as const) {
    const graph = AnnGraph.create(config(scalar));
    graph.add(keys, data);
    assert.equal(graph.size, 400);
    assert.ok(graph.contains(100) && !graph.contains(99));
    const query = data.subarray(7 * d, 8 * d);
    const [result] = graph.search(query, 5, false);
    assert.equal(result.keys[0], 107, scalar);
    assert.ok(Math.abs(result.similarities[0] - 1) < 0.02, `${scalar}: ${result.similarities[0]}`);
    if (scalar === 'f32') assert.deepEqual(result.keys, exactTop(data, query, 5));
    graph.remove([107, 5000]);
    assert.equal(graph.size, 399);
    assert.ok(!graph.search(query, 5, false)[0].keys.includes(107));
  }
});

test('parallel insertion leaves no node unreachable (usearch issue #735 is repaired)', () => {
  // On two threads usearch 2.25 orphans about 1% of these nodes; every one must find itself.
  const n = 2000;
  const data = new ClusteredSource({ dimensions: d, clusters: n / 5, seed: 2024 }).members(
    n,
    2025,
  ).data;
  for (let round = 0; round < 3; round++) {
    const graph = AnnGraph.create({ ...config('f32'), threads: 2 });
    graph.add(
      Array.from({ length: n }, (_, i) => i + 1),
      data,
    );
    const found = graph.search(data, 3);
    const lost = found.filter((result, i) => !result.keys.includes(i + 1)).length;
    assert.equal(lost, 0, `round ${round}`);
  }
});

test('AnnGraph batch search answers each query like a single search', () => {
  const data = gallery(300);
  const graph = AnnGraph.create(config('f32'));
  graph.add(
    Array.from({ length: 300 }, (_, i) => 100 + i),
    data,
  );
  const batch = graph.search(data.subarray(0, 4 * d), 6);
  assert.equal(batch.length, 4);
  for (let q = 0; q < 4; q++) {
    assert.deepEqual(batch[q], graph.search(data.subarray(q * d, (q + 1) * d), 6, false)[0]);
  }
  // More wanted than stored: everything comes back once.
  assert.equal(graph.search(data.subarray(0, d), 1000, false)[0].keys.length, 300);
});

test('AnnGraph saves atomically and reopens by loading or memory-mapping', () => {
  const folder = temporaryFolder('ann');
  try {
    const data = gallery(200);
    const graph = AnnGraph.create(config('f16'));
    graph.add(
      Array.from({ length: 200 }, (_, i) => 100 + i),
      data,
    );
    const path = join(folder.path, 'g.usearch');
    const bytes = graph.save(path);
    assert.ok(bytes > 200 * d * 2);
    const query = data.subarray(3 * d, 4 * d);
    const expected = graph.search(query, 10, false);
    const loaded = AnnGraph.open(path, config('f16'), false);
    const viewed = AnnGraph.open(path, config('f16'), true);
    assert.ok(loaded.mutable && !viewed.mutable);
    assert.deepEqual(loaded.search(query, 10, false), expected);
    assert.deepEqual(viewed.search(query, 10, false), expected);
    loaded.add([1], data.subarray(0, d));
    assert.equal(loaded.size, 201);
  } finally {
    folder.cleanup();
  }
});

test('checkAnnFile explains damaged and mismatched files instead of letting usearch crash', () => {
  const folder = temporaryFolder('ann-check');
  try {
    const path = join(folder.path, 'g.usearch');
    assert.match(checkAnnFile(path, config('f32')) as string, /does not exist/);
    writeFileSync(path, 'not an index');
    assert.match(checkAnnFile(path, config('f32')) as string, /too short \(12 bytes\)/);
    writeFileSync(path, Buffer.alloc(4096, 7));
    assert.match(checkAnnFile(path, config('f32')) as string, /bytes per vector/);
    assert.throws(() => AnnGraph.open(path, config('f32'), false), /bytes per vector/);

    const graph = AnnGraph.create(config('f32'));
    graph.add([1, 2, 3], gallery(3));
    graph.save(path);
    assert.equal(checkAnnFile(path, config('f32')), undefined);
    assert.match(
      checkAnnFile(path, config('f16')) as string,
      /bytes per vector; 32 dimensions in f16/,
    );
    assert.match(checkAnnFile(path, { ...config('f32'), dimensions: 8 }) as string, /bytes per/);
    const whole = readFileSync(path);
    writeFileSync(path, whole.subarray(0, 8 + 3 * d * 4 + 10));
    assert.match(checkAnnFile(path, config('f32')) as string, /truncated/);
    const garbled = Buffer.from(whole);
    garbled.write('xxxxxxx', 8 + 3 * d * 4, 'latin1');
    writeFileSync(path, garbled);
    assert.match(checkAnnFile(path, config('f32')) as string, /no usearch header/);
  } finally {
    folder.cleanup();
  }
});
