/**
 * The feature cache that makes embedding resumable. Features are stored per "view signature"
 * (model id, input size, resize mode, flip, augmentation view, pooling) in an append-only file of
 * records `[32-byte SHA-256 of the image file][dim float32 values]`. Appending is crash-safe: on
 * open, a partial record at the end (a run killed mid-write) is cut off, so a rerun computes only
 * what is missing. Keys are file contents, not paths, so renamed or copied photos are not
 * embedded again.
 */
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, truncateSync } from 'node:fs';
import { writeSync, fstatSync } from 'node:fs';
import { join } from 'node:path';
import { SamebikeError } from '../util/errors.js';
import { sha256, writeFileAtomic } from '../util/fs.js';

const HASH_BYTES = 32;

/** What a cached feature was computed with; any change gives a separate cache file. */
export interface ViewSignature {
  modelId: string;
  width: number;
  height: number;
  fit: string;
  flip: boolean;
  /** Augmented view number (0 = the plain photo). */
  augmentView: number;
  /** Pooling of the feature map, e.g. "avg" or "gem3". */
  pooling: string;
  /** Feature dimension. */
  dim: number;
}

/** A stable short name for a signature, used as the folder name. */
export function signatureKey(signature: ViewSignature): string {
  const canonical = JSON.stringify(signature, Object.keys(signature).sort());
  return sha256(canonical).slice(0, 16);
}

/** Cached features of one view signature, backed by an append-only file. */
export class FeatureCache {
  private readonly offsets = new Map<string, number>();
  private readonly added = new Map<string, Float32Array>();
  private readonly data: Buffer;
  private readonly fd: number;
  private readonly recordBytes: number;

  private constructor(
    readonly dir: string,
    readonly signature: ViewSignature,
  ) {
    this.recordBytes = HASH_BYTES + signature.dim * 4;
    mkdirSync(dir, { recursive: true });
    const metaPath = join(dir, 'signature.json');
    if (existsSync(metaPath)) {
      const stored = JSON.parse(readFileSync(metaPath, 'utf8')) as ViewSignature;
      if (signatureKey(stored) !== signatureKey(signature)) {
        throw new SamebikeError(
          `${metaPath}: the feature cache holds another view signature`,
          'remove that folder or point --cache elsewhere',
        );
      }
    } else {
      writeFileAtomic(metaPath, `${JSON.stringify(signature, null, 2)}\n`);
    }
    const file = join(dir, 'features.bin');
    this.fd = openSync(file, 'a+');
    let bytes = fstatSync(this.fd).size;
    const whole = bytes - (bytes % this.recordBytes);
    if (whole !== bytes) {
      // A run was killed while appending: drop the partial record.
      truncateSync(file, whole);
      bytes = whole;
    }
    this.data = bytes > 0 ? readFileSync(file).subarray(0, bytes) : Buffer.alloc(0);
    for (let offset = 0; offset < bytes; offset += this.recordBytes) {
      this.offsets.set(this.data.toString('hex', offset, offset + HASH_BYTES), offset);
    }
  }

  /** Opens (or creates) the cache for `signature` under `root`. */
  static open(root: string, signature: ViewSignature): FeatureCache {
    return new FeatureCache(join(root, signatureKey(signature)), signature);
  }

  get count(): number {
    return this.offsets.size + this.added.size;
  }

  has(hash: string): boolean {
    return this.offsets.has(hash) || this.added.has(hash);
  }

  /** Copies the cached features of `hash` into `target` at `targetOffset`; false when absent. */
  read(hash: string, target: Float32Array, targetOffset: number): boolean {
    const fresh = this.added.get(hash);
    if (fresh) {
      target.set(fresh, targetOffset);
      return true;
    }
    const offset = this.offsets.get(hash);
    if (offset === undefined) return false;
    const start = this.data.byteOffset + offset + HASH_BYTES;
    const dim = this.signature.dim;
    if (start % 4 === 0) {
      target.set(new Float32Array(this.data.buffer, start, dim), targetOffset);
    } else {
      for (let i = 0; i < dim; i++)
        target[targetOffset + i] = this.data.readFloatLE(offset + HASH_BYTES + i * 4);
    }
    return true;
  }

  /** Appends features for `hash` (a 64-character hex SHA-256); later reads see them at once. */
  write(hash: string, features: Float32Array): void {
    if (features.length !== this.signature.dim) {
      throw new Error(
        `FeatureCache.write: got ${features.length} values, expected ${this.signature.dim}`,
      );
    }
    if (this.has(hash)) return;
    const record = Buffer.alloc(this.recordBytes);
    record.write(hash, 0, HASH_BYTES, 'hex');
    for (let i = 0; i < features.length; i++) record.writeFloatLE(features[i], HASH_BYTES + i * 4);
    writeSync(this.fd, record);
    this.added.set(hash, Float32Array.from(features));
  }

  close(): void {
    closeSync(this.fd);
  }
}
