import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ArcFaceLoss } from '../src/train/losses/arcface.js';
import { createLoss } from '../src/train/losses/index.js';
import { MultiSimilarityLoss } from '../src/train/losses/multi-similarity.js';
import { SubCenterArcFaceLoss } from '../src/train/losses/subcenter-arcface.js';
import { zeroGradients } from '../src/train/params.js';
import { createRandom, randomNormal } from '../src/util/rng.js';
import {
  arcFaceReference,
  closeTo,
  multiSimilarityReference,
  numericGradient,
  randomRows,
} from './train-reference.js';

function randomWeights(loss: ArcFaceLoss, seed: number): void {
  const random = createRandom(seed);
  const w = loss.weights.value;
  for (let i = 0; i < w.length; i++) w[i] = randomNormal(random);
}

async function checkArcFace(loss: ArcFaceLoss, labels: Int32Array, seed: number): Promise<void> {
  const { dim, classes, subcenters, margin, scale } = loss;
  const e = randomRows(labels.length, dim, seed, true);
  zeroGradients(loss.parameters());
  const result = await loss.forward(e, labels);

  const e64 = Float64Array.from(e.data);
  const w64 = Float64Array.from(loss.weights.value);
  const f = (ee: Float64Array, ww: Float64Array) =>
    arcFaceReference(ee, ww, labels, dim, classes, subcenters, margin, scale);
  assert.ok(Math.abs(result.loss - f(e64, w64)) < 1e-5, `loss ${result.loss} vs ${f(e64, w64)}`);
  closeTo(
    result.gradient.data,
    numericGradient((x) => f(x, w64), e64),
    1e-4,
    1e-6,
  );
  closeTo(
    loss.weights.grad,
    numericGradient((x) => f(e64, x), w64),
    1e-4,
    1e-6,
  );
}

test('ArcFace loss and gradients match the formula and finite differences', async () => {
  const loss = new ArcFaceLoss({ classes: 4, dim: 5, margin: 0.3, scale: 8 });
  randomWeights(loss, 1);
  await checkArcFace(loss, Int32Array.from([0, 1, 2, 3, 1, 1]), 2);
  // A large margin sends some targets past θ + m > π, onto the linear continuation.
  const wide = new ArcFaceLoss({ classes: 3, dim: 4, margin: 1.4, scale: 5 });
  randomWeights(wide, 3);
  await checkArcFace(wide, Int32Array.from([0, 1, 2, 0, 2]), 4);
});

test('ArcFace with zero margin is softmax cross-entropy on scaled cosines (hand-checked)', async () => {
  const loss = new ArcFaceLoss({ classes: 2, dim: 2, margin: 0, scale: 1 });
  loss.weights.value.set([1, 0, 0, 2]); // centres (1,0) and (0,1) after normalisation
  const e = { rows: 1, cols: 2, data: Float32Array.from([0.6, 0.8]) };
  const { loss: value, gradient } = await loss.forward(e, Int32Array.from([0]));
  // logits 0.6 and 0.8: loss = log(e^0.6 + e^0.8) − 0.6.
  const expected = Math.log(Math.exp(0.6) + Math.exp(0.8)) - 0.6;
  assert.ok(Math.abs(value - expected) < 1e-6);
  const p0 = Math.exp(0.6) / (Math.exp(0.6) + Math.exp(0.8));
  closeTo(gradient.data, [p0 - 1, 1 - p0], 1e-5);
});

test('sub-center ArcFace takes the closest sub-centre and passes finite differences', async () => {
  const loss = new SubCenterArcFaceLoss({
    classes: 3,
    dim: 4,
    subcenters: 3,
    margin: 0.4,
    scale: 6,
  });
  assert.equal(loss.kind, 'subcenter_arcface');
  assert.equal(loss.weights.rows, 9);
  randomWeights(loss, 5);
  await checkArcFace(loss, Int32Array.from([0, 1, 2, 2, 0]), 6);
  // Only the chosen sub-centre of each class receives gradient from a single embedding.
  zeroGradients(loss.parameters());
  await loss.forward(randomRows(1, 4, 7, true), Int32Array.from([1]));
  for (let c = 0; c < 3; c++) {
    let touched = 0;
    for (let j = 0; j < 3; j++) {
      const row = loss.weights.grad.subarray((c * 3 + j) * 4, (c * 3 + j + 1) * 4);
      if (row.some((v) => v !== 0)) touched++;
    }
    assert.equal(touched, 1, `class ${c}`);
  }
});

test('ArcFace class weights start at the normalised class means', () => {
  const loss = new ArcFaceLoss({ classes: 2, dim: 2 });
  const e = { rows: 3, cols: 2, data: Float32Array.from([1, 0, 0, 1, 0, 1]) };
  loss.initializeFromEmbeddings(e, Int32Array.from([0, 0, 1]), createRandom(1));
  const h = Math.SQRT1_2;
  closeTo(loss.weights.value, [h, h, 0, 1], 1e-6);
});

test('multi-similarity loss matches the formula with mining and finite differences', async () => {
  const loss = new MultiSimilarityLoss();
  const labels = Int32Array.from([0, 0, 1, 1, 2, 2, 0, 1]);
  const e = randomRows(labels.length, 6, 8, true);
  const result = await loss.forward(e, labels);
  const e64 = Float64Array.from(e.data);
  const f = (x: Float64Array) => multiSimilarityReference(x, labels, 6, 2, 50, 0.5, 0.1);
  assert.ok(Math.abs(result.loss - f(e64)) < 1e-5, `loss ${result.loss} vs ${f(e64)}`);
  closeTo(result.gradient.data, numericGradient(f, e64), 1e-4, 1e-6);
});

test('multi-similarity mining drops easy pairs (hand-checked)', async () => {
  // Photos 0 and 1 (same ad) at similarity 0.9; photos 2 and 3 of two other ads. For anchors 0
  // and 1 the positive is easy (0.9 − ε is not below the hardest negative) and no negative comes
  // within ε of the positive; anchors 2 and 3 have no positive. Nothing is mined: loss 0.
  const c = (angle: number) => [Math.cos(angle), Math.sin(angle)];
  const rows = [c(0), c(Math.acos(0.9)), c(-Math.acos(0.1)), c(Math.PI - Math.acos(0.5))];
  const e = { rows: 4, cols: 2, data: Float32Array.from(rows.flat()) };
  const result = await new MultiSimilarityLoss().forward(e, Int32Array.from([0, 0, 1, 2]));
  assert.equal(result.loss, 0);
  assert.ok(result.gradient.data.every((v) => v === 0));
  // Moving photo 1 away (similarity 0.05, below the hardest negative 0.1 + ε) mines the pair:
  // anchor 0's loss is (1/α)·log(1 + e^{−α(0.05 − λ)}).
  const moved = Float32Array.from([...rows[0], ...c(Math.acos(0.05)), ...rows[2], ...rows[3]]);
  const labels = Int32Array.from([0, 0, 1, 2]);
  const value = (await new MultiSimilarityLoss().forward({ rows: 4, cols: 2, data: moved }, labels))
    .loss;
  const reference = multiSimilarityReference(Float64Array.from(moved), labels, 2, 2, 50, 0.5, 0.1);
  assert.ok(Math.abs(value - reference) < 1e-6);
  assert.ok(value >= Math.log1p(Math.exp(-2 * (0.05 - 0.5))) / 2 / 4 - 1e-6);
});

test('createLoss builds each kind and rejects bad settings with a clear message', () => {
  assert.equal(createLoss({ kind: 'arcface', classes: 3, dim: 4 }).kind, 'arcface');
  assert.equal(
    createLoss({ kind: 'subcenter_arcface', classes: 3, dim: 4 }).parameters()[0].rows,
    9,
  );
  assert.equal(createLoss({ kind: 'multi_similarity', classes: 3, dim: 4 }).parameters().length, 0);
  assert.throws(
    () => createLoss({ kind: 'triplet' as never, classes: 3, dim: 4 }),
    /loss kind: expected arcface, subcenter_arcface or multi_similarity, got "triplet"/,
  );
  assert.throws(() => new ArcFaceLoss({ classes: 1, dim: 4 }), /at least 2 classes.*got 1/);
  assert.throws(
    () => new ArcFaceLoss({ classes: 3, dim: 4, margin: 2 }),
    /margin: expected a number in 0\.\.1\.57/,
  );
  assert.throws(
    () => new MultiSimilarityLoss({ beta: 0 }),
    /beta: expected a positive number, got 0/,
  );
});

test('loss state survives JSON', async () => {
  const loss = new SubCenterArcFaceLoss({ classes: 3, dim: 4, subcenters: 2 });
  randomWeights(loss, 9);
  const copy = new SubCenterArcFaceLoss({ classes: 3, dim: 4, subcenters: 2 });
  copy.loadParameters(JSON.parse(JSON.stringify(loss.toJSON())), 'state');
  assert.deepEqual(copy.weights.value, loss.weights.value);
  assert.throws(
    () => copy.loadParameters({ kind: 'arcface', settings: {}, parameters: {} }, 'state.json'),
    /state\.json\.loss\.class_weights: expected base64 float32 text/,
  );
});
