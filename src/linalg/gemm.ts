/**
 * Fast dense matrix products. A naive JavaScript triple loop reaches about 1 GFLOP/s; this module
 * runs the product in onnxruntime's MLAS kernels (Gemm op, one thread) at tens of GFLOP/s, with a
 * plain TypeScript version beside it as the tested reference and the fallback for tiny products.
 */
import * as ort from 'onnxruntime-node';
import { DataType, encodeModel } from '../onnx/proto.js';
import type { Matrix } from '../util/npy.js';

export type { Matrix } from '../util/npy.js';

export interface GemmOptions {
  /** Use Aᵀ instead of A. */
  transA?: boolean;
  /** Use Bᵀ instead of B. */
  transB?: boolean;
  /**
   * A matrix to add to the product (same shape as the result): C = op(A)·op(B) + add. Saves a
   * separate pass over the result in JavaScript. Not modified.
   */
  add?: Matrix;
}

const sessions = new Map<string, Promise<ort.InferenceSession>>();

function session(transA: boolean, transB: boolean, add: boolean): Promise<ort.InferenceSession> {
  const key = `${Number(transA)}${Number(transB)}${Number(add)}`;
  let s = sessions.get(key);
  if (!s) {
    const inputs = [
      { name: 'A', dataType: DataType.FLOAT, shape: ['a0', 'a1'] },
      { name: 'B', dataType: DataType.FLOAT, shape: ['b0', 'b1'] },
    ];
    if (add) inputs.push({ name: 'C', dataType: DataType.FLOAT, shape: ['m', 'n'] });
    const model = encodeModel({
      name: `gemm_${key}`,
      nodes: [
        {
          op: 'Gemm',
          inputs: inputs.map((i) => i.name),
          outputs: ['Y'],
          attributes: { transA: Number(transA), transB: Number(transB) },
        },
      ],
      initializers: [],
      inputs,
      outputs: [{ name: 'Y', dataType: DataType.FLOAT, shape: ['m', 'n'] }],
    });
    s = ort.InferenceSession.create(model, {
      intraOpNumThreads: 1,
      interOpNumThreads: 1,
      graphOptimizationLevel: 'all',
    });
    sessions.set(key, s);
  }
  return s;
}

function checkShapes(
  a: Matrix,
  b: Matrix,
  transA: boolean,
  transB: boolean,
): [number, number, number] {
  const m = transA ? a.cols : a.rows;
  const k = transA ? a.rows : a.cols;
  const kb = transB ? b.cols : b.rows;
  const n = transB ? b.rows : b.cols;
  if (k !== kb) {
    throw new Error(`gemm: inner dimensions differ (${m}×${k} times ${kb}×${n})`);
  }
  return [m, k, n];
}

function checkAdd(add: Matrix | undefined, m: number, n: number): void {
  if (add && (add.rows !== m || add.cols !== n || add.data.length !== m * n)) {
    throw new Error(`gemm: the added matrix is ${add.rows}×${add.cols}, the product ${m}×${n}`);
  }
}

/** C = op(A) · op(B) (+ add), computed by onnxruntime (one intra-op thread). */
export async function gemm(a: Matrix, b: Matrix, options: GemmOptions = {}): Promise<Matrix> {
  const transA = options.transA ?? false;
  const transB = options.transB ?? false;
  const [m, k, n] = checkShapes(a, b, transA, transB);
  const add = options.add;
  checkAdd(add, m, n);
  if (m * k * n < 4096 || m === 0 || n === 0 || k === 0) return gemmReference(a, b, options);
  const s = await session(transA, transB, add !== undefined);
  const feeds: Record<string, ort.Tensor> = {
    A: new ort.Tensor('float32', a.data, [a.rows, a.cols]),
    B: new ort.Tensor('float32', b.data, [b.rows, b.cols]),
  };
  if (add) feeds.C = new ort.Tensor('float32', add.data, [m, n]);
  const result = await s.run(feeds);
  const y = result.Y;
  const data = y.data as Float32Array;
  y.dispose?.();
  return { rows: m, cols: n, data };
}

/** The same product as a plain loop: the reference in tests, and used for tiny products. */
export function gemmReference(a: Matrix, b: Matrix, options: GemmOptions = {}): Matrix {
  const transA = options.transA ?? false;
  const transB = options.transB ?? false;
  const [m, k, n] = checkShapes(a, b, transA, transB);
  checkAdd(options.add, m, n);
  const out = options.add ? options.add.data.slice(0, m * n) : new Float32Array(m * n);
  for (let i = 0; i < m; i++) {
    for (let p = 0; p < k; p++) {
      const av = transA ? a.data[p * a.cols + i] : a.data[i * a.cols + p];
      if (av === 0) continue;
      const row = i * n;
      for (let j = 0; j < n; j++) {
        const bv = transB ? b.data[j * b.cols + p] : b.data[p * b.cols + j];
        out[row + j] += av * bv;
      }
    }
  }
  return { rows: m, cols: n, data: out };
}
