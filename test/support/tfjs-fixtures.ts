/**
 * Fixtures for the backbone tests: synthetic RGB images, and a tiny MobileNet-like tfjs graph
 * with seeded random weights, written in the same JSON form as tfjs-converter's model.json
 * (base64 string attributes, int lists as strings). The graph exercises
 * every converter path on inputs small enough to run on tfjs's CPU backend in milliseconds:
 * input scaling, strided SAME convolutions at odd and even sizes, a depthwise convolution with a
 * channel multiplier, a residual AddV2, Relu, Relu6, BiasAdd-only convolutions, AvgPool, Squeeze.
 */
import type { TfjsAttr, TfjsGraph, TfjsNode, TfjsWeight } from '../../src/backbone/tfjs-model.js';
import { createRandom } from '../../src/util/rng.js';

const b64 = (s: string): string => Buffer.from(s, 'utf8').toString('base64');
const ints = (...values: number[]): TfjsAttr => ({ list: { i: values.map(String) } });

function convAttrs(stride: number, padding: string, fused: string[]): Record<string, TfjsAttr> {
  return {
    T: { type: 'DT_FLOAT' } as TfjsAttr,
    data_format: { s: b64('NHWC') },
    strides: ints(1, stride, stride, 1),
    dilations: ints(1, 1, 1, 1),
    padding: { s: b64(padding) },
    fused_ops: { list: { s: fused.map(b64) } },
    num_args: { i: '1' },
  };
}

/**
 * Builds the tiny graph. `poolSize` is the AvgPool window: the feature map's side, which is
 * ceil(ceil(inputSide / 2) / 2) for the two stride-2 layers (e.g. 9 for inputs of 33–36).
 */
export function tinyTfjsGraph(poolSize: number, seed = 7): TfjsGraph {
  const random = createRandom(seed);
  const weights = new Map<string, TfjsWeight>();
  const nodes: TfjsNode[] = [];
  const constant = (name: string, shape: number[], scale: number, offset = 0): string => {
    const data = new Float32Array(shape.reduce((a, b) => a * b, 1));
    for (let i = 0; i < data.length; i++) data[i] = offset + (random() * 2 - 1) * scale;
    weights.set(name, { shape, dtype: 'float32', data });
    nodes.push({ name, op: 'Const', attr: { dtype: { type: 'DT_FLOAT' } as TfjsAttr } });
    return name;
  };
  const scalar = (name: string, value: number): string => {
    weights.set(name, { shape: [], dtype: 'float32', data: Float32Array.of(value) });
    nodes.push({ name, op: 'Const' });
    return name;
  };

  nodes.push({
    name: 'input',
    op: 'Placeholder',
    attr: {
      shape: { shape: { dim: [{ size: '-1' }, { size: '-1' }, { size: '-1' }, { size: '3' }] } },
    },
  });
  nodes.push({ name: 'scale/Mul', op: 'Mul', input: [scalar('scale/Mul/y', 2), 'input'] });
  nodes.push({ name: 'scale/Sub', op: 'Sub', input: ['scale/Mul', scalar('scale/Sub/y', 1)] });
  nodes.push({
    name: 'stem/Relu6',
    op: '_FusedConv2D',
    input: ['scale/Sub', constant('stem/w', [3, 3, 3, 8], 0.5), constant('stem/b', [8], 0.2)],
    attr: convAttrs(2, 'SAME', ['BiasAdd', 'Relu6']),
  });
  nodes.push({
    name: 'dw/depthwise',
    op: 'FusedDepthwiseConv2dNative',
    input: ['stem/Relu6', constant('dw/w', [3, 3, 8, 2], 0.5), constant('dw/b', [16], 0.2)],
    attr: convAttrs(2, 'SAME', ['BiasAdd', 'Relu6']),
  });
  nodes.push({
    name: 'project/BiasAdd',
    op: '_FusedConv2D',
    input: [
      'dw/depthwise',
      constant('project/w', [1, 1, 16, 16], 0.4),
      constant('project/b', [16], 0.1),
    ],
    attr: convAttrs(1, 'VALID', ['BiasAdd']),
  });
  nodes.push({ name: 'residual/add', op: 'AddV2', input: ['dw/depthwise', 'project/BiasAdd'] });
  nodes.push({
    name: 'head/Relu',
    op: '_FusedConv2D',
    input: ['residual/add', constant('head/w', [1, 1, 16, 12], 0.4), constant('head/b', [12], 0.1)],
    attr: convAttrs(1, 'SAME', ['BiasAdd', 'Relu']),
  });
  nodes.push({
    name: 'pool/AvgPool',
    op: 'AvgPool',
    input: ['head/Relu'],
    attr: {
      ksize: ints(1, poolSize, poolSize, 1),
      strides: ints(1, 1, 1, 1),
      padding: { s: b64('VALID') },
      data_format: { s: b64('NHWC') },
    },
  });
  nodes.push({
    name: 'pool/Squeeze',
    op: 'Squeeze',
    input: ['pool/AvgPool'],
    attr: { squeeze_dims: ints(1, 2) },
  });
  // A classifier after the pooled features, which the converter must drop.
  nodes.push({
    name: 'logits/MatMul',
    op: '_FusedMatMul',
    input: ['pool/Squeeze', constant('logits/w', [12, 5], 0.3), constant('logits/b', [5], 0.1)],
  });
  nodes.push({ name: 'logits/Softmax', op: 'Softmax', input: ['logits/MatMul'] });
  return { nodes, weights };
}

/** An RGB uint8 image in HWC order. */
export interface TestImage {
  data: Uint8Array;
  width: number;
  height: number;
}

/**
 * A deterministic photo-like test image: a diagonal colour gradient, a few filled discs and
 * rectangles of random colours, and mild noise, so that every channel and position varies.
 */
export function syntheticImage(width: number, height: number, seed: number): TestImage {
  const random = createRandom(seed);
  const data = new Uint8Array(width * height * 3);
  const base = [random() * 255, random() * 255, random() * 255];
  const shapes = Array.from({ length: 5 }, () => ({
    disc: random() < 0.5,
    x: random() * width,
    y: random() * height,
    size: (0.1 + random() * 0.3) * Math.min(width, height),
    colour: [random() * 255, random() * 255, random() * 255],
  }));
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      let colour = base.map((b, c) => b + ((x + (c + 1) * y) / (width + height)) * 120 - 60);
      for (const s of shapes) {
        const dx = x - s.x;
        const dy = y - s.y;
        const inside = s.disc
          ? dx * dx + dy * dy < s.size * s.size
          : Math.abs(dx) < s.size && Math.abs(dy) < s.size / 2;
        if (inside) colour = s.colour;
      }
      const i = (y * width + x) * 3;
      for (let c = 0; c < 3; c++) {
        const v = colour[c] + (random() - 0.5) * 24;
        data[i + c] = v < 0 ? 0 : v > 255 ? 255 : Math.round(v);
      }
    }
  }
  return { data, width, height };
}
