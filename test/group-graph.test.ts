// Tests of the similarity graph and its two clusterings (src/group/graph.ts): hand-built cases,
// and both clusterings against slow obvious versions on random graphs.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  averageLinkage,
  buildSimilarityGraph,
  connectedComponents,
  countingOrder,
  graphFromEdges,
  groupPhotos,
  PairTable,
  type SimilarityGraph,
} from '../src/group/graph.js';
import { pairwiseScores } from '../src/group/metrics.js';
import { syntheticBikes } from '../src/group/synthetic.js';
import { createRandom, randomInt } from '../src/util/rng.js';
import { exactKnn, partition, randomGraph } from './group-fixtures.js';

function edgesOf(graph: SimilarityGraph): [number, number, number][] {
  return Array.from(graph.sources, (s, e) => [s, graph.targets[e], graph.similarities[e]]);
}

test('buildSimilarityGraph symmetrises, drops self matches and empty slots, keeps the max', () => {
  const knn = {
    k: 3,
    indices: Int32Array.from([0, 1, 2, 1, 0, -1, 2, 0, 3, 3, 2, -1]),
    similarities: Float32Array.from([1, 0.9, 0.5, 1, 0.875, 0, 1, 0.5, 0.25, 1, 0.25, 0]),
  };
  const graph = buildSimilarityGraph(knn);
  assert.equal(graph.n, 4);
  assert.deepEqual(edgesOf(graph), [
    [0, 1, 0.8999999761581421],
    [0, 2, 0.5],
    [2, 3, 0.25],
  ]);
  const strong = buildSimilarityGraph(knn, { minSimilarity: 0.5 });
  assert.deepEqual(
    edgesOf(strong).map(([a, b]) => [a, b]),
    [
      [0, 1],
      [0, 2],
    ],
  );
});

test('graphFromEdges matches a map-based dedupe on random edge lists', () => {
  for (let seed = 1; seed <= 5; seed++) {
    const n = 30;
    const m = 200;
    const sources = new Int32Array(m);
    const targets = new Int32Array(m);
    const similarities = new Float32Array(m);
    let state = seed;
    const next = () => (state = (state * 1103515245 + 12345) % 2147483648);
    for (let e = 0; e < m; e++) {
      sources[e] = next() % n;
      targets[e] = next() % n;
      similarities[e] = (next() % 1000) / 1000;
    }
    const expected = new Map<string, number>();
    for (let e = 0; e < m; e++) {
      const a = Math.min(sources[e], targets[e]);
      const b = Math.max(sources[e], targets[e]);
      if (a === b) continue;
      const key = `${a},${b}`;
      expected.set(key, Math.max(expected.get(key) ?? -Infinity, similarities[e]));
    }
    const want = [...expected.entries()]
      .map(([key, s]) => [...key.split(',').map(Number), s])
      .sort((x, y) => x[0] - y[0] || x[1] - y[1]);
    assert.deepEqual(edgesOf(graphFromEdges(n, sources, targets, similarities)), want);
  }
});

test('countingOrder sorts stably', () => {
  const keys = Int32Array.from([2, 0, 1, 0, 2]);
  assert.deepEqual(Array.from(countingOrder(keys, 3, null)), [1, 3, 2, 0, 4]);
  assert.deepEqual(
    Array.from(countingOrder(keys, 3, Int32Array.from([4, 3, 2, 1, 0]))),
    [3, 1, 2, 4, 0],
  );
});

test('buildSimilarityGraph rejects malformed lists with errors that name the problem', () => {
  const ok = { k: 2, indices: Int32Array.from([0, 1, 1, 0]), similarities: new Float32Array(4) };
  assert.throws(() => buildSimilarityGraph({ ...ok, k: 0 }), /knn\.k: expected a positive integer/);
  assert.throws(
    () => buildSimilarityGraph({ ...ok, similarities: new Float32Array(3) }),
    /indices has 4 values and similarities 3; both must be n×k with k = 2/,
  );
  assert.throws(
    () => buildSimilarityGraph({ ...ok, indices: Int32Array.from([0, 5, 1, 0]) }),
    /photo 0, neighbour 1 is 5; expected a photo index in \[0, 1\] or -1/,
  );
  assert.throws(
    () => buildSimilarityGraph({ ...ok, similarities: Float32Array.from([1, NaN, 0, 0]) }),
    /photo 0, neighbour 1 is NaN/,
  );
  assert.throws(
    () => buildSimilarityGraph({ ...ok, indices: [0, 1, 1, 0] as unknown as Int32Array }),
    /knn\.indices: expected an Int32Array/,
  );
  assert.throws(
    () => graphFromEdges(2, Int32Array.from([0]), Int32Array.from([2]), Float32Array.from([1])),
    /edge 0: \(0, 2\) has a node outside \[0, 1\]/,
  );
});

/** Connected components by breadth-first search over an adjacency list. */
function slowComponents(graph: SimilarityGraph, threshold: number): number[][] {
  const adjacency: number[][] = Array.from({ length: graph.n }, () => []);
  edgesOf(graph).forEach(([a, b, s]) => {
    if (s >= threshold) {
      adjacency[a].push(b);
      adjacency[b].push(a);
    }
  });
  const seen = new Array<boolean>(graph.n).fill(false);
  const groups: number[][] = [];
  for (let start = 0; start < graph.n; start++) {
    if (seen[start]) continue;
    const group: number[] = [];
    const queue = [start];
    seen[start] = true;
    while (queue.length > 0) {
      const x = queue.shift() as number;
      group.push(x);
      for (const y of adjacency[x]) {
        if (!seen[y]) {
          seen[y] = true;
          queue.push(y);
        }
      }
    }
    groups.push(group.sort((a, b) => a - b));
  }
  return groups.sort((a, b) => a[0] - b[0]);
}

test('connectedComponents matches breadth-first search and numbers groups by first photo', () => {
  for (let seed = 1; seed <= 10; seed++) {
    const graph = randomGraph(40, 45, seed);
    for (const threshold of [-Infinity, 0, 0.5]) {
      const { labels, groupCount } = connectedComponents(graph, threshold);
      const expected = slowComponents(graph, threshold);
      assert.deepEqual(partition(labels), expected);
      assert.equal(groupCount, expected.length);
      expected.forEach((group, id) => assert.equal(labels[group[0]], id));
    }
  }
});

/**
 * Average linkage the obvious way: recompute the average between every two groups that share an
 * edge, merge the best pair, repeat while it is ≥ threshold.
 */
function slowAverageLinkage(
  graph: SimilarityGraph,
  threshold: number,
  missing: 'ignore' | number,
): number[][] {
  const similarity = new Map<number, number>();
  edgesOf(graph).forEach(([a, b, s]) => {
    similarity.set(a * graph.n + b, s);
    similarity.set(b * graph.n + a, s);
  });
  let groups: number[][] = Array.from({ length: graph.n }, (_, i) => [i]);
  for (;;) {
    let best = -Infinity;
    let pair: [number, number] = [-1, -1];
    for (let x = 0; x < groups.length; x++) {
      for (let y = x + 1; y < groups.length; y++) {
        let sum = 0;
        let count = 0;
        for (const a of groups[x]) {
          for (const b of groups[y]) {
            const s = similarity.get(a * graph.n + b);
            if (s !== undefined) {
              sum += s;
              count++;
            }
          }
        }
        if (count === 0) continue;
        const pairs = groups[x].length * groups[y].length;
        const average =
          missing === 'ignore' ? sum / count : (sum + (pairs - count) * missing) / pairs;
        if (average > best) {
          best = average;
          pair = [x, y];
        }
      }
    }
    if (best < threshold) break;
    const [x, y] = pair;
    groups[x] = [...groups[x], ...groups[y]].sort((a, b) => a - b);
    groups = groups.filter((_, i) => i !== y);
  }
  return groups.sort((a, b) => a[0] - b[0]);
}

test('averageLinkage matches the slow version on random graphs, both ways of counting gaps', () => {
  for (let seed = 1; seed <= 12; seed++) {
    const graph = randomGraph(16, seed % 2 === 0 ? 60 : 30, seed);
    for (const threshold of [-0.2, 0.1, 0.4]) {
      for (const missing of ['ignore', -0.5] as const) {
        const { labels, groupCount } = averageLinkage(graph, {
          threshold,
          missingSimilarity: missing,
        });
        const expected = slowAverageLinkage(graph, threshold, missing);
        assert.deepEqual(partition(labels), expected, `seed ${seed} ${threshold} ${missing}`);
        assert.equal(groupCount, expected.length);
      }
    }
  }
});

test('averageLinkage by hand: a chain, a weak pair, and missing pairs', () => {
  // 0–1 and 1–2 are strong, 0–2 is known to be weak.
  const chain = graphFromEdges(
    3,
    Int32Array.from([0, 1, 0]),
    Int32Array.from([1, 2, 2]),
    Float32Array.from([0.875, 0.875, 0.125]),
  );
  // Components join all three at any threshold up to 0.875.
  assert.deepEqual(Array.from(connectedComponents(chain, 0.6).labels), [0, 0, 0]);
  // Average: 0+1 merge first (tie with 1+2 goes to the lower pair), then {0,1}–2 averages
  // (0.875 + 0.125) / 2 = 0.5.
  assert.deepEqual(Array.from(averageLinkage(chain, { threshold: 0.5 }).labels), [0, 0, 0]);
  assert.deepEqual(Array.from(averageLinkage(chain, { threshold: 0.6 }).labels), [0, 0, 1]);

  // Without the 0–2 edge: ignoring the gap keeps the average at 0.875; counting it as 0 gives
  // (0.875 + 0) / 2 = 0.4375.
  const open = graphFromEdges(
    3,
    Int32Array.from([0, 1]),
    Int32Array.from([1, 2]),
    Float32Array.from([0.875, 0.875]),
  );
  assert.deepEqual(Array.from(averageLinkage(open, { threshold: 0.6 }).labels), [0, 0, 0]);
  const counted = averageLinkage(open, { threshold: 0.6, missingSimilarity: 0 });
  assert.deepEqual(Array.from(counted.labels), [0, 0, 1]);
  assert.equal(averageLinkage(open, { threshold: 0.4, missingSimilarity: 0 }).groupCount, 1);
});

test('averageLinkage and groupPhotos reject bad options', () => {
  const graph = randomGraph(4, 3, 1);
  assert.throws(
    () => averageLinkage(graph, { threshold: Number.NaN }),
    /threshold: expected a finite cosine similarity, usually 0\.5–0\.9, got null \(number\)/,
  );
  assert.throws(
    () => averageLinkage(graph, { threshold: 0.5, missingSimilarity: 0.5 }),
    /missingSimilarity: expected 'ignore' or a number below the threshold 0\.5/,
  );
  const knn = { k: 1, indices: Int32Array.from([0]), similarities: Float32Array.from([1]) };
  assert.throws(
    () => groupPhotos(knn, { threshold: 0.5, method: 'single' as 'average' }),
    /method: expected 'average' or 'components', got "single"/,
  );
  assert.throws(() => connectedComponents(graph, Number.NaN), /threshold: expected/);
});

test('groupPhotos recovers the bikes of synthetic photos with both methods', () => {
  const { embeddings, bikes } = syntheticBikes({
    photos: 300,
    dim: 64,
    seed: 3,
    maxPhotosPerBike: 6,
    photoNoise: [0.05, 0.2],
    modelSimilarity: 0.3,
  });
  const knn = exactKnn(embeddings, 8);
  for (const method of ['components', 'average'] as const) {
    const { labels } = groupPhotos(knn, { threshold: 0.6, method });
    const { precision, recall } = pairwiseScores(labels, bikes);
    assert.equal(precision, 1, method);
    assert.equal(recall, 1, method);
  }
});

test('averageLinkage resists a bridge that joins two bikes under connected components', () => {
  // Two tight groups {0,1,2} and {3,4,5} (similarity 0.9 inside) with one bridge 2–3 at 0.8 and
  // known weak pairs across (0.1).
  const sources: number[] = [];
  const targets: number[] = [];
  const similarities: number[] = [];
  for (let a = 0; a < 6; a++) {
    for (let b = a + 1; b < 6; b++) {
      sources.push(a);
      targets.push(b);
      const same = a < 3 === b < 3;
      similarities.push(same ? 0.9 : a === 2 && b === 3 ? 0.8 : 0.1);
    }
  }
  const graph = graphFromEdges(
    6,
    Int32Array.from(sources),
    Int32Array.from(targets),
    Float32Array.from(similarities),
  );
  assert.equal(connectedComponents(graph, 0.7).groupCount, 1);
  assert.deepEqual(
    Array.from(averageLinkage(graph, { threshold: 0.7 }).labels),
    [0, 0, 0, 1, 1, 1],
  );
});

test('PairTable agrees with a Map through inserts, removals and rebuilds', () => {
  const random = createRandom(5);
  const table = new PairTable(4);
  const expected = new Map<string, number>();
  for (let step = 0; step < 5000; step++) {
    const a = randomInt(random, 40);
    const b = randomInt(random, 40);
    if (a === b) continue;
    const key = `${Math.min(a, b)},${Math.max(a, b)}`;
    const slot = table.find(b, a);
    assert.equal(slot >= 0, expected.has(key), `step ${step}`);
    if (slot >= 0) {
      assert.equal(table.sums[slot], expected.get(key));
      if (random() < 0.6) {
        table.remove(slot);
        expected.delete(key);
      }
    } else {
      table.insert(a, b, step, 1);
      expected.set(key, step);
    }
    assert.equal(table.size, expected.size);
  }
  for (const [key, sum] of expected) {
    const [a, b] = key.split(',').map(Number);
    assert.equal(table.sums[table.find(a, b)], sum);
  }
});
