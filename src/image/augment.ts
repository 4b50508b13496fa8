/**
 * Random augmented views of a training photo, for caching backbone features of several views per
 * photo: a random resized crop, a horizontal flip and a colour jitter, as in the usual ImageNet
 * training recipe (Szegedy et al. 2015, "Going deeper with convolutions",
 * https://arxiv.org/abs/1409.4842). The crop follows torchvision's RandomResizedCrop and the
 * jitter its ColorJitter formulas.
 *
 * Every view is deterministic: the same (seed, view) on the same photo gives the same bytes, so a
 * feature cache can be rebuilt or extended exactly. All views come from one decode of the file.
 */
import sharp from 'sharp';
import { invalidParameter } from '../util/errors.js';
import { createRandom, type Random } from '../util/rng.js';
import { checkOutputSide, type DecodedImage } from './decode.js';
import {
  checkPixelLimit,
  decodeGuarded,
  openImage,
  readImageBytes,
  type ImageSource,
} from './source.js';

/** The random choices behind one augmented view, in the coordinates of the working image. */
export interface AugmentParameters {
  /** The crop rectangle, in pixels of the working image (see decodeAugmentedViews). */
  crop: { left: number; top: number; width: number; height: number };
  /** Whether the view is mirrored left–right. */
  flip: boolean;
  /** Brightness factor (multiplies R, G, B), in [1 − jitter, 1 + jitter]. */
  brightness: number;
  /** Contrast factor around the view's mean luma, in [1 − jitter, 1 + jitter]. */
  contrast: number;
  /** Saturation factor (blend of each pixel with its own luma), in [1 − jitter, 1 + jitter]. */
  saturation: number;
}

/** How views are drawn. Every field has the default of the usual training recipe. */
export interface AugmentSettings {
  /** Range of the crop's area as a fraction of the photo's area. Default [0.6, 1]. */
  scale?: readonly [number, number];
  /** Range of the crop's aspect ratio (width / height), drawn log-uniformly. Default [3/4, 4/3]. */
  ratio?: readonly [number, number];
  /** Probability of a mirrored view, 0–1. Default 0.5. */
  flipProbability?: number;
  /** Largest relative change of brightness, contrast and saturation, 0–1. Default 0.2
   * (each factor is drawn uniformly from [0.8, 1.2]). */
  jitter?: number;
}

/** Options of decodeAugmentedViews. */
export interface AugmentViewsOptions extends AugmentSettings {
  /** Output width in pixels, an integer 1–8192. Default 224. */
  width?: number;
  /** Output height in pixels, an integer 1–8192. Default 224. */
  height?: number;
  /** The random seed of the run, an integer; a different seed gives different views. */
  seed: number;
  /** Which views to produce, each an integer ≥ 0; view v of seed s is always the same view. */
  views: readonly number[];
  /** Decode pixel limit, as in DecodeOptions. Default 64 000 000. */
  limitInputPixels?: number;
}

/** Options of decodeAugmented: one view. */
export interface AugmentOptions extends Omit<AugmentViewsOptions, 'views'> {
  /** Which view, an integer ≥ 0. */
  view: number;
}

/** One augmented view and the random choices that made it. */
export interface AugmentedView extends DecodedImage {
  view: number;
  parameters: AugmentParameters;
}

/** Resolved AugmentSettings. */
type ResolvedSettings = Required<AugmentSettings>;

/** Tries of the crop rejection sampling before falling back to a centre crop (as torchvision). */
const CROP_ATTEMPTS = 10;

/** The working image's shorter side, as a multiple of the output's longer side (see below). */
const WORKING_FACTOR = 1.5;

function checkRange(name: string, value: unknown, low: number, high: number): [number, number] {
  const valid =
    Array.isArray(value) &&
    value.length === 2 &&
    value.every((v) => typeof v === 'number' && Number.isFinite(v)) &&
    value[0] <= value[1] &&
    value[0] >= low &&
    value[1] <= high;
  if (!valid) invalidParameter(name, `[min, max] with ${low} <= min <= max <= ${high}`, value);
  return [value[0], value[1]];
}

function checkFraction(name: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || value > 1) {
    invalidParameter(name, 'a number from 0 to 1', value);
  }
  return value;
}

function checkViewIndex(name: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
    invalidParameter(name, 'an integer ≥ 0', value);
  }
  return value;
}

/** Validates AugmentSettings and fills in the defaults. */
export function resolveAugmentSettings(settings: AugmentSettings = {}): ResolvedSettings {
  const scale = checkRange('scale', settings.scale ?? [0.6, 1], Number.MIN_VALUE, 1);
  const ratio = checkRange('ratio', settings.ratio ?? [3 / 4, 4 / 3], Number.MIN_VALUE, Infinity);
  return {
    scale,
    ratio,
    flipProbability: checkFraction('flipProbability', settings.flipProbability ?? 0.5),
    jitter: checkFraction('jitter', settings.jitter ?? 0.2),
  };
}

/** A 32-bit seed for view `view` of run `seed` (a murmur3-style finaliser over both). */
function viewSeed(seed: number, view: number): number {
  let h = (Math.imul(seed >>> 0, 0x9e3779b1) ^ Math.imul(view + 1, 0x85ebca6b)) >>> 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

function uniform(random: Random, low: number, high: number): number {
  return low + (high - low) * random();
}

function randomCrop(
  random: Random,
  width: number,
  height: number,
  settings: ResolvedSettings,
): AugmentParameters['crop'] {
  const area = width * height;
  const logLow = Math.log(settings.ratio[0]);
  const logHigh = Math.log(settings.ratio[1]);
  for (let attempt = 0; attempt < CROP_ATTEMPTS; attempt++) {
    const targetArea = area * uniform(random, settings.scale[0], settings.scale[1]);
    const aspect = Math.exp(uniform(random, logLow, logHigh));
    const w = Math.round(Math.sqrt(targetArea * aspect));
    const h = Math.round(Math.sqrt(targetArea / aspect));
    if (w > 0 && h > 0 && w <= width && h <= height) {
      const top = Math.floor(random() * (height - h + 1));
      const left = Math.floor(random() * (width - w + 1));
      return { left, top, width: w, height: h };
    }
  }
  const inRatio = width / height;
  let w = width;
  let h = height;
  if (inRatio < settings.ratio[0]) h = Math.max(1, Math.round(width / settings.ratio[0]));
  else if (inRatio > settings.ratio[1]) w = Math.max(1, Math.round(height * settings.ratio[1]));
  return {
    left: Math.floor((width - w) / 2),
    top: Math.floor((height - h) / 2),
    width: w,
    height: h,
  };
}

/**
 * The random choices of view `view` of run `seed` on an image of width × height pixels: a crop of
 * `scale` × the area with an aspect ratio in `ratio` (10 tries, then the largest centre crop
 * within `ratio`), a flip with probability `flipProbability`, and brightness, contrast and
 * saturation factors uniform in [1 − jitter, 1 + jitter]. A pure function of its arguments.
 */
export function augmentParameters(
  seed: number,
  view: number,
  width: number,
  height: number,
  settings: AugmentSettings = {},
): AugmentParameters {
  const resolved = resolveAugmentSettings(settings);
  const random = createRandom(viewSeed(seed, view));
  const crop = randomCrop(random, width, height, resolved);
  const flip = random() < resolved.flipProbability;
  const j = resolved.jitter;
  const brightness = uniform(random, 1 - j, 1 + j);
  const contrast = uniform(random, 1 - j, 1 + j);
  const saturation = uniform(random, 1 - j, 1 + j);
  return { crop, flip, brightness, contrast, saturation };
}

/** Luma weights of ITU-R BT.601, as in torchvision's rgb_to_grayscale. */
const LUMA_R = 0.299;
const LUMA_G = 0.587;
const LUMA_B = 0.114;

/** Brightness, contrast and saturation factors (1 = unchanged). */
export type ColourFactors = Pick<AugmentParameters, 'brightness' | 'contrast' | 'saturation'>;

/**
 * Colour jitter as torchvision's ColorJitter computes it, in this fixed order on each pixel's
 * R, G, B (all 0–255, clamped to 0–255 after each step, rounded once at the end):
 * 1. brightness: v × brightness;
 * 2. contrast: blend with the image's mean luma m (after step 1):
 *    v × contrast + m × (1 − contrast);
 * 3. saturation: blend with the pixel's own luma y: v × saturation + y × (1 − saturation);
 * luma being 0.299 R + 0.587 G + 0.114 B. Returns a new image; plain loops, about 1 ms for
 * 224 × 224 (sharp's modulate and linear take several times longer for the same job).
 */
export function colourJitter(image: DecodedImage, factors: ColourFactors): DecodedImage {
  const { data, width, height } = image;
  const { brightness, contrast, saturation } = factors;
  const pixels = width * height;

  let lumaSum = 0;
  for (let i = 0; i < data.length; i += 3) {
    const r = Math.min(255, data[i] * brightness);
    const g = Math.min(255, data[i + 1] * brightness);
    const b = Math.min(255, data[i + 2] * brightness);
    lumaSum += LUMA_R * r + LUMA_G * g + LUMA_B * b;
  }
  const offset = pixels === 0 ? 0 : (1 - contrast) * (lumaSum / pixels);

  const out = new Uint8Array(data.length);
  for (let i = 0; i < data.length; i += 3) {
    let r = Math.min(255, data[i] * brightness) * contrast + offset;
    let g = Math.min(255, data[i + 1] * brightness) * contrast + offset;
    let b = Math.min(255, data[i + 2] * brightness) * contrast + offset;
    r = r < 0 ? 0 : r > 255 ? 255 : r;
    g = g < 0 ? 0 : g > 255 ? 255 : g;
    b = b < 0 ? 0 : b > 255 ? 255 : b;
    const y = (LUMA_R * r + LUMA_G * g + LUMA_B * b) * (1 - saturation);
    r = r * saturation + y;
    g = g * saturation + y;
    b = b * saturation + y;
    out[i] = r <= 0 ? 0 : r >= 255 ? 255 : (r + 0.5) | 0;
    out[i + 1] = g <= 0 ? 0 : g >= 255 ? 255 : (g + 0.5) | 0;
    out[i + 2] = b <= 0 ? 0 : b >= 255 ? 255 : (b + 0.5) | 0;
  }
  return { data: out, width, height };
}

/**
 * Decodes several augmented views of one photo from a single decode of the file.
 *
 * The photo is decoded once (EXIF-oriented, sRGB, alpha on white) into a working image whose
 * shorter side is 1.5 × the output's longer side (never enlarged; 336 pixels for a 224 output),
 * so that even the smallest crop is still downsampled to the output. Each view then crops the
 * working image, resizes the crop to width × height (stretching) and mirrors it if drawn (one
 * sharp pipeline on the raw working pixels), then applies colourJitter.
 *
 * Throws BadImageError when the file cannot be decoded.
 */
export async function decodeAugmentedViews(
  source: ImageSource,
  options: AugmentViewsOptions,
): Promise<AugmentedView[]> {
  if (typeof options !== 'object' || options === null) {
    invalidParameter('augment options', 'an object with seed and views', options);
  }
  const width = checkOutputSide('width', options.width);
  const height = checkOutputSide('height', options.height);
  if (typeof options.seed !== 'number' || !Number.isSafeInteger(options.seed)) {
    invalidParameter('seed', 'an integer', options.seed);
  }
  if (!Array.isArray(options.views))
    invalidParameter('views', 'a list of view numbers', options.views);
  options.views.forEach((v, i) => checkViewIndex(`views[${i}]`, v));
  const settings = resolveAugmentSettings(options);
  const limit = checkPixelLimit(options.limitInputPixels);

  const image = await readImageBytes(source);
  const side = Math.ceil(WORKING_FACTOR * Math.max(width, height));
  const working = await decodeGuarded(image, limit, () =>
    openImage(image, limit)
      .autoOrient()
      .resize(side, side, { fit: 'outside', withoutEnlargement: true })
      .flatten({ background: { r: 255, g: 255, b: 255 } })
      .toColourspace('srgb')
      .raw()
      .toBuffer({ resolveWithObject: true }),
  );
  const raw = { width: working.info.width, height: working.info.height, channels: 3 as const };

  const views: AugmentedView[] = [];
  for (const view of options.views) {
    const parameters = augmentParameters(options.seed, view, raw.width, raw.height, settings);
    const { brightness, contrast, saturation, flip, crop } = parameters;
    const { data, info } = await sharp(working.data, { raw })
      .extract(crop)
      .resize(width, height, { fit: 'fill' })
      .flop(flip)
      .raw()
      .toBuffer({ resolveWithObject: true });
    if (info.channels !== 3 || info.width !== width || info.height !== height) {
      throw new Error(
        `${image.name}: augmented view ${view} came out ${info.width}×${info.height}`,
      );
    }
    const jittered = colourJitter({ data, width, height }, { brightness, contrast, saturation });
    views.push({ ...jittered, view, parameters });
  }
  return views;
}

/**
 * Decodes one augmented view: view `view` of run `seed`, width × height 8-bit sRGB (HWC).
 * Equal to the matching element of decodeAugmentedViews; to get several views of a photo, call
 * that instead so the file is decoded once.
 */
export async function decodeAugmented(
  source: ImageSource,
  options: AugmentOptions,
): Promise<AugmentedView> {
  if (typeof options !== 'object' || options === null) {
    invalidParameter('augment options', 'an object with seed and view', options);
  }
  const { view, ...rest } = options;
  checkViewIndex('view', view);
  const [result] = await decodeAugmentedViews(source, { ...rest, views: [view] });
  return result;
}
