/**
 * The tfjs → ONNX converter for CNN backbones. It walks back from the graph's pooled feature
 * vector (the Squeeze that follows the final AvgPool), converts every node on the way, and drops
 * the rest (nsfwjs's classifier head: _FusedMatMul, Softmax, Identity).
 *
 * The ONNX model it writes has one input and two outputs:
 * - `image`: float32 [batch, height, width, 3], NHWC, RGB, values pixel/255 in [0, 1] (what nsfwjs
 *   feeds its model); height and width are symbolic, so 224×224 or 320×320 both run. The graph's
 *   own input scaling (Mul, Sub: [0, 1] → [-1, 1] for MobileNetV2) is kept inside the model.
 * - `features`: float32 [batch, C], the global average of the feature map.
 * - `feature_map`: float32 [batch, C, h, w], NCHW, the activation before the final pooling.
 *
 * Layout: TensorFlow computes in NHWC; the converted graph transposes once to NCHW before the
 * first convolution and stays NCHW. Filters become OIHW, depthwise filters become grouped
 * convolutions, TF SAME padding becomes auto_pad SAME_UPPER (TF pads the extra row/column at the
 * bottom/right, as SAME_UPPER does), Relu6 becomes Clip(0, 6), and the final AvgPool becomes
 * GlobalAveragePool so the spatial size is free.
 */
import { SamebikeError } from '../util/errors.js';
import {
  DataType,
  encodeModel,
  floatTensor,
  int64Tensor,
  type NodeSpec,
  type TensorSpec,
  type ValueSpec,
} from '../onnx/proto.js';
import type { TfjsAttr, TfjsGraph, TfjsNode, TfjsWeight } from './tfjs-model.js';

/**
 * Converter version, part of every cached model id. Bump it whenever the ONNX output of the
 * converter changes, so that caches made by an older converter are rebuilt.
 */
export const CONVERTER_VERSION = 'c1';

/** Name of the converted model's image input. */
export const IMAGE_INPUT = 'image';
/** Name of the converted model's pooled feature output (batch × channels). */
export const FEATURES_OUTPUT = 'features';
/** Name of the converted model's feature map output (batch × channels × h × w, NCHW). */
export const FEATURE_MAP_OUTPUT = 'feature_map';

/** The tfjs ops the converter understands (the classifier ops after the pooling are dropped). */
export const SUPPORTED_TFJS_OPS = [
  'Placeholder',
  'Const',
  'Identity',
  'Mul',
  'Sub',
  'Add',
  'AddV2',
  'Relu',
  'Relu6',
  'Conv2D',
  '_FusedConv2D',
  'DepthwiseConv2dNative',
  'FusedDepthwiseConv2dNative',
  'AvgPool',
  'Squeeze',
] as const;

/** Options of {@link convertTfjsGraph}. */
export interface ConvertOptions {
  /** Graph name stored in the ONNX file. Default 'backbone'. */
  name?: string;
  /** Key/value pairs stored as ONNX metadata_props (source package, version, converter). */
  metadata?: Record<string, string>;
}

type Layout = 'nhwc' | 'nchw' | 'flat';

interface Value {
  /** ONNX tensor name. */
  name: string;
  layout: Layout;
  channels: number;
}

const decoder = new TextDecoder();

function attrString(attr: TfjsAttr | undefined): string | undefined {
  return attr?.s === undefined ? undefined : decoder.decode(Buffer.from(attr.s, 'base64'));
}

function attrInts(attr: TfjsAttr | undefined): number[] | undefined {
  return attr?.list?.i?.map((v) => Number(v));
}

function attrStrings(attr: TfjsAttr | undefined): string[] {
  return (attr?.list?.s ?? []).map((s) => decoder.decode(Buffer.from(s, 'base64')));
}

/** A node input reference without its output index (":0") or control-dependency mark ("^"). */
function inputName(ref: string): string {
  const colon = ref.lastIndexOf(':');
  return colon > 0 && /^\d+$/.test(ref.slice(colon + 1)) ? ref.slice(0, colon) : ref;
}

function dataInputs(node: TfjsNode): string[] {
  return (node.input ?? []).filter((ref) => !ref.startsWith('^')).map(inputName);
}

function fail(node: TfjsNode, message: string): never {
  throw new SamebikeError(`tfjs graph node ${node.name} (${node.op}): ${message}`);
}

/** HWIO (TF Conv2D filter) → OIHW (ONNX Conv weight). */
function hwioToOihw(w: TfjsWeight): { dims: number[]; data: Float32Array } {
  const [kh, kw, cin, cout] = w.shape;
  const out = new Float32Array(w.data.length);
  for (let y = 0; y < kh; y++) {
    for (let x = 0; x < kw; x++) {
      for (let i = 0; i < cin; i++) {
        const src = ((y * kw + x) * cin + i) * cout;
        for (let o = 0; o < cout; o++) out[((o * cin + i) * kh + y) * kw + x] = w.data[src + o];
      }
    }
  }
  return { dims: [cout, cin, kh, kw], data: out };
}

/**
 * HW·C·M (TF depthwise filter, channel multiplier M) → (C·M)·1·H·W, the weight of an ONNX Conv
 * with group = C. TF's output channel c·M + m is ONNX group c's output m.
 */
function depthwiseToGrouped(w: TfjsWeight): { dims: number[]; data: Float32Array } {
  const [kh, kw, channels, mult] = w.shape;
  const out = new Float32Array(w.data.length);
  for (let y = 0; y < kh; y++) {
    for (let x = 0; x < kw; x++) {
      for (let c = 0; c < channels; c++) {
        for (let m = 0; m < mult; m++) {
          out[((c * mult + m) * kh + y) * kw + x] =
            w.data[((y * kw + x) * channels + c) * mult + m];
        }
      }
    }
  }
  return { dims: [channels * mult, 1, kh, kw], data: out };
}

/** NHWC axis → NCHW axis. */
const NHWC_TO_NCHW = [0, 2, 3, 1];

/**
 * Converts a tfjs graph model (nodes plus dequantized weights) into an ONNX backbone with the
 * `image` input and `features` / `feature_map` outputs described in this file's header. Throws
 * a SamebikeError naming the node for any op, fused op, padding or data format it cannot convert.
 */
export function convertTfjsGraph(graph: TfjsGraph, options: ConvertOptions = {}): Uint8Array {
  const byName = new Map(graph.nodes.map((n) => [n.name, n]));
  const { pool, squeeze } = findFeaturePool(graph.nodes);
  const poolInput = dataInputs(pool)[0];

  // Nodes the features depend on, in dependency order (depth-first post-order).
  const order: TfjsNode[] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (name: string, from: TfjsNode): void => {
    const node = byName.get(name);
    if (!node) fail(from, `input ${name} is not a node of the graph`);
    const seen = state.get(name);
    if (seen === 'done') return;
    if (seen === 'visiting') fail(node, 'the graph has a cycle through this node');
    state.set(name, 'visiting');
    for (const input of dataInputs(node)) visit(input, node);
    state.set(name, 'done');
    order.push(node);
  };
  visit(squeeze.name, squeeze);

  const supported = new Set<string>(SUPPORTED_TFJS_OPS);
  for (const node of order) {
    if (!supported.has(node.op)) {
      fail(
        node,
        `op ${node.op} is not supported by the tfjs → ONNX converter ` +
          `(supported: ${SUPPORTED_TFJS_OPS.join(', ')})`,
      );
    }
  }

  const nodes: NodeSpec[] = [];
  const initializers: TensorSpec[] = [];
  const inputs: ValueSpec[] = [];
  const values = new Map<string, Value>();
  const transposed = new Map<string, Value>();
  let clipBounds = false;

  const tensorName = (tfName: string): string => {
    if (tfName === squeeze.name) return FEATURES_OUTPUT;
    if (tfName === poolInput) return FEATURE_MAP_OUTPUT;
    return tfName;
  };

  const weightOf = (node: TfjsNode, ref: string): TfjsWeight => {
    const source = byName.get(ref);
    const weight = graph.weights.get(ref);
    if (source?.op !== 'Const' || !weight) fail(node, `expected a constant input, got ${ref}`);
    return weight;
  };

  const activation = (node: TfjsNode, ref: string): Value => {
    const value = values.get(ref);
    if (!value)
      fail(node, `input ${ref} is not an activation (a constant where data was expected)`);
    return value;
  };

  const asNchw = (value: Value): Value => {
    if (value.layout !== 'nhwc') return value;
    let t = transposed.get(value.name);
    if (!t) {
      t = { name: `${value.name}/nchw`, layout: 'nchw', channels: value.channels };
      nodes.push({
        op: 'Transpose',
        inputs: [value.name],
        outputs: [t.name],
        attributes: { perm: [0, 3, 1, 2] },
      });
      transposed.set(value.name, t);
    }
    return t;
  };

  const addClip = (node: TfjsNode, input: string, output: string): void => {
    if (!clipBounds) {
      initializers.push(floatTensor('relu6/min', [], [0]), floatTensor('relu6/max', [], [6]));
      clipBounds = true;
    }
    nodes.push({
      op: 'Clip',
      inputs: [input, 'relu6/min', 'relu6/max'],
      outputs: [output],
      name: `${node.name}/relu6`,
    });
  };

  const convolution = (node: TfjsNode, depthwise: boolean): void => {
    const format = attrString(node.attr?.data_format) ?? 'NHWC';
    if (format !== 'NHWC') fail(node, `data_format ${format} is not supported (expected NHWC)`);
    const [xRef, filterRef, biasRef] = dataInputs(node);
    const x = asNchw(activation(node, xRef));
    const filter = weightOf(node, filterRef);
    if (filter.shape.length !== 4) fail(node, `expected a 4-d filter, got shape [${filter.shape}]`);
    const w = depthwise ? depthwiseToGrouped(filter) : hwioToOihw(filter);
    const [kh, kw, cin] = filter.shape;
    if (cin !== x.channels)
      fail(node, `filter expects ${cin} input channels, input has ${x.channels}`);

    const fused = attrStrings(node.attr?.fused_ops);
    const isFused = node.op.startsWith('_Fused') || node.op.startsWith('Fused');
    if (isFused && fused[0] !== 'BiasAdd') {
      fail(node, `fused ops [${fused.join(', ')}] are not supported (expected BiasAdd first)`);
    }
    const activationOp = isFused ? fused[1] : undefined;
    if (activationOp !== undefined && activationOp !== 'Relu' && activationOp !== 'Relu6') {
      fail(node, `fused activation ${activationOp} is not supported (expected Relu or Relu6)`);
    }
    if (fused.length > 2) fail(node, `fused ops [${fused.join(', ')}] are not supported`);

    const strides = attrInts(node.attr?.strides) ?? [1, 1, 1, 1];
    const dilations = attrInts(node.attr?.dilations) ?? [1, 1, 1, 1];
    const padding = attrString(node.attr?.padding) ?? 'VALID';
    const attributes: Record<string, number[] | string | number> = {
      kernel_shape: [kh, kw],
      strides: [strides[1], strides[2]],
      dilations: [dilations[1], dilations[2]],
      group: depthwise ? cin : 1,
    };
    if (padding === 'SAME') attributes.auto_pad = 'SAME_UPPER';
    else if (padding === 'VALID') attributes.pads = [0, 0, 0, 0];
    else if (padding === 'EXPLICIT') {
      const p = attrInts(node.attr?.explicit_paddings) ?? [];
      if (p.length !== 8) fail(node, `explicit_paddings should have 8 values, got [${p}]`);
      attributes.pads = [p[2], p[4], p[3], p[5]];
    } else fail(node, `padding ${padding} is not supported (expected SAME, VALID or EXPLICIT)`);

    const weightName = `${node.name}/weight`;
    initializers.push(floatTensor(weightName, w.dims, w.data));
    const convInputs = [x.name, weightName];
    if (isFused) {
      const bias = weightOf(node, biasRef);
      const biasName = `${node.name}/bias`;
      initializers.push(floatTensor(biasName, [bias.data.length], bias.data));
      convInputs.push(biasName);
    }
    const output = tensorName(node.name);
    const convOutput = activationOp ? `${node.name}/conv` : output;
    nodes.push({
      op: 'Conv',
      inputs: convInputs,
      outputs: [convOutput],
      name: node.name,
      attributes,
    });
    if (activationOp === 'Relu6') addClip(node, convOutput, output);
    else if (activationOp === 'Relu') {
      nodes.push({
        op: 'Relu',
        inputs: [convOutput],
        outputs: [output],
        name: `${node.name}/relu`,
      });
    }
    values.set(node.name, { name: output, layout: 'nchw', channels: w.dims[0] });
  };

  /** A constant operand of an elementwise op, shaped to broadcast against `like`. */
  const constantOperand = (node: TfjsNode, ref: string, like: Value): string => {
    const w = weightOf(node, ref);
    const name = `${ref}/${like.layout}`;
    if (!initializers.some((t) => t.name === name)) {
      const data = Float32Array.from(w.data);
      let dims = w.shape;
      if (w.shape.length === 1 && w.shape[0] !== 1 && like.layout === 'nchw') {
        dims = [w.shape[0], 1, 1];
      } else if (w.shape.length > 1 && like.layout === 'nchw') {
        if (w.shape.length !== 4 || w.shape[0] !== 1 || w.shape[1] !== 1 || w.shape[2] !== 1) {
          fail(node, `constant ${ref} of shape [${w.shape}] cannot be broadcast in NCHW layout`);
        }
        dims = [1, w.shape[3], 1, 1];
      }
      initializers.push(floatTensor(name, dims, data));
    }
    return name;
  };

  const elementwise = (node: TfjsNode, op: string): void => {
    const refs = dataInputs(node);
    if (refs.length !== 2) fail(node, `expected 2 inputs, got ${refs.length}`);
    const live = refs.map((r) => values.get(r));
    let like: Value;
    let names: string[];
    if (live[0] && live[1]) {
      const [a, b] = live[0].layout === live[1].layout ? live : live.map((v) => asNchw(v!));
      like = a!;
      names = [a!.name, b!.name];
    } else if (live[0] || live[1]) {
      like = (live[0] ?? live[1])!;
      names = refs.map((r, i) => live[i]?.name ?? constantOperand(node, r, like));
    } else {
      fail(node, 'both inputs are constants; fold them before converting');
    }
    const output = tensorName(node.name);
    nodes.push({ op, inputs: names, outputs: [output], name: node.name });
    values.set(node.name, { name: output, layout: like.layout, channels: like.channels });
  };

  for (const node of order) {
    switch (node.op) {
      case 'Const':
        if (!graph.weights.has(node.name))
          fail(node, 'constant has no entry in the weights manifest');
        break;
      case 'Placeholder': {
        const dims = node.attr?.shape as { shape?: { dim?: { size?: string }[] } } | undefined;
        const sizes = (dims?.shape?.dim ?? []).map((d) => Number(d.size ?? -1));
        if (sizes.length !== 4 || sizes[3] !== 3) {
          fail(node, `expected an NHWC image input with 3 channels, got shape [${sizes}]`);
        }
        if (inputs.length > 0) fail(node, 'the graph has more than one input');
        inputs.push({
          name: IMAGE_INPUT,
          dataType: DataType.FLOAT,
          shape: ['batch', 'height', 'width', 3],
        });
        values.set(node.name, { name: IMAGE_INPUT, layout: 'nhwc', channels: 3 });
        break;
      }
      case 'Identity': {
        const [ref] = dataInputs(node);
        const value = activation(node, ref);
        if (tensorName(node.name) !== node.name) {
          nodes.push({
            op: 'Identity',
            inputs: [value.name],
            outputs: [tensorName(node.name)],
            name: node.name,
          });
          values.set(node.name, { ...value, name: tensorName(node.name) });
        } else values.set(node.name, value);
        break;
      }
      case 'Mul':
        elementwise(node, 'Mul');
        break;
      case 'Sub':
        elementwise(node, 'Sub');
        break;
      case 'Add':
      case 'AddV2':
        elementwise(node, 'Add');
        break;
      case 'Relu':
      case 'Relu6': {
        const value = activation(node, dataInputs(node)[0]);
        const output = tensorName(node.name);
        if (node.op === 'Relu6') addClip(node, value.name, output);
        else nodes.push({ op: 'Relu', inputs: [value.name], outputs: [output], name: node.name });
        values.set(node.name, { ...value, name: output });
        break;
      }
      case 'Conv2D':
      case '_FusedConv2D':
        convolution(node, false);
        break;
      case 'DepthwiseConv2dNative':
      case 'FusedDepthwiseConv2dNative':
        convolution(node, true);
        break;
      case 'AvgPool': {
        const format = attrString(node.attr?.data_format) ?? 'NHWC';
        if (format !== 'NHWC') fail(node, `data_format ${format} is not supported (expected NHWC)`);
        const x = asNchw(activation(node, dataInputs(node)[0]));
        const output = tensorName(node.name);
        if (node === pool) {
          nodes.push({
            op: 'GlobalAveragePool',
            inputs: [x.name],
            outputs: [output],
            name: node.name,
          });
        } else {
          const k = attrInts(node.attr?.ksize) ?? [];
          const s = attrInts(node.attr?.strides) ?? [1, 1, 1, 1];
          const padding = attrString(node.attr?.padding);
          if (padding !== 'SAME' && padding !== 'VALID') {
            fail(node, `padding ${padding} is not supported (expected SAME or VALID)`);
          }
          nodes.push({
            op: 'AveragePool',
            inputs: [x.name],
            outputs: [output],
            name: node.name,
            attributes: {
              kernel_shape: [k[1], k[2]],
              strides: [s[1], s[2]],
              ...(padding === 'SAME' ? { auto_pad: 'SAME_UPPER' } : { pads: [0, 0, 0, 0] }),
            },
          });
        }
        values.set(node.name, { name: output, layout: 'nchw', channels: x.channels });
        break;
      }
      case 'Squeeze': {
        const x = activation(node, dataInputs(node)[0]);
        const dims = attrInts(node.attr?.squeeze_dims) ?? attrInts(node.attr?.axis) ?? [];
        if (dims.length === 0) fail(node, 'squeeze without explicit squeeze_dims is not supported');
        const axes = dims.map((d) => (x.layout === 'nchw' ? NHWC_TO_NCHW[d] : d)).sort();
        const axesName = `${node.name}/axes`;
        initializers.push(int64Tensor(axesName, [axes.length], axes));
        const output = tensorName(node.name);
        nodes.push({
          op: 'Squeeze',
          inputs: [x.name, axesName],
          outputs: [output],
          name: node.name,
        });
        values.set(node.name, { name: output, layout: 'flat', channels: x.channels });
        break;
      }
      default:
        fail(node, `op ${node.op} is not supported`);
    }
  }

  const features = values.get(squeeze.name);
  const featureMap = values.get(poolInput);
  if (!features || !featureMap || inputs.length !== 1) {
    fail(squeeze, 'the graph does not lead from one image input to this node');
  }
  return encodeModel(
    {
      name: options.name ?? 'backbone',
      nodes,
      initializers,
      inputs,
      outputs: [
        { name: FEATURES_OUTPUT, dataType: DataType.FLOAT, shape: ['batch', features.channels] },
        {
          name: FEATURE_MAP_OUTPUT,
          dataType: DataType.FLOAT,
          shape: ['batch', featureMap.channels, 'map_height', 'map_width'],
        },
      ],
    },
    {
      opset: 17,
      producer: `samebike tfjs converter ${CONVERTER_VERSION}`,
      metadata: options.metadata,
    },
  );
}

/** Finds the unique AvgPool → Squeeze pair that produces the pooled feature vector. */
function findFeaturePool(nodes: TfjsNode[]): { pool: TfjsNode; squeeze: TfjsNode } {
  const byName = new Map(nodes.map((n) => [n.name, n]));
  const pairs = nodes
    .filter((n) => n.op === 'Squeeze')
    .map((squeeze) => ({ squeeze, pool: byName.get(dataInputs(squeeze)[0] ?? '') }))
    .filter((p): p is { squeeze: TfjsNode; pool: TfjsNode } => p.pool?.op === 'AvgPool');
  if (pairs.length !== 1) {
    throw new SamebikeError(
      `tfjs graph: expected exactly one AvgPool followed by Squeeze (the pooled feature vector), ` +
        `found ${pairs.length}`,
      'only CNN backbones that end in average pooling, like MobileNetV2, can be converted',
    );
  }
  return pairs[0];
}
