/**
 * Running a backbone on onnxruntime-node: RGB uint8 images in, pooled features (and optionally
 * the feature map) out. Opening a backbone checks the spec against the model (input and output
 * names, input rank and layout) and runs one blank image to learn the feature size.
 */
import * as ort from 'onnxruntime-node';
import { SamebikeError, invalidParameter } from '../util/errors.js';
import { debug } from '../util/log.js';
import type { Matrix } from '../util/npy.js';
import { averagePool, type FeatureMap } from './pooling.js';
import type { BackboneSpec } from './spec.js';

/** A decoded image: RGB, 8 bits per channel, rows top to bottom, HWC order. */
export interface RgbImage {
  data: Uint8Array;
  width: number;
  height: number;
}

/** What {@link Backbone.run} returns. */
export interface BackboneOutput {
  /** One row of pooled features per image (batch × featureDim). */
  features: Matrix;
  /** The feature map, when asked for and the spec names one. */
  featureMap?: FeatureMap;
}

/** Options of {@link Backbone.open}. */
export interface BackboneOptions {
  /** Threads onnxruntime uses inside one operator. Default 1; usual range 1 to the core count. */
  intraOpThreads?: number;
}

/**
 * Per-channel lookup tables from a byte to the model's input value: (byte/255 − mean) / std,
 * computed in double precision and stored as float32 (byte/255 alone matches tfjs's
 * `toFloat().div(255)` bit for bit).
 */
function normalisationTable(spec: BackboneSpec): Float32Array {
  const table = new Float32Array(3 * 256);
  for (let c = 0; c < 3; c++) {
    for (let v = 0; v < 256; v++) table[c * 256 + v] = (v / 255 - spec.mean[c]) / spec.std[c];
  }
  return table;
}

function describeNames(names: readonly string[]): string {
  return names.map((n) => `"${n}"`).join(', ');
}

/** A backbone opened on onnxruntime-node. Create with {@link Backbone.open}; call close() after. */
export class Backbone {
  /** The spec's id, stored with features computed by this backbone. */
  readonly id: string;
  readonly spec: BackboneSpec;
  /** Width and height, in pixels, that run() expects its images to have. */
  readonly inputSize: { width: number; height: number };
  /** Length of one pooled feature vector. */
  readonly featureDim: number;
  private readonly session: ort.InferenceSession;
  private readonly inputName: string;
  private readonly table: Float32Array;
  /** The model's input height and width when they are fixed numbers, else undefined. */
  private readonly fixedSize?: { width: number; height: number };

  private constructor(
    spec: BackboneSpec,
    session: ort.InferenceSession,
    input: { name: string; fixedSize?: { width: number; height: number } },
    featureDim: number,
  ) {
    this.id = spec.id;
    this.spec = spec;
    this.inputSize = { ...spec.inputSize };
    this.session = session;
    this.inputName = input.name;
    this.fixedSize = input.fixedSize;
    this.featureDim = featureDim;
    this.table = normalisationTable(spec);
  }

  /**
   * Opens the spec's ONNX model (intra-op threads from the option, one inter-op thread, all graph
   * optimisations), checks the named input and outputs exist, and runs a blank image to learn
   * the feature size and catch layout or size mismatches early.
   */
  static async open(spec: BackboneSpec, options: BackboneOptions = {}): Promise<Backbone> {
    const threads = options.intraOpThreads ?? 1;
    if (!Number.isInteger(threads) || threads < 1) {
      invalidParameter('intraOpThreads', 'an integer ≥ 1', threads);
    }
    let session: ort.InferenceSession;
    try {
      session = await ort.InferenceSession.create(spec.onnx, {
        intraOpNumThreads: threads,
        interOpNumThreads: 1,
        graphOptimizationLevel: 'all',
      });
    } catch (error) {
      throw new SamebikeError(
        `backbone.onnx: onnxruntime cannot load ${spec.onnx}: ${(error as Error).message}`,
        'check that the file is an ONNX model (export it again if it is truncated)',
      );
    }

    try {
      const input = Backbone.checkNames(spec, session);
      const probe = new Backbone(spec, session, input, 0);
      const blank = new Uint8Array(spec.inputSize.width * spec.inputSize.height * 3);
      let output: BackboneOutput;
      try {
        output = await probe.run(
          [{ data: blank, width: spec.inputSize.width, height: spec.inputSize.height }],
          {
            featureMap: spec.featureMapOutput !== undefined,
          },
        );
      } catch (error) {
        if (error instanceof SamebikeError) throw error;
        throw new SamebikeError(
          `backbone ${spec.id}: a test run on one ` +
            `${spec.inputSize.width}×${spec.inputSize.height} image in ${spec.layout} layout ` +
            `failed: ${(error as Error).message}`,
          'check backbone.layout and backbone.inputSize against the model input',
        );
      }
      const featureDim = output.features.cols;
      debug(`backbone ${spec.id}: input "${input.name}", ${featureDim}-d features, ${spec.onnx}`);
      return new Backbone(spec, session, input, featureDim);
    } catch (error) {
      await session.release();
      throw error;
    }
  }

  /**
   * Checks the spec's input and output names, and the input's type, rank, channels and fixed
   * size, against the session. Returns the input name and its fixed size, if any.
   */
  private static checkNames(
    spec: BackboneSpec,
    session: ort.InferenceSession,
  ): { name: string; fixedSize?: { width: number; height: number } } {
    const inputs = session.inputNames;
    const outputs = session.outputNames;
    let inputName = spec.input;
    if (inputName === undefined) {
      if (inputs.length !== 1) {
        throw new SamebikeError(
          `backbone.input: ${spec.onnx} has ${inputs.length} inputs ` +
            `(${describeNames(inputs)}); name the image input`,
        );
      }
      inputName = inputs[0];
    } else if (!inputs.includes(inputName)) {
      throw new SamebikeError(
        `backbone.input: ${spec.onnx} has no input "${inputName}"; ` +
          `its inputs are ${describeNames(inputs)}`,
      );
    }
    for (const [key, name] of [
      ['featureOutput', spec.featureOutput],
      ['featureMapOutput', spec.featureMapOutput],
    ] as const) {
      if (name !== undefined && !outputs.includes(name)) {
        throw new SamebikeError(
          `backbone.${key}: ${spec.onnx} has no output "${name}"; ` +
            `its outputs are ${describeNames(outputs)}`,
        );
      }
    }

    const meta = session.inputMetadata.find((m) => m.name === inputName);
    if (meta?.isTensor) {
      if (meta.type !== 'float32') {
        throw new SamebikeError(
          `backbone.input: "${inputName}" is ${meta.type}; samebike feeds float32 images`,
        );
      }
      const shape = meta.shape;
      if (shape.length !== 4) {
        throw new SamebikeError(
          `backbone.input: "${inputName}" has shape [${shape.join(', ')}]; ` +
            'expected 4 dimensions (an image batch)',
        );
      }
      const channelAxis = spec.layout === 'nhwc' ? 3 : 1;
      if (typeof shape[channelAxis] === 'number' && shape[channelAxis] !== 3) {
        throw new SamebikeError(
          `backbone.layout: "${inputName}" has shape [${shape.join(', ')}], ` +
            'which has no 3 RGB channels ' +
            `at axis ${channelAxis} as layout ${spec.layout} needs`,
          `set backbone.layout to ${spec.layout === 'nhwc' ? 'nchw' : 'nhwc'}`,
        );
      }
      const [hAxis, wAxis] = spec.layout === 'nhwc' ? [1, 2] : [2, 3];
      const fixed = [shape[hAxis], shape[wAxis]];
      if (
        typeof fixed[0] === 'number' &&
        typeof fixed[1] === 'number' &&
        (fixed[0] !== spec.inputSize.height || fixed[1] !== spec.inputSize.width)
      ) {
        throw new SamebikeError(
          `backbone.inputSize: the model takes ${fixed[1]}×${fixed[0]} images, the spec says ` +
            `${spec.inputSize.width}×${spec.inputSize.height}`,
          `set backbone.inputSize to {width: ${fixed[1]}, height: ${fixed[0]}}`,
        );
      }
      if (typeof fixed[0] === 'number' && typeof fixed[1] === 'number') {
        return { name: inputName, fixedSize: { width: fixed[1], height: fixed[0] } };
      }
    }
    return { name: inputName };
  }

  /**
   * Turns RGB uint8 images into the model's float32 input: the layout applied and each value
   * mapped to (pixel/255 − mean) / std. All images of a batch must share one size; usually that
   * is inputSize, but a model with free spatial dimensions (like the default) takes any size,
   * e.g. for multi-scale test-time augmentation.
   */
  toInput(images: RgbImage[]): Float32Array {
    const width = images[0]?.width ?? this.inputSize.width;
    const height = images[0]?.height ?? this.inputSize.height;
    const area = width * height;
    if (
      this.fixedSize &&
      images.length > 0 &&
      (width !== this.fixedSize.width || height !== this.fixedSize.height)
    ) {
      throw new SamebikeError(
        `backbone ${this.id}: the model only takes ` +
          `${this.fixedSize.width}×${this.fixedSize.height} images, got ${width}×${height}`,
        'resize images to the backbone input size before running it',
      );
    }
    const out = new Float32Array(images.length * area * 3);
    const table = this.table;
    images.forEach((image, n) => {
      if (image.width !== width || image.height !== height || image.data.length !== area * 3) {
        throw new SamebikeError(
          `backbone ${this.id}: images[${n}] is ${image.width}×${image.height} with ` +
            `${image.data.length} bytes; expected ${width}×${height} RGB (${area * 3} bytes) ` +
            'like images[0]',
          'give one batch images of one size, 3 bytes (R, G, B) per pixel',
        );
      }
      const src = image.data;
      const base = n * area * 3;
      if (this.spec.layout === 'nhwc') {
        for (let i = 0; i < area * 3; i += 3) {
          out[base + i] = table[src[i]];
          out[base + i + 1] = table[256 + src[i + 1]];
          out[base + i + 2] = table[512 + src[i + 2]];
        }
      } else {
        for (let i = 0, j = 0; i < area; i++, j += 3) {
          out[base + i] = table[src[j]];
          out[base + area + i] = table[256 + src[j + 1]];
          out[base + 2 * area + i] = table[512 + src[j + 2]];
        }
      }
    });
    return out;
  }

  /**
   * Runs the backbone on a batch of images of one size (see toInput). Returns the pooled features
   * and, when `featureMap` is true and the spec names a feature map output, the feature map
   * (NCHW). A model with only a feature map output is average-pooled here.
   */
  async run(images: RgbImage[], options: { featureMap?: boolean } = {}): Promise<BackboneOutput> {
    const n = images.length;
    if (n === 0) return { features: { rows: 0, cols: this.featureDim, data: new Float32Array(0) } };
    const data = this.toInput(images);
    const { width, height } = images[0];
    const shape = this.spec.layout === 'nhwc' ? [n, height, width, 3] : [n, 3, height, width];
    const input = new ort.Tensor('float32', data, shape);

    const wantMap =
      this.spec.featureMapOutput !== undefined && (options.featureMap || !this.spec.featureOutput);
    const fetches = [
      this.spec.featureOutput,
      wantMap ? this.spec.featureMapOutput : undefined,
    ].filter((name): name is string => name !== undefined);
    const result = await this.session.run({ [this.inputName]: input }, fetches);
    input.dispose();

    let featureMap: FeatureMap | undefined;
    if (wantMap) {
      const t = result[this.spec.featureMapOutput!];
      if (t.dims.length !== 4 || t.dims[0] !== n) {
        throw new SamebikeError(
          `backbone.featureMapOutput: "${this.spec.featureMapOutput}" ` +
            `has shape [${t.dims.join(', ')}]; ` +
            `expected [${n}, channels, height, width]`,
        );
      }
      featureMap = {
        n,
        channels: t.dims[1],
        height: t.dims[2],
        width: t.dims[3],
        data: t.data as Float32Array,
      };
    }

    let features: Matrix;
    if (this.spec.featureOutput !== undefined) {
      const t = result[this.spec.featureOutput];
      const cols = t.dims.slice(1).reduce((a, b) => a * b, 1);
      const extra = t.dims.slice(2).some((d) => d !== 1);
      if (t.dims[0] !== n || extra) {
        throw new SamebikeError(
          `backbone.featureOutput: "${this.spec.featureOutput}" ` +
            `has shape [${t.dims.join(', ')}]; ` +
            `expected [${n}, features] (pooled features, one row per image)`,
          'name the feature map in backbone.featureMapOutput instead, and samebike pools it',
        );
      }
      features = { rows: n, cols, data: t.data as Float32Array };
    } else {
      features = averagePool(featureMap!);
    }
    return { features, featureMap: options.featureMap ? featureMap : undefined };
  }

  /** Releases the onnxruntime session. */
  async close(): Promise<void> {
    await this.session.release();
  }
}
