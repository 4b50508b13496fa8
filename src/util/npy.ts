/**
 * NumPy `.npy` files (format version 1.0), the exchange format for embeddings: float32, C order,
 * shape [rows, cols]. numpy reads them with `np.load(path)`.
 */
import { readFileSync } from 'node:fs';
import { SamebikeError } from './errors.js';
import { writeFileAtomic } from './fs.js';

/** A row-major float32 matrix. */
export interface Matrix {
  rows: number;
  cols: number;
  data: Float32Array;
}

/** Encodes a float32 matrix as .npy bytes. */
export function encodeNpy(matrix: Matrix): Buffer {
  const { rows, cols, data } = matrix;
  if (data.length !== rows * cols) {
    throw new Error(`encodeNpy: data has ${data.length} values, shape needs ${rows * cols}`);
  }
  let header = `{'descr': '<f4', 'fortran_order': False, 'shape': (${rows}, ${cols}), }`;
  // Magic (6) + version (2) + header length (2) + header, padded with spaces to a multiple of 64.
  const unpadded = 10 + header.length + 1;
  header += ' '.repeat((64 - (unpadded % 64)) % 64) + '\n';
  const head = Buffer.alloc(10 + header.length);
  head.write('\x93NUMPY', 0, 'latin1');
  head[6] = 1;
  head[7] = 0;
  head.writeUInt16LE(header.length, 8);
  head.write(header, 10, 'latin1');
  const body = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  return Buffer.concat([head, body]);
}

/** Decodes .npy bytes holding a 2-d little-endian float32 array. `source` names it in errors. */
export function decodeNpy(bytes: Buffer, source = 'npy data'): Matrix {
  if (bytes.length < 10 || bytes.toString('latin1', 0, 6) !== '\x93NUMPY') {
    throw new SamebikeError(`${source}: not a .npy file (the magic string is missing)`);
  }
  const major = bytes[6];
  const headerLength = major === 1 ? bytes.readUInt16LE(8) : bytes.readUInt32LE(8);
  const start = major === 1 ? 10 : 12;
  const header = bytes.toString('latin1', start, start + headerLength);
  if (!/'descr':\s*'<f4'/.test(header)) {
    throw new SamebikeError(`${source}: expected float32 ('<f4') data, header says ${header}`);
  }
  if (/'fortran_order':\s*True/.test(header)) {
    throw new SamebikeError(`${source}: Fortran-order arrays are not supported; save with C order`);
  }
  const shape = /'shape':\s*\((\d+),\s*(\d+)\s*,?\)/.exec(header);
  if (!shape) throw new SamebikeError(`${source}: expected a 2-d array, header says ${header}`);
  const rows = Number(shape[1]);
  const cols = Number(shape[2]);
  const offset = start + headerLength;
  if (bytes.length - offset < rows * cols * 4) {
    throw new SamebikeError(`${source}: truncated, shape (${rows}, ${cols}) needs more data`);
  }
  const data = new Float32Array(rows * cols);
  const view = new DataView(bytes.buffer, bytes.byteOffset + offset, rows * cols * 4);
  for (let i = 0; i < data.length; i++) data[i] = view.getFloat32(i * 4, true);
  return { rows, cols, data };
}

export function writeNpy(path: string, matrix: Matrix): void {
  writeFileAtomic(path, encodeNpy(matrix));
}

export function readNpy(path: string): Matrix {
  return decodeNpy(readFileSync(path), path);
}
