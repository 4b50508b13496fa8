/** `samebike group`: photos (and ads) grouped into bikes, with the within-ad check. */
import { resolve } from 'node:path';
import type { ClusteringMethod } from '../../group/graph.js';
import type { OnBadImage } from '../../image/bad-images.js';
import type { ScalarKind } from '../../index/store.js';
import { readTruthColumn, runGroup } from '../../pipeline/group.js';
import { loadModel } from '../../pipeline/model.js';
import { loadPhotos } from '../../pipeline/photos.js';
import { SamebikeError } from '../../util/errors.js';
import { output } from '../../util/log.js';
import type { Command } from '../command.js';
import {
  batchOption,
  configOption,
  dataOption,
  imagesOption,
  jsonOption,
  modelOption,
  onBadImageOption,
  scalarOption,
  workersOption,
} from '../common.js';

export const groupCommand: Command = {
  name: 'group',
  summary: 'group photos into bikes: reposts across ads, photos that do not fit their ad',
  description:
    "Embeds the photos, adds them to a search index (--index, default OUT/index) and builds a similarity graph from each photo's nearest neighbours. " +
    "With ad ids (--data): groups of ads whose photos show the same bike (reposts, duplicates), and within each ad a score per photo (its median similarity to the ad's other photos) with a flag for photos that do not fit (another bike, a stock picture). " +
    'Without (--images alone): groups of photos, one per bike. ' +
    'Thresholds come from the model unless given: samebike train calibrates the grouping thresholds to grouping.target_precision and the flag threshold to grouping.false_flag_rate. ' +
    "Writes OUT/groups.csv (one row per photo: image,group, plus ad,score,flag with ad ids), OUT/groups.json (each group's members and scores, and each ad's best match) and OUT/metrics.json, which compares connected components and average linkage: group counts, and with --truth-column pairwise precision, recall, F1 and adjusted Rand index.",
  options: [
    modelOption,
    dataOption,
    imagesOption,
    {
      name: 'out',
      kind: 'path',
      placeholder: 'DIR',
      default: 'groups',
      doc: 'Output folder for groups.csv, groups.json and metrics.json (created if missing).',
    },
    {
      name: 'index',
      kind: 'path',
      placeholder: 'DIR',
      doc: 'Search index to add the photos to and take neighbours from (default OUT/index). Photos it holds besides these are not grouped.',
    },
    {
      name: 'threshold',
      kind: 'number',
      placeholder: 'X',
      min: -1,
      max: 1,
      doc: "Photo threshold (cosine similarity, usually 0.5–0.9): photos at least this similar show one bike. Default: the model's calibrated threshold.",
    },
    {
      name: 'flag-threshold',
      kind: 'number',
      placeholder: 'X',
      min: -1,
      max: 1,
      doc: "Within-ad flag threshold (cosine similarity, usually 0.2–0.6): a photo whose median similarity to the other photos of its ad is below it does not fit the ad. Default: the model's calibrated flag threshold (grouping.false_flag_rate), else the photo threshold.",
    },
    {
      name: 'ad-threshold',
      kind: 'number',
      placeholder: 'X',
      min: -1,
      max: 1,
      doc: "Ad threshold (cosine similarity of the ads' best photo matches, usually 0.6–0.9): ads at least this similar show one bike. Default: the model's calibrated ad threshold.",
    },
    {
      name: 'clustering',
      kind: 'choice',
      choices: ['components', 'average'],
      doc: "Clustering written to the outputs: connected components of the thresholded graph (one strong edge joins two groups) or average linkage (groups join while their average similarity stays above the threshold). Default: the model's grouping.clustering (average). metrics.json reports both.",
    },
    {
      name: 'truth-column',
      kind: 'string',
      placeholder: 'NAME',
      doc: 'Column of --data holding the true bike id of each photo (e.g. one id for an ad and its repost): metrics.json then scores photo groups and ad groups of both clusterings against it.',
    },
    {
      name: 'inject-foreign',
      kind: 'number',
      placeholder: 'RATE',
      min: 0,
      max: 0.5,
      doc: 'Evaluation: move this share of photos (usually 0.05–0.2) into other ads before grouping, list them in OUT/injected.csv, and score the within-ad flags against them (precision and recall in metrics.json). Needs --data.',
    },
    {
      name: 'seed',
      kind: 'integer',
      placeholder: 'N',
      min: 0,
      default: 1,
      doc: 'Seed of --inject-foreign: which photos move, and into which ads.',
    },
    scalarOption,
    batchOption,
    {
      ...configOption,
      doc: 'YAML settings for --model pretrained (image size, pooling, grouping.neighbors, grouping.clustering); a trained model brings its own.',
    },
    workersOption,
    onBadImageOption,
    { ...jsonOption, doc: 'Print metrics.json as one JSON object on the last line of stdout.' },
  ],
  examples: [
    'samebike group --model run/ --data ads.csv --images photos/ --out groups/',
    'samebike group --model run/ --images folder/ --out groups/ --clustering components',
    'samebike group --model run/ --data test.csv --images photos/ --out eval/ --truth-column bike --inject-foreign 0.1',
  ],
  async run(v) {
    const data = v.data as string | undefined;
    const truthColumn = v['truth-column'] as string | undefined;
    if (truthColumn !== undefined && data === undefined) {
      throw new SamebikeError(
        '--truth-column is read from the labels CSV, but --data is missing',
        'pass --data CSV with a column holding the true bike id of each photo',
      );
    }
    const model = loadModel(v.model as string, v.config as string | undefined);
    const photos = loadPhotos({ data, images: v.images as string }, model.settings.settings);
    const inject = v['inject-foreign'] as number | undefined;
    const result = await runGroup({
      photos,
      model,
      out: resolve(v.out as string),
      index: v.index as string | undefined,
      scalar: v.scalar as ScalarKind | undefined,
      threshold: v.threshold as number | undefined,
      adThreshold: v['ad-threshold'] as number | undefined,
      flagThreshold: v['flag-threshold'] as number | undefined,
      clustering: v.clustering as ClusteringMethod | undefined,
      truth:
        truthColumn === undefined || data === undefined
          ? undefined
          : { column: truthColumn, bikes: readTruthColumn(data, truthColumn, photos) },
      injectForeign: inject === undefined ? undefined : { rate: inject, seed: v.seed as number },
      batchSize: v.batch as number,
      workers: v.workers as number | undefined,
      onBadImage: v['on-bad-image'] as OnBadImage,
    });
    if (v.json) output(JSON.stringify({ out: result.out, ...result.metrics }));
    return 0;
  },
};
