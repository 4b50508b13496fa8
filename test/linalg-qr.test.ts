import assert from 'node:assert/strict';
import { test } from 'node:test';
import { gemm, gemmReference } from '../src/linalg/gemm.js';
import { orthonormalizeRows } from '../src/linalg/qr.js';
import { randomMatrix } from './linalg-reference.js';

test('orthonormalizeRows gives orthonormal rows spanning the same rows, in order', async () => {
  const z = randomMatrix(70, 150, 1);
  const q = await orthonormalizeRows(z);
  const gram = gemmReference(q, q, { transB: true });
  for (let i = 0; i < 70; i++) {
    for (let j = 0; j < 70; j++) {
      assert.ok(Math.abs(gram.data[i * 70 + j] - (i === j ? 1 : 0)) < 2e-6, `(${i}, ${j})`);
    }
  }
  // Row i of z lies in the span of rows 0..i of q: z = L·q with L lower triangular.
  const l = await gemm(z, q, { transB: true });
  for (let i = 0; i < 70; i++) {
    for (let j = i + 1; j < 70; j++)
      assert.ok(Math.abs(l.data[i * 70 + j]) < 1e-4, `L(${i}, ${j})`);
  }
  const back = await gemm(l, q);
  for (let k = 0; k < z.data.length; k++) assert.ok(Math.abs(back.data[k] - z.data[k]) < 1e-4);
});

test('orthonormalizeRows replaces dependent rows by orthogonal unit vectors', async () => {
  const z = randomMatrix(4, 6, 2);
  z.data.copyWithin(2 * 6, 0, 6); // row 2 = row 0
  z.data.fill(0, 3 * 6, 4 * 6); // row 3 = 0
  const q = await orthonormalizeRows(z);
  const gram = gemmReference(q, q, { transB: true });
  for (let i = 0; i < 4; i++) {
    for (let j = 0; j < 4; j++)
      assert.ok(Math.abs(gram.data[i * 4 + j] - (i === j ? 1 : 0)) < 1e-6);
  }
});

test('orthonormalizeRows rejects more rows than columns', async () => {
  await assert.rejects(
    orthonormalizeRows(randomMatrix(5, 4, 3)),
    /5 rows cannot be orthonormal in 4-d/,
  );
});

test('gemm adds a matrix to the product when asked', async () => {
  const a = randomMatrix(30, 40, 4);
  const b = randomMatrix(40, 20, 5);
  const c = randomMatrix(30, 20, 6);
  const fast = await gemm(a, b, { add: c });
  const plain = gemmReference(a, b);
  for (let i = 0; i < c.data.length; i++) {
    assert.ok(Math.abs(fast.data[i] - (plain.data[i] + c.data[i])) < 1e-4);
  }
  const slow = gemmReference(a, b, { add: c });
  for (let i = 0; i < c.data.length; i++) assert.ok(Math.abs(slow.data[i] - fast.data[i]) < 1e-4);
  await assert.rejects(gemm(a, b, { add: randomMatrix(20, 30, 7) }), /added matrix is 20×30/);
});
