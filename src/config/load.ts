/**
 * Reads settings from YAML. Two formats are accepted:
 * - samebike's own: sections whose keys are those of ./schema.ts (`training: {epochs: 30}`);
 * - an H2O Hydrogen Torch experiment `cfg.yaml`, read unchanged: its keys are mapped onto ours
 *   (`training.arcface_margin` → `loss.margin`, `prediction.top_k_similar` → `validation.top_k`,
 *   ...). Keys that mean nothing here (GPUs, mixed precision, loggers, ...) produce one warning
 *   that names them all.
 * A bad value is an error that names the key, the expected kind and the received value.
 */
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { SamebikeError, describeValue } from '../util/errors.js';
import { warn } from '../util/log.js';
import {
  defaultSettings,
  settingSpecs,
  type SettingKey,
  type Settings,
  type SettingSpec,
} from './schema.js';

/** Settings plus where they came from. */
export interface LoadedConfig {
  settings: Settings;
  /** "samebike" or "hydrogen-torch". */
  format: 'samebike' | 'hydrogen-torch';
  /** The experiment name, when the file has one. */
  name?: string;
  /** Keys of the file that were ignored (also warned about once). */
  ignored: string[];
}

/** Validates one value against its spec; `source` names the file and key in errors. */
export function checkSetting(
  key: string,
  spec: SettingSpec,
  value: unknown,
  source: string,
): unknown {
  const fail = (expected: string): never => {
    throw new SamebikeError(
      `${source}: ${key}: expected ${expected}, got ${describeValue(value)}`,
      spec.doc,
    );
  };
  const range = (n: number): void => {
    if ((spec.min !== undefined && n < spec.min) || (spec.max !== undefined && n > spec.max)) {
      const lo = spec.min ?? '-∞';
      const hi = spec.max ?? '∞';
      fail(`a value from ${lo} to ${hi}`);
    }
  };
  switch (spec.kind) {
    case 'integer':
      if (typeof value !== 'number' || !Number.isInteger(value)) fail('an integer');
      range(value as number);
      return value;
    case 'number':
      if (typeof value !== 'number' || !Number.isFinite(value)) fail('a number');
      range(value as number);
      return value;
    case 'boolean':
      if (typeof value !== 'boolean') fail('true or false');
      return value;
    case 'choice': {
      const v = typeof value === 'string' ? value.toLowerCase() : value;
      if (typeof v !== 'string' || !spec.choices?.includes(v))
        fail(`one of ${spec.choices?.join(', ')}`);
      return v;
    }
    case 'numbers':
      if (typeof value === 'number') value = [value];
      if (!Array.isArray(value) || value.length === 0 || value.some((x) => typeof x !== 'number')) {
        fail('a list of numbers');
      }
      (value as number[]).forEach(range);
      return value;
    default:
      if (value === null || value === '') return null;
      if (typeof value !== 'string') fail('a string');
      return value;
  }
}

/** Applies `key: value` pairs (dotted keys) onto settings, validating each. */
export function applySettings(
  settings: Settings,
  values: Record<string, unknown>,
  source: string,
): void {
  for (const [key, value] of Object.entries(values)) {
    const spec = (settingSpecs as Record<string, SettingSpec>)[key];
    if (!spec) throw unknownKey(key, source);
    (settings as Record<string, unknown>)[key] = checkSetting(key, spec, value, source);
  }
}

function unknownKey(key: string, source: string): SamebikeError {
  const keys = Object.keys(settingSpecs);
  const [section, name] = key.split('.');
  const near = keys.filter((k) => k.startsWith(`${section}.`) || (name && k.endsWith(`.${name}`)));
  const hint = near.length
    ? `did you mean ${near.slice(0, 6).join(', ')}?`
    : `known sections: ${[...new Set(keys.map((k) => k.split('.')[0]))].join(', ')}`;
  return new SamebikeError(`${source}: unknown key ${key}`, hint);
}

const referenceSections = [
  'architecture',
  'augmentation',
  'dataset',
  'environment',
  'logging',
  'prediction',
];

/** Reads a YAML config file (either format). */
export function loadConfig(path: string): LoadedConfig {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new SamebikeError(`${path}: cannot read the config file (${(error as Error).message})`);
  }
  let doc: unknown;
  try {
    doc = parse(text);
  } catch (error) {
    throw new SamebikeError(`${path}: not valid YAML (${(error as Error).message.split('\n')[0]})`);
  }
  return configFromObject(doc ?? {}, path);
}

/** Interprets a parsed YAML document; `source` names it in messages. */
export function configFromObject(doc: unknown, source: string): LoadedConfig {
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) {
    throw new SamebikeError(`${source}: expected a mapping of sections, got ${describeValue(doc)}`);
  }
  const top = doc as Record<string, unknown>;
  const isReference =
    'experiment_name' in top || Object.keys(top).some((k) => referenceSections.includes(k));
  const settings = defaultSettings();
  if (isReference) return fromReference(top, settings, source);
  const flat: Record<string, unknown> = {};
  for (const [section, body] of Object.entries(top)) {
    if (typeof body !== 'object' || body === null || Array.isArray(body)) {
      throw new SamebikeError(
        `${source}: ${section}: expected a section of keys, got ${describeValue(body)}`,
      );
    }
    for (const [key, value] of Object.entries(body)) flat[`${section}.${key}`] = value;
  }
  applySettings(settings, flat, source);
  return { settings, format: 'samebike', ignored: [] };
}

type Mapper = (
  value: unknown,
  set: (key: SettingKey, v: unknown) => void,
  fail: (expected: string) => never,
) => void;

const direct =
  (key: SettingKey): Mapper =>
  (value, set) =>
    set(key, value);

/** How each Hydrogen Torch key maps onto ours; absent keys are ignored with a warning. */
const referenceMap: Record<string, Mapper> = {
  'architecture.embedding_size': direct('head.embedding_size'),
  'architecture.pool': (v, set, fail) => {
    const pools: Record<string, string> = { average: 'avg', gem: 'gem', max: 'max' };
    const p = typeof v === 'string' ? pools[v.toLowerCase()] : undefined;
    if (!p) fail('Average, GeM or Max');
    set('features.pooling', p);
  },
  'architecture.backbone': (v) => {
    warn(
      `architecture.backbone: "${String(v)}" cannot be downloaded here; samebike uses its own ` +
        'MobileNetV2-1.4 from npm (set backbone.onnx in a samebike config to use an exported model)',
    );
  },
  'architecture.pretrained': (v, _set, fail) => {
    if (v !== true) fail('true (the backbone is always pretrained and frozen)');
  },
  'dataset.image_column': direct('data.image_column'),
  'dataset.label_columns': (v, set, fail) => {
    const column = Array.isArray(v) ? (v.length === 1 ? v[0] : fail('one label column')) : v;
    set('data.label_column', column);
  },
  'dataset.validation_size': direct('validation.validation_size'),
  'dataset.validation_strategy': (v, set, fail) => {
    if (typeof v !== 'string' || !['kfold', 'grouped_kfold', 'automatic'].includes(v)) {
      fail('kfold, grouped_kfold or automatic');
    }
    if (v === 'grouped_kfold') set('validation.protocol', 'group');
  },
  'dataset.group_fold_column': (v, set, fail) => {
    if (typeof v !== 'string') fail('a column name');
    // Folds grouped by the image column split photos at random; by any other column, by ad.
    if (v !== 'image') set('validation.protocol', 'group');
  },
  'dataset.folds': (v, set, fail) => {
    const list = Array.isArray(v) ? v : [v];
    const fold = Number(list[0]);
    if (list.length !== 1 || !Number.isInteger(fold)) fail('a list with one fold number');
    set('validation.fold', fold);
  },
  'environment.seed': direct('training.seed'),
  'image.image_width': direct('image.width'),
  'image.image_height': direct('image.height'),
  'image.image_channels': (v, _set, fail) => {
    if (v !== 3) fail('3 (RGB photos)');
  },
  'image.image_normalization': (v, _set, fail) => {
    if (typeof v !== 'string' || !['simple', 'imagenet'].includes(v.toLowerCase()))
      fail('Simple or Imagenet');
  },
  'prediction.metric': (v, _set, fail) => {
    if (v !== 'mAP') fail('mAP');
  },
  'prediction.top_k_similar': direct('validation.top_k'),
  'prediction.test_time_augmentations': (v, set, fail) => {
    if (!Array.isArray(v)) fail('a list, e.g. [] or [horizontal_flip]');
    const names = (v as unknown[]).map((x) => String(x).toLowerCase());
    const unknown = names.filter((n) => n !== 'horizontal_flip');
    if (unknown.length) fail(`horizontal_flip only (unknown: ${unknown.join(', ')})`);
    set('image.flip_tta', names.includes('horizontal_flip'));
  },
  'training.arcface_margin': direct('loss.margin'),
  'training.arcface_scale': direct('loss.scale'),
  'training.batch_size': direct('training.batch_size'),
  'training.epochs': direct('training.epochs'),
  'training.learning_rate': direct('training.learning_rate'),
  'training.optimizer': direct('training.optimizer'),
  'training.schedule': direct('training.schedule'),
  'training.weight_decay': direct('training.weight_decay'),
  'training.gradient_clip': direct('training.gradient_clip'),
  'training.warmup_epochs': direct('training.warmup_epochs'),
  'training.evaluation_epochs': direct('validation.every'),
  'training.save_best_checkpoint': direct('training.keep_best'),
  'training.loss_function': (v, set, fail) => {
    const losses: Record<string, string> = { arcface: 'arcface' };
    const loss = typeof v === 'string' ? losses[v.toLowerCase()] : undefined;
    if (!loss) fail('ArcFace');
    set('loss.kind', loss);
  },
};

/** Keys that are accepted without a warning because their value changes nothing here. */
const harmless = new Set([
  'experiment_name',
  'training.drop_last_batch',
  'training.grad_accumulation',
]);

function fromReference(
  top: Record<string, unknown>,
  settings: Settings,
  source: string,
): LoadedConfig {
  const ignored: string[] = [];
  // The reference's head is a plain linear embedding layer on the pooled features.
  settings['head.kind'] = 'linear';
  const set = (key: SettingKey, value: unknown, from: string): void => {
    (settings as Record<string, unknown>)[key] = checkSetting(
      from,
      (settingSpecs as Record<string, SettingSpec>)[key],
      value,
      source,
    );
  };
  for (const [section, body] of Object.entries(top)) {
    if (typeof body !== 'object' || body === null || Array.isArray(body)) {
      if (!harmless.has(section)) ignored.push(section);
      continue;
    }
    for (const [name, value] of Object.entries(body as Record<string, unknown>)) {
      const key = `${section}.${name}`;
      const mapper = referenceMap[key];
      if (mapper) {
        mapper(
          value,
          (to, v) => set(to, v, key),
          (expected) => {
            throw new SamebikeError(
              `${source}: ${key}: expected ${expected}, got ${describeValue(value)}`,
            );
          },
        );
      } else if (!harmless.has(key)) {
        ignored.push(key);
      }
    }
  }
  if (ignored.length) {
    warn(
      `${source}: these keys have no meaning for samebike and are ignored: ${ignored.join(', ')}`,
    );
  }
  const name = typeof top.experiment_name === 'string' ? top.experiment_name : undefined;
  return { settings, format: 'hydrogen-torch', name, ignored };
}
