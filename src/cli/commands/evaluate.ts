/** `samebike evaluate`: retrieval metrics of a trained model (or the pretrained backbone). */
import type { OnBadImage } from '../../image/bad-images.js';
import type { SplitProtocol } from '../../metrics/split.js';
import { runEvaluate } from '../../pipeline/evaluate.js';
import { loadModel } from '../../pipeline/model.js';
import { loadPhotos } from '../../pipeline/photos.js';
import { metricSummary } from '../../pipeline/retrieve.js';
import { info, output } from '../../util/log.js';
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

export const evaluateCommand: Command = {
  name: 'evaluate',
  summary: 'score a model on labelled ads: mAP@k, Recall@1/5/10, precision@k, MAP@R',
  description:
    'Embeds the photos with the model and ranks them by cosine similarity. Without --protocol every photo queries all the other photos; with --protocol the split is made as in training (random: held-out photos query every photo; group: held-out ads query each other). ' +
    'Retrieval settings (query expansion, re-ranking, top_k) come from the model, or from --config with --model pretrained.',
  options: [
    {
      name: 'model',
      kind: 'string',
      placeholder: 'RUN_DIR|pretrained',
      required: true,
      doc: 'A training run folder (its model/model.json), or "pretrained" for the backbone alone (view-averaged features, L2-normalised).',
    },
    { ...dataOption, required: true },
    imagesOption,
    {
      ...configOption,
      doc: 'YAML settings for --model pretrained (image size, pooling, retrieval add-ons); a trained model brings its own.',
    },
    {
      name: 'protocol',
      kind: 'choice',
      choices: ['random', 'group'],
      doc: 'Evaluate on a validation split made like training; default: every photo against all others.',
    },
    seedOption,
    workersOption,
    onBadImageOption,
    jsonOption,
  ],
  examples: [
    'samebike evaluate --model run/ --data labels.csv --images photos/ --json',
    'samebike evaluate --model pretrained --data labels.csv --images photos/',
  ],
  async run(v) {
    const model = loadModel(v.model as string, v.config as string | undefined);
    const photos = loadPhotos(
      { data: v.data as string, images: v.images as string },
      model.settings.settings,
    );
    const result = await runEvaluate({
      photos,
      model,
      protocol: v.protocol as SplitProtocol | undefined,
      seed: v.seed as number | undefined,
      workers: v.workers as number | undefined,
      onBadImage: v['on-bad-image'] as OnBadImage,
    });
    const m = metricSummary(result.evaluation);
    info(
      `${model.name}: mAP@${m.k} ${m.map_at_k.toFixed(4)}  R@1 ${m.recall_at_1.toFixed(4)}  R@5 ${m.recall_at_5.toFixed(4)}  ` +
        `R@10 ${m.recall_at_10.toFixed(4)}  P@${m.k} ${m.precision_at_k.toFixed(4)}  MAP@R ${m.map_at_r.toFixed(4)}  ` +
        `(${m.queries} queries, gallery ${m.gallery})`,
    );
    if (v.json) output(JSON.stringify(m));
    return 0;
  },
};
