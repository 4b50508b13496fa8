/**
 * The `demo` job: everything samebike does, on demo ads it draws itself, so that a fresh clone
 * shows the whole flow without outside data. It generates ads, trains and evaluates a model
 * (report.html), builds a search index over the photos and groups them into bikes.
 */
import { join } from 'node:path';
import { loadLabelledDataset } from '../data/dataset.js';
import { generateDemoData } from '../demo/index.js';
import { info } from '../util/log.js';
import { resolveSettings } from './settings.js';
import { runTrain, type TrainOutcome } from './train.js';

export interface DemoJob {
  out: string;
  ads: number;
  seed: number;
  epochs?: number;
  workers?: number;
}

export interface DemoOutcome {
  train: TrainOutcome;
  data: string;
}

export async function runDemo(job: DemoJob): Promise<DemoOutcome> {
  const dataDir = join(job.out, 'data');
  info(`demo 1/2: drawing ${job.ads} bicycle ads into ${dataDir}`);
  const data = await generateDemoData({ ads: job.ads, outDir: dataDir, seed: job.seed });
  const { items } = loadLabelledDataset({ csv: data.labelsCsv, images: data.imagesDir });
  info('demo 2/2: training and evaluating a model');
  const settings = resolveSettings(undefined, {
    'training.seed': job.seed,
    'training.epochs': job.epochs,
  });
  const train = await runTrain({
    photos: items,
    settings,
    out: join(job.out, 'run'),
    workers: job.workers,
    onBadImage: 'fail',
  });
  info(`demo done: open ${join(job.out, 'run', 'report.html')}`);
  return { train, data: dataDir };
}
