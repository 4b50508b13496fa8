// Shared fixtures of the grouping tests: exact k-NN lists by brute force, random graphs, and a
// partition comparison. No tests live here.
import type { KnnLists, SimilarityGraph } from '../src/group/graph.js';
import type { Matrix } from '../src/util/npy.js';
import { createRandom, randomInt } from '../src/util/rng.js';

/** Exact k-NN lists by brute force (self included, as an index returns it), padded with -1. */
export function exactKnn(embeddings: Matrix, k: number): KnnLists {
  const { rows, cols, data } = embeddings;
  const indices = new Int32Array(rows * k).fill(-1);
  const similarities = new Float32Array(rows * k);
  const all: { j: number; s: number }[] = [];
  for (let i = 0; i < rows; i++) {
    all.length = 0;
    for (let j = 0; j < rows; j++) {
      let s = 0;
      for (let p = 0; p < cols; p++) s += data[i * cols + p] * data[j * cols + p];
      all.push({ j, s });
    }
    all.sort((a, b) => b.s - a.s || a.j - b.j);
    for (let r = 0; r < Math.min(k, rows); r++) {
      indices[i * k + r] = all[r].j;
      similarities[i * k + r] = all[r].s;
    }
  }
  return { k, indices, similarities };
}

/** A random graph with `m` distinct edges over `n` nodes and distinct random similarities. */
export function randomGraph(n: number, m: number, seed: number): SimilarityGraph {
  const random = createRandom(seed);
  const seen = new Set<number>();
  const edges: [number, number, number][] = [];
  while (edges.length < m) {
    const a = randomInt(random, n);
    const b = randomInt(random, n);
    if (a === b) continue;
    const key = Math.min(a, b) * n + Math.max(a, b);
    if (seen.has(key)) continue;
    seen.add(key);
    edges.push([Math.min(a, b), Math.max(a, b), random() * 2 - 1]);
  }
  edges.sort((x, y) => x[0] - y[0] || x[1] - y[1]);
  return {
    n,
    sources: Int32Array.from(edges.map((e) => e[0])),
    targets: Int32Array.from(edges.map((e) => e[1])),
    similarities: Float32Array.from(edges.map((e) => e[2])),
  };
}

/** A partition as sorted lists of members, sorted, to compare two labelings independent of ids. */
export function partition(labels: ArrayLike<number | string>): number[][] {
  const groups = new Map<number | string, number[]>();
  for (let i = 0; i < labels.length; i++) {
    const list = groups.get(labels[i]);
    if (list) list.push(i);
    else groups.set(labels[i], [i]);
  }
  return [...groups.values()].sort((a, b) => a[0] - b[0]);
}
