import assert from 'node:assert/strict';
import { test } from 'node:test';
import { applyStages } from '../src/backbone/export.js';
import type { Matrix } from '../src/linalg/gemm.js';
import { l2NormalizeRows, columnStatistics } from '../src/linalg/normalize.js';
import { applyWhitening, fitWhitening, type Whitening } from '../src/linalg/pca.js';
import { createHead, headFromJSON, type Head, type HeadKind } from '../src/train/heads.js';
import { zeroGradients } from '../src/train/params.js';
import { createRandom, randomNormal } from '../src/util/rng.js';
import {
  closeTo,
  headArrays,
  headReference,
  numericGradient,
  randomRows,
} from './train-reference.js';

/** Non-negative features with correlated columns, like pooled CNN features. */
function features(rows: number, cols: number, seed: number): Matrix {
  const random = createRandom(seed);
  const data = new Float32Array(rows * cols);
  for (let r = 0; r < rows; r++) {
    const shared = randomNormal(random);
    for (let c = 0; c < cols; c++) {
      data[r * cols + c] = Math.max(
        0,
        1 + 0.5 * shared * ((c % 3) - 1) + randomNormal(random) * (1 + c / cols),
      );
    }
  }
  return { rows, cols, data };
}

async function setup(
  dim: number,
  seed = 1,
): Promise<{ x: Matrix; whitening: Whitening; init: Parameters<typeof createHead>[1] }> {
  const x = features(40, 7, seed);
  const whitening = await fitWhitening(x, { dim, power: 0.5 });
  const { mean, variance } = columnStatistics(x);
  return { x, whitening, init: { mean, variance, whitening } };
}

/** Replaces every parameter with random values (the initial ones hide code paths, e.g. W₂ = 0). */
function randomize(head: Head, seed: number): void {
  const random = createRandom(seed);
  for (const p of head.parameters())
    for (let i = 0; i < p.value.length; i++) p.value[i] = 0.7 * randomNormal(random);
}

const kinds: Array<{ kind: HeadKind; learnableAffine: boolean }> = [
  { kind: 'linear', learnableAffine: false },
  { kind: 'linear', learnableAffine: true },
  { kind: 'mlp', learnableAffine: false },
  { kind: 'mlp', learnableAffine: true },
  { kind: 'residual', learnableAffine: false },
  { kind: 'residual', learnableAffine: true },
];

for (const { kind, learnableAffine } of kinds) {
  test(`${kind} head${learnableAffine ? ' with learnable affine' : ''}: backward matches finite differences`, async () => {
    const { init } = await setup(3);
    const head = createHead(
      { kind, embeddingSize: 4, hiddenSize: 5, learnableAffine, seed: 3 },
      init,
    );
    randomize(head, 4);
    const x = features(6, 7, 5);
    const r = randomRows(6, 4, 6);
    zeroGradients(head.parameters());
    const e = await head.forward(x, true);
    await head.backward(r);

    const json = head.toJSON();
    const arrays = headArrays(json);
    const objective = () => {
      let total = 0;
      for (let i = 0; i < 6; i++) {
        const y = headReference(json, arrays, x.data.subarray(i * 7, (i + 1) * 7));
        for (let c = 0; c < 4; c++) total += y[c] * r.data[i * 4 + c];
        for (let c = 0; c < 4; c++) assert.ok(Math.abs(y[c] - e.data[i * 4 + c]) < 1e-5, 'forward');
      }
      return total;
    };
    for (const p of head.parameters()) {
      const values = arrays[p.name];
      const numeric = numericGradient(() => objective(), values);
      closeTo(p.grad, numeric, 1e-3, 1e-5);
    }
  });
}

for (const kind of ['linear', 'mlp', 'residual'] as HeadKind[]) {
  test(`${kind} head starts as the whitened, L2-normalised embedding`, async () => {
    const { x, whitening, init } = await setup(3);
    // Embedding size 5 > whitening dim 3: the extra dimensions start at zero.
    const head = createHead({ kind, embeddingSize: 5, hiddenSize: 10 }, init);
    const expected = l2NormalizeRows(await applyWhitening(whitening, x));
    for (const y of [await head.embed(x), await head.forward(x)]) {
      for (let i = 0; i < x.rows; i++) {
        for (let c = 0; c < 5; c++) {
          const want = c < 3 ? expected.data[i * 3 + c] : 0;
          assert.ok(Math.abs(y.data[i * 5 + c] - want) < 1e-5, `row ${i} dim ${c}`);
        }
      }
    }
  });
}

test('an mlp narrower than twice the embedding starts from a random initialisation', async () => {
  const { x, whitening, init } = await setup(3);
  const head = createHead({ kind: 'mlp', embeddingSize: 3, hiddenSize: 4, seed: 1 }, init);
  const whitened = l2NormalizeRows(await applyWhitening(whitening, x));
  const y = await head.embed(x);
  let difference = 0;
  for (let i = 0; i < y.data.length; i++)
    difference = Math.max(difference, Math.abs(y.data[i] - whitened.data[i]));
  assert.ok(difference > 0.1);
});

test('export stages, forward, embed and a JSON copy all give the same embedding', async () => {
  for (const { kind, learnableAffine } of kinds) {
    const { init } = await setup(3);
    const head = createHead(
      { kind, embeddingSize: 4, hiddenSize: 6, learnableAffine, seed: 2 },
      init,
    );
    randomize(head, 7);
    const x = features(9, 7, 8);
    const stages = head.stages();
    assert.equal(stages.at(-1)?.kind, 'l2norm');
    const viaStages = await applyStages(x, stages);
    const forward = await head.forward(x);
    const copy = headFromJSON(JSON.parse(JSON.stringify(head.toJSON())));
    const embedded = await copy.embed(x);
    closeTo(forward.data, viaStages.data, 1e-5, 1e-6);
    assert.deepEqual(embedded.data, (await head.embed(x)).data);
    closeTo(embedded.data, viaStages.data, 1e-6, 1e-7);
  }
});

test('an input power is the first stage, kept by the JSON copy, and applied by forward', async () => {
  const x = features(40, 7, 1);
  const powered: Matrix = { ...x, data: x.data.map((v) => Math.sqrt(v)) };
  const whitening = await fitWhitening(powered, { dim: 3, power: 0.5 });
  const { mean, variance } = columnStatistics(powered);
  const head = createHead(
    { kind: 'linear', embeddingSize: 4, inputPower: 0.5 },
    { mean, variance, whitening },
  );
  const stages = head.stages();
  assert.deepEqual(stages[0], { kind: 'power', exponent: 0.5 });
  // At the start the head is the whitening of the square-rooted features.
  const expected = l2NormalizeRows(await applyWhitening(whitening, powered));
  const embedded = await head.embed(x);
  for (let r = 0; r < x.rows; r++) {
    closeTo(
      embedded.data.subarray(r * 4, r * 4 + 3),
      expected.data.subarray(r * 3, r * 3 + 3),
      1e-4,
      1e-5,
    );
  }
  closeTo((await head.forward(x)).data, embedded.data, 1e-5, 1e-6);
  const copy = headFromJSON(JSON.parse(JSON.stringify(head.toJSON())));
  assert.deepEqual((await copy.embed(x)).data, embedded.data);
  assert.throws(
    () =>
      createHead(
        { kind: 'linear', embeddingSize: 4, inputPower: 0 },
        { mean, variance, whitening },
      ),
    /input power: expected a number in \(0, 4\]/,
  );
});

test('the stages have the documented shapes', async () => {
  const { init } = await setup(3);
  const mlp = createHead({ kind: 'mlp', embeddingSize: 4, hiddenSize: 8 }, init).stages();
  assert.deepEqual(
    mlp.map((s) => (s.kind === 'affine' ? `affine ${s.weight.rows}×${s.weight.cols}` : s.kind)),
    ['affine 8×7', 'relu', 'affine 4×8', 'l2norm'],
  );
  const residual = createHead({ kind: 'residual', embeddingSize: 4, hiddenSize: 8 }, init).stages();
  assert.equal(residual[0].kind, 'affine');
  assert.equal(residual[1].kind, 'residual');
  if (residual[1].kind === 'residual') {
    assert.deepEqual(
      residual[1].stages.map((s) => s.kind),
      ['affine', 'relu', 'affine'],
    );
  }
});

test('heads reject bad input with clear messages', async () => {
  const { init } = await setup(3);
  assert.throws(
    () => createHead({ kind: 'cnn' as HeadKind }, init),
    /head kind: expected linear, mlp or residual, got "cnn"/,
  );
  assert.throws(
    () => createHead({ kind: 'linear', embeddingSize: 2 }, init),
    /3 components, more than the embedding size 2/,
  );
  const head = createHead({ kind: 'linear', embeddingSize: 3 }, init);
  await assert.rejects(
    head.forward(features(2, 6, 1)),
    /features have 6 values per row, the head expects 7/,
  );
  await assert.rejects(head.backward(randomRows(2, 3, 1)), /call forward\(x, true\) first/);
  assert.throws(
    () => headFromJSON({ format: 'other' }, 'model.json'),
    /model\.json: expected a samebike-head/,
  );
  const json = head.toJSON();
  delete (json.parameters as Record<string, unknown>)['linear.bias'];
  assert.throws(
    () => headFromJSON(json, 'model.json'),
    /model\.json: parameter linear\.bias is missing/,
  );
});
