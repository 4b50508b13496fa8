/**
 * Settings of a job: defaults, then a config file (samebike's or a Hydrogen Torch cfg.yaml),
 * then command-line overrides. Also turns the settings into the backbone spec they describe.
 */
import { dirname } from 'node:path';
import { cacheDirectory } from '../backbone/cache.js';
import type { Pooling } from '../backbone/pooling.js';
import { defaultBackboneSpec, validateBackboneSpec, type BackboneSpec } from '../backbone/spec.js';
import { applySettings, loadConfig } from '../config/load.js';
import { defaultSettings, type Settings } from '../config/schema.js';
import { join } from 'node:path';

export interface ResolvedSettings {
  settings: Settings;
  /** The config file, when one was given. */
  configPath?: string;
  /** Experiment name from the config, if any. */
  name?: string;
}

/** Defaults ← config file ← overrides (dotted keys, validated like the file's). */
export function resolveSettings(
  configPath?: string,
  overrides: Record<string, unknown> = {},
): ResolvedSettings {
  let settings = defaultSettings();
  let name: string | undefined;
  if (configPath) {
    const loaded = loadConfig(configPath);
    settings = loaded.settings;
    name = loaded.name;
  }
  const given = Object.fromEntries(Object.entries(overrides).filter(([, v]) => v !== undefined));
  applySettings(settings, given, 'command line');
  return { settings, configPath, name };
}

/** The backbone the settings describe: the pretrained default, or the user's ONNX model. */
export function backboneFromSettings(resolved: ResolvedSettings): BackboneSpec {
  const s = resolved.settings;
  const inputSize = { width: s['image.width'], height: s['image.height'] };
  if (!s['backbone.onnx']) return defaultBackboneSpec({ inputSize });
  const raw: Record<string, unknown> = {
    onnx: s['backbone.onnx'],
    inputSize,
    layout: s['backbone.layout'],
    mean: s['backbone.mean'],
    std: s['backbone.std'],
  };
  if (s['backbone.feature_output']) raw.featureOutput = s['backbone.feature_output'];
  if (s['backbone.feature_map_output']) raw.featureMapOutput = s['backbone.feature_map_output'];
  const source = resolved.configPath ?? 'settings';
  return validateBackboneSpec(raw, source, {
    baseDir: resolved.configPath ? dirname(resolved.configPath) : '.',
  });
}

export function poolingFromSettings(s: Settings): Pooling {
  const kind = s['features.pooling'];
  if (kind === 'gem') return { kind: 'gem', p: s['features.gem_p'] };
  return kind === 'max' ? { kind: 'max' } : { kind: 'average' };
}

/** Where backbone features are cached: `$SAMEBIKE_CACHE/features` (default ~/.cache/samebike). */
export function featureCacheDir(): string {
  return join(cacheDirectory(), 'features');
}
