/**
 * The `demo` job: everything samebike does, on demo ads it draws itself, so that a fresh clone
 * shows the whole flow without outside data. It generates ads, trains and evaluates a model
 * (OUT/run, with report.html), builds a search index over the photos (OUT/index) and groups them
 * into bikes (OUT/groups), scoring the groups against the ads the generator drew.
 */
import { join } from 'node:path';
import { loadLabelledDataset } from '../data/dataset.js';
import { generateDemoData } from '../demo/index.js';
import { info, warn } from '../util/log.js';
import { runGroup, type GroupOutcome } from './group.js';
import { loadModel } from './model.js';
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
  /** The grouping; absent when training could not calibrate the thresholds. */
  group?: GroupOutcome;
  data: string;
}

/** Runs the demo: draws ads, trains, evaluates, indexes and groups; see the file header. */
export async function runDemo(job: DemoJob): Promise<DemoOutcome> {
  const dataDir = join(job.out, 'data');
  info(`demo 1/3: drawing ${job.ads} bicycle ads into ${dataDir}`);
  const data = await generateDemoData({ ads: job.ads, outDir: dataDir, seed: job.seed });
  const { items } = loadLabelledDataset({ csv: data.labelsCsv, images: data.imagesDir });
  info('demo 2/3: training and evaluating a model');
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

  const runDir = join(job.out, 'run');
  const model = loadModel(runDir);
  let group: GroupOutcome | undefined;
  if (model.grouping?.ads) {
    info(`demo 3/3: indexing the photos (${join(job.out, 'index')}) and grouping them`);
    const bikes = new Map(items.map((item) => [item.image, item.label as string]));
    group = await runGroup({
      photos: items,
      model,
      out: join(job.out, 'groups'),
      index: join(job.out, 'index'),
      truth: { column: 'label', bikes },
      workers: job.workers,
      onBadImage: 'fail',
    });
  } else {
    warn('demo 3/3 skipped: training calibrated no grouping thresholds (too few held-out photos)');
  }
  info(`demo done: open ${join(runDir, 'report.html')}`);
  return { train, group, data: dataDir };
}
