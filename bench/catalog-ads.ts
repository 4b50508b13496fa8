/**
 * Builds multi-photo "ads" from single catalog photos, for development and benchmarks on real
 * bicycles. The bike-catalog set (../shared/data/bike-catalog: 146 photos, one per bike, mostly
 * side views on white) has no second photo of any bike, so each ad is made the way sellers'
 * photos differ from each other:
 *
 * - photo 1: the whole bike, re-framed (random scale 70–100 %, offset) in front of a coloured
 *   background (the catalog's white backdrop is keyed out);
 * - the mirror image (the other side of the bike), re-framed;
 * - close-ups: a crop of 35–60 % of the width around the rear wheel, the front, the frame centre;
 * - a tilted view (rotation ±6°) with changed light (brightness 0.75–1.25, saturation 0.7–1.3);
 * - every photo: JPEG quality 60–92, and a small perspective squash (width 85–100 %).
 *
 * - scene `photo` (default): every whole view gets its own background, drawn from six colours;
 *   scene `ad`: one background per ad, the seller's room (see `Scene`).
 *
 * Usage: node dist/bench/catalog-ads.js SOURCE_DIR OUT_DIR [photos per ad, default 6] [seed]
 *   [photo|ad]
 * It writes OUT_DIR/images/<ad>/<n>.jpg and OUT_DIR/labels.csv (image,label), and for the
 * grouping evaluation OUT_DIR/train.csv and OUT_DIR/reposts.csv (see writeGroupingSplit). The photos are
 * derived from files without a stated licence: never commit or ship the output.
 */
import { mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { writeCsv } from '../src/util/csv.js';
import { createRandom, type Random } from '../src/util/rng.js';

const backgrounds: [number, number, number][] = [
  [255, 255, 255],
  [236, 232, 220],
  [205, 214, 222],
  [190, 200, 180],
  [120, 120, 120],
  [60, 64, 70],
];

function between(random: Random, lo: number, hi: number): number {
  return lo + (hi - lo) * random();
}

/** One seller-style photo of the bike in `source`; `kind` picks the recipe. */
async function makePhoto(
  source: Buffer,
  kind: number,
  random: Random,
  scene: [number, number, number] | undefined,
): Promise<Buffer> {
  const meta = await sharp(source).metadata();
  const w = meta.width ?? 400;
  const h = meta.height ?? 225;
  let image = sharp(source).rotate();
  if (kind === 1 || (kind >= 4 && random() < 0.5)) image = image.flop();
  if (kind === 2 || kind === 3 || kind === 5) {
    // A close-up: a crop around a part of the bike.
    const cw = Math.round(w * between(random, 0.35, 0.6));
    const ch = Math.round(Math.min(h, cw * between(random, 0.6, 0.9)));
    const centres = [0.22, 0.5, 0.78];
    const cx = centres[(kind + Math.floor(random() * 3)) % 3] * w;
    const left = Math.max(0, Math.min(w - cw, Math.round(cx - cw / 2)));
    const top = Math.max(0, Math.min(h - ch, Math.round(between(random, 0.2, 0.6) * (h - ch))));
    image = sharp(await image.extract({ left, top, width: cw, height: ch }).toBuffer());
    image = image.resize(Math.round(cw * 1.6), Math.round(ch * 1.6));
  } else {
    // The whole bike, re-framed in front of a background of the seller's room: the catalog's
    // white backdrop becomes transparent (soft edge between 225 and 250 grey) and the bike is
    // placed over the new background.
    const scale = between(random, 0.7, 1);
    const squash = between(random, 0.85, 1);
    const bw = Math.round(w * scale * squash);
    const bh = Math.round(h * scale);
    const { data } = await image
      .resize(bw, bh, { fit: 'fill' })
      .removeAlpha()
      .raw()
      .toBuffer({ resolveWithObject: true });
    const rgba = Buffer.alloc(bw * bh * 4);
    for (let p = 0; p < bw * bh; p++) {
      const lightest = Math.min(data[3 * p], data[3 * p + 1], data[3 * p + 2]);
      const alpha = Math.max(0, Math.min(1, (250 - lightest) / 25));
      rgba[4 * p] = data[3 * p];
      rgba[4 * p + 1] = data[3 * p + 1];
      rgba[4 * p + 2] = data[3 * p + 2];
      rgba[4 * p + 3] = Math.round(alpha * 255);
    }
    const bike = await sharp(rgba, { raw: { width: bw, height: bh, channels: 4 } })
      .png()
      .toBuffer();
    const bg = scene ?? backgrounds[Math.floor(random() * backgrounds.length)];
    const left = Math.round(random() * (w - bw));
    const top = Math.round(random() * (h - bh));
    image = sharp({
      create: { width: w, height: h, channels: 3, background: { r: bg[0], g: bg[1], b: bg[2] } },
    }).composite([{ input: bike, left, top }]);
    image = sharp(await image.png().toBuffer());
  }
  if (kind >= 4) {
    image = sharp(await image.rotate(between(random, -6, 6), { background: '#ffffff' }).toBuffer());
  }
  image = image.modulate({
    brightness: between(random, 0.75, 1.25),
    saturation: between(random, 0.7, 1.3),
  });
  return image.jpeg({ quality: Math.round(between(random, 60, 92)) }).toBuffer();
}

/**
 * Where the whole views are photographed: `photo` draws a background for every photo (the bike
 * is seen in different rooms, the harder case), `ad` one background per ad (a seller photographs
 * one bike in one place, as on a marketplace).
 */
export type Scene = 'photo' | 'ad';

/** Writes the ads; returns the number of photos. */
export async function buildCatalogAds(
  sourceDir: string,
  outDir: string,
  photosPerAd = 6,
  seed = 1,
  scene: Scene = 'photo',
): Promise<number> {
  const files = readdirSync(sourceDir)
    .filter((f) => /\.(jpe?g|png|webp)$/i.test(f))
    .sort();
  if (files.length === 0) {
    throw new Error(
      `catalog-ads: no .jpg, .png or .webp files in ${sourceDir}; give the folder that holds the photos (for the bike catalog: its images/ subfolder)`,
    );
  }
  const rows: string[][] = [];
  for (const [i, file] of files.entries()) {
    const random = createRandom(seed * 100_003 + i);
    const ad = `ad-${String(i + 1).padStart(4, '0')}`;
    mkdirSync(join(outDir, 'images', ad), { recursive: true });
    const source = await sharp(join(sourceDir, file)).toBuffer();
    const adScene =
      scene === 'ad' ? backgrounds[Math.floor(random() * backgrounds.length)] : undefined;
    for (let n = 0; n < photosPerAd; n++) {
      const photo = await makePhoto(source, n, random, adScene);
      const name = `${ad}/${n + 1}.jpg`;
      await sharp(photo).toFile(join(outDir, 'images', name));
      rows.push([name, ad]);
    }
  }
  writeCsv(join(outDir, 'labels.csv'), ['image', 'label'], rows);
  writeGroupingSplit(outDir, rows, HELD_OUT_ADS);
  return rows.length;
}

/** Ads kept out of training for the grouping evaluation (the last ones in file order). */
export const HELD_OUT_ADS = 30;

/**
 * The grouping evaluation's files: train.csv (every ad but the last `heldOut`, to train and
 * calibrate on) and reposts.csv (the last `heldOut` ads, each split into the ad, photos 1, 3, 5,
 * and a made-up repost `<ad>-repost`, photos 2, 4, 6; the column `bike` holds the true bike).
 */
function writeGroupingSplit(outDir: string, rows: string[][], heldOut: number): void {
  const ads = [...new Set(rows.map((r) => r[1]))];
  const held = new Set(ads.slice(Math.max(0, ads.length - heldOut)));
  const train = rows.filter((r) => !held.has(r[1]));
  const reposts = rows
    .filter((r) => held.has(r[1]))
    .map(([image, ad]) => {
      const n = Number(/(\d+)\.jpg$/.exec(image)?.[1] ?? 1);
      return [image, n % 2 === 1 ? ad : `${ad}-repost`, ad];
    });
  writeCsv(join(outDir, 'train.csv'), ['image', 'label'], train);
  writeCsv(join(outDir, 'reposts.csv'), ['image', 'label', 'bike'], reposts);
}

if (process.argv[1]?.endsWith('catalog-ads.js')) {
  const [source, out, perAd, seed, scene] = process.argv.slice(2);
  if (!source || !out || (scene !== undefined && scene !== 'photo' && scene !== 'ad')) {
    console.error(
      'usage: node dist/bench/catalog-ads.js SOURCE_DIR OUT_DIR [photos per ad] [seed] [photo|ad]',
    );
    process.exit(2);
  }
  const n = await buildCatalogAds(
    source,
    out,
    Number(perAd ?? 6),
    Number(seed ?? 1),
    (scene ?? 'photo') as Scene,
  );
  console.log(`wrote ${n} photos to ${out}`);
}
