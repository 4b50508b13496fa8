/** `samebike train`: learn the embedding head on labelled ads and report how well it retrieves. */
import { resolve } from 'node:path';
import type { OnBadImage } from '../../image/bad-images.js';
import { loadPhotos } from '../../pipeline/photos.js';
import { resolveSettings } from '../../pipeline/settings.js';
import { runTrain } from '../../pipeline/train.js';
import { output } from '../../util/log.js';
import type { Command } from '../command.js';
import {
  configOption,
  dataOption,
  imagesOption,
  jsonOption,
  onBadImageOption,
  seedOption,
  workersOption,
} from '../common.js';

export const trainCommand: Command = {
  name: 'train',
  summary:
    'learn an embedding from labelled ads, validate it like the reference run, write a report',
  description:
    'Computes (or reads from the cache) backbone features of every photo and of augmented views of the training photos, scores the pretrained features (zero-shot), then trains the head from its start (an LDA of the training ads on square-rooted features, or PCA-whitening) and keeps the best epoch by validation mAP@k. ' +
    'Writes OUT/model/ (model.json and model.onnx: image tensor to normalised embedding), metrics.json (zero-shot and trained), predictions.csv (top-k similar photos per query with cosine similarity), embeddings.npy, images.csv, history.json, train.log and report.html. ' +
    'The backbone stays frozen: fine-tuning convolutions is too slow on CPUs.',
  options: [
    { ...dataOption, required: true },
    imagesOption,
    {
      name: 'out',
      kind: 'path',
      placeholder: 'DIR',
      default: 'run',
      doc: 'Output folder of the run.',
    },
    configOption,
    {
      name: 'protocol',
      kind: 'choice',
      choices: ['random', 'group'],
      doc: 'Validation protocol (overrides validation.protocol): random photos held out, gallery = all photos (like the reference); or whole ads held out (open set).',
    },
    seedOption,
    {
      name: 'epochs',
      kind: 'integer',
      placeholder: 'N',
      min: 1,
      max: 1000,
      doc: 'Training epochs (overrides training.epochs).',
    },
    {
      name: 'resume',
      kind: 'boolean',
      doc: 'Continue an interrupted run from OUT/checkpoint.json (same data and settings).',
    },
    workersOption,
    onBadImageOption,
    jsonOption,
  ],
  examples: [
    'samebike train --data labels.csv --images photos/ --out run/',
    'samebike train --data train.csv --images images/ --config cfg.yaml --protocol group --seed 7 --json',
  ],
  async run(v) {
    const settings = resolveSettings(v.config as string | undefined, {
      'validation.protocol': v.protocol,
      'training.seed': v.seed,
      'training.epochs': v.epochs,
    });
    const photos = loadPhotos(
      { data: v.data as string, images: v.images as string },
      settings.settings,
    );
    const result = await runTrain({
      photos,
      settings,
      out: resolve(v.out as string),
      resume: Boolean(v.resume),
      workers: v.workers as number | undefined,
      onBadImage: v['on-bad-image'] as OnBadImage,
    });
    if (v.json) {
      output(
        JSON.stringify({
          ...result.trained,
          zero_shot: result.zeroShot,
          best_epoch: result.bestEpoch,
          out: result.out,
        }),
      );
    }
    return 0;
  },
};
