/**
 * Decoding a photo into the backbone's input: 8-bit sRGB pixels, 3 channels, row-major HWC, at a
 * fixed width × height. Every photo goes through the same steps, whatever its file holds: EXIF
 * orientation applied, any colour space (CMYK, greyscale, an embedded ICC profile, 16-bit) turned
 * into 8-bit sRGB, transparency flattened onto white (onto the pad colour when letterboxing).
 *
 * A variant returns several test-time views (the photo, its mirror image, other input sizes) from
 * one read of the file.
 */
import sharp, { type FitEnum } from 'sharp';
import { invalidParameter } from '../util/errors.js';
import {
  checkPixelLimit,
  decodeGuarded,
  openImage,
  readImageBytes,
  type ImageBytes,
  type ImageSource,
} from './source.js';

/**
 * How a photo is brought to the output size:
 * - `fill`: stretch to exactly width × height (the aspect ratio changes);
 * - `pad`: scale to fit inside and letterbox the rest with `padColour`;
 * - `crop`: scale to cover and cut the centre out.
 */
export type Fit = 'fill' | 'pad' | 'crop';

/** An sRGB colour as [red, green, blue], each an integer 0–255. */
export type Rgb = readonly [number, number, number];

/** Options of decodeImage and decodeImageViews. */
export interface DecodeOptions {
  /** Output width in pixels, an integer 1–8192. Default 224 (usual 224–512). */
  width?: number;
  /** Output height in pixels, an integer 1–8192. Default 224 (usual 224–512). */
  height?: number;
  /** How the photo is brought to width × height. Default 'fill'. */
  fit?: Fit;
  /** Letterbox colour for fit 'pad', also the background under transparency there. Default
   * mid-grey [128, 128, 128]. */
  padColour?: Rgb;
  /** Mirror the output left–right. Default false. */
  flip?: boolean;
  /** Photos with more pixels (width × height as stored) are rejected as bad images
   * (`too-many-pixels`) before decoding. Default 64 000 000. */
  limitInputPixels?: number;
}

/** Every DecodeOptions field, resolved to its value or default. */
export type ResolvedDecodeOptions = Required<DecodeOptions>;

/** Decoded pixels: 8-bit sRGB, 3 channels, row-major height × width × 3 (HWC). */
export interface DecodedImage {
  /** width * height * 3 bytes: R, G, B of the top-left pixel first, rows top to bottom. */
  data: Uint8Array;
  width: number;
  height: number;
}

/** One test-time view of a photo. */
export interface DecodedView extends DecodedImage {
  /** The size multiplier this view was decoded at (1 = the requested width × height). */
  scale: number;
  /** True for the mirror image. */
  flipped: boolean;
}

/** Options of decodeImageViews: the decode options plus which views to return. */
export interface ViewOptions extends Omit<DecodeOptions, 'flip'> {
  /** Size multipliers, each 0.25–4: a view is decoded at round(width × s) × round(height × s)
   * for each. Default [1]. */
  scales?: readonly number[];
  /** Also return the mirror image of every scale. Default true. */
  mirror?: boolean;
}

/** Largest accepted output side in pixels. */
const MAX_SIDE = 8192;

const WHITE = { r: 255, g: 255, b: 255 };

const SHARP_FIT: Record<Fit, keyof FitEnum> = { fill: 'fill', pad: 'contain', crop: 'cover' };

/** Checks an output side (width or height): an integer 1–8192, default 224. */
export function checkOutputSide(name: string, value: unknown): number {
  if (value === undefined) return 224;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > MAX_SIDE) {
    invalidParameter(name, `an integer number of pixels from 1 to ${MAX_SIDE}`, value);
  }
  return value;
}

function checkRgb(name: string, value: unknown): Rgb {
  const valid =
    Array.isArray(value) &&
    value.length === 3 &&
    value.every((c) => typeof c === 'number' && Number.isInteger(c) && c >= 0 && c <= 255);
  if (!valid) invalidParameter(name, '[red, green, blue], each an integer 0-255', value);
  return [value[0], value[1], value[2]];
}

/**
 * Validates decode options and fills in the defaults. Errors name the option, what was expected
 * and what arrived, e.g. `fit: expected one of "fill", "pad", "crop", got "stretch" (string)`.
 */
export function resolveDecodeOptions(options: DecodeOptions = {}): ResolvedDecodeOptions {
  if (typeof options !== 'object' || options === null) {
    invalidParameter('decode options', 'an object', options);
  }
  const fit = options.fit ?? 'fill';
  if (fit !== 'fill' && fit !== 'pad' && fit !== 'crop') {
    invalidParameter('fit', 'one of "fill", "pad", "crop"', fit);
  }
  const flip = options.flip ?? false;
  if (typeof flip !== 'boolean') invalidParameter('flip', 'true or false', flip);
  return {
    width: checkOutputSide('width', options.width),
    height: checkOutputSide('height', options.height),
    fit,
    padColour:
      options.padColour === undefined ? [128, 128, 128] : checkRgb('padColour', options.padColour),
    flip,
    limitInputPixels: checkPixelLimit(options.limitInputPixels),
  };
}

/** Runs the decode pipeline on bytes already read: orient, resize, flatten, sRGB, raw bytes. */
async function decodeBytes(
  image: ImageBytes,
  options: ResolvedDecodeOptions,
  width: number,
  height: number,
): Promise<DecodedImage> {
  const [r, g, b] = options.padColour;
  const background = options.fit === 'pad' ? { r, g, b } : WHITE;
  const { data, info } = await decodeGuarded(image, options.limitInputPixels, () =>
    openImage(image, options.limitInputPixels)
      .autoOrient()
      .resize(width, height, { fit: SHARP_FIT[options.fit], position: 'centre', background })
      .flatten({ background })
      .toColourspace('srgb')
      .raw()
      .toBuffer({ resolveWithObject: true }),
  );
  if (info.channels !== 3 || info.width !== width || info.height !== height) {
    throw new Error(
      `${image.name}: sharp returned ${info.width}×${info.height}×${info.channels}, ` +
        `expected ${width}×${height}×3`,
    );
  }
  return { data, width, height };
}

/**
 * Mirrors an image left–right into a new buffer (the input is unchanged).
 * Plain loop over pixels: about 0.1 ms for 224 × 224.
 */
export function flipHorizontal(image: DecodedImage): DecodedImage {
  const { data, width, height } = image;
  const out = new Uint8Array(data.length);
  const stride = width * 3;
  for (let y = 0; y < height; y++) {
    const row = y * stride;
    for (let x = 0; x < width; x++) {
      const from = row + x * 3;
      const to = row + (width - 1 - x) * 3;
      out[to] = data[from];
      out[to + 1] = data[from + 1];
      out[to + 2] = data[from + 2];
    }
  }
  return { data: out, width, height };
}

/**
 * Decodes a photo to width × height 8-bit sRGB (HWC, 3 channels). Throws BadImageError (with a
 * reason: empty, truncated, not-an-image, unsupported-format, too-many-pixels, unreadable) when
 * the file cannot be decoded, and SamebikeError for invalid options.
 *
 * @example
 * const { data, width, height } = await decodeImage('photos/ad7/3.jpg', { fit: 'pad' });
 */
export async function decodeImage(
  source: ImageSource,
  options: DecodeOptions = {},
): Promise<DecodedImage> {
  const resolved = resolveDecodeOptions(options);
  const image = await readImageBytes(source);
  const decoded = await decodeBytes(image, resolved, resolved.width, resolved.height);
  return resolved.flip ? flipHorizontal(decoded) : decoded;
}

/**
 * Decodes several test-time views of one photo, reading the file once: for each scale in
 * `scales` (in order) the photo at round(width × scale) × round(height × scale), followed by its
 * mirror image when `mirror` is true. The mirror is computed from the decoded pixels, so it is
 * exactly the flipped original. Each scale decodes the bytes once (JPEG shrink-on-load makes
 * that cheaper than resizing one full-size decode).
 *
 * @example
 * const [photo, mirrored] = await decodeImageViews('photos/ad7/3.jpg', { width: 320, height: 320 });
 */
export async function decodeImageViews(
  source: ImageSource,
  options: ViewOptions = {},
): Promise<DecodedView[]> {
  const { scales = [1], mirror = true, ...rest } = options;
  const flip = (rest as DecodeOptions).flip;
  if (flip !== undefined) {
    invalidParameter(
      'flip',
      'no flip option (decodeImageViews returns mirror images itself)',
      flip,
    );
  }
  const resolved = resolveDecodeOptions(rest);
  if (typeof mirror !== 'boolean') invalidParameter('mirror', 'true or false', mirror);
  const validScales =
    Array.isArray(scales) &&
    scales.length > 0 &&
    scales.every((s) => typeof s === 'number' && Number.isFinite(s) && s >= 0.25 && s <= 4);
  if (!validScales) {
    invalidParameter('scales', 'a non-empty list of size multipliers, each 0.25-4', scales);
  }
  const image = await readImageBytes(source);
  const views: DecodedView[] = [];
  for (const scale of scales) {
    const width = checkOutputSide('width × scale', Math.round(resolved.width * scale));
    const height = checkOutputSide('height × scale', Math.round(resolved.height * scale));
    const decoded = await decodeBytes(image, resolved, width, height);
    views.push({ ...decoded, scale, flipped: false });
    if (mirror) views.push({ ...flipHorizontal(decoded), scale, flipped: true });
  }
  return views;
}

/**
 * Sets how many threads libvips uses for each decode (sharp's default: one per CPU core). When
 * photos are decoded in parallel on worker threads, call `setDecoderThreads(1)` in each worker,
 * so each worker decodes alone and the workers do not oversubscribe the cores.
 *
 * @param threads an integer ≥ 1 (usual: 1 in workers, the number of cores otherwise)
 */
export function setDecoderThreads(threads: number): void {
  if (typeof threads !== 'number' || !Number.isInteger(threads) || threads < 1) {
    invalidParameter('threads', 'an integer ≥ 1', threads);
  }
  sharp.concurrency(threads);
}
