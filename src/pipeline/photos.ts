/** Loading the photos of a job: a labelled CSV with its images folder, or a bare folder. */
import { loadImageFolder, loadLabelledDataset, type DatasetItem } from '../data/dataset.js';
import type { Settings } from '../config/schema.js';
import { warn } from '../util/log.js';

export interface PhotoSource {
  /** The labels CSV; without it every image under `images` is taken, unlabelled. */
  data?: string;
  /** The images folder. */
  images: string;
}

/** Loads and checks the photos; data-set warnings go to the user once each (at most 10 lines). */
export function loadPhotos(source: PhotoSource, settings: Settings): DatasetItem[] {
  if (!source.data) return loadImageFolder(source.images);
  const { items, warnings } = loadLabelledDataset({
    csv: source.data,
    images: source.images,
    imageColumn: settings['data.image_column'] ?? undefined,
    labelColumn: settings['data.label_column'] ?? undefined,
  });
  for (const w of warnings.slice(0, 10)) warn(w);
  if (warnings.length > 10) warn(`... and ${warnings.length - 10} more warnings like these`);
  return items;
}
