/**
 * What a backbone is to the rest of samebike: an ONNX file plus how to feed it (input size,
 * layout, normalisation) and which outputs hold the pooled features and the feature map. The
 * default is nsfwjs's MobileNetV2-1.4 converted at first use; users may name their own ONNX
 * model in the config file's `backbone:` section, checked here key by key.
 */
import { existsSync, statSync } from 'node:fs';
import { basename, extname, isAbsolute, resolve } from 'node:path';
import { SamebikeError, describeValue, invalidParameter } from '../util/errors.js';
import { ensureDefaultModel } from './cache.js';
import { FEATURES_OUTPUT, FEATURE_MAP_OUTPUT, IMAGE_INPUT } from './convert.js';

/** Order of a model's image input: batch·height·width·channel or batch·channel·height·width. */
export type Layout = 'nhwc' | 'nchw';

/** A backbone: an ONNX model and the conventions for calling it. */
export interface BackboneSpec {
  /** Short name, stored with cached features so they are never mixed across backbones. */
  id: string;
  /** Absolute path of the ONNX model. */
  onnx: string;
  /** Size, in pixels, that images are resized to before the model sees them. Default 224×224. */
  inputSize: { width: number; height: number };
  /** Order of the model's float32 input tensor. */
  layout: Layout;
  /** Per-channel mean (R, G, B) subtracted from pixel/255. */
  mean: [number, number, number];
  /** Per-channel standard deviation (R, G, B) dividing pixel/255 − mean. */
  std: [number, number, number];
  /** Name of the model's input; default: its only input. */
  input?: string;
  /** Output holding pooled features (batch × D). When absent the feature map is average-pooled. */
  featureOutput?: string;
  /** Output holding the feature map (batch × C × h × w, NCHW), for GeM or max pooling. */
  featureMapOutput?: string;
}

/** Default input size of the pretrained backbone (the size it was trained at). */
export const DEFAULT_INPUT_SIZE = { width: 224, height: 224 } as const;

/**
 * The pretrained default backbone: nsfwjs's MobileNetV2 (width 1.4, 1792-d features), converted
 * to ONNX on first use and cached (see cache.ts). Its input is NHWC RGB with values pixel/255 —
 * the model scales to [-1, 1] itself — so mean is 0 and std is 1. `inputSize` may be changed
 * (e.g. 320×320 for more detail; the model accepts any size, usual range 160–448).
 */
export function defaultBackboneSpec(
  options: { cacheDir?: string; inputSize?: { width: number; height: number } } = {},
): BackboneSpec {
  const model = ensureDefaultModel({ cacheDir: options.cacheDir });
  return {
    id: model.id,
    onnx: model.path,
    inputSize: { ...(options.inputSize ?? DEFAULT_INPUT_SIZE) },
    layout: 'nhwc',
    mean: [0, 0, 0],
    std: [1, 1, 1],
    input: IMAGE_INPUT,
    featureOutput: FEATURES_OUTPUT,
    featureMapOutput: FEATURE_MAP_OUTPUT,
  };
}

const USER_KEYS = [
  'id',
  'onnx',
  'input',
  'inputSize',
  'layout',
  'mean',
  'std',
  'featureOutput',
  'featureMapOutput',
] as const;

/** snake_case spellings (as in samebike.yaml) of the camelCase keys. */
const SNAKE_CASE: Record<string, string> = {
  input_size: 'inputSize',
  feature_output: 'featureOutput',
  feature_map_output: 'featureMapOutput',
};

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function checkSize(value: unknown, key: string): { width: number; height: number } {
  const ok = (v: unknown): v is number =>
    Number.isInteger(v) && (v as number) >= 16 && (v as number) <= 4096;
  if (ok(value)) return { width: value, height: value };
  if (isRecord(value) && ok(value.width) && ok(value.height) && Object.keys(value).length === 2) {
    return { width: value.width, height: value.height };
  }
  return invalidParameter(key, 'an integer 16–4096 or {width, height} of such integers', value);
}

function checkTriple(value: unknown, key: string, positive: boolean): [number, number, number] {
  const ok =
    Array.isArray(value) &&
    value.length === 3 &&
    value.every((v) => typeof v === 'number' && Number.isFinite(v) && (!positive || v > 0));
  if (!ok) {
    invalidParameter(key, `a list of 3 ${positive ? 'positive ' : ''}numbers (R, G, B)`, value);
  }
  return [value[0], value[1], value[2]];
}

function checkName(value: unknown, key: string): string {
  if (typeof value !== 'string' || value.length === 0) {
    invalidParameter(key, 'a non-empty string (an ONNX input or output name)', value);
  }
  return value;
}

/**
 * Checks the `backbone:` section of a config file and returns a BackboneSpec. `source` names the
 * file in messages; relative `onnx` paths resolve against `baseDir` (default: the current
 * directory). Without `onnx` the section selects the pretrained default, and only `inputSize`
 * may be set. With `onnx`, `inputSize`, `layout`, `mean`, `std` and at least one of
 * `featureOutput` / `featureMapOutput` are required. Whether the named input and outputs exist
 * is checked when the model is opened (Backbone.open). Errors name the key, e.g.
 * `config.yaml: backbone.layout: expected nhwc or nchw, got "xyz" (string)`. The snake_case
 * spellings input_size, feature_output and feature_map_output are accepted too.
 */
export function validateBackboneSpec(
  rawSection: unknown,
  source: string,
  options: { baseDir?: string; cacheDir?: string } = {},
): BackboneSpec {
  if (rawSection === undefined || rawSection === null) {
    return defaultBackboneSpec({ cacheDir: options.cacheDir });
  }
  if (!isRecord(rawSection)) {
    invalidParameter(
      `${source}: backbone`,
      `a mapping with keys ${USER_KEYS.join(', ')}`,
      rawSection,
    );
  }

  // Accept the config file's snake_case spellings too; messages use the user's spelling.
  const raw: Record<string, unknown> = {};
  const spelled: Record<string, string> = {};
  for (const [name, value] of Object.entries(rawSection)) {
    const canonical = SNAKE_CASE[name] ?? name;
    if (!(USER_KEYS as readonly string[]).includes(canonical)) {
      throw new SamebikeError(
        `${source}: backbone.${name}: unknown key (value ${describeValue(value)}); ` +
          `expected one of ${USER_KEYS.join(', ')}`,
      );
    }
    if (canonical in raw) {
      throw new SamebikeError(
        `${source}: backbone.${name}: given twice (also as backbone.${spelled[canonical]})`,
      );
    }
    raw[canonical] = value;
    spelled[canonical] = name;
  }
  const key = (name: string): string => `${source}: backbone.${spelled[name] ?? name}`;

  if (raw.onnx === undefined) {
    for (const name of Object.keys(raw)) {
      if (name !== 'inputSize') {
        throw new SamebikeError(
          `${key(name)}: only applies to your own model; without backbone.onnx the pretrained ` +
            `default is used and only backbone.inputSize may be set`,
          'add backbone.onnx: path/to/model.onnx to use your own backbone',
        );
      }
    }
    const inputSize =
      raw.inputSize === undefined ? undefined : checkSize(raw.inputSize, key('inputSize'));
    return defaultBackboneSpec({ cacheDir: options.cacheDir, inputSize });
  }

  if (typeof raw.onnx !== 'string' || raw.onnx.length === 0) {
    invalidParameter(key('onnx'), 'the path of an .onnx file', raw.onnx);
  }
  const onnx = isAbsolute(raw.onnx) ? raw.onnx : resolve(options.baseDir ?? '.', raw.onnx);
  if (!existsSync(onnx) || !statSync(onnx).isFile()) {
    throw new SamebikeError(
      `${key('onnx')}: no such file: ${onnx}`,
      'check the path; relative paths start at the config file',
    );
  }

  for (const required of ['inputSize', 'layout', 'mean', 'std'] as const) {
    if (raw[required] === undefined) {
      throw new SamebikeError(
        `${key(required)}: missing; a user backbone needs inputSize, layout, mean and std`,
        'e.g. for torchvision models: inputSize: 224, layout: nchw, ' +
          'mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225]',
      );
    }
  }
  const inputSize = checkSize(raw.inputSize, key('inputSize'));
  if (raw.layout !== 'nhwc' && raw.layout !== 'nchw') {
    invalidParameter(key('layout'), 'nhwc or nchw', raw.layout);
  }
  const mean = checkTriple(raw.mean, key('mean'), false);
  const std = checkTriple(raw.std, key('std'), true);

  const input = raw.input === undefined ? undefined : checkName(raw.input, key('input'));
  const featureOutput =
    raw.featureOutput === undefined
      ? undefined
      : checkName(raw.featureOutput, key('featureOutput'));
  const featureMapOutput =
    raw.featureMapOutput === undefined
      ? undefined
      : checkName(raw.featureMapOutput, key('featureMapOutput'));
  if (featureOutput === undefined && featureMapOutput === undefined) {
    throw new SamebikeError(
      `${key('featureOutput')}: missing; name the model output with pooled features ` +
        `(featureOutput) or with the feature map (featureMapOutput), or both`,
    );
  }

  let id: string;
  if (raw.id === undefined) id = basename(onnx, extname(onnx));
  else if (typeof raw.id === 'string' && /^[A-Za-z0-9._-]+$/.test(raw.id)) id = raw.id;
  else invalidParameter(key('id'), 'letters, digits, ".", "_" or "-"', raw.id);

  return {
    id,
    onnx,
    inputSize,
    layout: raw.layout,
    mean,
    std,
    input,
    featureOutput,
    featureMapOutput,
  };
}
