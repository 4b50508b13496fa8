/**
 * The on-disk cache of converted backbones. The pretrained model is converted from the installed
 * nsfwjs package at first use (nothing is downloaded) and stored as
 *
 *   <cache>/models/<model id>.onnx    the ONNX model
 *   <cache>/models/<model id>.json    sidecar: sha256 of the .onnx, source package and version,
 *                                     converter version, input convention
 *
 * where <cache> is $SAMEBIKE_CACHE if set, else ~/.cache/samebike. The checksum is verified on
 * every load; a missing, truncated or edited model is converted again.
 */
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { writeFileAtomic, sha256 } from '../util/fs.js';
import { SamebikeError } from '../util/errors.js';
import { debug, info, warn } from '../util/log.js';
import { CONVERTER_VERSION, convertTfjsGraph } from './convert.js';
import { decodeBundle, locateNsfwjs, readNsfwjsBundle, type NsfwjsPackage } from './tfjs-model.js';

/** The nsfwjs model folder used as the default backbone: MobileNetV2, width 1.4, 1792-d. */
export const DEFAULT_NSFWJS_MODEL = 'mobilenet_v2_mid';

/** The cache root: $SAMEBIKE_CACHE when set and non-empty, else ~/.cache/samebike. */
export function cacheDirectory(): string {
  const fromEnv = process.env.SAMEBIKE_CACHE;
  return fromEnv ? resolve(fromEnv) : join(homedir(), '.cache', 'samebike');
}

/**
 * The id of the default backbone for an installed nsfwjs, e.g.
 * `mobilenet_v2_mid-nsfwjs4.4.0-c1` (model folder, package version, converter version).
 */
export function defaultModelId(pkg: NsfwjsPackage = locateNsfwjs()): string {
  return `${DEFAULT_NSFWJS_MODEL}-nsfwjs${pkg.version}-${CONVERTER_VERSION}`;
}

/** The JSON sidecar written next to a cached model. */
export interface ModelSidecar {
  id: string;
  /** sha256 of the .onnx file, lowercase hex. */
  sha256: string;
  bytes: number;
  source: { package: string; version: string; model: string };
  converter: { version: string };
  /** The model's input convention, in words. */
  input: string;
  /** Seconds the conversion took. */
  conversionSeconds: number;
  createdAt: string;
}

/** A cached model on disk, checked against its sidecar. */
export interface CachedModel {
  id: string;
  /** Absolute path of the .onnx file. */
  path: string;
  sidecar: ModelSidecar;
  /** True when this call converted the model (first use, or the cached file was bad). */
  converted: boolean;
}

/** Input convention of the converted default backbone. */
export const DEFAULT_INPUT_CONVENTION =
  'image: float32 [batch, height, width, 3], NHWC, RGB, pixel/255 in [0, 1]';

/** Returns why the cached model at `path` cannot be used, or undefined when it is sound. */
function checkCached(path: string, sidecarPath: string, id: string): string | undefined {
  if (!existsSync(path)) return 'the model file is missing';
  if (!existsSync(sidecarPath)) return 'the sidecar file is missing';
  let sidecar: ModelSidecar;
  try {
    sidecar = JSON.parse(readFileSync(sidecarPath, 'utf8')) as ModelSidecar;
  } catch (error) {
    return `the sidecar is not valid JSON (${String(error)})`;
  }
  if (sidecar.id !== id) return `the sidecar names model ${sidecar.id}`;
  const actual = sha256(readFileSync(path));
  if (actual !== sidecar.sha256)
    return `checksum mismatch (file ${actual}, sidecar ${sidecar.sha256})`;
  return undefined;
}

/**
 * Returns the converted default backbone, converting it from nsfwjs when the cache lacks it or
 * holds a corrupt copy. Writes are atomic, so a concurrent reader never sees half a file; call
 * it once in the main thread before starting worker threads, since threads of one process share
 * the temporary file name. `cacheDir` overrides {@link cacheDirectory}.
 */
export function ensureDefaultModel(options: { cacheDir?: string } = {}): CachedModel {
  const pkg = locateNsfwjs();
  const id = defaultModelId(pkg);
  const dir = join(options.cacheDir ?? cacheDirectory(), 'models');
  const path = join(dir, `${id}.onnx`);
  const sidecarPath = join(dir, `${id}.json`);

  const problem = checkCached(path, sidecarPath, id);
  if (problem === undefined) {
    debug(`backbone ${id}: cached at ${path}, checksum ok`);
    const sidecar = JSON.parse(readFileSync(sidecarPath, 'utf8')) as ModelSidecar;
    return { id, path, sidecar, converted: false };
  }
  if (existsSync(path) || existsSync(sidecarPath)) {
    warn(`cached backbone ${path} is unusable (${problem}); converting it again`);
  }

  info(
    `converting the pretrained backbone ${DEFAULT_NSFWJS_MODEL} from nsfwjs ${pkg.version} to ONNX`,
  );
  const start = performance.now();
  const graph = decodeBundle(readNsfwjsBundle(DEFAULT_NSFWJS_MODEL, pkg));
  const model = convertTfjsGraph(graph, {
    name: id,
    metadata: {
      'samebike.model_id': id,
      'samebike.source': `nsfwjs@${pkg.version} dist/models/${DEFAULT_NSFWJS_MODEL}`,
      'samebike.converter': CONVERTER_VERSION,
      'samebike.input': DEFAULT_INPUT_CONVENTION,
    },
  });
  const seconds = (performance.now() - start) / 1000;
  const sidecar: ModelSidecar = {
    id,
    sha256: sha256(model),
    bytes: model.length,
    source: { package: 'nsfwjs', version: pkg.version, model: DEFAULT_NSFWJS_MODEL },
    converter: { version: CONVERTER_VERSION },
    input: DEFAULT_INPUT_CONVENTION,
    conversionSeconds: Math.round(seconds * 1000) / 1000,
    createdAt: new Date().toISOString(),
  };
  try {
    writeFileAtomic(path, model);
    writeFileAtomic(sidecarPath, `${JSON.stringify(sidecar, null, 2)}\n`);
  } catch (error) {
    throw new SamebikeError(
      `cannot write the converted backbone to ${dir}: ${(error as Error).message}`,
      'set SAMEBIKE_CACHE to a writable folder',
    );
  }
  info(
    `backbone ${id} written to ${path} ` +
      `(${(model.length / 1e6).toFixed(1)} MB, ${seconds.toFixed(1)} s)`,
  );
  return { id, path, sidecar, converted: true };
}
