/**
 * Small numeric helpers of the index: L2 normalisation, int8 quantisation for the ANN graph, and
 * the byte form of a vector in SQLite (float32, little-endian, no header).
 */

/**
 * The L2 norm of `vector`, summed in double precision. Returns NaN when a component is not finite
 * (so callers can reject the vector with one check).
 */
export function l2Norm(vector: Float32Array): number {
  let sum = 0;
  for (let i = 0; i < vector.length; i++) sum += vector[i] * vector[i];
  return Math.sqrt(sum);
}

/**
 * A unit-length copy of `vector` (each component divided by the L2 norm), or undefined when the
 * norm is zero or a component is not finite. The result is deterministic, so normalising the same
 * input twice gives identical bytes.
 */
export function normalized(vector: Float32Array): Float32Array | undefined {
  const norm = l2Norm(vector);
  if (!(norm > 0) || !Number.isFinite(norm)) return undefined;
  const out = new Float32Array(vector.length);
  for (let i = 0; i < vector.length; i++) out[i] = vector[i] / norm;
  return out;
}

/** The dot product of two equally long vectors (the cosine similarity when both are unit-length). */
export function dot(a: Float32Array, b: Float32Array): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += a[i] * b[i];
  return sum;
}

/**
 * Quantises rows of `data` (each `dimensions` long) to int8 for the ANN graph: every row is scaled
 * so that its largest absolute component becomes 127, then rounded (halves away from
 * zero, so that a vector and its negation quantise symmetrically). Cosine similarity ignores a
 * row's scale, so this keeps about 7 bits per component; usearch's own float→int8 cast truncates
 * `x · 127` instead and loses nearly all precision on 512-d unit vectors (components near 0.04).
 */
export function quantizeInt8(data: Float32Array, dimensions: number): Int8Array {
  const out = new Int8Array(data.length);
  for (let start = 0; start < data.length; start += dimensions) {
    let largest = 0;
    for (let i = start; i < start + dimensions; i++) largest = Math.max(largest, Math.abs(data[i]));
    if (largest === 0) continue;
    const scale = 127 / largest;
    for (let i = start; i < start + dimensions; i++) {
      const value = data[i] * scale;
      out[i] = value >= 0 ? Math.round(value) : -Math.round(-value);
    }
  }
  return out;
}

/** The SQLite blob of a vector: its float32 values, little-endian. */
export function vectorToBlob(vector: Float32Array): Buffer {
  return Buffer.from(vector.buffer, vector.byteOffset, vector.byteLength);
}

/**
 * Reads a vector blob into `target` at element `offset` (a fresh array when no target is given).
 * Returns undefined when the blob's length is not `dimensions` float32 values.
 */
export function blobToVector(
  blob: Uint8Array,
  dimensions: number,
  target?: Float32Array,
  offset = 0,
): Float32Array | undefined {
  if (blob.byteLength !== dimensions * 4) return undefined;
  const out = target ?? new Float32Array(dimensions);
  new Uint8Array(out.buffer, out.byteOffset + offset * 4, dimensions * 4).set(blob);
  return target ? out.subarray(offset, offset + dimensions) : out;
}

/** Whether two blobs hold identical bytes. */
export function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return Buffer.compare(a, b) === 0;
}
