/** `samebike embed`: one embedding per photo, written as embeddings.npy. */
import { resolve } from 'node:path';
import { loadPhotos } from '../../pipeline/photos.js';
import { runEmbed } from '../../pipeline/embed.js';
import { resolveSettings } from '../../pipeline/settings.js';
import { output } from '../../util/log.js';
import type { OnBadImage } from '../../image/bad-images.js';
import type { Command } from '../command.js';
import {
  configOption,
  dataOption,
  imagesOption,
  jsonOption,
  onBadImageOption,
  workersOption,
} from '../common.js';

export const embedCommand: Command = {
  name: 'embed',
  summary: 'embed photos with the pretrained backbone (or a trained model) into embeddings.npy',
  description:
    'Decodes every photo, runs the backbone on worker threads and writes OUT/embeddings.npy (float32 N×D, readable by numpy.load), OUT/images.csv (row, image, label) and OUT/embed.json. ' +
    'Features are cached by file content and model ($SAMEBIKE_CACHE/features, default ~/.cache/samebike/features), so an interrupted run resumes where it stopped and a rerun is instant. ' +
    'The embedding is the backbone features averaged over the test-time views (mirror image, scales) and L2-normalised.',
  options: [
    dataOption,
    imagesOption,
    {
      name: 'out',
      kind: 'path',
      placeholder: 'DIR',
      default: 'embeddings',
      doc: 'Output folder (created if missing).',
    },
    configOption,
    {
      name: 'size',
      kind: 'integer',
      placeholder: 'PIXELS',
      min: 32,
      max: 2048,
      doc: 'Input width and height of the backbone (overrides image.width and image.height; default 448).',
    },
    {
      name: 'fit',
      kind: 'choice',
      choices: ['fill', 'pad', 'crop'],
      doc: 'Resize mode: stretch (fill), letterbox (pad) or centre-crop (crop) (overrides image.fit; default fill).',
    },
    {
      name: 'flip',
      kind: 'boolean',
      doc: 'Average with the mirror image (test-time augmentation; overrides image.flip_tta; default true). --flip=false turns it off.',
    },
    workersOption,
    onBadImageOption,
    jsonOption,
  ],
  examples: [
    'samebike embed --images photos/ --out out/',
    'samebike embed --data labels.csv --images photos/ --out out/ --size 224 --on-bad-image skip',
  ],
  async run(v) {
    const size = v.size as number | undefined;
    const settings = resolveSettings(v.config as string | undefined, {
      'image.width': size,
      'image.height': size,
      'image.fit': v.fit,
      'image.flip_tta': v.flip,
    });
    const photos = loadPhotos(
      { data: v.data as string | undefined, images: v.images as string },
      settings.settings,
    );
    const out = resolve(v.out as string);
    const result = await runEmbed({
      photos,
      settings,
      out,
      workers: v.workers as number | undefined,
      onBadImage: v['on-bad-image'] as OnBadImage,
    });
    if (v.json) {
      output(
        JSON.stringify({
          out,
          photos: result.photos.length,
          dimensions: result.embeddings.cols,
          skipped: result.features.bad.length,
          computed: result.features.computed,
          seconds: result.seconds,
          model: result.features.modelId,
        }),
      );
    }
    return 0;
  },
};
