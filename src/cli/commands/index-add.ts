/** `samebike index add`: photos embedded with a model into a search index folder. */
import type { OnBadImage } from '../../image/bad-images.js';
import type { ScalarKind } from '../../index/store.js';
import { runIndexAdd } from '../../pipeline/index.js';
import { loadModel } from '../../pipeline/model.js';
import { loadPhotos } from '../../pipeline/photos.js';
import { output } from '../../util/log.js';
import type { Command } from '../command.js';
import {
  batchOption,
  configOption,
  dataOption,
  imagesOption,
  indexOption,
  jsonOption,
  modelOption,
  onBadImageOption,
  scalarOption,
  workersOption,
} from '../common.js';

export const indexAddCommand: Command = {
  name: 'index add',
  summary: 'embed photos with a model and add them to a search index',
  description:
    'Embeds every photo with the model (features are cached, so a rerun is cheap) and stores it in the index folder (created if missing) with its image id (the path relative to --images), its ad (the label of --data; none for a bare folder) and its file path. ' +
    'Writes go in batches, each one atomic: a killed run keeps what it committed and a rerun completes it, ending with the same index as an uninterrupted run. ' +
    'An image id that is stored already is replaced when its photo, ad or path changed, else left alone. ' +
    'The index records the model id and folder, so search embeds queries with the same model; a model with another id is refused.',
  options: [
    modelOption,
    dataOption,
    imagesOption,
    indexOption,
    {
      ...configOption,
      doc: 'YAML settings for --model pretrained (image size, pooling); a trained model brings its own.',
    },
    scalarOption,
    batchOption,
    workersOption,
    onBadImageOption,
    jsonOption,
  ],
  examples: [
    'samebike index add --model run/ --data labels.csv --images photos/ --index photos.index/',
    'samebike index add --model run/ --images new-photos/ --index photos.index/ --on-bad-image skip',
  ],
  async run(v) {
    const model = loadModel(v.model as string, v.config as string | undefined);
    const photos = loadPhotos(
      { data: v.data as string | undefined, images: v.images as string },
      model.settings.settings,
    );
    const result = await runIndexAdd({
      photos,
      model,
      index: v.index as string,
      scalar: v.scalar as ScalarKind | undefined,
      batchSize: v.batch as number,
      workers: v.workers as number | undefined,
      onBadImage: v['on-bad-image'] as OnBadImage,
    });
    if (v.json) {
      output(
        JSON.stringify({
          index: result.index,
          added: result.added,
          replaced: result.replaced,
          unchanged: result.unchanged,
          skipped: result.skipped,
          batches: result.batches,
          count: result.count,
          model_id: result.modelId,
          seconds: result.seconds,
        }),
      );
    }
    return 0;
  },
};
