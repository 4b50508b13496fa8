/**
 * Demo data: procedural "marketplace ads" of bicycles, with no outside data. Each ad is one bike
 * (bike.ts) photographed 3–8 times by its seller in one place (scene.ts, photo.ts).
 * `generateDemoData` writes `images/<ad>/<n>.jpg`, `ads.csv` and `labels.csv` (`image,label`).
 *
 * The output depends only on the options: the same seed gives the same bytes, and ad i is the
 * same bike whatever the number of ads. A run that was interrupted completes on a rerun: images
 * are written atomically, existing complete images are kept, and labels.csv is written last.
 *
 * This folder imports only util/ and sharp.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { describeValue, invalidParameter, SamebikeError } from '../util/errors.js';
import { writeFileAtomic } from '../util/fs.js';
import { debug, info } from '../util/log.js';
import { Progress } from '../util/progress.js';
import { formatCsv } from '../util/csv.js';
import { randomBike, similarBike, type BikeSpec } from './bike.js';
import { planPhotos, renderPhoto, type PhotoPlan } from './photo.js';
import { chance, streamRandom } from './random.js';
import { randomScene, type SceneSpec } from './scene.js';

/** Options of `generateDemoData`. */
export interface DemoOptions {
  /**
   * Number of ads, i.e. distinct bikes (labels). An integer ≥ 1. 100 ads (about 550 photos at
   * 480×360) take about 25 s of CPU.
   */
  ads: number;
  /** Output folder; created if missing. It must be empty or hold an earlier run's output. */
  outDir: string;
  /** Seed of every random choice, an integer from 0 to 4294967295. Default 1. */
  seed?: number;
  /** Fewest and most photos per ad, integers with 1 ≤ min ≤ max ≤ 50. Default [3, 8]. */
  photosPerAd?: readonly [number, number];
  /** Photo width in pixels, 64–4096. Default 480. */
  width?: number;
  /** Photo height in pixels, 64–4096. Default 360. */
  height?: number;
}

/** What `generateDemoData` wrote. */
export interface DemoResult {
  /** Path of labels.csv (`image,label`; image is relative to `imagesDir`). */
  labelsCsv: string;
  /** Folder that holds one sub-folder of photos per ad. */
  imagesDir: string;
  /** Number of photos. */
  images: number;
  /** Number of ads. */
  ads: number;
}

/** One planned ad: its label, bike, scene and shot list. */
export interface DemoAd {
  /** The ad id used as label, e.g. `ad-0007`. */
  label: string;
  bike: BikeSpec;
  scene: SceneSpec;
  photos: PhotoPlan[];
  /** Label of the earlier ad whose bike this one is a similar model of (same type and colour). */
  similarTo?: string;
}

/** Chance that an ad's bike is a "similar model" of an earlier ad's bike (hard negatives). */
export const SIMILAR_MODEL_RATE = 0.08;

/** Changes whenever the drawing changes, so that a rerun never mixes two generators' images. */
const GENERATOR = 'samebike-demo/1';

const OPTION_NAMES = ['ads', 'outDir', 'seed', 'photosPerAd', 'width', 'height'];

/** Random streams per ad, one per purpose, so each purpose can change without moving the others. */
const STREAM = { similar: 0, bike: 1, scene: 2, photos: 3 } as const;

/** The label of the ad with 0-based index `index`: `ad-0001`, `ad-0002`, ... */
export function demoAdLabel(index: number): string {
  return `ad-${String(index + 1).padStart(4, '0')}`;
}

function isInteger(value: unknown, low: number, high: number): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= low && value <= high;
}

/**
 * Checks the options and fills in the defaults. Errors name the option, what was expected and
 * what arrived, e.g. `ads: expected an integer ≥ 1, got 0 (number)`.
 */
export function resolveDemoOptions(options: DemoOptions): Required<DemoOptions> {
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    invalidParameter('options', 'an object such as { ads: 100, outDir: "demo" }', options);
  }
  for (const key of Object.keys(options)) {
    if (!OPTION_NAMES.includes(key)) {
      throw new SamebikeError(
        `options: unknown option ${JSON.stringify(key)}; ` +
          `expected one of ${OPTION_NAMES.join(', ')}`,
      );
    }
  }
  const { ads, outDir, seed = 1, photosPerAd = [3, 8], width = 480, height = 360 } = options;
  if (!isInteger(ads, 1, Number.MAX_SAFE_INTEGER)) invalidParameter('ads', 'an integer ≥ 1', ads);
  if (typeof outDir !== 'string' || outDir.trim() === '') {
    invalidParameter('outDir', 'a folder path (a non-empty string)', outDir);
  }
  if (!isInteger(seed, 0, 4294967295))
    invalidParameter('seed', 'an integer from 0 to 4294967295', seed);
  if (
    !Array.isArray(photosPerAd) ||
    photosPerAd.length !== 2 ||
    !isInteger(photosPerAd[0], 1, 50) ||
    !isInteger(photosPerAd[1], photosPerAd[0], 50)
  ) {
    const expected = '[min, max] with integers 1 ≤ min ≤ max ≤ 50';
    invalidParameter('photosPerAd', expected, photosPerAd);
  }
  if (!isInteger(width, 64, 4096))
    invalidParameter('width', 'an integer from 64 to 4096 (pixels)', width);
  if (!isInteger(height, 64, 4096))
    invalidParameter('height', 'an integer from 64 to 4096 (pixels)', height);
  return { ads, outDir, seed, photosPerAd: [photosPerAd[0], photosPerAd[1]], width, height };
}

/**
 * Plans the ads without drawing anything: bikes, scenes and shot lists. Ad i depends only on the
 * seed, on `photosPerAd` (its number of photos) and, for a similar model, on the earlier ad it
 * resembles, so a larger `ads` adds ads without changing the first ones.
 */
export function planDemoAds(options: DemoOptions): DemoAd[] {
  const { ads, seed, photosPerAd } = resolveDemoOptions(options);
  const planned: DemoAd[] = [];
  for (let i = 0; i < ads; i++) {
    const similar = streamRandom(seed, i, STREAM.similar);
    const bikeRandom = streamRandom(seed, i, STREAM.bike);
    let bike: BikeSpec;
    let similarTo: number | undefined;
    if (i > 0 && chance(similar, SIMILAR_MODEL_RATE)) {
      similarTo = Math.floor(similar() * i);
      bike = similarBike(bikeRandom, planned[similarTo].bike);
    } else {
      bike = randomBike(bikeRandom);
    }
    const scene = randomScene(streamRandom(seed, i, STREAM.scene));
    const photoRandom = streamRandom(seed, i, STREAM.photos);
    const count =
      photosPerAd[0] + Math.floor(photoRandom() * (photosPerAd[1] - photosPerAd[0] + 1));
    planned.push({
      label: demoAdLabel(i),
      bike,
      scene,
      photos: planPhotos(photoRandom, count, scene),
      similarTo: similarTo === undefined ? undefined : demoAdLabel(similarTo),
    });
  }
  return planned;
}

/** True when a file holds a whole JPEG (starts with SOI and ends with EOI). */
function isCompleteJpeg(path: string): boolean {
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch {
    return false;
  }
  const n = bytes.length;
  return (
    n > 4 &&
    bytes[0] === 0xff &&
    bytes[1] === 0xd8 &&
    bytes[n - 2] === 0xff &&
    bytes[n - 1] === 0xd9
  );
}

/** Writes demo.json, or checks that an earlier run in the same folder used the same settings. */
function claimFolder(outDir: string, settings: Record<string, unknown>): void {
  const manifestPath = join(outDir, 'demo.json');
  const manifest = `${JSON.stringify(settings, null, 2)}\n`;
  if (existsSync(manifestPath)) {
    const earlier = readFileSync(manifestPath, 'utf8');
    if (earlier === manifest) return;
    let parsed: Record<string, unknown> = {};
    try {
      parsed = JSON.parse(earlier) as Record<string, unknown>;
    } catch {
      // An unreadable manifest differs in every setting.
    }
    const differences = Object.keys(settings)
      .filter((key) => JSON.stringify(parsed[key]) !== JSON.stringify(settings[key]))
      .map(
        (key) => `${key} was ${describeValue(parsed[key])}, now ${describeValue(settings[key])}`,
      );
    throw new SamebikeError(
      `${outDir}: holds demo data made with other settings (${differences.join('; ')})`,
      'delete the folder, choose another output folder, or rerun with the earlier settings',
    );
  }
  for (const name of ['labels.csv', 'images']) {
    if (existsSync(join(outDir, name))) {
      throw new SamebikeError(
        `${outDir}: already has ${name} but no demo.json, ` +
          'so it was not written by the demo generator',
        'choose an empty or new output folder',
      );
    }
  }
  writeFileAtomic(manifestPath, manifest);
}

/** Removes temporary files an interrupted atomic write left in a folder. */
function removeLeftovers(folder: string): void {
  for (const name of readdirSync(folder)) {
    if (name.endsWith('.tmp')) unlinkSync(join(folder, name));
  }
}

/**
 * Generates demo ads: `ads` procedural bikes, each photographed `photosPerAd` times (whole views
 * from both sides, three-quarter views, close-ups of parts) in its own scene, as JPEGs under
 * `outDir/images/<ad>/<n>.jpg`, then `outDir/ads.csv` (`label,type,colour,similar_to`: the bike
 * type, colour family and the earlier ad it is a similar model of) and `outDir/labels.csv`
 * (`image,label`). About 8% of ads are similar models of an earlier ad (same type and colour
 * family, different details); with the marketplace-like colour shares, about 3–5% of all ad pairs
 * share type and colour family, the hard negatives of a real marketplace.
 *
 * Deterministic: the same options give the same bytes on the same machine (fonts and the
 * librsvg/libjpeg builds can differ between machines). Resumable: a rerun with the same options
 * keeps complete images and writes the missing ones; other options are refused (demo.json).
 *
 * @example
 * const demo = await generateDemoData({ ads: 100, outDir: 'demo' });
 * // demo.labelsCsv === 'demo/labels.csv', demo.images ≈ 550
 */
export async function generateDemoData(options: DemoOptions): Promise<DemoResult> {
  const resolved = resolveDemoOptions(options);
  const { outDir, seed, photosPerAd, width, height } = resolved;
  mkdirSync(outDir, { recursive: true });
  claimFolder(outDir, {
    generator: GENERATOR,
    seed,
    ads: resolved.ads,
    photosPerAd,
    width,
    height,
  });

  const ads = planDemoAds(resolved);
  const imagesDir = join(outDir, 'images');
  const total = ads.reduce((sum, ad) => sum + ad.photos.length, 0);
  const progress = new Progress('demo', total, 'img');
  const labelRows: string[][] = [];
  let reused = 0;
  for (const ad of ads) {
    const folder = join(imagesDir, ad.label);
    mkdirSync(folder, { recursive: true });
    removeLeftovers(folder);
    for (let n = 1; n <= ad.photos.length; n++) {
      const path = join(folder, `${n}.jpg`);
      if (isCompleteJpeg(path)) {
        reused++;
      } else {
        writeFileAtomic(
          path,
          await renderPhoto(ad.bike, ad.scene, ad.photos[n - 1], width, height),
        );
      }
      labelRows.push([`${ad.label}/${n}.jpg`, ad.label]);
      progress.tick();
    }
  }

  const adRows = ads.map((ad) => [
    ad.label,
    ad.bike.type,
    ad.bike.colourFamily,
    ad.similarTo ?? '',
  ]);
  writeFileAtomic(
    join(outDir, 'ads.csv'),
    formatCsv(['label', 'type', 'colour', 'similar_to'], adRows),
  );
  const labelsCsv = join(outDir, 'labels.csv');
  writeFileAtomic(labelsCsv, formatCsv(['image', 'label'], labelRows));
  if (reused > 0) info(`demo: kept ${reused} complete photos from an earlier run in ${outDir}`);
  debug(`demo: ${total} photos of ${ads.length} ads in ${imagesDir}`);
  return { labelsCsv, imagesDir, images: total, ads: ads.length };
}
