// Tests of grouping across ads (src/group/ads.ts): the ad similarity by hand and against a plain
// version, reposts found on synthetic photos, a shared stock picture, and the input checks.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { adSimilarityGraph, groupAds } from '../src/group/ads.js';
import { buildSimilarityGraph, type KnnLists, type SimilarityGraph } from '../src/group/graph.js';
import { encodeLabels } from '../src/group/labels.js';
import { pairwiseScores } from '../src/group/metrics.js';
import { syntheticBikes } from '../src/group/synthetic.js';
import { createRandom, randomInt } from '../src/util/rng.js';
import { exactKnn, randomGraph } from './group-fixtures.js';

/** k-NN lists that list each edge from both ends, padded with -1. */
function knnFromEdges(n: number, edges: [number, number, number][]): KnnLists {
  const lists: [number, number][][] = Array.from({ length: n }, () => []);
  for (const [a, b, s] of edges) {
    lists[a].push([b, s]);
    lists[b].push([a, s]);
  }
  const k = Math.max(1, ...lists.map((l) => l.length));
  const indices = new Int32Array(n * k).fill(-1);
  const similarities = new Float32Array(n * k);
  lists.forEach((list, i) => {
    list.sort((x, y) => y[1] - x[1]);
    list.forEach(([j, s], r) => {
      indices[i * k + r] = j;
      similarities[i * k + r] = s;
    });
  });
  return { k, indices, similarities };
}

function adEdges(graph: SimilarityGraph): [number, number, number][] {
  return Array.from(graph.sources, (s, e) => [s, graph.targets[e], graph.similarities[e]]);
}

// Ads A (photos 0,1,2), B (3,4), C (5), D (6,7).
const ads = ['A', 'A', 'A', 'B', 'B', 'C', 'D', 'D'];
const edges: [number, number, number][] = [
  [0, 1, 0.9375], // inside A: never an ad edge
  [0, 3, 0.875],
  [1, 3, 0.75], // photo 3 is taken by 0–3, so the second match is 1–4
  [1, 4, 0.625],
  [2, 5, 0.5],
  [6, 0, 0.875],
];

test('ad similarity by hand: greedy one-to-one matches, slots, missing matches', () => {
  const graph = buildSimilarityGraph(knnFromEdges(8, edges));
  const { codes, sizes } = encodeLabels(ads, 'ads');
  // A–B: (0.875 + 0.625) / 2; A–C: one slot (C has one photo): 0.5; A–D: (0.875 + 0) / 2.
  assert.deepEqual(adEdges(adSimilarityGraph(graph, codes, sizes)), [
    [0, 1, 0.75],
    [0, 2, 0.5],
    [0, 3, 0.4375],
  ]);
  assert.deepEqual(adEdges(adSimilarityGraph(graph, codes, sizes, { matches: 1 })), [
    [0, 1, 0.875],
    [0, 2, 0.5],
    [0, 3, 0.875],
  ]);
  assert.deepEqual(
    adEdges(adSimilarityGraph(graph, codes, sizes, { missingSimilarity: 0.25 }))[2],
    [0, 3, 0.5625],
  );
});

test('groupAds by hand: groups, scores and matches per ad', () => {
  const result = groupAds(knnFromEdges(8, edges), ads, { threshold: 0.7 });
  assert.deepEqual(result.ads, [
    { ad: 'A', group: 0, photos: 3, score: 0.75, match: 'B' },
    { ad: 'B', group: 0, photos: 2, score: 0.75, match: 'A' },
    { ad: 'C', group: 1, photos: 1, score: 0.5, match: 'A' },
    { ad: 'D', group: 2, photos: 2, score: 0.4375, match: 'A' },
  ]);
  assert.deepEqual(Array.from(result.photoGroups), [0, 0, 0, 0, 0, 1, 2, 2]);
  assert.equal(result.groupCount, 3);
  const lone = groupAds(knnFromEdges(3, [[0, 1, 0.5]]), ['x', 'x', 'y'], { threshold: 0.7 });
  assert.deepEqual(lone.ads[1], { ad: 'y', group: 1, photos: 1, score: null, match: null });
});

test('adSimilarityGraph matches a plain per-pair version on random graphs', () => {
  const random = createRandom(21);
  for (let seed = 1; seed <= 8; seed++) {
    const n = 40;
    const graph = randomGraph(n, 150, seed);
    const adOf = Int32Array.from({ length: n }, () => randomInt(random, 9));
    const sizes = new Int32Array(9);
    for (const a of adOf) sizes[a]++;
    const matches = 1 + (seed % 3);
    const expected: [number, number, number][] = [];
    for (let a = 0; a < 9; a++) {
      for (let b = a + 1; b < 9; b++) {
        const between = adEdges(graph).filter(
          ([s, t]) => (adOf[s] === a && adOf[t] === b) || (adOf[s] === b && adOf[t] === a),
        );
        if (between.length === 0) continue;
        between.sort((x, y) => y[2] - x[2]);
        const used = new Set<number>();
        const slots = Math.min(matches, sizes[a], sizes[b]);
        let sum = 0;
        let found = 0;
        for (const [s, t, w] of between) {
          if (found === slots || used.has(s) || used.has(t)) continue;
          used.add(s).add(t);
          sum += w;
          found++;
        }
        expected.push([a, b, Math.fround((sum + (slots - found) * -0.5) / slots)]);
      }
    }
    const actual = adEdges(
      adSimilarityGraph(graph, adOf, sizes, { matches, missingSimilarity: -0.5 }),
    );
    assert.equal(actual.length, expected.length);
    actual.forEach((edge, i) => {
      assert.deepEqual(edge.slice(0, 2), expected[i].slice(0, 2));
      assert.ok(Math.abs(edge[2] - expected[i][2]) < 1e-6, `seed ${seed} pair ${i}`);
    });
  }
});

test('groupAds finds reposts of synthetic bikes', () => {
  const { embeddings, bikes } = syntheticBikes({
    photos: 400,
    dim: 64,
    seed: 9,
    maxPhotosPerBike: 10,
    photoNoise: [0.05, 0.3],
    modelSimilarity: 0.3,
  });
  // Every bike with more than 3 photos is split into two ads (the original and a repost).
  const seen = new Map<number, number>();
  const bikeSize = new Map<number, number>();
  for (const b of bikes) bikeSize.set(b, (bikeSize.get(b) ?? 0) + 1);
  const adIds = Array.from(bikes, (b) => {
    const index = seen.get(b) ?? 0;
    seen.set(b, index + 1);
    const repost = (bikeSize.get(b) as number) > 3 && index % 2 === 1;
    return `bike${b}${repost ? '-repost' : ''}`;
  });
  const result = groupAds(exactKnn(embeddings, 12), adIds, { threshold: 0.6 });
  const adBike = result.ads.map((a) => Number(/^bike(\d+)/.exec(a.ad)?.[1]));
  const scores = pairwiseScores(
    result.ads.map((a) => a.group),
    adBike,
  );
  assert.equal(scores.precision, 1);
  assert.equal(scores.recall, 1);
  assert.ok(result.ads.some((a) => a.ad.endsWith('-repost')));
});

test('one shared stock picture joins two ads only when a single match is enough', () => {
  // Ads X and Y show different bikes (three photos each) plus the same stock picture.
  const dim = 16;
  const data = new Float32Array(8 * dim);
  const set = (row: number, values: [number, number][]) => {
    let norm = 0;
    for (const [, v] of values) norm += v * v;
    for (const [p, v] of values) data[row * dim + p] = v / Math.sqrt(norm);
  };
  for (let i = 0; i < 3; i++)
    set(i, [
      [0, 1],
      [3 + i, 0.3],
    ]);
  for (let i = 0; i < 3; i++)
    set(3 + i, [
      [1, 1],
      [6 + i, 0.3],
    ]);
  set(6, [[2, 1]]);
  set(7, [[2, 1]]);
  const knn = exactKnn({ rows: 8, cols: dim, data }, 8);
  const ads = ['X', 'X', 'X', 'Y', 'Y', 'Y', 'X', 'Y'];
  assert.equal(groupAds(knn, ads, { threshold: 0.7 }).groupCount, 2);
  assert.equal(groupAds(knn, ads, { threshold: 0.7, matches: 1 }).groupCount, 1);
  assert.equal(groupAds(knn, ads, { threshold: 0.7, method: 'components' }).groupCount, 2);
});

test('groupAds rejects bad input with errors that name it', () => {
  const knn = knnFromEdges(8, edges);
  assert.throws(
    () => groupAds(knn, ads.slice(1), { threshold: 0.7 }),
    /ads: has 7 entries, but there are 8 photos in the k-NN lists/,
  );
  assert.throws(
    () => groupAds(knn, [...ads.slice(1), ''], { threshold: 0.7 }),
    /ads\[7\]: expected a label \(a non-empty string or a number\), got ""/,
  );
  assert.throws(
    () => groupAds(knn, ads, { threshold: 0.7, matches: 0 }),
    /matches: expected a positive integer, usually 1–3, got 0/,
  );
  assert.throws(
    () => groupAds(knn, ads, { threshold: 0.7, method: 'single' as 'average' }),
    /method: expected 'average' or 'components'/,
  );
  assert.throws(() => groupAds(knn, ads, { threshold: Infinity }), /threshold: expected a finite/);
});
