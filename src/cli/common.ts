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
