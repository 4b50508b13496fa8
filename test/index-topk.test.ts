import assert from 'node:assert/strict';
import { test } from 'node:test';
import { TopK } from '../src/index/topk.js';
import { createRandom } from '../src/util/rng.js';

/** The slow obvious version: sort everything, best similarity first, ties by smaller key. */
function sortedTopK(pairs: [number, number][], k: number): [number, number][] {
  return [...pairs].sort((a, b) => b[0] - a[0] || a[1] - b[1]).slice(0, k);
}

test('TopK keeps the same pairs as sorting everything, ties to the smaller key', () => {
  const random = createRandom(7);
  for (const [n, k] of [
    [1, 1],
    [10, 3],
    [100, 10],
    [1000, 50],
    [5, 20],
  ]) {
    // Similarities on a coarse grid so that ties are frequent.
    const pairs: [number, number][] = Array.from({ length: n }, (_, i) => [
      Math.round(random() * 20) / 20,
      (i * 7919) % 10007,
    ]);
    const heap = new TopK(k);
    for (const [similarity, key] of pairs) heap.push(similarity, key);
    const { keys, similarities } = heap.drain();
    const expected = sortedTopK(pairs, k);
    assert.deepEqual(
      keys,
      expected.map((pair) => pair[1]),
      `n=${n} k=${k}`,
    );
    assert.deepEqual(
      similarities,
      expected.map((pair) => pair[0]),
      `n=${n} k=${k}`,
    );
  }
});

test('TopK threshold is -Infinity until full, then the worst kept similarity', () => {
  const heap = new TopK(2);
  assert.equal(heap.threshold, -Infinity);
  heap.push(0.5, 1);
  assert.equal(heap.threshold, -Infinity);
  heap.push(0.9, 2);
  assert.equal(heap.threshold, 0.5);
  heap.push(0.7, 3);
  assert.equal(heap.threshold, 0.7);
  assert.equal(heap.length, 2);
  assert.deepEqual(heap.drain(), { keys: [2, 3], similarities: [0.9, 0.7] });
  assert.equal(heap.length, 0);
});
