/** Option declarations shared by several commands, so each is documented once. */
import type { OptionSpec } from './command.js';

export const dataOption: OptionSpec = {
  name: 'data',
  kind: 'path',
  placeholder: 'CSV',
  doc: 'Labels CSV: one row per photo with an image column (path relative to --images) and a label column (the ad id). Column names come from the config (data.image_column, data.label_column).',
};

export const imagesOption: OptionSpec = {
  name: 'images',
  kind: 'path',
  placeholder: 'DIR',
  required: true,
  doc: 'Folder of the photos. Without --data every image under it (subfolders too) is taken, unlabelled.',
};

export const configOption: OptionSpec = {
  name: 'config',
  kind: 'path',
  placeholder: 'FILE',
  doc: "YAML settings: samebike's own format or a Hydrogen Torch cfg.yaml (read unchanged). See the README's configuration reference.",
};

export const workersOption: OptionSpec = {
  name: 'workers',
  kind: 'integer',
  placeholder: 'N',
  min: 1,
  max: 64,
  doc: 'Worker threads for decoding and the backbone, each with one ONNX thread (default: one per core, the fastest layout measured).',
};

export const onBadImageOption: OptionSpec = {
  name: 'on-bad-image',
  kind: 'choice',
  choices: ['fail', 'skip'],
  default: 'fail',
  doc: 'What to do with photos that cannot be decoded (empty, truncated, not an image, unsupported format, over the pixel limit): fail lists every bad file, then stops; skip leaves them out and lists them in bad-images.csv in the output folder.',
};

export const jsonOption: OptionSpec = {
  name: 'json',
  kind: 'boolean',
  doc: 'Print the result as one JSON object on the last line of stdout.',
};

export const seedOption: OptionSpec = {
  name: 'seed',
  kind: 'integer',
  placeholder: 'N',
  min: -1,
  doc: 'Random seed of splits, sampling and initialisation (overrides training.seed; -1 picks one).',
};

export const modelOption: OptionSpec = {
  name: 'model',
  kind: 'string',
  placeholder: 'RUN_DIR|pretrained',
  required: true,
  doc: 'A training run folder (its model/model.json), or "pretrained" for the backbone alone (view-averaged features, L2-normalised).',
};

export const indexOption: OptionSpec = {
  name: 'index',
  kind: 'path',
  placeholder: 'DIR',
  required: true,
  doc: 'Folder of the search index (index.sqlite and the HNSW graph file vectors.usearch).',
};

export const scalarOption: OptionSpec = {
  name: 'scalar',
  kind: 'choice',
  choices: ['f32', 'f16', 'i8'],
  doc: 'How a new index stores vectors in its HNSW graph: f32 (full precision), f16 (half the memory, similarity error about 1e-3) or i8 (a quarter, about 1e-2; results are re-ranked exactly). Fixed when the index is created (default f32).',
};

export const batchOption: OptionSpec = {
  name: 'batch',
  kind: 'integer',
  placeholder: 'N',
  min: 1,
  max: 1000000,
  default: 1000,
  doc: 'Photos per atomic write to the index: a killed run keeps the batches it committed, and a rerun adds the rest.',
};
