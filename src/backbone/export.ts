/**
 * Exporting a trained embedding model as ONE self-contained ONNX file that runs in
 * onnxruntime-node, onnxruntime-web or any other ONNX runtime:
 *
 *   image → backbone → pooling (average, max or GeM) → stages (power, affine, relu, residual,
 *   l2norm) → [+ the mirror image's embedding, normalised] → `embedding` (batch × D, unit length)
 *
 * The input is the backbone's own input tensor, same name and convention (for the default
 * backbone: float32 NHWC RGB, values pixel/255). The backbone's graph is spliced, not rebuilt:
 * its ModelProto is read at the wire level, its old outputs and every node they alone needed are
 * dropped, and the head's nodes, initializers and output are appended. The same code therefore
 * exports the default backbone and any user ONNX backbone. For flip averaging the backbone's
 * nodes are copied once more under the prefix `samebike/flip/`, reading a mirrored copy of the
 * input (Slice with step −1 on the width axis); the backbone's weights are shared, not copied
 * (the head's, small, are written twice).
 *
 * This file also holds the in-process pipeline the export must reproduce (embedImages,
 * applyStages), used by tests and by anyone who wants embeddings without an exported file.
 */
import { SamebikeError, invalidParameter } from '../util/errors.js';
import type { Matrix } from '../util/npy.js';
import { gemm } from '../linalg/gemm.js';
import {
  DataType,
  encodeModel,
  floatTensor,
  int64Tensor,
  type NodeSpec,
  type TensorSpec,
  type ValueSpec,
} from '../onnx/proto.js';
import {
  concatBytes,
  encodeBytesField,
  encodeStringField,
  fieldString,
  firstString,
  readFields,
  type WireField,
} from './onnx-reader.js';
import { DEFAULT_GEM_P, GEM_EPSILON, gemPool, maxPool, type Pooling } from './pooling.js';
import type { Backbone, RgbImage } from './runtime.js';
import type { BackboneSpec } from './spec.js';

/** One step of the embedding head, applied to a batch × dim matrix. */
export type Stage =
  /** y = x·Wᵀ + b, with weight out × in (row-major) and bias of length out. */
  | { kind: 'affine'; weight: Matrix; bias: Float32Array }
  /** y = max(x, 0). */
  | { kind: 'relu' }
  /**
   * y = sign(x)·|x|^exponent, element by element (power normalisation: 0.5 is the square root,
   * the Hellinger map for non-negative features; it damps the few strong activations).
   */
  | { kind: 'power'; exponent: number }
  /** y = x + inner(x); the inner stages must keep the dimension. */
  | { kind: 'residual'; stages: Stage[] }
  /** y = x / max(‖x‖₂, 1e-12), row by row. */
  | { kind: 'l2norm' };

/** Everything after the backbone: pooling, mirror-image averaging, the head. */
export interface EmbeddingPipeline {
  /**
   * Pooling of the feature map: average (the backbone's own pooled output when it has one),
   * max, or GeM with exponent p (default 3).
   */
  pooling: Pooling;
  /** Average the embeddings of the image and its horizontal mirror (test-time flip). */
  flip: boolean;
  /** The head. The output is always L2-normalised; a final l2norm stage is added when missing. */
  stages: Stage[];
}

/** Name of the exported model's output. */
export const EMBEDDING_OUTPUT = 'embedding';

/** Floor under the norm in l2norm, so a zero vector stays zero instead of NaN. */
export const L2_EPSILON = 1e-12;

/** Lowest ai.onnx opset the spliced nodes need (Slice with steps). */
const MIN_OPSET = 10;

/** Prefix of the tensors of the mirrored copy of the backbone. */
const FLIP_PREFIX = 'samebike/flip/';

// ---------------------------------------------------------------- in-process pipeline

/**
 * Follows the stages' dimensions from `inDim` (undefined when not known) and returns the output
 * dimension. Throws, naming the stage (`stages[1].stages[0].weight`), when shapes disagree.
 */
export function stageOutputDim(
  stages: Stage[],
  inDim: number | undefined,
  path = 'stages',
): number | undefined {
  let dim = inDim;
  stages.forEach((stage, i) => {
    const where = `${path}[${i}]`;
    switch (stage.kind) {
      case 'affine': {
        const { weight, bias } = stage;
        if (weight.data.length !== weight.rows * weight.cols) {
          invalidParameter(
            `${where}.weight`,
            `${weight.rows}×${weight.cols} values`,
            weight.data.length,
          );
        }
        if (bias.length !== weight.rows) {
          invalidParameter(
            `${where}.bias`,
            `length ${weight.rows} (the weight's rows)`,
            bias.length,
          );
        }
        if (dim !== undefined && weight.cols !== dim) {
          invalidParameter(`${where}.weight`, `${dim} columns (the input dimension)`, weight.cols);
        }
        dim = weight.rows;
        break;
      }
      case 'residual': {
        const out = stageOutputDim(stage.stages, dim, `${where}.stages`);
        if (dim !== undefined && out !== undefined && out !== dim) {
          invalidParameter(`${where}`, `inner stages that keep dimension ${dim}`, `${out} dims`);
        }
        dim = dim ?? out;
        break;
      }
      case 'power':
        if (typeof stage.exponent !== 'number' || !(stage.exponent > 0 && stage.exponent <= 4)) {
          invalidParameter(`${where}.exponent`, 'a number in (0, 4]', stage.exponent);
        }
        break;
      case 'relu':
      case 'l2norm':
        break;
      default:
        invalidParameter(
          `${where}.kind`,
          'affine, relu, power, residual or l2norm',
          (stage as Stage).kind,
        );
    }
  });
  return dim;
}

/** Divides each row by max(its L2 norm, 1e-12); returns a new matrix. */
export function l2Normalize(x: Matrix): Matrix {
  const out = new Float32Array(x.data.length);
  for (let r = 0; r < x.rows; r++) {
    let sum = 0;
    const start = r * x.cols;
    for (let c = 0; c < x.cols; c++) sum += x.data[start + c] * x.data[start + c];
    const norm = Math.max(Math.sqrt(sum), L2_EPSILON);
    for (let c = 0; c < x.cols; c++) out[start + c] = x.data[start + c] / norm;
  }
  return { rows: x.rows, cols: x.cols, data: out };
}

/** sign(x)·|x|^exponent of every element; returns a new matrix. */
export function signedPower(x: Matrix, exponent: number): Matrix {
  const data = new Float32Array(x.data.length);
  for (let i = 0; i < data.length; i++) {
    const v = x.data[i];
    data[i] = v >= 0 ? Math.pow(v, exponent) : -Math.pow(-v, exponent);
  }
  return { rows: x.rows, cols: x.cols, data };
}

/** Applies the stages to a batch of pooled features, in TypeScript (affine via gemm). */
export async function applyStages(x: Matrix, stages: Stage[]): Promise<Matrix> {
  stageOutputDim(stages, x.cols);
  let current = x;
  for (const stage of stages) {
    if (stage.kind === 'affine') {
      const y = await gemm(current, stage.weight, { transB: true });
      for (let r = 0; r < y.rows; r++) {
        for (let c = 0; c < y.cols; c++) y.data[r * y.cols + c] += stage.bias[c];
      }
      current = y;
    } else if (stage.kind === 'relu') {
      const data = new Float32Array(current.data.length);
      for (let i = 0; i < data.length; i++) data[i] = current.data[i] > 0 ? current.data[i] : 0;
      current = { rows: current.rows, cols: current.cols, data };
    } else if (stage.kind === 'power') {
      current = signedPower(current, stage.exponent);
    } else if (stage.kind === 'residual') {
      const inner = await applyStages(current, stage.stages);
      const data = new Float32Array(current.data.length);
      for (let i = 0; i < data.length; i++) data[i] = current.data[i] + inner.data[i];
      current = { rows: current.rows, cols: current.cols, data };
    } else {
      current = l2Normalize(current);
    }
  }
  return current;
}

/** The stages with an l2norm appended unless they already end with one. */
function withFinalNorm(stages: Stage[]): Stage[] {
  return stages.at(-1)?.kind === 'l2norm' ? stages : [...stages, { kind: 'l2norm' }];
}

/** The horizontal mirror image of an RGB image. */
export function flipImage(image: RgbImage): RgbImage {
  const { width, height, data } = image;
  const out = new Uint8Array(data.length);
  for (let y = 0; y < height; y++) {
    const row = y * width * 3;
    for (let x = 0; x < width; x++) {
      const src = row + x * 3;
      const dst = row + (width - 1 - x) * 3;
      out[dst] = data[src];
      out[dst + 1] = data[src + 1];
      out[dst + 2] = data[src + 2];
    }
  }
  return { width, height, data: out };
}

async function pooledFeatures(
  backbone: Backbone,
  images: RgbImage[],
  pooling: Pooling,
): Promise<Matrix> {
  if (pooling.kind === 'average') return (await backbone.run(images)).features;
  const { featureMap } = await backbone.run(images, { featureMap: true });
  if (!featureMap) throw missingFeatureMap(backbone.spec, pooling);
  return pooling.kind === 'max'
    ? maxPool(featureMap)
    : gemPool(featureMap, pooling.p ?? DEFAULT_GEM_P);
}

function missingFeatureMap(spec: BackboneSpec, pooling: Pooling): SamebikeError {
  return new SamebikeError(
    `pooling ${pooling.kind} needs the backbone's feature map, but backbone ${spec.id} ` +
      'names no featureMapOutput',
    'set backbone.featureMapOutput, or use average pooling',
  );
}

/**
 * The embedding pipeline in process: backbone → pooling → stages → L2 normalisation, and with
 * flip the same for the mirror image, the two embeddings averaged and normalised again. This is
 * what an exported model must reproduce.
 */
export async function embedImages(
  backbone: Backbone,
  images: RgbImage[],
  pipeline: EmbeddingPipeline,
): Promise<Matrix> {
  const stages = withFinalNorm(pipeline.stages);
  const embedded = await applyStages(
    await pooledFeatures(backbone, images, pipeline.pooling),
    stages,
  );
  if (!pipeline.flip) return embedded;
  const mirrored = await applyStages(
    await pooledFeatures(backbone, images.map(flipImage), pipeline.pooling),
    stages,
  );
  const data = new Float32Array(embedded.data.length);
  for (let i = 0; i < data.length; i++) data[i] = embedded.data[i] + mirrored.data[i];
  return l2Normalize({ rows: embedded.rows, cols: embedded.cols, data });
}

// ---------------------------------------------------------------- reading the backbone graph

// Field numbers from onnx/onnx.proto.
const MODEL = { graph: 7, opsetImport: 8, metadataProps: 14 } as const;
const GRAPH = {
  node: 1,
  initializer: 5,
  sparseInitializer: 6,
  input: 11,
  output: 12,
  valueInfo: 13,
};
const NODE = { input: 1, output: 2, name: 3, opType: 4, attribute: 5 } as const;
const TENSOR = { name: 8, dataLocation: 14 } as const;
const ATTRIBUTE = { g: 6, graphs: 11, type: 20 } as const;

interface ParsedNode {
  raw: Uint8Array;
  fields: WireField[];
  inputs: string[];
  outputs: string[];
  op: string;
  /** True when an attribute holds a subgraph (If, Loop, Scan bodies). */
  hasSubgraph: boolean;
}

function parseNode(field: WireField, source: string): ParsedNode {
  const fields = readFields(field.payload!, source);
  const hasSubgraph = fields.some((f) => {
    if (f.field !== NODE.attribute) return false;
    const attr = readFields(f.payload!, source);
    return attr.some(
      (a) =>
        a.field === ATTRIBUTE.g ||
        a.field === ATTRIBUTE.graphs ||
        (a.field === ATTRIBUTE.type && (a.varint === 5n || a.varint === 10n)),
    );
  });
  return {
    raw: field.raw,
    fields,
    inputs: fields.filter((f) => f.field === NODE.input).map(fieldString),
    outputs: fields.filter((f) => f.field === NODE.output).map(fieldString),
    op: firstString(fields, NODE.opType) ?? '',
    hasSubgraph,
  };
}

/** The ai.onnx opset version a model imports (domain "" or "ai.onnx"). */
function defaultOpset(model: WireField[], source: string): number {
  for (const f of model) {
    if (f.field !== MODEL.opsetImport) continue;
    const entry = readFields(f.payload!, source);
    const domain = firstString(entry, 1) ?? '';
    const version = entry.find((e) => e.field === 2)?.varint;
    if ((domain === '' || domain === 'ai.onnx') && version !== undefined) return Number(version);
  }
  throw new SamebikeError(`${source}: the model imports no ai.onnx opset`);
}

/** The second dimension of a ValueInfoProto's tensor shape, when it is a fixed number. */
function channelDim(valueInfo: WireField[], source: string): number | undefined {
  const type = valueInfo.find((f) => f.field === 2);
  const tensor = type && readFields(type.payload!, source).find((f) => f.field === 1);
  const shape = tensor && readFields(tensor.payload!, source).find((f) => f.field === 2);
  if (!shape) return undefined;
  const dims = readFields(shape.payload!, source).filter((f) => f.field === 1);
  if (dims.length < 2) return undefined;
  const value = readFields(dims[1].payload!, source).find((f) => f.field === 1)?.varint;
  return value === undefined ? undefined : Number(value);
}

// ---------------------------------------------------------------- building the head

/** Collects the head's nodes and initializers under unique `samebike/…` names. */
class HeadBuilder {
  readonly nodes: NodeSpec[] = [];
  readonly initializers: TensorSpec[] = [];
  private count = 0;

  /** `part` keeps the names of separately built pieces apart (samebike/<part>/…). */
  constructor(
    private readonly opset: number,
    private readonly part: string,
  ) {}

  name(label: string): string {
    return `samebike/${this.part}/${label}_${this.count++}`;
  }

  node(op: string, inputs: string[], attributes?: NodeSpec['attributes'], output?: string): string {
    const name = this.name(op.toLowerCase());
    const out = output ?? name;
    this.nodes.push({ op, inputs, outputs: [out], name, attributes });
    return out;
  }

  scalar(label: string, value: number): string {
    const name = this.name(label);
    this.initializers.push(floatTensor(name, [], [value]));
    return name;
  }

  flatten(x: string): string {
    return this.node('Flatten', [x], { axis: 1 });
  }

  pool(source: string, pooling: Pooling, fromFeatureMap: boolean): string {
    if (!fromFeatureMap) return this.flatten(source);
    if (pooling.kind === 'average') return this.flatten(this.node('GlobalAveragePool', [source]));
    if (pooling.kind === 'max') return this.flatten(this.node('GlobalMaxPool', [source]));
    const p = pooling.p ?? DEFAULT_GEM_P;
    const floored = this.node('Max', [source, this.scalar('gem_eps', GEM_EPSILON)]);
    const powered = this.node('Pow', [floored, this.scalar('gem_p', p)]);
    const mean = this.node('GlobalAveragePool', [powered]);
    return this.flatten(this.node('Pow', [mean, this.scalar('gem_inv_p', 1 / p)]));
  }

  l2norm(x: string, output?: string): string {
    const sumSquares =
      this.opset >= 18
        ? this.node('ReduceSumSquare', [x, this.axes()], { keepdims: 1 })
        : this.node('ReduceSumSquare', [x], { axes: [1], keepdims: 1 });
    const norm = this.node('Max', [
      this.node('Sqrt', [sumSquares]),
      this.scalar('l2_eps', L2_EPSILON),
    ]);
    return this.node('Div', [x, norm], undefined, output);
  }

  private axes(): string {
    const name = this.name('axes');
    this.initializers.push(int64Tensor(name, [1], [1]));
    return name;
  }

  stages(x: string, stages: Stage[], finalOutput?: string): string {
    let current = x;
    stages.forEach((stage, i) => {
      const output = i === stages.length - 1 ? finalOutput : undefined;
      if (stage.kind === 'affine') {
        const w = this.name('weight');
        const b = this.name('bias');
        this.initializers.push(
          floatTensor(w, [stage.weight.rows, stage.weight.cols], stage.weight.data),
          floatTensor(b, [stage.bias.length], stage.bias),
        );
        current = this.node('Gemm', [current, w, b], { transB: 1 }, output);
      } else if (stage.kind === 'relu') {
        current = this.node('Relu', [current], undefined, output);
      } else if (stage.kind === 'power') {
        const magnitude = this.node('Pow', [
          this.node('Abs', [current]),
          this.scalar('power_exponent', stage.exponent),
        ]);
        current = this.node('Mul', [this.node('Sign', [current]), magnitude], undefined, output);
      } else if (stage.kind === 'residual') {
        const inner = this.stages(current, stage.stages);
        current = this.node('Add', [current, inner], undefined, output);
      } else {
        current = this.l2norm(current, output);
      }
    });
    return current;
  }
}

/** Options of {@link exportEmbeddingModel}. */
export interface ExportOptions {
  /** Extra key/value pairs for the model's metadata_props (e.g. training run, dataset). */
  metadata?: Record<string, string>;
}

/** The parts of a GraphProto the splice needs to know about. */
interface GraphContents {
  fields: WireField[];
  nodes: ParsedNode[];
  /** Names of initializers (dense and sparse). */
  initializers: Set<string>;
  inputs: string[];
  outputs: { name: string; fields: WireField[] }[];
}

function inspectGraph(payload: Uint8Array, source: string): GraphContents {
  const fields = readFields(payload, source);
  const initializers = new Set<string>();
  for (const f of fields) {
    if (f.field === GRAPH.initializer) {
      const tensor = readFields(f.payload!, source);
      if (tensor.some((t) => t.field === TENSOR.dataLocation && t.varint === 1n)) {
        throw new SamebikeError(
          `${source}: initializer ${firstString(tensor, TENSOR.name)} keeps its data in an ` +
            'external file; the export needs a self-contained model',
          'save the backbone with its weights inside (onnx.save(..., save_as_external_data=False))',
        );
      }
      initializers.add(firstString(tensor, TENSOR.name) ?? '');
    } else if (f.field === GRAPH.sparseInitializer) {
      const values = readFields(f.payload!, source).find((v) => v.field === 1);
      const tensor = values ? readFields(values.payload!, source) : [];
      initializers.add(firstString(tensor, TENSOR.name) ?? '');
    }
  }
  const named = (f: WireField): string => firstString(readFields(f.payload!, source), 1) ?? '';
  return {
    fields,
    nodes: fields.filter((f) => f.field === GRAPH.node).map((f) => parseNode(f, source)),
    initializers,
    inputs: fields.filter((f) => f.field === GRAPH.input).map(named),
    outputs: fields
      .filter((f) => f.field === GRAPH.output)
      .map((f) => ({ name: named(f), fields: readFields(f.payload!, source) })),
  };
}

/** The nodes (and tensors) that `tensor` depends on. */
function ancestors(
  nodes: ParsedNode[],
  tensor: string,
): { nodes: Set<ParsedNode>; tensors: Set<string> } {
  const producers = new Map<string, ParsedNode>();
  for (const node of nodes) for (const out of node.outputs) producers.set(out, node);
  const needed = new Set<ParsedNode>();
  const tensors = new Set<string>();
  const pending = [tensor];
  while (pending.length > 0) {
    const name = pending.pop()!;
    if (tensors.has(name)) continue;
    tensors.add(name);
    const node = producers.get(name);
    if (!node || needed.has(node)) continue;
    needed.add(node);
    for (const input of node.inputs) if (input !== '') pending.push(input);
  }
  return { nodes: needed, tensors };
}

/** A node re-encoded with its tensor names passed through `rename` and its name prefixed. */
function renamedNode(node: ParsedNode, rename: (tensor: string) => string): Uint8Array {
  const fields = node.fields.map((f) => {
    if (f.field === NODE.input || f.field === NODE.output) {
      return encodeStringField(f.field, rename(fieldString(f)));
    }
    if (f.field === NODE.name) return encodeStringField(f.field, FLIP_PREFIX + fieldString(f));
    return f.raw;
  });
  return encodeBytesField(GRAPH.node, concatBytes(fields));
}

/** Encodes the builder's nodes, initializers and outputs as GraphProto fields. */
function headFields(builder: HeadBuilder, outputs: ValueSpec[]): WireField[] {
  const model = readFields(
    encodeModel({
      name: 'head',
      nodes: builder.nodes,
      initializers: builder.initializers,
      inputs: [],
      outputs,
    }),
    'head',
  );
  return readFields(model.find((f) => f.field === MODEL.graph)!.payload!, 'head').filter(
    (f) => f.field === GRAPH.node || f.field === GRAPH.initializer || f.field === GRAPH.output,
  );
}

/**
 * Builds one ONNX file: the backbone (`backboneOnnx`, the bytes of `spec.onnx`) with `pipeline`
 * spliced onto it, ending in the output `embedding` (batch × D, L2-normalised). The input keeps
 * the backbone's name and convention (spec.layout, spec.mean / spec.std applied to pixel/255,
 * any size the backbone accepts); metadata_props record them, with the pooling and head.
 * Throws a SamebikeError when the model, spec and pipeline do not fit together.
 */
export function exportEmbeddingModel(
  backboneOnnx: Uint8Array,
  spec: BackboneSpec,
  pipeline: EmbeddingPipeline,
  options: ExportOptions = {},
): Uint8Array {
  const source = `backbone model ${spec.onnx}`;
  const model = readFields(backboneOnnx, source);
  const graphFields = model.filter((f) => f.field === MODEL.graph && f.wireType === 2);
  if (graphFields.length !== 1) throw new SamebikeError(`${source}: not an ONNX model (no graph)`);
  const opset = defaultOpset(model, source);
  if (opset < MIN_OPSET) {
    throw new SamebikeError(
      `${source}: imports ai.onnx opset ${opset}; the export needs ${MIN_OPSET} or newer`,
      'convert the backbone to a newer opset (onnx.version_converter) first',
    );
  }
  const graph = inspectGraph(graphFields[0].payload!, source);

  // The image input and the tensor the pooling reads.
  const candidates = graph.inputs.filter((name) => !graph.initializers.has(name));
  const image = spec.input ?? (candidates.length === 1 ? candidates[0] : undefined);
  if (image === undefined || !candidates.includes(image)) {
    throw new SamebikeError(
      `backbone.input: cannot tell the image input of ${spec.onnx}; its inputs are ` +
        candidates.map((name) => `"${name}"`).join(', '),
    );
  }
  const fromFeatureMap = pipeline.pooling.kind !== 'average' || spec.featureOutput === undefined;
  const sourceName = fromFeatureMap ? spec.featureMapOutput : spec.featureOutput;
  if (sourceName === undefined) throw missingFeatureMap(spec, pipeline.pooling);
  if (!graph.nodes.some((node) => node.outputs.includes(sourceName))) {
    throw new SamebikeError(
      `backbone.${fromFeatureMap ? 'featureMapOutput' : 'featureOutput'}: no node of ` +
        `${spec.onnx} produces "${sourceName}"; its outputs are ` +
        graph.outputs.map((o) => `"${o.name}"`).join(', '),
    );
  }
  if (pipeline.pooling.kind === 'gem') {
    const p = pipeline.pooling.p ?? DEFAULT_GEM_P;
    if (!Number.isFinite(p) || p <= 0) invalidParameter('pooling.p', 'a number > 0', p);
  }
  const sourceInfo = graph.outputs.find((o) => o.name === sourceName);
  const featureDim = sourceInfo ? channelDim(sourceInfo.fields, source) : undefined;
  const stages = withFinalNorm(pipeline.stages);
  const embeddingDim = stageOutputDim(stages, featureDim);

  // Keep only what the pooled source needs: drops classifier heads and the old outputs. Nodes
  // with subgraphs may read outer tensors implicitly, so then every node is kept.
  const needed = ancestors(graph.nodes, sourceName);
  const subgraphs = [...needed.nodes].some((n) => n.hasSubgraph);
  for (const tensor of needed.tensors) {
    if (graph.inputs.includes(tensor) && tensor !== image && !graph.initializers.has(tensor)) {
      throw new SamebikeError(
        `${source}: the features need the input "${tensor}" besides the image "${image}"`,
      );
    }
  }
  if (pipeline.flip && subgraphs) {
    throw new SamebikeError(
      `${source}: flip averaging copies the backbone's nodes, which is not supported for ` +
        'models with control-flow subgraphs (If, Loop, Scan)',
      'export without flip',
    );
  }
  const parts: Uint8Array[] = [];
  let nodeIndex = 0;
  for (const f of graph.fields) {
    if (f.field === GRAPH.node) {
      if (subgraphs || needed.nodes.has(graph.nodes[nodeIndex])) parts.push(f.raw);
      nodeIndex++;
    } else if (
      f.field === GRAPH.initializer ||
      f.field === GRAPH.input ||
      f.field === GRAPH.valueInfo
    ) {
      const nameField = f.field === GRAPH.initializer ? TENSOR.name : 1;
      const name = firstString(readFields(f.payload!, source), nameField) ?? '';
      if (subgraphs || needed.tensors.has(name) || name === image) parts.push(f.raw);
    } else if (f.field !== GRAPH.output) {
      parts.push(f.raw);
    }
  }

  // Flip: mirror the input (Slice, step −1 on the width axis), then a renamed copy of the
  // needed backbone nodes reads it. Initializers are shared, not copied.
  const rename = (name: string): string =>
    name === '' || graph.initializers.has(name) ? name : FLIP_PREFIX + name;
  const mirror = new HeadBuilder(opset, 'flip');
  const mirrored: Uint8Array[] = [];
  if (pipeline.flip) {
    const int64 = (label: string, value: number): string => {
      const name = mirror.name(label);
      mirror.initializers.push(int64Tensor(name, [1], [value]));
      return name;
    };
    const axis = spec.layout === 'nhwc' ? 2 : 3;
    const inputs = [image, int64('starts', -1), int64('ends', -(2 ** 63))];
    inputs.push(int64('axes', axis), int64('steps', -1));
    mirror.node('Slice', inputs, undefined, rename(image));
    for (const node of graph.nodes) {
      if (needed.nodes.has(node)) mirrored.push(renamedNode(node, rename));
    }
  }

  // The head: pooling, stages, output; with flip the stages run on both pooled features (their
  // weights written twice) and the two unit embeddings are added and normalised.
  const head = new HeadBuilder(opset, 'head');
  const pooled = head.pool(sourceName, pipeline.pooling, fromFeatureMap);
  if (pipeline.flip) {
    const pooledMirror = head.pool(rename(sourceName), pipeline.pooling, fromFeatureMap);
    const sum = head.node('Add', [head.stages(pooled, stages), head.stages(pooledMirror, stages)]);
    head.l2norm(sum, EMBEDDING_OUTPUT);
  } else {
    head.stages(pooled, stages, EMBEDDING_OUTPUT);
  }
  const output: ValueSpec = {
    name: EMBEDDING_OUTPUT,
    dataType: DataType.FLOAT,
    shape: ['batch', embeddingDim ?? 'embedding_dim'],
  };
  // Node order stays topological: backbone, Slice, mirrored backbone, head.
  const mirrorFields = headFields(mirror, []);
  const slice = mirrorFields.filter((f) => f.field === GRAPH.node).map((f) => f.raw);
  const graphBytes = concatBytes([
    ...parts,
    ...slice,
    ...mirrored,
    ...mirrorFields.filter((f) => f.field === GRAPH.initializer).map((f) => f.raw),
    ...headFields(head, [output]).map((f) => f.raw),
  ]);

  // Metadata: the input convention and the pipeline, replacing older samebike entries.
  const metadata: Record<string, string> = {
    'samebike.backbone': spec.id,
    'samebike.input': JSON.stringify({
      name: image,
      layout: spec.layout,
      size: spec.inputSize,
      mean: spec.mean,
      std: spec.std,
      values: '(pixel / 255 - mean) / std, RGB',
    }),
    'samebike.pipeline': JSON.stringify({
      pooling: pipeline.pooling,
      flip: pipeline.flip,
      stages: describeStages(stages),
    }),
    ...options.metadata,
  };
  const out: Uint8Array[] = [];
  for (const f of model) {
    if (f.field === MODEL.graph) out.push(encodeBytesField(MODEL.graph, graphBytes));
    else if (f.field === MODEL.metadataProps) {
      const key = firstString(readFields(f.payload!, source), 1) ?? '';
      if (!(key in metadata)) out.push(f.raw);
    } else out.push(f.raw);
  }
  for (const [key, value] of Object.entries(metadata)) {
    out.push(
      encodeBytesField(
        MODEL.metadataProps,
        concatBytes([encodeStringField(1, key), encodeStringField(2, value)]),
      ),
    );
  }
  return concatBytes(out);
}

/** A short JSON-able description of the stages for the model's metadata. */
function describeStages(stages: Stage[]): unknown[] {
  return stages.map((s) =>
    s.kind === 'affine'
      ? { kind: 'affine', in: s.weight.cols, out: s.weight.rows }
      : s.kind === 'residual'
        ? { kind: 'residual', stages: describeStages(s.stages) }
        : s.kind === 'power'
          ? { kind: 'power', exponent: s.exponent }
          : { kind: s.kind },
  );
}
