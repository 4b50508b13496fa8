/**
 * Reading a TensorFlow.js graph model: the node list of its GraphDef (`modelTopology`) and its
 * weights, dequantized exactly as tfjs does. The pretrained backbone comes from the npm package
 * nsfwjs, which ships its models as browserify bundles: `model.min.js` exports the model JSON and
 * each `group1-shardNofM.min.js` exports a base64 string of that shard's weight bytes.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { SamebikeError } from '../util/errors.js';

/** One node of a tfjs GraphDef, as stored in `modelTopology.node`. */
export interface TfjsNode {
  name: string;
  op: string;
  input?: string[];
  /** Attribute values in TensorFlow's JSON form: `{i}`, `{f}`, `{b}`, `{s}` (base64), `{list}`. */
  attr?: Record<string, TfjsAttr>;
}

/** A GraphDef attribute value in the JSON form tfjs-converter writes. */
export interface TfjsAttr {
  i?: string | number;
  f?: number;
  b?: boolean;
  s?: string;
  list?: { i?: (string | number)[]; s?: string[]; f?: number[] };
  [other: string]: unknown;
}

/** One entry of a tfjs weights manifest. */
export interface TfjsWeightSpec {
  name: string;
  shape: number[];
  dtype: string;
  quantization?: { min?: number; scale?: number; dtype: string };
}

/** The parts of a tfjs `model.json` that samebike reads. */
export interface TfjsModelJson {
  format?: string;
  modelTopology: { node: TfjsNode[] };
  weightsManifest: { paths: string[]; weights: TfjsWeightSpec[] }[];
}

/** A dequantized weight: its shape and float32 (or int32 widened to float) values. */
export interface TfjsWeight {
  shape: number[];
  dtype: 'float32' | 'int32';
  data: Float32Array | Int32Array;
}

/** A tfjs graph model ready to convert: its nodes and its weights by name. */
export interface TfjsGraph {
  nodes: TfjsNode[];
  weights: Map<string, TfjsWeight>;
}

/** Where an installed nsfwjs lives and which version it is. */
export interface NsfwjsPackage {
  /** Absolute path of the package root (the folder holding its package.json). */
  root: string;
  version: string;
}

/**
 * Finds the installed nsfwjs package through Node's module resolution (no hard-coded path).
 * nsfwjs's `exports` map does not expose `nsfwjs/package.json`, so this resolves the package's
 * entry point and walks up to the package.json whose name is nsfwjs.
 */
export function locateNsfwjs(): NsfwjsPackage {
  const require = createRequire(import.meta.url);
  let entry: string;
  try {
    entry = require.resolve('nsfwjs');
  } catch (error) {
    throw new SamebikeError(
      'the npm package nsfwjs, which holds the pretrained backbone, could not be found ' +
        `(${String(error)})`,
      'install the project dependencies (npm ci) so that node_modules/nsfwjs exists',
    );
  }
  for (let dir = dirname(entry); dir !== dirname(dir); dir = dirname(dir)) {
    let text: string;
    try {
      text = readFileSync(join(dir, 'package.json'), 'utf8');
    } catch {
      continue;
    }
    const meta = JSON.parse(text) as { name?: string; version?: string };
    if (meta.name === 'nsfwjs' && typeof meta.version === 'string') {
      return { root: dir, version: meta.version };
    }
  }
  throw new SamebikeError(`nsfwjs resolved to ${entry}, but no package.json above it names nsfwjs`);
}

/** Bytes per stored element for each quantization dtype tfjs writes. */
const QUANTIZED_BYTES: Record<string, number> = { uint8: 1, uint16: 2 };

/**
 * Decodes a weights manifest's concatenated bytes into float32 weights, as tfjs's
 * `io.decodeWeights` does: a quantized value q becomes `q * scale + min`, computed in double
 * precision and stored as float32. Supports unquantized float32 / int32 and uint8 / uint16
 * quantization.
 */
export function decodeTfjsWeights(
  specs: TfjsWeightSpec[],
  bytes: Uint8Array,
  source: string,
): Map<string, TfjsWeight> {
  const weights = new Map<string, TfjsWeight>();
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let offset = 0;
  for (const spec of specs) {
    const size = spec.shape.reduce((a, b) => a * b, 1);
    const q = spec.quantization;
    if (spec.dtype !== 'float32' && spec.dtype !== 'int32') {
      throw new SamebikeError(
        `${source}: weight ${spec.name} has dtype ${spec.dtype}; ` +
          'only float32 and int32 are supported',
      );
    }
    const dtype = spec.dtype;
    const data = dtype === 'float32' ? new Float32Array(size) : new Int32Array(size);
    if (q) {
      const width = QUANTIZED_BYTES[q.dtype];
      if (width === undefined) {
        throw new SamebikeError(
          `${source}: weight ${spec.name} is quantized as ${q.dtype}; ` +
            'only uint8 and uint16 are supported',
        );
      }
      checkLength(source, spec.name, offset + size * width, bytes.length);
      const scale = q.scale ?? 1;
      const min = q.min ?? 0;
      for (let i = 0; i < size; i++) {
        const v = width === 1 ? bytes[offset + i] : view.getUint16(offset + 2 * i, true);
        data[i] = dtype === 'int32' ? Math.round(v * scale + min) : v * scale + min;
      }
      offset += size * width;
    } else {
      checkLength(source, spec.name, offset + size * 4, bytes.length);
      for (let i = 0; i < size; i++) {
        data[i] =
          dtype === 'float32'
            ? view.getFloat32(offset + 4 * i, true)
            : view.getInt32(offset + 4 * i, true);
      }
      offset += size * 4;
    }
    weights.set(spec.name, { shape: spec.shape, dtype, data });
  }
  if (offset !== bytes.length) {
    throw new SamebikeError(
      `${source}: the manifest describes ${offset} bytes of weights ` +
        `but the shards hold ${bytes.length}`,
    );
  }
  return weights;
}

function checkLength(source: string, name: string, needed: number, available: number): void {
  if (needed > available) {
    throw new SamebikeError(
      `${source}: weight data ends early: ${name} needs bytes up to ${needed}, ` +
        `shards hold ${available}`,
    );
  }
}

/** A tfjs model as nsfwjs bundles it: the model JSON and the concatenated raw weight bytes. */
export interface NsfwjsBundle {
  /** Folder of the bundle, for messages. */
  folder: string;
  json: TfjsModelJson;
  weightBytes: Uint8Array;
}

/**
 * Loads one of nsfwjs's bundled models (`dist/models/<name>/`) by require()-ing its browserify
 * bundles, then drops them from the require cache so the large base64 strings can be freed.
 * `name` is the folder name, e.g. `mobilenet_v2_mid` (MobileNetV2, width 1.4, 224×224).
 */
export function readNsfwjsBundle(name: string, pkg: NsfwjsPackage = locateNsfwjs()): NsfwjsBundle {
  const folder = join(pkg.root, 'dist', 'models', name);
  const require = createRequire(import.meta.url);
  const load = (file: string): unknown => {
    const path = join(folder, file);
    try {
      return require(path);
    } catch (error) {
      throw new SamebikeError(`cannot load ${path}: ${String(error)}`);
    } finally {
      delete require.cache[path];
    }
  };
  const json = load('model.min.js') as TfjsModelJson;
  if (!json?.modelTopology?.node || !Array.isArray(json.weightsManifest)) {
    throw new SamebikeError(`${folder}/model.min.js is not a tfjs graph model (no modelTopology)`);
  }
  const shards: Buffer[] = [];
  for (const group of json.weightsManifest) {
    for (const path of group.paths) {
      const base64 = load(`${path}.min.js`);
      if (typeof base64 !== 'string') {
        throw new SamebikeError(`${folder}/${path}.min.js does not export a base64 string`);
      }
      shards.push(Buffer.from(base64, 'base64'));
    }
  }
  const weightBytes = new Uint8Array(Buffer.concat(shards));
  return { folder, json, weightBytes };
}

/** Turns a bundle into a graph with dequantized weights. */
export function decodeBundle(bundle: NsfwjsBundle): TfjsGraph {
  const specs = bundle.json.weightsManifest.flatMap((group) => group.weights);
  return {
    nodes: bundle.json.modelTopology.node,
    weights: decodeTfjsWeights(specs, bundle.weightBytes, bundle.folder),
  };
}
