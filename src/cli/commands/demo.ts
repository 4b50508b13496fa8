/** `samebike demo`: the whole flow on demo ads drawn by samebike itself. */
import { resolve } from 'node:path';
import { runDemo } from '../../pipeline/demo.js';
import { output } from '../../util/log.js';
import type { Command } from '../command.js';
import { jsonOption, workersOption } from '../common.js';

export const demoCommand: Command = {
  name: 'demo',
  summary:
    'run everything on generated demo ads: data, embeddings, training, report, index, groups',
  description:
    'Draws demo bicycle ads (see demo-data), trains and evaluates a model on them (OUT/run: model, metrics, predictions, report.html), builds a search index over the photos and groups them into bikes. ' +
    'Needs no data and no network; the first run converts the backbone from npm (a few seconds) and caches features, so a rerun is fast.',
  options: [
    {
      name: 'out',
      kind: 'path',
      placeholder: 'DIR',
      default: 'samebike-demo',
      doc: 'Output folder: data/ (the drawn ads), run/ (model and report), index/ (the search index) and groups/ (groups.csv, groups.json, metrics.json).',
    },
    {
      name: 'ads',
      kind: 'integer',
      placeholder: 'N',
      min: 4,
      max: 10000,
      default: 40,
      doc: 'Number of demo ads to draw.',
    },
    {
      name: 'seed',
      kind: 'integer',
      placeholder: 'N',
      min: 0,
      default: 1,
      doc: 'Seed of the drawing and of training.',
    },
    {
      name: 'epochs',
      kind: 'integer',
      placeholder: 'N',
      min: 1,
      max: 1000,
      doc: 'Training epochs (default: training.epochs).',
    },
    workersOption,
    jsonOption,
  ],
  examples: ['samebike demo', 'samebike demo --ads 100 --out /tmp/demo'],
  async run(v) {
    const result = await runDemo({
      out: resolve(v.out as string),
      ads: v.ads as number,
      seed: v.seed as number,
      epochs: v.epochs as number | undefined,
      workers: v.workers as number | undefined,
    });
    if (v.json)
      output(
        JSON.stringify({
          ...result.train.trained,
          zero_shot: result.train.zeroShot,
          out: result.train.out,
          groups: result.group?.out,
          ad_groups: result.group?.metrics.adGroups,
        }),
      );
    return 0;
  },
};
