/** `samebike demo-data`: procedurally drawn bicycle ads, so a fresh clone needs no outside data. */
import { resolve } from 'node:path';
import { generateDemoData } from '../../demo/index.js';
import { info, output } from '../../util/log.js';
import type { Command } from '../command.js';
import { jsonOption } from '../common.js';

export const demoDataCommand: Command = {
  name: 'demo-data',
  summary: 'draw demo bicycle ads: photos plus a labels CSV',
  description:
    'Draws a bicycle per ad (frame type and geometry, colours, decals, wheels, saddle, bars, accessories), puts it in a scene of its own and photographs it like a seller: both sides, close-ups of parts, varied framing, light and JPEG quality. ' +
    'Writes OUT/images/<ad>/<n>.jpg and OUT/labels.csv (columns image,label). The same seed gives the same files; an interrupted run completes on rerun.',
  options: [
    {
      name: 'ads',
      kind: 'integer',
      placeholder: 'N',
      min: 1,
      max: 100000,
      default: 40,
      doc: 'Number of ads (bikes) to draw.',
    },
    {
      name: 'out',
      kind: 'path',
      placeholder: 'DIR',
      default: 'demo-data',
      doc: 'Output folder for images/, labels.csv, ads.csv and demo.json (created if missing).',
    },
    {
      name: 'seed',
      kind: 'integer',
      placeholder: 'N',
      min: 0,
      default: 1,
      doc: 'Seed of the drawing; the same seed gives the same photos.',
    },
    {
      name: 'min-photos',
      kind: 'integer',
      placeholder: 'N',
      min: 1,
      max: 50,
      default: 3,
      doc: 'Fewest photos drawn for one ad (each ad gets between this and --max-photos).',
    },
    {
      name: 'max-photos',
      kind: 'integer',
      placeholder: 'N',
      min: 1,
      max: 50,
      default: 8,
      doc: 'Most photos drawn for one ad.',
    },
    jsonOption,
  ],
  examples: ['samebike demo-data --ads 100 --out demo/'],
  async run(v) {
    const out = resolve(v.out as string);
    const result = await generateDemoData({
      ads: v.ads as number,
      outDir: out,
      seed: v.seed as number,
      photosPerAd: [v['min-photos'] as number, v['max-photos'] as number],
    });
    info(
      `wrote ${result.images} photos of ${result.ads} ads to ${out} (labels: ${result.labelsCsv})`,
    );
    if (v.json) output(JSON.stringify(result));
    return 0;
  },
};
