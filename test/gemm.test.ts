import assert from 'node:assert/strict';
import { test } from 'node:test';
import { gemm, gemmReference, type Matrix } from '../src/linalg/gemm.js';
import { createRandom } from '../src/util/rng.js';

function randomMatrix(rows: number, cols: number, seed: number): Matrix {
  const random = createRandom(seed);
  const data = new Float32Array(rows * cols);
  for (let i = 0; i < data.length; i++) data[i] = random() * 2 - 1;
  return { rows, cols, data };
}

test('gemm matches the reference loop for every transpose combination', async () => {
  for (const [transA, transB] of [
    [false, false],
    [true, false],
    [false, true],
    [true, true],
  ]) {
    const a = transA ? randomMatrix(37, 23, 1) : randomMatrix(23, 37, 1);
    const b = transB ? randomMatrix(19, 37, 2) : randomMatrix(37, 19, 2);
    const fast = await gemm(a, b, { transA, transB });
    const slow = gemmReference(a, b, { transA, transB });
    assert.equal(fast.rows, 23);
    assert.equal(fast.cols, 19);
    for (let i = 0; i < slow.data.length; i++) {
      assert.ok(Math.abs(fast.data[i] - slow.data[i]) < 1e-4, `element ${i}`);
    }
  }
});

test('gemm computes a hand-checked 2×2 product', () => {
  const a = { rows: 2, cols: 2, data: Float32Array.from([1, 2, 3, 4]) };
  const b = { rows: 2, cols: 2, data: Float32Array.from([5, 6, 7, 8]) };
  assert.deepEqual(Array.from(gemmReference(a, b).data), [19, 22, 43, 50]);
});

test('gemm rejects mismatched inner dimensions', async () => {
  await assert.rejects(gemm(randomMatrix(2, 3, 1), randomMatrix(4, 2, 2)), /inner dimensions/);
});
