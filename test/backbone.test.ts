import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import * as ort from 'onnxruntime-node';
import * as tf from '@tensorflow/tfjs-core';
import { cacheDirectory, defaultModelId, ensureDefaultModel } from '../src/backbone/cache.js';
import { CONVERTER_VERSION, convertTfjsGraph } from '../src/backbone/convert.js';
import { averagePool } from '../src/backbone/pooling.js';
import { Backbone } from '../src/backbone/runtime.js';
import { defaultBackboneSpec } from '../src/backbone/spec.js';
import {
  decodeBundle,
  decodeTfjsWeights,
  readNsfwjsBundle,
  type TfjsGraph,
} from '../src/backbone/tfjs-model.js';
import { sha256 } from '../src/util/fs.js';
import { setQuiet } from '../src/util/log.js';
import {
  loadTfjsBackbone,
  loadTfjsGraph,
  tfjsFeatures,
  useTfjsBackend,
} from './support/tfjs-backbone.js';
import { syntheticImage, tinyTfjsGraph } from './support/tfjs-fixtures.js';

setQuiet(true);
const cacheDir = mkdtempSync(join(tmpdir(), 'samebike-backbone-'));
after(() => rmSync(cacheDir, { recursive: true, force: true }));

function maxAbsDifference(a: ArrayLike<number>, b: ArrayLike<number>): number {
  assert.equal(a.length, b.length);
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]));
  return worst;
}

test('uint8 dequantization matches a hand-computed case and tfjs exactly', async () => {
  await useTfjsBackend('cpu');
  const specs = [
    {
      name: 'a',
      shape: [3],
      dtype: 'float32',
      quantization: { min: -1, scale: 0.5, dtype: 'uint8' },
    },
    { name: 'b', shape: [1], dtype: 'float32' },
  ];
  const bytes = new Uint8Array(7);
  bytes.set([0, 1, 255]);
  new DataView(bytes.buffer).setFloat32(3, 2.25, true);
  const decoded = decodeTfjsWeights(specs, bytes, 'hand case');
  assert.deepEqual(Array.from(decoded.get('a')!.data), [-1, -0.5, 126.5]);
  assert.deepEqual(Array.from(decoded.get('b')!.data), [2.25]);

  const bundle = readNsfwjsBundle('mobilenet_v2_mid');
  const manifest = bundle.json.weightsManifest.flatMap((g) => g.weights);
  const ours = decodeTfjsWeights(manifest, bundle.weightBytes, bundle.folder);
  const theirs = tf.io.decodeWeights(
    bundle.weightBytes.slice().buffer,
    manifest as tf.io.WeightsManifestEntry[],
  );
  assert.equal(ours.size, 108);
  for (const spec of manifest) {
    const a = ours.get(spec.name)!.data;
    const b = theirs[spec.name].dataSync();
    assert.equal(a.length, b.length);
    for (let i = 0; i < a.length; i++) {
      if (!Object.is(a[i], b[i])) assert.fail(`${spec.name}[${i}]: ours ${a[i]}, tfjs ${b[i]}`);
    }
    theirs[spec.name].dispose();
  }
});

test('decoding rejects truncated weight data and unsupported quantization', () => {
  const spec = {
    name: 'w',
    shape: [4],
    dtype: 'float32',
    quantization: { min: 0, scale: 1, dtype: 'uint8' },
  };
  assert.throws(
    () => decodeTfjsWeights([spec], new Uint8Array(3), 'model.json'),
    /model\.json: weight data ends early: w needs bytes up to 4, shards hold 3/,
  );
  const f16 = { ...spec, quantization: { min: 0, scale: 1, dtype: 'float16' } };
  assert.throws(
    () => decodeTfjsWeights([f16], new Uint8Array(8), 'model.json'),
    /weight w is quantized as float16; only uint8 and uint16 are supported/,
  );
});

test('the converted nsfwjs backbone matches tfjs on pooled features (≤ 1e-4)', async () => {
  const spec = defaultBackboneSpec({ cacheDir });
  const backbone = await Backbone.open(spec);
  assert.equal(backbone.featureDim, 1792);
  assert.equal(backbone.id, `mobilenet_v2_mid-nsfwjs4.4.0-${CONVERTER_VERSION}`);
  const images = [1, 2, 3].map((seed) => syntheticImage(224, 224, seed));
  const ours = await backbone.run(images, { featureMap: true });
  assert.equal(ours.features.rows, 3);
  assert.equal(ours.features.cols, 1792);
  const map = ours.featureMap!;
  assert.deepEqual([map.n, map.channels, map.height, map.width], [3, 1792, 7, 7]);
  assert.ok(maxAbsDifference(averagePool(map).data, ours.features.data) < 1e-5);

  const pixels = backbone.toInput(images);
  // tfjs's plain CPU kernels are the reference; they take seconds per image, so one image.
  const cpu = await loadTfjsBackbone('cpu');
  const reference = await tfjsFeatures(cpu, pixels.subarray(0, 224 * 224 * 3), [1, 224, 224, 3]);
  cpu.model.dispose();
  const cpuDiff = maxAbsDifference(reference, ours.features.data.subarray(0, 1792));
  assert.ok(cpuDiff <= 1e-4, `tfjs cpu vs onnxruntime: max |difference| ${cpuDiff}`);

  const wasm = await loadTfjsBackbone('wasm');
  const all = await tfjsFeatures(wasm, pixels, [3, 224, 224, 3]);
  wasm.model.dispose();
  const wasmDiff = maxAbsDifference(all, ours.features.data);
  assert.ok(wasmDiff <= 1e-4, `tfjs wasm vs onnxruntime: max |difference| ${wasmDiff}`);

  // The spatial size is free: 320×320 gives a 10×10 feature map.
  const large = await backbone.run([syntheticImage(320, 320, 4)], { featureMap: true });
  assert.deepEqual([large.featureMap!.height, large.featureMap!.width], [10, 10]);
  assert.equal(large.features.cols, 1792);
  await backbone.close();
});

test('a tiny graph with every converted op matches tfjs at odd and even input sizes', async () => {
  await useTfjsBackend('cpu');
  for (const [side, pool] of [
    [36, 9],
    [33, 9],
    [28, 7],
  ]) {
    const graph = tinyTfjsGraph(pool);
    const session = await ort.InferenceSession.create(convertTfjsGraph(graph));
    const n = 2;
    const pixels = new Float32Array(n * side * side * 3);
    for (let k = 0; k < n; k++) {
      const image = syntheticImage(side, side, 10 + k);
      for (let i = 0; i < image.data.length; i++)
        pixels[k * image.data.length + i] = image.data[i] / 255;
    }
    const result = await session.run({
      image: new ort.Tensor('float32', pixels, [n, side, side, 3]),
    });
    assert.deepEqual(result.features.dims, [n, 12]);
    assert.deepEqual(result.feature_map.dims, [n, 12, pool, pool]);
    const model = await loadTfjsGraph(graph);
    const reference = await tfjsFeatures(model, pixels, [n, side, side, 3]);
    model.model.dispose();
    const diff = maxAbsDifference(reference, result.features.data as Float32Array);
    assert.ok(diff < 1e-5, `side ${side}: max |difference| ${diff}`);
    await session.release();
  }
});

test('an op the converter does not know is named with its node', () => {
  const graph = tinyTfjsGraph(9);
  const nodes = graph.nodes.map((n) =>
    n.name === 'residual/add' ? { ...n, op: 'BatchMatMulV2' } : n,
  );
  assert.throws(
    () => convertTfjsGraph({ ...graph, nodes }),
    new RegExp(
      'tfjs graph node residual/add \\(BatchMatMulV2\\): op BatchMatMulV2 is not supported ' +
        'by the tfjs → ONNX converter \\(supported: Placeholder, Const',
    ),
  );
  const fused: TfjsGraph = {
    ...graph,
    nodes: graph.nodes.map((n) =>
      n.name === 'head/Relu'
        ? {
            ...n,
            attr: {
              ...n.attr,
              fused_ops: {
                list: { s: ['BiasAdd', 'LeakyRelu'].map((s) => Buffer.from(s).toString('base64')) },
              },
            },
          }
        : n,
    ),
  };
  assert.throws(
    () => convertTfjsGraph(fused),
    /head\/Relu \(_FusedConv2D\): fused activation LeakyRelu is not supported \(expected Relu or/,
  );
  const noPool = { ...graph, nodes: graph.nodes.filter((n) => n.op !== 'Squeeze') };
  assert.throws(() => convertTfjsGraph(noPool), /expected exactly one AvgPool followed by Squeeze/);
});

test('the model cache converts once, verifies the checksum and reconverts a corrupt file', () => {
  const dir = mkdtempSync(join(tmpdir(), 'samebike-cache-'));
  try {
    const first = ensureDefaultModel({ cacheDir: dir });
    assert.equal(first.converted, true);
    assert.equal(first.path, join(dir, 'models', `${defaultModelId()}.onnx`));
    const sidecarPath = join(dir, 'models', `${defaultModelId()}.json`);
    const sidecar = JSON.parse(readFileSync(sidecarPath, 'utf8'));
    assert.equal(sidecar.sha256, sha256(readFileSync(first.path)));
    assert.deepEqual(sidecar.source, {
      package: 'nsfwjs',
      version: '4.4.0',
      model: 'mobilenet_v2_mid',
    });
    assert.deepEqual(sidecar.converter, { version: CONVERTER_VERSION });

    const second = ensureDefaultModel({ cacheDir: dir });
    assert.equal(second.converted, false);

    // Flip one byte in the middle of the weights: the checksum catches it.
    const bytes = readFileSync(first.path);
    bytes[bytes.length >> 1] ^= 0xff;
    writeFileSync(first.path, bytes);
    const third = ensureDefaultModel({ cacheDir: dir });
    assert.equal(third.converted, true);
    assert.equal(sha256(readFileSync(third.path)), sidecar.sha256);

    unlinkSync(first.path);
    assert.equal(ensureDefaultModel({ cacheDir: dir }).converted, true);
    writeFileSync(sidecarPath, '{ not json');
    assert.equal(ensureDefaultModel({ cacheDir: dir }).converted, true);
    assert.equal(ensureDefaultModel({ cacheDir: dir }).converted, false);

    // A cache folder that cannot be created is reported with the way out.
    const blocker = join(dir, 'a-file');
    writeFileSync(blocker, '');
    assert.throws(
      () => ensureDefaultModel({ cacheDir: blocker }),
      /cannot write the converted backbone to .*a-file\/models: .*ENOTDIR/,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the cache directory is $SAMEBIKE_CACHE when set, else ~/.cache/samebike', () => {
  const saved = process.env.SAMEBIKE_CACHE;
  try {
    process.env.SAMEBIKE_CACHE = '/var/tmp/samebike-test-cache';
    assert.equal(cacheDirectory(), '/var/tmp/samebike-test-cache');
    delete process.env.SAMEBIKE_CACHE;
    assert.match(cacheDirectory(), /\.cache\/samebike$/);
  } finally {
    if (saved === undefined) delete process.env.SAMEBIKE_CACHE;
    else process.env.SAMEBIKE_CACHE = saved;
  }
});

test('conversion is deterministic: the same bytes every time', () => {
  const graph = decodeBundle(readNsfwjsBundle('mobilenet_v2_mid'));
  assert.equal(sha256(convertTfjsGraph(graph)), sha256(convertTfjsGraph(graph)));
});
