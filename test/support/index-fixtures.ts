/** Shared fixtures of the index tests: temporary folders and small clustered galleries. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { IndexItem } from '../../src/index/store.js';
import { ClusteredSource } from '../../src/index/synthetic.js';

/** A fresh temporary folder; `cleanup` deletes it. */
export function temporaryFolder(prefix: string): { path: string; cleanup: () => void } {
  const path = mkdtempSync(join(tmpdir(), `samebike-${prefix}-`));
  return { path, cleanup: () => rmSync(path, { recursive: true, force: true }) };
}

/**
 * `count` items in clusters of about `perCluster` photos; photo i belongs to cluster
 * i mod clusters, and every cluster is one ad ("ad<cluster>"), as when each ad shows one bike.
 */
export function clusteredItems(
  count: number,
  dimensions: number,
  seed: number,
  perCluster = 5,
): { items: IndexItem[]; source: ClusteredSource } {
  const clusters = Math.max(1, Math.ceil(count / perCluster));
  const source = new ClusteredSource({ dimensions, clusters, seed });
  const members = source.members(count, seed + 1);
  const items: IndexItem[] = [];
  for (let i = 0; i < count; i++) {
    items.push({
      imageId: `img-${i}`,
      ad: `ad-${i % clusters}`,
      path: `photos/${i}.jpg`,
      vector: members.data.slice(i * dimensions, (i + 1) * dimensions),
    });
  }
  return { items, source };
}

/** Query vectors: new members of the gallery's clusters (photos not in the index). */
export function queryVectors(source: ClusteredSource, count: number, seed: number): Float32Array[] {
  const d = source.spec.dimensions;
  const members = source.members(count, seed, (row) => (row * 7919) % source.spec.clusters);
  return Array.from({ length: count }, (_, i) => members.data.slice(i * d, (i + 1) * d));
}
