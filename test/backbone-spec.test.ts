import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { Backbone } from '../src/backbone/runtime.js';
import { validateBackboneSpec, type BackboneSpec } from '../src/backbone/spec.js';
import { DataType, encodeModel, floatTensor, int64Tensor } from '../src/onnx/proto.js';
import { setQuiet } from '../src/util/log.js';
import { syntheticImage } from './support/tfjs-fixtures.js';

setQuiet(true);
const dir = mkdtempSync(join(tmpdir(), 'samebike-backbone-spec-'));
after(() => rmSync(dir, { recursive: true, force: true }));

// A user backbone in NCHW: a 1×1 convolution (3 → 4 channels) whose output is the feature map,
// plus its global average as pooled features. Spatial size is free.
const W = [0.5, -1, 2, 1, 1, 1, -0.25, 0, 3, 0, 0.75, -2];
const B = [0.1, -0.2, 0.3, 0];
function userModel(inputShape: (number | string)[], layout: 'nchw' | 'nhwc' = 'nchw'): Uint8Array {
  const transpose = {
    op: 'Transpose',
    inputs: ['pixels'],
    outputs: ['nchw'],
    attributes: { perm: [0, 3, 1, 2] },
  };
  const convInput = layout === 'nhwc' ? 'nchw' : 'pixels';
  return encodeModel({
    name: 'user',
    nodes: [
      ...(layout === 'nhwc' ? [transpose] : []),
      {
        op: 'Conv',
        inputs: [convInput, 'w', 'b'],
        outputs: ['fmap'],
        attributes: { kernel_shape: [1, 1] },
      },
      { op: 'GlobalAveragePool', inputs: ['fmap'], outputs: ['gap'] },
      { op: 'Reshape', inputs: ['gap', 'shape'], outputs: ['pooled'] },
    ],
    initializers: [
      floatTensor('w', [4, 3, 1, 1], W),
      floatTensor('b', [4], B),
      int64Tensor('shape', [2], [0, -1]),
    ],
    inputs: [{ name: 'pixels', dataType: DataType.FLOAT, shape: inputShape }],
    outputs: [
      { name: 'pooled', dataType: DataType.FLOAT, shape: ['n', 4] },
      { name: 'fmap', dataType: DataType.FLOAT, shape: ['n', 4, 'h', 'w'] },
    ],
  });
}
const flexiblePath = join(dir, 'user.onnx');
writeFileSync(flexiblePath, userModel(['n', 3, 'h', 'w']));
const nhwcPath = join(dir, 'user-nhwc.onnx');
writeFileSync(nhwcPath, userModel(['n', 'h', 'w', 3], 'nhwc'));
const fixedPath = join(dir, 'fixed.onnx');
writeFileSync(fixedPath, userModel([1, 3, 32, 32]));

const MEAN: [number, number, number] = [0.485, 0.456, 0.406];
const STD: [number, number, number] = [0.229, 0.224, 0.225];

function userSpec(overrides: Partial<BackboneSpec> = {}): BackboneSpec {
  return {
    id: 'user',
    onnx: flexiblePath,
    inputSize: { width: 20, height: 12 },
    layout: 'nchw',
    mean: MEAN,
    std: STD,
    featureMapOutput: 'fmap',
    ...overrides,
  };
}

test('toInput applies layout and normalisation like a slow per-pixel version', async () => {
  const images = [syntheticImage(20, 12, 1), syntheticImage(20, 12, 2)];
  const results = new Map<string, Float32Array>();
  for (const layout of ['nchw', 'nhwc'] as const) {
    const onnx = layout === 'nchw' ? flexiblePath : nhwcPath;
    const backbone = await Backbone.open(userSpec({ layout, onnx }));
    const fast = backbone.toInput(images);
    for (let n = 0; n < 2; n++) {
      for (let y = 0; y < 12; y++) {
        for (let x = 0; x < 20; x++) {
          for (let c = 0; c < 3; c++) {
            const byte = images[n].data[(y * 20 + x) * 3 + c];
            const expected = Math.fround((byte / 255 - MEAN[c]) / STD[c]);
            const index =
              layout === 'nchw' ? ((n * 3 + c) * 12 + y) * 20 + x : ((n * 12 + y) * 20 + x) * 3 + c;
            assert.equal(fast[index], expected);
          }
        }
      }
    }
    results.set(layout, (await backbone.run(images)).features.data);
    await backbone.close();
  }
  // The same model fed in either layout gives the same features.
  const [a, b] = [results.get('nchw')!, results.get('nhwc')!];
  for (let i = 0; i < a.length; i++) assert.ok(Math.abs(a[i] - b[i]) < 1e-5);
});

test('a user backbone with only a feature map output is average-pooled', async () => {
  const backbone = await Backbone.open(userSpec());
  assert.equal(backbone.featureDim, 4);
  assert.equal(backbone.id, 'user');
  const image = syntheticImage(20, 12, 3);
  const { features, featureMap } = await backbone.run([image], { featureMap: true });
  assert.deepEqual([featureMap!.channels, featureMap!.height, featureMap!.width], [4, 12, 20]);
  // The model is linear, so the pooled features are W · (mean normalised pixel) + b.
  const meanInput = [0, 0, 0];
  for (let i = 0; i < 240; i++) {
    for (let c = 0; c < 3; c++)
      meanInput[c] += (image.data[i * 3 + c] / 255 - MEAN[c]) / STD[c] / 240;
  }
  for (let o = 0; o < 4; o++) {
    const expected =
      B[o] + W[o * 3] * meanInput[0] + W[o * 3 + 1] * meanInput[1] + W[o * 3 + 2] * meanInput[2];
    assert.ok(Math.abs(features.data[o] - expected) < 1e-4, `feature ${o}`);
  }
  // With a pooled output named too, run() returns the model's own pooled features.
  const both = await Backbone.open(userSpec({ featureOutput: 'pooled' }));
  const pooled = await both.run([image]);
  assert.equal(pooled.featureMap, undefined);
  for (let o = 0; o < 4; o++)
    assert.ok(Math.abs(pooled.features.data[o] - features.data[o]) < 1e-5);
  // Other sizes work when the model's spatial size is free.
  const other = await both.run([syntheticImage(16, 16, 5), syntheticImage(16, 16, 6)]);
  assert.equal(other.features.rows, 2);
  assert.deepEqual(await both.run([]), {
    features: { rows: 0, cols: 4, data: new Float32Array(0) },
  });
  await backbone.close();
  await both.close();
});

test('opening checks names, layout and size against the model and names what exists', async () => {
  await assert.rejects(
    Backbone.open(userSpec({ featureOutput: 'embedding' })),
    /backbone\.featureOutput: .*has no output "embedding"; its outputs are "pooled", "fmap"/,
  );
  await assert.rejects(
    Backbone.open(userSpec({ input: 'image' })),
    /backbone\.input: .*has no input "image"; its inputs are "pixels"/,
  );
  await assert.rejects(
    Backbone.open(
      userSpec({ onnx: fixedPath, layout: 'nhwc', inputSize: { width: 32, height: 32 } }),
    ),
    /backbone\.layout: "pixels" has shape \[1, 3, 32, 32\], which has no 3 RGB channels at axis 3/,
  );
  await assert.rejects(
    Backbone.open(userSpec({ onnx: fixedPath })),
    /backbone\.inputSize: the model takes 32×32 images, the spec says 20×12/,
  );
  const notOnnx = join(dir, 'broken.onnx');
  writeFileSync(notOnnx, 'not a model');
  await assert.rejects(
    Backbone.open(userSpec({ onnx: notOnnx })),
    /backbone\.onnx: onnxruntime cannot load/,
  );
  await assert.rejects(
    Backbone.open(userSpec(), { intraOpThreads: 0 }),
    /intraOpThreads: expected an integer ≥ 1, got 0/,
  );

  const backbone = await Backbone.open(userSpec());
  await assert.rejects(
    backbone.run([syntheticImage(20, 12, 1), syntheticImage(10, 12, 1)]),
    /images\[1\] is 10×12 with 360 bytes; expected 20×12 RGB \(720 bytes\) like images\[0\]/,
  );
  await backbone.close();
  const fixed = await Backbone.open(
    userSpec({ onnx: fixedPath, inputSize: { width: 32, height: 32 } }),
  );
  await assert.rejects(
    fixed.run([syntheticImage(16, 16, 1)]),
    /the model only takes 32×32 images, got 16×16/,
  );
  await fixed.close();
});

test('validateBackboneSpec accepts a user backbone, in camelCase or snake_case', () => {
  const spec = validateBackboneSpec(
    {
      onnx: 'user.onnx',
      inputSize: 224,
      layout: 'nchw',
      mean: MEAN,
      std: STD,
      feature_output: 'pooled',
      feature_map_output: 'fmap',
    },
    'samebike.yaml',
    { baseDir: dir },
  );
  assert.deepEqual(spec, {
    id: 'user',
    onnx: flexiblePath,
    inputSize: { width: 224, height: 224 },
    layout: 'nchw',
    mean: MEAN,
    std: STD,
    input: undefined,
    featureOutput: 'pooled',
    featureMapOutput: 'fmap',
  });
  const named = validateBackboneSpec(
    {
      id: 'effnet-b0',
      onnx: flexiblePath,
      inputSize: { width: 320, height: 240 },
      layout: 'nhwc',
      mean: [0, 0, 0],
      std: [1, 1, 1],
      featureMapOutput: 'fmap',
    },
    'samebike.yaml',
  );
  assert.equal(named.id, 'effnet-b0');
  assert.deepEqual(named.inputSize, { width: 320, height: 240 });
});

test('validateBackboneSpec without onnx selects the converted default backbone', () => {
  const cacheDir = join(dir, 'cache');
  const spec = validateBackboneSpec({ input_size: 320 }, 'samebike.yaml', { cacheDir });
  assert.match(spec.id, /^mobilenet_v2_mid-nsfwjs4\.4\.0-c\d+$/);
  assert.deepEqual(spec.inputSize, { width: 320, height: 320 });
  assert.equal(spec.layout, 'nhwc');
  assert.equal(spec.featureOutput, 'features');
  assert.equal(spec.featureMapOutput, 'feature_map');
  assert.deepEqual(validateBackboneSpec(undefined, 'samebike.yaml', { cacheDir }).inputSize, {
    width: 224,
    height: 224,
  });
  assert.throws(
    () => validateBackboneSpec({ layout: 'nchw' }, 'samebike.yaml', { cacheDir }),
    /samebike\.yaml: backbone\.layout: only applies to your own model; without backbone\.onnx/,
  );
});

test('validateBackboneSpec names the key, the expectation and what arrived', () => {
  const base = {
    onnx: flexiblePath,
    inputSize: 224,
    layout: 'nchw',
    mean: MEAN,
    std: STD,
    featureOutput: 'pooled',
  };
  const cases: [Record<string, unknown> | unknown, RegExp][] = [
    [
      { ...base, layout: 'xyz' },
      /^SamebikeError: cfg\.yaml: backbone\.layout: expected nhwc or nchw, got "xyz" \(string\)$/,
    ],
    ['mobilenet', /cfg\.yaml: backbone: expected a mapping with keys id, onnx, input, inputSize/],
    [
      { ...base, layers: 3 },
      /cfg\.yaml: backbone\.layers: unknown key \(value 3 \(number\)\); expected one of id, onnx/,
    ],
    [{ ...base, onnx: 5 }, /backbone\.onnx: expected the path of an \.onnx file, got 5 \(number\)/],
    [{ ...base, onnx: 'missing.onnx' }, /backbone\.onnx: no such file: .*missing\.onnx/],
    [
      { ...base, mean: [0.5, 0.5] },
      /backbone\.mean: expected a list of 3 numbers \(R, G, B\), got \[0\.5,0\.5\] \(array\)/,
    ],
    [
      { ...base, std: [1, 0, 1] },
      /backbone\.std: expected a list of 3 positive numbers \(R, G, B\), got \[1,0,1\] \(array\)/,
    ],
    [
      { ...base, inputSize: 8 },
      /inputSize: expected an integer 16–4096 or \{width, height\} of such integers, got 8 \(/,
    ],
    [
      { ...base, inputSize: undefined, input_size: { width: 224 } },
      /backbone\.input_size: expected an integer 16–4096 or \{width, height\}/,
    ],
    [
      { ...base, featureOutput: '' },
      /featureOutput: expected a non-empty string \(an ONNX input or output name\), got "" \(/,
    ],
    [
      { ...base, featureOutput: undefined },
      /backbone\.featureOutput: missing; name the model output with pooled features/,
    ],
    [
      { ...base, std: undefined },
      /backbone\.std: missing; a user backbone needs inputSize, layout, mean and std/,
    ],
    [
      { ...base, id: 'my model' },
      /backbone\.id: expected letters, digits, "\.", "_" or "-", got "my model" \(string\)/,
    ],
    [
      { ...base, feature_output: 'x' },
      /backbone\.feature_output: given twice \(also as backbone\.featureOutput\)/,
    ],
  ];
  for (const [raw, expected] of cases) {
    const clean =
      typeof raw === 'object' && raw !== null
        ? Object.fromEntries(Object.entries(raw).filter(([, v]) => v !== undefined))
        : raw;
    assert.throws(() => validateBackboneSpec(clean, 'cfg.yaml', { baseDir: dir }), expected);
  }
});
