/**
 * The reference side of the backbone tests and benchmark: the same nsfwjs graph model run by
 * TensorFlow.js itself (tfjs-converter's GraphModel), on the pure-JS CPU backend for exactness
 * checks and on the WebAssembly backend for speed comparisons. tfjs is a devDependency, so only
 * tests and benchmarks import this file, never src/.
 */
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import * as tfwasm from '@tensorflow/tfjs-backend-wasm';
import * as tfconv from '@tensorflow/tfjs-converter';
import { DEFAULT_NSFWJS_MODEL } from '../../src/backbone/cache.js';
import { decodeBundle, readNsfwjsBundle, type TfjsGraph } from '../../src/backbone/tfjs-model.js';

/** A graph model loaded into tfjs, with the name of its pooled feature node. */
export interface TfjsBackbone {
  model: tfconv.GraphModel;
  /** Name of the Squeeze node whose output is the pooled 1792-d feature vector. */
  featureNode: string;
  /** Name of the Placeholder node (the image input). */
  inputNode: string;
}

/**
 * An IOHandler that hands tfjs a graph's nodes plus weights we dequantized ourselves (float32 or
 * int32, no quantization), so both runtimes see bit-identical weights.
 */
function graphHandler(graph: TfjsGraph): tf.io.IOHandler {
  const specs: tf.io.WeightsManifestEntry[] = [];
  const chunks: Uint8Array[] = [];
  for (const [name, weight] of graph.weights) {
    specs.push({ name, shape: weight.shape, dtype: weight.dtype });
    const data = weight.data;
    chunks.push(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
  }
  const bytes = new Uint8Array(Buffer.concat(chunks));
  return {
    load: async () => ({
      modelTopology: { node: graph.nodes, versions: {} },
      format: 'graph-model',
      weightSpecs: specs,
      weightData: bytes.buffer,
    }),
  };
}

/** Switches tfjs to a backend: 'cpu' (plain JS kernels) or 'wasm' (XNNPACK, one thread). */
export async function useTfjsBackend(backend: 'cpu' | 'wasm'): Promise<void> {
  if (backend === 'wasm') {
    const require = createRequire(import.meta.url);
    const dist = join(dirname(require.resolve('@tensorflow/tfjs-backend-wasm')), '/');
    tfwasm.setWasmPaths(dist);
    tfwasm.setThreadsCount(1);
  }
  await tf.setBackend(backend);
  await tf.ready();
}

/**
 * Loads any tfjs graph (nodes plus dequantized weights) into tfjs on the current backend. The
 * feature node is the graph's Squeeze; the input node its Placeholder.
 */
export async function loadTfjsGraph(graph: TfjsGraph): Promise<TfjsBackbone> {
  const model = await tfconv.loadGraphModel(graphHandler(graph));
  const featureNode = graph.nodes.find((n) => n.op === 'Squeeze')!.name;
  const inputNode = graph.nodes.find((n) => n.op === 'Placeholder')!.name;
  return { model, featureNode, inputNode };
}

/**
 * Loads nsfwjs's bundled model into tfjs on the given backend ('cpu' for exactness checks, 'wasm'
 * for speed). The weights come from our own reader, dequantized as tfjs would.
 */
export async function loadTfjsBackbone(backend: 'cpu' | 'wasm' = 'cpu'): Promise<TfjsBackbone> {
  await useTfjsBackend(backend);
  return loadTfjsGraph(decodeBundle(readNsfwjsBundle(DEFAULT_NSFWJS_MODEL)));
}

/**
 * Runs the tfjs model on a batch of NHWC float32 images (values pixel/255) and returns the pooled
 * features (batch × 1792) read from the graph's SpatialSqueeze node.
 */
export async function tfjsFeatures(
  backbone: TfjsBackbone,
  pixels: Float32Array,
  shape: [number, number, number, number],
): Promise<Float32Array> {
  const input = tf.tensor4d(pixels, shape);
  const output = backbone.model.execute({ [backbone.inputNode]: input }, backbone.featureNode);
  const tensor = Array.isArray(output) ? output[0] : output;
  const data = (await tensor.data()) as Float32Array;
  input.dispose();
  tensor.dispose();
  return data;
}

/**
 * Benchmark helper: runs the same backbone on tfjs's WebAssembly backend (one thread) over a
 * batch of NHWC float32 images, `repeats` times after one warm-up run, and returns the features of
 * the last run with the milliseconds per image.
 */
export async function runTfjsWasm(
  pixels: Float32Array,
  shape: [number, number, number, number],
  repeats = 1,
): Promise<{ features: Float32Array; msPerImage: number; backend: string }> {
  const backbone = await loadTfjsBackbone('wasm');
  let features = await tfjsFeatures(backbone, pixels, shape);
  const start = performance.now();
  for (let r = 0; r < repeats; r++) features = await tfjsFeatures(backbone, pixels, shape);
  const msPerImage = (performance.now() - start) / (repeats * shape[0]);
  backbone.model.dispose();
  return { features, msPerImage, backend: tf.getBackend() };
}
