import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { configFromObject, loadConfig } from '../src/config/load.js';
import { defaultSettings } from '../src/config/schema.js';
import { parse } from 'yaml';

const hydrogenTorchYaml = `
architecture:
    backbone: tf_efficientnet_b0_ns
    dropout: 0
    embedding_size: 256
    pool: Average
    pretrained: true
dataset:
    folds:
    - '0'
    group_fold_column: image
    image_column: photo
    label_columns: ad
    validation_size: 0.25
    validation_strategy: kfold
environment:
    gpus:
    - '0'
    mixed_precision_training: true
    seed: 7
experiment_name: bikes
image:
    image_channels: 3
    image_height: 288
    image_normalization: Simple
    image_width: 256
prediction:
    metric: mAP
    test_time_augmentations: []
    top_k_similar: 20
training:
    arcface_margin: 0.1
    arcface_scale: 45
    batch_size: 16
    epochs: 5
    learning_rate: 0.001
    loss_function: ArcFace
    optimizer: AdamW
    schedule: Cosine
    warmup_epochs: 0
    weight_decay: 0
    gradient_clip: 0.0
    save_best_checkpoint: false
`;

test('a Hydrogen Torch cfg.yaml maps onto samebike settings', () => {
  const config = configFromObject(parse(hydrogenTorchYaml), 'cfg.yaml');
  const s = config.settings;
  assert.equal(config.format, 'hydrogen-torch');
  assert.equal(config.name, 'bikes');
  assert.equal(s['head.embedding_size'], 256);
  assert.equal(s['head.kind'], 'linear');
  assert.equal(s['loss.margin'], 0.1);
  assert.equal(s['loss.scale'], 45);
  assert.equal(s['training.batch_size'], 16);
  assert.equal(s['training.epochs'], 5);
  assert.equal(s['training.optimizer'], 'adamw');
  assert.equal(s['training.schedule'], 'cosine');
  assert.equal(s['training.warmup_epochs'], 0);
  assert.equal(s['training.seed'], 7);
  assert.equal(s['training.keep_best'], false);
  assert.equal(s['validation.validation_size'], 0.25);
  assert.equal(s['validation.protocol'], 'random');
  assert.equal(s['validation.top_k'], 20);
  assert.equal(s['image.width'], 256);
  assert.equal(s['image.height'], 288);
  assert.equal(s['image.flip_tta'], false);
  assert.equal(s['data.image_column'], 'photo');
  assert.equal(s['data.label_column'], 'ad');
  assert.deepEqual(config.ignored, [
    'architecture.dropout',
    'environment.gpus',
    'environment.mixed_precision_training',
  ]);
});

test('a bad value in a Hydrogen Torch config names the key', () => {
  const doc = parse(hydrogenTorchYaml.replace('epochs: 5', 'epochs: five'));
  assert.throws(
    () => configFromObject(doc, 'cfg.yaml'),
    /cfg\.yaml: training\.epochs: expected an integer, got "five" \(string\)/,
  );
  const pool = parse(hydrogenTorchYaml.replace('pool: Average', 'pool: Attention'));
  assert.throws(
    () => configFromObject(pool, 'cfg.yaml'),
    /architecture\.pool: expected Average, GeM or Max/,
  );
});

test('the reference run configuration loads unchanged when it is present', (t) => {
  const here = fileURLToPath(new URL('.', import.meta.url));
  const reference = join(here, '../../../shared/reference/reference_config.yaml');
  if (!existsSync(reference)) {
    t.skip('../shared/reference is not beside this checkout');
    return;
  }
  const config = loadConfig(reference);
  assert.equal(config.settings['training.epochs'], 5);
  assert.equal(config.settings['loss.margin'], 0.1);
  assert.equal(config.settings['loss.scale'], 45);
  assert.equal(config.settings['validation.top_k'], 50);
  assert.ok(config.ignored.includes('environment.gpus'));
});

test('samebike config files set keys by section and reject unknown or bad ones', () => {
  const dir = mkdtempSync(join(tmpdir(), 'samebike-config-'));
  const good = join(dir, 'good.yaml');
  writeFileSync(good, 'training:\n  epochs: 12\nloss:\n  kind: ArcFace\n  margin: 0.4\n');
  const config = loadConfig(good);
  assert.equal(config.format, 'samebike');
  assert.equal(config.settings['training.epochs'], 12);
  assert.equal(config.settings['loss.kind'], 'arcface');
  assert.equal(config.settings['loss.scale'], defaultSettings()['loss.scale']);

  const typo = join(dir, 'typo.yaml');
  writeFileSync(typo, 'training:\n  epoch: 12\n');
  assert.throws(() => loadConfig(typo), /typo\.yaml: unknown key training\.epoch/);

  const range = join(dir, 'range.yaml');
  writeFileSync(range, 'loss:\n  margin: 3\n');
  assert.throws(
    () => loadConfig(range),
    /loss\.margin: expected a value from 0 to 1, got 3 \(number\)/,
  );

  const broken = join(dir, 'broken.yaml');
  writeFileSync(broken, 'training: [1, 2\n');
  assert.throws(() => loadConfig(broken), /broken\.yaml: not valid YAML/);

  assert.throws(
    () => loadConfig(join(dir, 'missing.yaml')),
    /missing\.yaml: cannot read the config file/,
  );
});
