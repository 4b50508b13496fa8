import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Matrix } from '../src/linalg/gemm.js';
import { fitLda } from '../src/linalg/lda.js';
import { applyWhitening, fitWhitening } from '../src/linalg/pca.js';
import { createRandom, randomNormal } from '../src/util/rng.js';

/**
 * Classes that differ along one weak direction (column 0, spread 0.3) while every photo varies a
 * lot along the others (spread 3): PCA keeps the noise first, LDA must find column 0.
 */
function classes(count: number, perClass: number, cols: number, seed: number) {
  const random = createRandom(seed);
  const rows = count * perClass;
  const data = new Float32Array(rows * cols);
  const labels = new Int32Array(rows);
  for (let c = 0; c < count; c++) {
    const centre = 0.3 * randomNormal(random);
    for (let k = 0; k < perClass; k++) {
      const i = c * perClass + k;
      labels[i] = 100 + c;
      data[i * cols] = centre + 0.02 * randomNormal(random);
      for (let j = 1; j < cols; j++) data[i * cols + j] = 3 * randomNormal(random);
    }
  }
  return { features: { rows, cols, data } as Matrix, labels };
}

/** Within-class and between-class variance of one output column. */
function variances(y: Matrix, labels: Int32Array, column: number) {
  const byClass = new Map<number, number[]>();
  for (let i = 0; i < y.rows; i++) {
    const list = byClass.get(labels[i]) ?? [];
    list.push(y.data[i * y.cols + column]);
    byClass.set(labels[i], list);
  }
  let within = 0;
  const means: number[] = [];
  for (const values of byClass.values()) {
    const mean = values.reduce((a, b) => a + b, 0) / values.length;
    means.push(mean);
    for (const v of values) within += (v - mean) ** 2;
  }
  const grand = means.reduce((a, b) => a + b, 0) / means.length;
  const between = means.reduce((a, m) => a + (m - grand) ** 2, 0) / means.length;
  return { within: within / y.rows, between };
}

test('LDA finds the weak direction that separates the classes, PCA does not', async () => {
  const { features, labels } = classes(20, 6, 8, 1);
  const lda = await fitLda(features, labels, { dim: 1, shrinkage: 0 });
  assert.equal(lda.dim, 1);
  assert.equal(lda.classes, 20);
  // The direction is column 0 (up to sign), and the classes' photos are tight along it.
  const w = lda.projection.data;
  let norm = 0;
  for (const v of w) norm += v * v;
  assert.ok(w[0] ** 2 / norm > 0.99, `share of column 0: ${w[0] ** 2 / norm}`);
  const projected = await applyWhitening(
    {
      ...lda,
      components: lda.projection,
      variances: new Float64Array(1),
      totalVariance: 0,
      power: 0,
      epsilon: 0,
    },
    features,
  );
  const lv = variances(projected, labels, 0);
  assert.ok(lv.between > 20 * lv.within, `between ${lv.between}, within ${lv.within}`);
  // Without shrinkage the within-class variance along the direction is 1.
  assert.ok(Math.abs(lv.within - 1) < 0.02, `within ${lv.within}`);

  const pca = await fitWhitening(features, { dim: 1 });
  const pv = variances(await applyWhitening(pca, features), labels, 0);
  assert.ok(pv.between < pv.within, `PCA: between ${pv.between}, within ${pv.within}`);
});

test('LDA: bias centres the features, directions come by between-class variance', async () => {
  const { features, labels } = classes(12, 5, 6, 2);
  const lda = await fitLda(features, labels);
  assert.equal(lda.dim, 6); // min(classes − 1, columns)
  for (let i = 1; i < lda.dim; i++) {
    assert.ok(lda.betweenVariances[i] <= lda.betweenVariances[i - 1] * (1 + 1e-9));
  }
  for (let i = 0; i < lda.dim; i++) {
    let dot = 0;
    for (let j = 0; j < lda.inputDim; j++)
      dot += lda.projection.data[i * lda.inputDim + j] * lda.mean[j];
    assert.ok(Math.abs(dot + lda.bias[i]) < 1e-4 * (1 + Math.abs(dot)));
  }
});

test('fitLda rejects one class, mismatched labels and bad options, naming them', async () => {
  const { features, labels } = classes(3, 4, 5, 3);
  await assert.rejects(
    fitLda(features, new Int32Array(features.rows)),
    /LDA: needs at least 2 classes, got 1/,
  );
  await assert.rejects(fitLda(features, labels.subarray(1)), /LDA: 11 labels for 12 feature rows/);
  await assert.rejects(
    fitLda(features, labels, { dim: 3 }),
    /LDA dim: expected an integer in 1\.\.2/,
  );
  await assert.rejects(
    fitLda(features, labels, { shrinkage: 2 }),
    /LDA shrinkage: expected a number in 0\.\.1/,
  );
});
