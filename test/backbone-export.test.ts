import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import * as ort from 'onnxruntime-node';
import * as ortWeb from 'onnxruntime-web';
import {
  applyStages,
  embedImages,
  exportEmbeddingModel,
  flipImage,
  l2Normalize,
  type EmbeddingPipeline,
  type Stage,
} from '../src/backbone/export.js';
import {
  concatBytes,
  encodeStringField,
  encodeVarint,
  readFields,
} from '../src/backbone/onnx-reader.js';
import { Backbone } from '../src/backbone/runtime.js';
import { defaultBackboneSpec, type BackboneSpec } from '../src/backbone/spec.js';
import { DataType, encodeModel, floatTensor, int64Tensor } from '../src/onnx/proto.js';
import type { Matrix } from '../src/util/npy.js';
import { setQuiet } from '../src/util/log.js';
import { createRandom, randomNormal } from '../src/util/rng.js';
import { syntheticImage, type TestImage } from './support/tfjs-fixtures.js';

setQuiet(true);
const dir = mkdtempSync(join(tmpdir(), 'samebike-export-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const random = createRandom(11);
function randomMatrix(rows: number, cols: number, scale: number): Matrix {
  const data = new Float32Array(rows * cols);
  for (let i = 0; i < data.length; i++) data[i] = randomNormal(random) * scale;
  return { rows, cols, data };
}
function randomVector(n: number, scale: number): Float32Array {
  const data = new Float32Array(n);
  for (let i = 0; i < n; i++) data[i] = randomNormal(random) * scale;
  return data;
}

/** Row-wise cosine similarities between two equally shaped matrices. */
function rowCosines(a: ArrayLike<number>, b: ArrayLike<number>, cols: number): number[] {
  assert.equal(a.length, b.length);
  const out: number[] = [];
  for (let r = 0; r < a.length / cols; r++) {
    let dot = 0;
    let na = 0;
    let nb = 0;
    for (let c = 0; c < cols; c++) {
      const x = a[r * cols + c];
      const y = b[r * cols + c];
      dot += x * y;
      na += x * x;
      nb += y * y;
    }
    out.push(dot / Math.sqrt(na * nb));
  }
  return out;
}

async function runExported(
  bytes: Uint8Array,
  backbone: Backbone,
  images: TestImage[],
  inputName: string,
): Promise<Float32Array> {
  const session = await ort.InferenceSession.create(bytes, { intraOpNumThreads: 1 });
  const { width, height } = images[0];
  const shape =
    backbone.spec.layout === 'nhwc'
      ? [images.length, height, width, 3]
      : [images.length, 3, height, width];
  const result = await session.run({
    [inputName]: new ort.Tensor('float32', backbone.toInput(images), shape),
  });
  await session.release();
  return result.embedding.data as Float32Array;
}

test('applyStages and l2Normalize match hand-computed values', async () => {
  const x = { rows: 2, cols: 2, data: Float32Array.of(1, 2, -3, 4) };
  const stages: Stage[] = [
    // W = [[1, 0], [1, 1], [0, -1]], b = [0, -1, 0.5]:
    // rows (1, 2) → (1, 2, -1.5) and (-3, 4) → (-3, 0, -3.5)
    {
      kind: 'affine',
      weight: { rows: 3, cols: 2, data: Float32Array.of(1, 0, 1, 1, 0, -1) },
      bias: Float32Array.of(0, -1, 0.5),
    },
    // x + relu(x)
    { kind: 'residual', stages: [{ kind: 'relu' }] },
  ];
  const y = await applyStages(x, stages);
  assert.deepEqual(Array.from(y.data), [2, 4, -1.5, -3, 0, -3.5]);
  const normalised = l2Normalize({ rows: 2, cols: 2, data: Float32Array.of(3, 4, 0, 0) });
  assert.deepEqual(Array.from(normalised.data), [0.6, 0.8, 0, 0].map(Math.fround));
  await assert.rejects(
    applyStages(x, [{ kind: 'affine', weight: randomMatrix(4, 3, 1), bias: randomVector(4, 1) }]),
    /stages\[0\]\.weight: expected 2 columns \(the input dimension\), got 3 \(number\)/,
  );
  await assert.rejects(
    applyStages(x, [
      {
        kind: 'residual',
        stages: [{ kind: 'affine', weight: randomMatrix(3, 2, 1), bias: randomVector(3, 1) }],
      },
    ]),
    /stages\[0\]: expected inner stages that keep dimension 2, got "3 dims"/,
  );
  await assert.rejects(
    applyStages(x, [{ kind: 'affine', weight: randomMatrix(3, 2, 1), bias: randomVector(2, 1) }]),
    /stages\[0\]\.bias: expected length 3 \(the weight's rows\), got 2 \(number\)/,
  );
});

test('flipImage mirrors each row', () => {
  const image = { width: 3, height: 1, data: Uint8Array.of(1, 2, 3, 4, 5, 6, 7, 8, 9) };
  assert.deepEqual(Array.from(flipImage(image).data), [7, 8, 9, 4, 5, 6, 1, 2, 3]);
});

test('the wire reader splits a model into fields that reassemble byte for byte', () => {
  assert.deepEqual(Array.from(encodeVarint(300)), [0xac, 0x02]);
  assert.deepEqual(Array.from(encodeVarint(1)), [1]);
  const bytes = encodeModel({
    name: 'g',
    nodes: [{ op: 'Relu', inputs: ['x'], outputs: ['y'] }],
    initializers: [floatTensor('w', [2], [1, 2])],
    inputs: [{ name: 'x', dataType: DataType.FLOAT, shape: ['n', 2] }],
    outputs: [{ name: 'y', dataType: DataType.FLOAT, shape: ['n', 2] }],
  });
  const fields = readFields(bytes, 'test');
  assert.deepEqual(Buffer.from(concatBytes(fields.map((f) => f.raw))), Buffer.from(bytes));
  assert.deepEqual(
    fields.map((f) => f.field),
    [1, 2, 7, 8],
  );
  assert.equal(fields[0].varint, 8n);
  const graph = readFields(fields[2].payload!, 'test');
  assert.deepEqual(
    graph.map((f) => f.field),
    [1, 2, 5, 11, 12],
  );
  assert.deepEqual(Array.from(encodeStringField(2, 'ab')), [0x12, 2, 97, 98]);
  assert.throws(
    () => readFields(Uint8Array.of(0x0a, 5, 1), 'model.onnx'),
    /model\.onnx: not an ONNX model \(truncated field at byte 0\)/,
  );
  assert.throws(
    () => readFields(Uint8Array.of(0x0b), 'model.onnx'),
    /model\.onnx: not an ONNX model \(protobuf wire type 3 at byte 0\)/,
  );
});

test('the exported default backbone matches the in-process pipeline (cos ≥ 0.9999)', async () => {
  const spec = defaultBackboneSpec({ cacheDir: join(dir, 'cache') });
  const backbone = await Backbone.open(spec);
  const onnx = readFileSync(spec.onnx);
  const images = [1, 2].map((seed) => syntheticImage(224, 224, seed));
  const head: Stage[] = [
    { kind: 'affine', weight: randomMatrix(64, 1792, 0.03), bias: randomVector(64, 0.1) },
    {
      kind: 'residual',
      stages: [
        { kind: 'relu' },
        { kind: 'affine', weight: randomMatrix(64, 64, 0.1), bias: randomVector(64, 0.1) },
      ],
    },
    { kind: 'affine', weight: randomMatrix(32, 64, 0.1), bias: randomVector(32, 0.1) },
  ];
  const pipelines: EmbeddingPipeline[] = [
    { pooling: { kind: 'average' }, flip: false, stages: head },
    { pooling: { kind: 'gem', p: 3 }, flip: true, stages: head },
    // The power stage (square roots of the pooled features), as heads with an input power start.
    {
      pooling: { kind: 'average' },
      flip: false,
      stages: [{ kind: 'power', exponent: 0.5 }, ...head],
    },
  ];
  const results: Float32Array[] = [];
  for (const pipeline of pipelines) {
    const bytes = exportEmbeddingModel(onnx, spec, pipeline);
    const exported = await runExported(bytes, backbone, images, 'image');
    const expected = await embedImages(backbone, images, pipeline);
    assert.equal(expected.cols, 32);
    for (const cosine of rowCosines(exported, expected.data, 32))
      assert.ok(cosine >= 0.9999, `cosine ${cosine}`);
    for (const cosine of rowCosines(exported, exported, 32)) assert.ok(Math.abs(cosine - 1) < 1e-6);
    results.push(exported);
  }
  // The pipelines really differ (pooling, flip and the power change the embedding).
  for (const cosine of rowCosines(results[0], results[1], 32)) assert.ok(cosine < 0.999);
  for (const cosine of rowCosines(results[0], results[2], 32)) assert.ok(cosine < 0.999);
  await backbone.close();
});

// A user backbone in NCHW with a classifier head and old outputs the export must drop.
function userBackbone(opset: number): Uint8Array {
  return encodeModel(
    {
      name: 'user',
      nodes: [
        {
          op: 'Conv',
          inputs: ['pixels', 'w', 'b'],
          outputs: ['conv'],
          attributes: { kernel_shape: [3, 3], pads: [1, 1, 1, 1] },
        },
        { op: 'Relu', inputs: ['conv'], outputs: ['fmap'] },
        { op: 'GlobalAveragePool', inputs: ['fmap'], outputs: ['gap'] },
        { op: 'Flatten', inputs: ['gap'], outputs: ['pooled'], attributes: { axis: 1 } },
        {
          op: 'Gemm',
          inputs: ['pooled', 'cls_w', 'cls_b'],
          outputs: ['logits'],
          attributes: { transB: 1 },
        },
        { op: 'Softmax', inputs: ['logits'], outputs: ['probabilities'], attributes: { axis: 1 } },
      ],
      initializers: [
        floatTensor('w', [6, 3, 3, 3], randomVector(162, 0.4)),
        floatTensor('b', [6], randomVector(6, 0.1)),
        floatTensor('cls_w', [4, 6], randomVector(24, 0.5)),
        floatTensor('cls_b', [4], randomVector(4, 0.1)),
      ],
      inputs: [{ name: 'pixels', dataType: DataType.FLOAT, shape: ['n', 3, 'h', 'w'] }],
      outputs: [
        { name: 'probabilities', dataType: DataType.FLOAT, shape: ['n', 4] },
        { name: 'pooled', dataType: DataType.FLOAT, shape: ['n', 6] },
        { name: 'fmap', dataType: DataType.FLOAT, shape: ['n', 6, 'h', 'w'] },
      ],
    },
    { opset },
  );
}

function userSpec(onnx: string): BackboneSpec {
  return {
    id: 'user',
    onnx,
    inputSize: { width: 24, height: 16 },
    layout: 'nchw',
    mean: [0.485, 0.456, 0.406],
    std: [0.229, 0.224, 0.225],
    featureOutput: 'pooled',
    featureMapOutput: 'fmap',
  };
}

test('a user NCHW backbone is spliced: classifier dropped, flip on the width axis', async () => {
  for (const opset of [13, 18]) {
    const path = join(dir, `user-${opset}.onnx`);
    writeFileSync(path, userBackbone(opset));
    const spec = userSpec(path);
    const backbone = await Backbone.open(spec);
    const images = [
      syntheticImage(24, 16, 5),
      syntheticImage(24, 16, 6),
      syntheticImage(24, 16, 7),
    ];
    const stages: Stage[] = [
      { kind: 'l2norm' },
      { kind: 'affine', weight: randomMatrix(5, 6, 0.5), bias: randomVector(5, 0.1) },
    ];
    for (const pooling of [
      { kind: 'average' },
      { kind: 'max' },
      { kind: 'gem', p: 2.5 },
    ] as const) {
      for (const flip of [false, true]) {
        const pipeline = { pooling, flip, stages };
        const bytes = exportEmbeddingModel(readFileSync(path), spec, pipeline, {
          metadata: { 'samebike.run': 'test' },
        });
        const session = await ort.InferenceSession.create(bytes);
        assert.deepEqual(session.inputNames, ['pixels']);
        assert.deepEqual(session.outputNames, ['embedding']);
        await session.release();
        const exported = await runExported(bytes, backbone, images, 'pixels');
        const expected = await embedImages(backbone, images, pipeline);
        const label = `opset ${opset}, ${pooling.kind}, flip ${flip}`;
        for (const cosine of rowCosines(exported, expected.data, 5)) {
          assert.ok(cosine >= 0.9999, `${label}: cosine ${cosine}`);
        }
        assertTopological(bytes);
        const text = Buffer.from(bytes).toString('latin1');
        assert.ok(!text.includes('cls_w'), `${label}: the classifier weights were dropped`);
        assert.ok(text.includes('samebike.pipeline') && text.includes('samebike.run'));
      }
    }
    await backbone.close();
  }
});

test('the exported model loads and runs in onnxruntime-web (wasm, one thread)', async () => {
  const spec = defaultBackboneSpec({ cacheDir: join(dir, 'cache') });
  const backbone = await Backbone.open(spec);
  const pipeline: EmbeddingPipeline = {
    pooling: { kind: 'gem', p: 3 },
    flip: true,
    stages: [{ kind: 'affine', weight: randomMatrix(16, 1792, 0.03), bias: randomVector(16, 0.1) }],
  };
  const bytes = exportEmbeddingModel(readFileSync(spec.onnx), spec, pipeline);
  // A small image keeps the slower wasm runtime quick; the model accepts any size.
  const images = [syntheticImage(96, 96, 8)];
  const input = backbone.toInput(images);
  ortWeb.env.wasm.numThreads = 1;
  const session = await ortWeb.InferenceSession.create(bytes, { executionProviders: ['wasm'] });
  const result = await session.run({ image: new ortWeb.Tensor('float32', input, [1, 96, 96, 3]) });
  await session.release();
  assert.deepEqual(result.embedding.dims, [1, 16]);
  const web = result.embedding.data as Float32Array;
  const native = await runExported(bytes, backbone, images, 'image');
  for (const cosine of rowCosines(web, native, 16)) assert.ok(cosine >= 0.9999, `cosine ${cosine}`);
  await backbone.close();
});

test('export errors name what does not fit', () => {
  const path = join(dir, 'user-errors.onnx');
  writeFileSync(path, userBackbone(17));
  const bytes = readFileSync(path);
  const spec = userSpec(path);
  const average: EmbeddingPipeline = { pooling: { kind: 'average' }, flip: false, stages: [] };
  assert.throws(
    () =>
      exportEmbeddingModel(
        bytes,
        { ...spec, featureMapOutput: undefined },
        { ...average, pooling: { kind: 'gem' } },
      ),
    /pooling gem needs the backbone's feature map, but backbone user names no featureMapOutput/,
  );
  assert.throws(
    () => exportEmbeddingModel(bytes, { ...spec, featureOutput: 'features' }, average),
    /featureOutput: no node of .* produces "features"; its outputs are "probabilities", "pooled"/,
  );
  assert.throws(
    () => exportEmbeddingModel(bytes, { ...spec, input: 'image' }, average),
    /backbone\.input: cannot tell the image input of .*; its inputs are "pixels"/,
  );
  assert.throws(
    () =>
      exportEmbeddingModel(bytes, spec, {
        ...average,
        stages: [{ kind: 'affine', weight: randomMatrix(3, 7, 1), bias: randomVector(3, 1) }],
      }),
    /stages\[0\]\.weight: expected 6 columns \(the input dimension\), got 7 \(number\)/,
  );
  assert.throws(
    () => exportEmbeddingModel(bytes, spec, { ...average, pooling: { kind: 'gem', p: -1 } }),
    /pooling\.p: expected a number > 0, got -1 \(number\)/,
  );
  const old = encodeModel(
    {
      name: 'old',
      nodes: [{ op: 'Relu', inputs: ['pixels'], outputs: ['fmap'] }],
      initializers: [],
      inputs: [{ name: 'pixels', dataType: DataType.FLOAT, shape: ['n', 3, 'h', 'w'] }],
      outputs: [{ name: 'fmap', dataType: DataType.FLOAT, shape: ['n', 3, 'h', 'w'] }],
    },
    { opset: 9 },
  );
  assert.throws(
    () => exportEmbeddingModel(old, { ...spec, featureOutput: undefined }, average),
    /imports ai\.onnx opset 9; the export needs 10 or newer/,
  );
  assert.throws(
    () => exportEmbeddingModel(Uint8Array.of(1, 2, 3), spec, average),
    /not an ONNX model/,
  );
  // An initializer kept in an external file cannot be carried into one file.
  const external = encodeModel({
    name: 'ext',
    nodes: [{ op: 'Add', inputs: ['pixels', 'shift'], outputs: ['fmap'] }],
    initializers: [{ ...int64Tensor('shift', [1], [0]), dataType: DataType.FLOAT }],
    inputs: [{ name: 'pixels', dataType: DataType.FLOAT, shape: ['n', 3, 'h', 'w'] }],
    outputs: [{ name: 'fmap', dataType: DataType.FLOAT, shape: ['n', 3, 'h', 'w'] }],
  });
  const withExternal = markFirstInitializerExternal(external);
  assert.throws(
    () => exportEmbeddingModel(withExternal, { ...spec, featureOutput: undefined }, average),
    /initializer shift keeps its data in an external file/,
  );
});

/** Asserts every node input is a graph input, an initializer or an earlier node's output. */
function assertTopological(model: Uint8Array): void {
  const text = (f: { payload?: Uint8Array }): string => Buffer.from(f.payload!).toString('utf8');
  const graph = readFields(readFields(model, 'model').find((f) => f.field === 7)!.payload!, 'g');
  const known = new Set<string>(['']);
  for (const f of graph) {
    if (f.field === 5) known.add(text(readFields(f.payload!, 't').find((t) => t.field === 8)!));
    if (f.field === 11) known.add(text(readFields(f.payload!, 'v').find((v) => v.field === 1)!));
  }
  for (const f of graph.filter((g) => g.field === 1)) {
    const node = readFields(f.payload!, 'node');
    for (const input of node.filter((n) => n.field === 1)) {
      assert.ok(known.has(text(input)), `input ${text(input)} is used before it is produced`);
    }
    for (const output of node.filter((n) => n.field === 2)) known.add(text(output));
  }
}

/** Adds data_location = EXTERNAL (field 14 = 1) to the first initializer of a model. */
function markFirstInitializerExternal(model: Uint8Array): Uint8Array {
  const fields = readFields(model, 'model');
  return concatBytes(
    fields.map((f) => {
      if (f.field !== 7) return f.raw;
      let done = false;
      const graph = readFields(f.payload!, 'graph').map((g) => {
        if (g.field !== 5 || done) return g.raw;
        done = true;
        const tensor = concatBytes([g.payload!, encodeVarint((14 << 3) | 0), encodeVarint(1)]);
        return concatBytes([encodeVarint((5 << 3) | 2), encodeVarint(tensor.length), tensor]);
      });
      const payload = concatBytes(graph);
      return concatBytes([encodeVarint((7 << 3) | 2), encodeVarint(payload.length), payload]);
    }),
  );
}
