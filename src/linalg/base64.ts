/**
 * Float arrays as base64 text (little-endian float32), the form in which heads, whitenings and
 * checkpoints keep their weights inside JSON.
 */
import { SamebikeError } from '../util/errors.js';

/** Encodes the values as little-endian float32 bytes in base64 (float64 input is rounded). */
export function floatsToBase64(values: ArrayLike<number>): string {
  const bytes = Buffer.alloc(values.length * 4);
  for (let i = 0; i < values.length; i++) bytes.writeFloatLE(values[i], i * 4);
  return bytes.toString('base64');
}

/**
 * Decodes base64 float32 text. `name` says where it came from for errors; `length`, when given,
 * is the number of values expected.
 */
export function base64ToFloats(text: unknown, name: string, length?: number): Float32Array {
  if (typeof text !== 'string') {
    throw new SamebikeError(`${name}: expected base64 float32 text, got ${typeof text}`);
  }
  const bytes = Buffer.from(text, 'base64');
  if (bytes.length % 4 !== 0 || (length !== undefined && bytes.length !== length * 4)) {
    const expected = length === undefined ? 'a multiple of 4 bytes' : `${length} float32 values`;
    throw new SamebikeError(
      `${name}: expected ${expected}, the text decodes to ${bytes.length} bytes`,
      'the file is truncated or was written for another shape; re-create it',
    );
  }
  const out = new Float32Array(bytes.length / 4);
  for (let i = 0; i < out.length; i++) out[i] = bytes.readFloatLE(i * 4);
  return out;
}
