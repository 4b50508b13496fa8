import assert from 'node:assert/strict';
import { test } from 'node:test';
import { gemm, type Matrix } from '../src/linalg/gemm.js';
import { l2NormalizeRows } from '../src/linalg/normalize.js';
import { applyWhitening } from '../src/linalg/pca.js';
import { resolveTrainConfig } from '../src/train/config.js';
import type { Head } from '../src/train/heads.js';
import { gatherRows, trainHead, type TrainState } from '../src/train/trainer.js';
import { setQuiet } from '../src/util/log.js';
import { createRandom, randomNormal } from '../src/util/rng.js';

setQuiet(true);

/**
 * Photos of `classes` ads, `perClass` photos each, in `dim`-d: relu(1 + class centre (a code in a
 * 48-d subspace) + photo jitter + strong shared nuisance directions + isotropic noise). The class
 * signal is weak next to the nuisance, which whitening alone cannot remove but a trained head can.
 */
function clustered(classes: number, perClass: number, dim: number, seed: number) {
  const random = createRandom(seed);
  const latent = 48;
  const nuisances = 20;
  const basis = Float32Array.from({ length: latent * dim }, () => randomNormal(random));
  const nuisance = Float32Array.from({ length: nuisances * dim }, () => randomNormal(random));
  const codes = Float32Array.from({ length: classes * latent }, () => randomNormal(random));
  const rows = classes * perClass;
  const data = new Float32Array(rows * dim);
  const labels = new Int32Array(rows);
  for (let i = 0; i < rows; i++) {
    const c = Math.floor(i / perClass);
    labels[i] = c;
    const u = Array.from(
      { length: latent },
      (_, k) => codes[c * latent + k] + 0.5 * randomNormal(random),
    );
    const z = Array.from({ length: nuisances }, () => randomNormal(random));
    for (let j = 0; j < dim; j++) {
      let v = 1 + randomNormal(random);
      for (let k = 0; k < latent; k++) v += 0.1 * u[k] * basis[k * dim + j];
      for (let k = 0; k < nuisances; k++) v += 0.5 * z[k] * nuisance[k * dim + j];
      data[i * dim + j] = Math.max(0, v);
    }
  }
  return { features: { rows, cols: dim, data }, labels };
}

/** Nearest-neighbour accuracy of the query rows against every other row. */
async function nearestNeighbourAccuracy(embeddings: Matrix, labels: Int32Array, queries: number[]) {
  const similarities = await gemm(gatherRows(embeddings, Int32Array.from(queries)), embeddings, {
    transB: true,
  });
  let correct = 0;
  queries.forEach((q, i) => {
    let best = -1;
    for (let g = 0; g < embeddings.rows; g++) {
      if (g === q) continue;
      if (
        best < 0 ||
        similarities.data[i * embeddings.rows + g] > similarities.data[i * embeddings.rows + best]
      )
        best = g;
    }
    if (labels[best] === labels[q]) correct++;
  });
  return correct / queries.length;
}

test('training improves nearest-neighbour accuracy of held-out photos over the start', async () => {
  const { features, labels } = clustered(200, 6, 1792, 1);
  const queries = Array.from({ length: 200 }, (_, c) => c * 6);
  const trainRows = Int32Array.from({ length: 1200 }, (_, i) => i).filter((i) => i % 6 !== 0);
  const data = {
    features: gatherRows(features, trainRows),
    labels: trainRows.map((i) => labels[i]),
  };
  // From the unsupervised PCA-whitening start, on the raw features, training has to do the work.
  const config = {
    embeddingSize: 128,
    epochs: 6,
    batchSize: 64,
    headInit: 'pca' as const,
    featurePower: 1,
  };

  const start = await trainHead({ ...config, epochs: 0 }, data);
  const trained = await trainHead(config, data);
  const before = await nearestNeighbourAccuracy(await start.head.embed(features), labels, queries);
  const after = await nearestNeighbourAccuracy(await trained.head.embed(features), labels, queries);
  assert.ok(after >= before + 0.1, `accuracy ${before} → ${after}`);
  // The start is the whitened zero-shot embedding.
  const whitened = l2NormalizeRows(await applyWhitening(start.whitening!, features));
  const startEmbedding = await start.head.embed(features);
  for (let i = 0; i < 500; i++)
    assert.ok(Math.abs(startEmbedding.data[i] - whitened.data[i]) < 1e-5);
  const losses = trained.history.slice(1).map((e) => e.loss as number);
  assert.ok(losses[losses.length - 1] < losses[0], `loss ${losses.join(', ')}`);
});

test('the default LDA start of square-rooted features already separates held-out photos', async () => {
  const { features, labels } = clustered(200, 6, 1792, 1);
  const queries = Array.from({ length: 200 }, (_, c) => c * 6);
  const trainRows = Int32Array.from({ length: 1200 }, (_, i) => i).filter((i) => i % 6 !== 0);
  const data = {
    features: gatherRows(features, trainRows),
    labels: trainRows.map((i) => labels[i]),
  };
  const pca = await trainHead({ embeddingSize: 128, epochs: 0, headInit: 'pca' }, data);
  const lda = await trainHead({ embeddingSize: 128, epochs: 0 }, data);
  assert.equal(lda.whitening, undefined);
  assert.equal(lda.lda?.dim, 128);
  assert.deepEqual(lda.head.stages()[0], { kind: 'power', exponent: 0.5 });
  const before = await nearestNeighbourAccuracy(await pca.head.embed(features), labels, queries);
  const after = await nearestNeighbourAccuracy(await lda.head.embed(features), labels, queries);
  assert.ok(after >= before + 0.05, `accuracy PCA start ${before}, LDA start ${after}`);
});

/** A small, fast data set: 30 ads × 4 photos × 2 views in 24-d. */
function small(seed = 2) {
  const { features, labels } = clustered(30, 8, 24, seed);
  const photoOf = Int32Array.from({ length: 240 }, (_, i) => Math.floor(i / 2));
  return { features, labels, photoOf };
}

const smallConfig = { embeddingSize: 8, batchSize: 16, epochs: 4, warmupEpochs: 0.5 };

test('the best epoch by validation is kept, epoch 0 (the untrained start) included', async () => {
  const data = small();
  const seen: number[] = [];
  const result = await trainHead(smallConfig, data, {
    validate: async (_head, epoch) => ({ score: -epoch }),
    selectMetric: 'score',
    onEpoch: (stats) => void seen.push(stats.epoch),
  });
  assert.deepEqual(seen, [0, 1, 2, 3, 4]);
  assert.equal(result.bestEpoch, 0);
  const start = await trainHead({ ...smallConfig, epochs: 0 }, data);
  assert.deepEqual(
    (await result.head.embed(data.features)).data,
    (await start.head.embed(data.features)).data,
  );
  assert.notDeepEqual(
    (await result.last.embed(data.features)).data,
    (await start.head.embed(data.features)).data,
  );

  const peak = await trainHead(smallConfig, data, {
    validate: async (_head, epoch) => ({ map_at_k: epoch === 2 ? 1 : 0 }),
  });
  assert.equal(peak.bestEpoch, 2);
  const last = await trainHead({ ...smallConfig, keepBest: false }, data, {
    validate: async (_head, epoch) => ({ map_at_k: -epoch }),
  });
  assert.equal(last.bestEpoch, 4);
});

test('hooks see every step and epoch; epoch 0 has no loss', async () => {
  const data = small();
  const steps: number[] = [];
  const result = await trainHead({ ...smallConfig, gradientClip: 1 }, data, {
    onStep: (s) => {
      steps.push(s.step);
      assert.ok(Number.isFinite(s.loss) && s.lr > 0 && (s.gradientNorm as number) > 0);
    },
  });
  // 120 photos in batches of 16: 7 steps per epoch.
  assert.equal(steps.length, 28);
  assert.deepEqual(steps.slice(0, 3), [1, 2, 3]);
  assert.equal(result.history[0].loss, undefined);
  assert.equal(result.history.length, 5);
  assert.ok(result.history.slice(1).every((e) => Number.isFinite(e.loss)));
  assert.equal(result.bestEpoch, 4);
});

test('a run resumed from a checkpoint ends exactly like an uninterrupted one', async () => {
  const data = small(3);
  for (const config of [
    { ...smallConfig, headKind: 'mlp' as const, hiddenSize: 16 },
    {
      ...smallConfig,
      lossKind: 'multi_similarity' as const,
      sampler: 'pk' as const,
      optimizer: 'sgd' as const,
    },
    {
      ...smallConfig,
      lossKind: 'subcenter_arcface' as const,
      headKind: 'residual' as const,
      learnableAffine: true,
    },
  ]) {
    const states: TrainState[] = [];
    const validate = async (head: Head) => ({
      map_at_k: (await head.embed(data.features)).data[0],
    });
    const full = await trainHead(config, data, {
      validate,
      checkpoint: (state) => void states.push(JSON.parse(JSON.stringify(state))),
    });
    assert.equal(states.length, 4);
    const resumed = await trainHead(config, data, { validate }, states[1]);
    assert.deepEqual(resumed.last.toJSON(), full.last.toJSON());
    assert.deepEqual(resumed.head.toJSON(), full.head.toJSON());
    assert.equal(resumed.bestEpoch, full.bestEpoch);
    assert.deepEqual(
      resumed.history.map((e) => [e.epoch, e.loss, e.metrics]),
      full.history.map((e) => [e.epoch, e.loss, e.metrics]),
    );
    await assert.rejects(
      trainHead({ ...config, embeddingSize: 6 }, data, {}, states[1]),
      /resume: the checkpoint was trained with embeddingSize = 8, the config now says 6/,
    );
  }
});

test('views of one photo are sampled as that photo; multi-similarity trains with P×K batches', async () => {
  const data = small(4);
  const result = await trainHead(
    { ...smallConfig, lossKind: 'multi_similarity', sampler: 'pk', pkPhotos: 2 },
    data,
  );
  assert.ok(result.history.slice(1).every((e) => Number.isFinite(e.loss)));
  const mixed = { ...data, labels: data.labels.slice() };
  mixed.labels[1] = mixed.labels[0] + 1;
  await assert.rejects(
    trainHead(smallConfig, mixed),
    /photo 0 has rows with different labels \(0 and 1, row 1\)/,
  );
});

test('bad settings and data are rejected with clear messages', async () => {
  const data = small();
  assert.throws(() => resolveTrainConfig({ epochz: 3 } as never), /unknown setting "epochz"/);
  assert.throws(
    () => resolveTrainConfig({ margin: -1 }),
    /training config margin: expected a number ≥ 0 and ≤ 1\.57.*got -1/,
  );
  assert.throws(
    () => resolveTrainConfig({ headKind: 'cnn' as never }),
    /headKind: expected one of linear, mlp, residual, got "cnn"/,
  );
  assert.throws(
    () => resolveTrainConfig({ epochs: 2.5 }),
    /epochs: expected an integer ≥ 0, got 2\.5/,
  );
  assert.throws(
    () => resolveTrainConfig({ lossKind: 'multi_similarity' }),
    /multi_similarity loss needs positive pairs in every batch, but the sampler is "random"/,
  );
  assert.throws(
    () => resolveTrainConfig({ sampler: 'pk', batchSize: 6, pkPhotos: 4 }),
    /batchSize 6 holds fewer than 2 ads of pkPhotos 4 photos/,
  );
  await assert.rejects(
    trainHead(smallConfig, { features: data.features, labels: data.labels.subarray(0, 5) }),
    /expected 240 labels \(one per feature row\), got 5/,
  );
  await assert.rejects(
    trainHead(smallConfig, { features: data.features, labels: new Int32Array(240) }),
    /found 1 label\(s\); training needs photos of at least 2 ads/,
  );
  await assert.rejects(
    trainHead(smallConfig, data, { validate: async () => ({ recall_at_1: 0.5 }) }),
    /no number "map_at_k" to pick the best epoch by \(got recall_at_1\)/,
  );
});
