/**
 * Seeded synthetic embeddings with the shape of real ones, for the index's tests and benchmark:
 * unit vectors in a two-level hierarchy. *Families* (bike models) are random directions; each
 * *cluster* (one bicycle) is its family's direction plus noise; each member (one photo) is its
 * cluster's direction plus less noise. A photo's nearest neighbours are then the other photos of
 * its bicycle, then bicycles of the same model, then the rest: far from uniform random data,
 * which no real embedding resembles and on which every ANN graph does its worst.
 *
 * Noise is a Gaussian vector scaled so that its expected norm is `spread` times the norm of the
 * direction it is added to: a member's cosine to its cluster is about 1/√(1 + spread²).
 */
import type { Matrix } from '../util/npy.js';
import { createRandom, randomNormal } from '../util/rng.js';

/** The shape of the synthetic data. */
export interface ClusteredSpec {
  /** Length of every vector (512 for the backbone's embeddings). */
  dimensions: number;
  /** Number of clusters (bicycles). */
  clusters: number;
  /** Number of families (models); clusters are spread evenly over them. Default clusters/10. */
  families?: number;
  /**
   * Dimensions that family directions span (the first ones). Default: all, so that unrelated
   * families are nearly orthogonal (cosine spread 1/√dimensions, 0.044 at 512-d). Real
   * embeddings concentrate their variance in fewer principal directions, and photos of
   * unrelated bicycles spread wider around cosine 0; a smaller value reproduces that.
   */
  familyDimensions?: number;
  /** Noise of a cluster around its family, relative to norm 1. Default 0.8 (cosine ≈ 0.78). */
  clusterSpread?: number;
  /** Noise of a member around its cluster, relative to norm 1. Default 0.5 (cosine ≈ 0.89). */
  memberSpread?: number;
  /** Seed of the families and clusters. */
  seed: number;
}

const TABLE_SIZE = 1 << 16;

/**
 * Cluster centres and a fast member generator. Gaussian noise comes from a table of 65,536
 * seeded normal samples indexed by a xorshift generator: plenty for synthetic data and about
 * twenty times faster than Box-Muller per value, which matters for a million 512-d vectors.
 */
export class ClusteredSource {
  /** Unit-length cluster centres, one row per cluster. */
  readonly centres: Matrix;
  /** The family of each cluster. */
  readonly familyOf: Int32Array;
  private readonly normals: Float32Array;
  private readonly memberSpread: number;

  constructor(readonly spec: ClusteredSpec) {
    const { dimensions, clusters, seed } = spec;
    const families = Math.max(1, spec.families ?? Math.ceil(clusters / 10));
    const random = createRandom(seed);
    this.normals = new Float32Array(TABLE_SIZE);
    for (let i = 0; i < TABLE_SIZE; i++) this.normals[i] = randomNormal(random);
    this.memberSpread = spec.memberSpread ?? 0.5;

    const familyDirections = new Float32Array(families * dimensions);
    let state = mix32(seed ^ 0x9e3779b9) || 1;
    state = this.noise(familyDirections, 0, dimensions * families, 1, state);
    const span = Math.min(dimensions, Math.max(1, spec.familyDimensions ?? dimensions));
    for (let f = 0; f < families; f++) {
      familyDirections.fill(0, f * dimensions + span, (f + 1) * dimensions);
      normalizeRow(familyDirections, f, dimensions);
    }

    const data = new Float32Array(clusters * dimensions);
    this.familyOf = new Int32Array(clusters);
    const clusterSpread = spec.clusterSpread ?? 0.8;
    const scale = clusterSpread / Math.sqrt(dimensions);
    for (let c = 0; c < clusters; c++) {
      const family = c % families;
      this.familyOf[c] = family;
      data.set(
        familyDirections.subarray(family * dimensions, (family + 1) * dimensions),
        c * dimensions,
      );
      state = this.addNoise(data, c * dimensions, dimensions, scale, state);
      normalizeRow(data, c, dimensions);
    }
    this.centres = { rows: clusters, cols: dimensions, data };
  }

  /**
   * `count` unit-length members; row i belongs to cluster `clusterOf(i)` (default i mod clusters).
   * Different seeds give different photos of the same clusters (queries vs gallery).
   */
  members(count: number, seed: number, clusterOf?: (row: number) => number): Matrix {
    const { dimensions, clusters } = this.spec;
    const data = new Float32Array(count * dimensions);
    this.fillMembers(data, 0, count, seed, clusterOf ?? ((row) => row % clusters));
    return { rows: count, cols: dimensions, data };
  }

  /**
   * Writes rows `first .. first+count` of the member sequence `seed` into `target` (row-major,
   * from its start), so that a large gallery can be produced in chunks. Row r belongs to cluster
   * `clusterOf(r)`.
   */
  fillMembers(
    target: Float32Array,
    first: number,
    count: number,
    seed: number,
    clusterOf: (row: number) => number,
  ): void {
    const dimensions = this.spec.dimensions;
    const scale = this.memberSpread / Math.sqrt(dimensions);
    for (let i = 0; i < count; i++) {
      const row = first + i;
      // One short xorshift stream per row: any chunking of the sequence gives the same rows.
      let state = mix32(Math.imul(row + 1, 0x9e3779b1) ^ Math.imul(seed + 7, 0x85ebca6b)) || 1;
      const cluster = clusterOf(row);
      target.set(
        this.centres.data.subarray(cluster * dimensions, (cluster + 1) * dimensions),
        i * dimensions,
      );
      state = this.addNoise(target, i * dimensions, dimensions, scale, state);
      normalizeRow(target, i, dimensions);
    }
  }

  /** Writes `length` noise values times `scale` into target[start..]; returns the new state. */
  private noise(target: Float32Array, start: number, length: number, scale: number, seed: number) {
    let state = seed;
    for (let i = start; i < start + length; i++) {
      state ^= state << 13;
      state ^= state >>> 17;
      state ^= state << 5;
      target[i] = this.normals[(state >>> 0) & (TABLE_SIZE - 1)] * scale;
    }
    return state;
  }

  /** Adds `length` noise values times `scale` to target[start..]; returns the new state. */
  private addNoise(
    target: Float32Array,
    start: number,
    length: number,
    scale: number,
    seed: number,
  ) {
    let state = seed;
    for (let i = start; i < start + length; i++) {
      state ^= state << 13;
      state ^= state >>> 17;
      state ^= state << 5;
      target[i] += this.normals[(state >>> 0) & (TABLE_SIZE - 1)] * scale;
    }
    return state;
  }
}

function normalizeRow(data: Float32Array, row: number, dimensions: number): void {
  let sum = 0;
  const start = row * dimensions;
  for (let i = start; i < start + dimensions; i++) sum += data[i] * data[i];
  const norm = Math.sqrt(sum);
  if (norm === 0) return;
  for (let i = start; i < start + dimensions; i++) data[i] /= norm;
}

/** MurmurHash3's 32-bit finaliser: spreads nearby seeds to unrelated generator states. */
function mix32(value: number): number {
  let h = value >>> 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}
