/**
 * A small world for the index, search and group tests: demo ads drawn by the generator and a
 * model trained on them in a few seconds (96-px inputs, few epochs), with its own feature cache.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { generateDemoData } from '../../src/demo/index.js';
import { loadLabelledDataset, type DatasetItem } from '../../src/data/dataset.js';
import { runTrain } from '../../src/pipeline/train.js';
import { resolveSettings } from '../../src/pipeline/settings.js';
import { parseCsv } from '../../src/util/csv.js';
import { setQuiet } from '../../src/util/log.js';

export interface PipelineFixture {
  /** Feature cache of every run (pass to `samebike`). */
  cache: string;
  /** labels.csv of the demo ads (image,label). */
  labels: string;
  /** The images folder. */
  images: string;
  /** Settings with 96-px inputs, for --config. */
  config: string;
  /** The trained run folder. */
  run: string;
  /** The photos of labels.csv. */
  photos: DatasetItem[];
}

/**
 * Draws `ads` demo ads into ROOT/data and trains ROOT/run on them (seeded, so every test run
 * gets the same model).
 */
export async function pipelineFixture(root: string, ads = 6): Promise<PipelineFixture> {
  setQuiet(true);
  const cache = join(root, 'cache');
  // The in-process training and the CLI children share the converted backbone and features.
  process.env.SAMEBIKE_CACHE = cache;
  const data = await generateDemoData({
    ads,
    outDir: join(root, 'data'),
    seed: 11,
    photosPerAd: [3, 5],
  });
  const config = join(root, 'settings.yaml');
  writeFileSync(
    config,
    'image:\n  width: 96\n  height: 96\nfeatures:\n  augmented_views: 1\n' +
      'training:\n  epochs: 4\n  seed: 3\nvalidation:\n  validation_size: 0.4\n',
  );
  const { items } = loadLabelledDataset({ csv: data.labelsCsv, images: data.imagesDir });
  const run = join(root, 'run');
  await runTrain({
    photos: items,
    settings: resolveSettings(config),
    out: run,
    onBadImage: 'fail',
  });
  return { cache, labels: data.labelsCsv, images: data.imagesDir, config, run, photos: items };
}

/** A CSV's rows as objects keyed by the header. */
export function readCsvObjects(path: string): Record<string, string>[] {
  const table = parseCsv(readFileSync(path, 'utf8'), path);
  return table.rows.map((row) =>
    Object.fromEntries(table.header.map((name, i) => [name, row.cells[i]])),
  );
}
