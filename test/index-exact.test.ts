import assert from 'node:assert/strict';
import { test } from 'node:test';
import { NO_AD, VectorTable, searchExact } from '../src/index/exact.js';
import { createRandom } from '../src/util/rng.js';

function randomUnit(random: () => number, d: number): Float32Array {
  const v = new Float32Array(d);
  let norm = 0;
  for (let i = 0; i < d; i++) {
    v[i] = random() * 2 - 1;
    norm += v[i] * v[i];
  }
  for (let i = 0; i < d; i++) v[i] /= Math.sqrt(norm);
  return v;
}

test('searchExact equals a plain scan over all rows, with ad and key exclusions', async () => {
  const d = 24;
  const random = createRandom(11);
  const table = new VectorTable(d, 4);
  const rows: { key: number; ad: string; vector: Float32Array }[] = [];
  for (let i = 0; i < 3000; i++) {
    const row = { key: 10 + i * 3, ad: `ad${i % 37}`, vector: randomUnit(random, d) };
    rows.push(row);
    table.append(row.key, row.vector, row.ad);
  }
  // Remove some rows (swap-delete) and replace one, as add/remove do.
  for (const i of [0, 17, 2999, 1500]) table.remove(rows[i].key);
  const alive = rows.filter((_, i) => ![0, 17, 2999, 1500].includes(i));
  assert.equal(table.rows, alive.length);

  const queries = Array.from({ length: 5 }, () => randomUnit(random, d));
  const matrix = { rows: 5, cols: d, data: new Float32Array(5 * d) };
  queries.forEach((q, i) => matrix.data.set(q, i * d));
  const exclusions = [
    { adCode: NO_AD, key: -1 },
    { adCode: table.adCode('ad3'), key: -1 },
    { adCode: NO_AD, key: alive[5].key },
    { adCode: table.adCode('no-such-ad'), key: -1 },
    { adCode: table.adCode('ad0'), key: alive[1].key },
  ];
  const k = 12;
  const results = await searchExact(table, matrix, k, exclusions);
  queries.forEach((q, i) => {
    const excludedAd = ['', 'ad3', '', '', 'ad0'][i];
    const expected = alive
      .filter((row) => row.ad !== excludedAd && row.key !== exclusions[i].key)
      .map((row) => {
        let s = 0;
        for (let j = 0; j < d; j++) s += q[j] * row.vector[j];
        return { key: row.key, s };
      })
      .sort((a, b) => b.s - a.s || a.key - b.key)
      .slice(0, k);
    assert.deepEqual(
      results[i].keys,
      expected.map((e) => e.key),
      `query ${i}`,
    );
    results[i].similarities.forEach((s, j) => assert.ok(Math.abs(s - expected[j].s) < 1e-5));
  });
});

test('searchExact returns fewer than k when the table is small, none when empty', async () => {
  const table = new VectorTable(2);
  const query = { rows: 1, cols: 2, data: Float32Array.from([1, 0]) };
  assert.deepEqual(await searchExact(table, query, 3), [{ keys: [], similarities: [] }]);
  table.append(1, Float32Array.from([0, 1]), undefined);
  table.append(2, Float32Array.from([1, 0]), 'x');
  const [result] = await searchExact(table, query, 3);
  assert.deepEqual(result, { keys: [2, 1], similarities: [1, 0] });
  const [filtered] = await searchExact(table, query, 3, [{ adCode: table.adCode('x'), key: -1 }]);
  assert.deepEqual(filtered.keys, [1]);
});

test('VectorTable replaces a key on append and keeps rows consistent after removals', () => {
  const table = new VectorTable(2, 1);
  table.append(5, Float32Array.from([1, 2]), 'a');
  table.append(6, Float32Array.from([3, 4]), 'b');
  table.append(5, Float32Array.from([5, 6]), 'c');
  assert.equal(table.rows, 2);
  assert.ok(table.remove(6));
  assert.ok(!table.remove(6));
  assert.equal(table.rows, 1);
  assert.equal(table.key(0), 5);
  assert.deepEqual(Array.from(table.vector(0)), [5, 6]);
  assert.equal(table.adOfRow(0), table.adCode('c'));
});
