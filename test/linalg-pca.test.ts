import assert from 'node:assert/strict';
import { test } from 'node:test';
import { symmetricEigen } from '../src/linalg/eigen.js';
import { gemm, type Matrix } from '../src/linalg/gemm.js';
import {
  applyWhitening,
  explainedVariance,
  fitWhitening,
  whiteningFromJSON,
  whiteningToJSON,
} from '../src/linalg/pca.js';
import { createRandom, randomNormal } from '../src/util/rng.js';
import { covarianceReference, jacobiEigenvalues } from './linalg-reference.js';

/** Correlated, non-negative features: rows = relu(latent·mixing + offset). */
function features(rows: number, cols: number, seed: number): Matrix {
  const random = createRandom(seed);
  const latent = Math.min(cols, 12);
  const mixing = Float64Array.from({ length: latent * cols }, () => randomNormal(random));
  const data = new Float32Array(rows * cols);
  for (let i = 0; i < rows; i++) {
    const z = Array.from({ length: latent }, (_, k) => randomNormal(random) * (k + 1));
    for (let j = 0; j < cols; j++) {
      let v = 1 + 0.3 * randomNormal(random);
      for (let k = 0; k < latent; k++) v += 0.2 * z[k] * mixing[k * cols + j];
      data[i * cols + j] = Math.max(0, v);
    }
  }
  return { rows, cols, data };
}

/** Mean and covariance of whitened rows (float64). */
function moments(y: Matrix): { mean: number[]; covariance: Float64Array } {
  const mean = new Array<number>(y.cols).fill(0);
  for (let i = 0; i < y.rows; i++)
    for (let j = 0; j < y.cols; j++) mean[j] += y.data[i * y.cols + j];
  for (let j = 0; j < y.cols; j++) mean[j] /= y.rows;
  return { mean, covariance: covarianceReference(y) };
}

test('full whitening gives zero-mean, unit-covariance components (covariance path)', async () => {
  const x = features(400, 24, 1);
  const w = await fitWhitening(x, { dim: 10, epsilon: 0 });
  const { mean, covariance } = moments(await applyWhitening(w, x));
  for (let i = 0; i < 10; i++) {
    assert.ok(Math.abs(mean[i]) < 1e-4, `mean ${i} = ${mean[i]}`);
    for (let j = 0; j < 10; j++) {
      const expected = i === j ? 1 : 0;
      assert.ok(Math.abs(covariance[i * 10 + j] - expected) < 1e-3, `cov(${i}, ${j})`);
    }
  }
  // Variances equal the covariance's top eigenvalues, computed the slow way.
  const reference = jacobiEigenvalues(covarianceReference(x), 24);
  for (let i = 0; i < 10; i++) {
    assert.ok(Math.abs(w.variances[i] - reference[i]) < 1e-4 * reference[0], `λ${i}`);
  }
  let total = 0;
  for (const v of reference) total += v;
  assert.ok(Math.abs(w.totalVariance - total) < 1e-6 * total);
  const kept = reference.slice(0, 10).reduce((s, v) => s + v, 0) / total;
  assert.ok(Math.abs(explainedVariance(w) - kept) < 1e-5);
});

test('whitening with fewer rows than dimensions uses the Gram matrix and still whitens', async () => {
  const x = features(30, 50, 2);
  const w = await fitWhitening(x, { dim: 8, epsilon: 0 });
  const reference = jacobiEigenvalues(covarianceReference(x), 50);
  for (let i = 0; i < 8; i++) {
    assert.ok(Math.abs(w.variances[i] - reference[i]) < 1e-4 * reference[0], `λ${i}`);
  }
  const gram = await gemm(w.components, w.components, { transB: true });
  for (let i = 0; i < 8; i++) {
    for (let j = 0; j < 8; j++)
      assert.ok(Math.abs(gram.data[i * 8 + j] - (i === j ? 1 : 0)) < 1e-4);
  }
  const { covariance } = moments(await applyWhitening(w, x));
  for (let i = 0; i < 8; i++) assert.ok(Math.abs(covariance[i * 8 + i] - 1) < 1e-3);
});

test('power shrinks the whitening: power 0 rotates only, 0.25 leaves sqrt(variance)', async () => {
  const x = features(300, 16, 3);
  const rotation = await fitWhitening(x, { dim: 6, power: 0, epsilon: 0 });
  const half = await fitWhitening(x, { dim: 6, power: 0.25, epsilon: 0 });
  const c0 = moments(await applyWhitening(rotation, x)).covariance;
  const c1 = moments(await applyWhitening(half, x)).covariance;
  for (let i = 0; i < 6; i++) {
    const v = rotation.variances[i];
    assert.ok(Math.abs(c0[i * 6 + i] - v) < 1e-3 * v, `rotation keeps variance ${i}`);
    assert.ok(Math.abs(c1[i * 6 + i] - Math.sqrt(v)) < 1e-3 * Math.sqrt(v), `shrunk ${i}`);
  }
});

test('epsilon is relative to the mean variance per input dimension', async () => {
  const x = features(200, 10, 4);
  const w = await fitWhitening(x, { dim: 3, epsilon: 0.5 });
  const regulariser = (0.5 * w.totalVariance) / 10;
  const expected = 1 / Math.sqrt(w.variances[0] + regulariser);
  let norm = 0;
  for (let j = 0; j < 10; j++) norm += w.projection.data[j] ** 2;
  assert.ok(Math.abs(Math.sqrt(norm) - expected) < 1e-6 * expected);
});

test('a whitening survives JSON exactly', async () => {
  const x = features(100, 12, 5);
  const w = await fitWhitening(x, { dim: 5, power: 0.4 });
  const back = whiteningFromJSON(JSON.parse(JSON.stringify(whiteningToJSON(w))));
  assert.deepEqual(back.projection.data, w.projection.data);
  assert.deepEqual(back.bias, w.bias);
  assert.deepEqual(back.mean, w.mean);
  assert.equal(back.power, 0.4);
  assert.throws(() => whiteningFromJSON({ kind: 'other' }, 'model.json'), /model\.json: expected/);
  const broken = { ...whiteningToJSON(w), mean: 'AAAA' };
  assert.throws(
    () => whiteningFromJSON(broken, 'model.json'),
    /model\.json\.mean: expected 12 float32/,
  );
});

test('fitWhitening rejects bad options and degenerate features with clear messages', async () => {
  const x = features(20, 6, 6);
  await assert.rejects(fitWhitening(x, { dim: 7 }), /whitening dim: expected an integer in 1\.\.6/);
  await assert.rejects(fitWhitening(x, { dim: 3, power: 2 }), /whitening power: expected .*got 2/);
  await assert.rejects(fitWhitening(x, { dim: 3, epsilon: -1 }), /whitening epsilon/);
  await assert.rejects(fitWhitening({ rows: 1, cols: 6, data: new Float32Array(6) }), /at least 2/);
  const bad = { rows: 20, cols: 6, data: x.data.slice() };
  bad.data[13] = NaN;
  await assert.rejects(fitWhitening(bad, { dim: 2 }), /row 2, column 1 is NaN/);
  // Ten copies of two photos span one direction.
  const twins = { rows: 20, cols: 6, data: new Float32Array(120) };
  for (let i = 0; i < 20; i++) twins.data.set(x.data.subarray((i % 2) * 6, (i % 2) * 6 + 6), i * 6);
  await assert.rejects(fitWhitening(twins, { dim: 3 }), /span only about 1 independent directions/);
  const w = await fitWhitening(x, { dim: 2 });
  await assert.rejects(applyWhitening(w, features(3, 5, 7)), /5 values per row.*fitted on 6/);
});

test('the blocked covariance of wide features gives the reference eigenvalues', async () => {
  const x = features(300, 260, 8);
  const w = await fitWhitening(x, { dim: 5 });
  const reference = symmetricEigen(covarianceReference(x), 260, { count: 5 }).values;
  for (let i = 0; i < 5; i++) {
    assert.ok(Math.abs(w.variances[i] - reference[i]) < 1e-4 * reference[0], `λ${i}`);
  }
});
