/**
 * Reading a photo's bytes once and opening them with sharp, with every failure turned into a
 * BadImageError whose reason and message say what is wrong with the file. Shared by the plain
 * decoder (decode.ts) and the training augmentations (augment.ts).
 */
import { readFile } from 'node:fs/promises';
import sharp, { type Sharp } from 'sharp';
import { SamebikeError, invalidParameter } from '../util/errors.js';
import { BadImageError } from './bad-image-error.js';
import { hasEndMarker, sniffFormat, textPreview } from './sniff.js';

/** A photo to decode: a file path, or bytes already in memory (an upload) with a display name. */
export type ImageSource = string | { bytes: Uint8Array; name: string };

/** Default decode pixel limit (width × height before any resize): 64 megapixels. */
export const DEFAULT_LIMIT_INPUT_PIXELS = 64_000_000;

/** The formats this build of sharp decodes, for error messages. */
const READABLE_FORMATS = 'JPEG, PNG, WebP, GIF, TIFF, AVIF or SVG';

const REUPLOAD = 're-upload or remove the file';

/** A photo's bytes together with the name that error messages use for it. */
export interface ImageBytes {
  name: string;
  bytes: Uint8Array;
}

/** Checks an ImageSource at the API boundary; `option` names the argument in errors. */
export function checkSource(source: ImageSource, option = 'source'): void {
  if (typeof source === 'string') {
    if (source.length === 0) invalidParameter(option, 'a file path', source);
    return;
  }
  if (typeof source !== 'object' || source === null || !(source.bytes instanceof Uint8Array)) {
    invalidParameter(option, 'a file path or { bytes: Uint8Array, name: string }', source);
  }
  if (typeof source.name !== 'string' || source.name.length === 0) {
    invalidParameter(`${option}.name`, 'a non-empty display name', source.name);
  }
}

/**
 * Reads the photo's bytes. Throws BadImageError `unreadable` when the file is missing, a folder or
 * not readable, and `empty` for 0 bytes.
 */
export async function readImageBytes(source: ImageSource): Promise<ImageBytes> {
  checkSource(source);
  let name: string;
  let bytes: Uint8Array;
  if (typeof source === 'string') {
    name = source;
    try {
      bytes = await readFile(source);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      const problem =
        code === 'ENOENT'
          ? 'no such file'
          : code === 'EISDIR'
            ? 'is a folder, not a file'
            : code === 'EACCES' || code === 'EPERM'
              ? 'permission denied'
              : `cannot read the file (${(error as Error).message})`;
      throw new BadImageError(name, 'unreadable', problem, 'check the path and its permissions');
    }
  } else {
    name = source.name;
    bytes = source.bytes;
  }
  if (bytes.length === 0) {
    throw new BadImageError(name, 'empty', 'empty file (0 bytes)', REUPLOAD);
  }
  return { name, bytes };
}

/**
 * Opens bytes with sharp for a one-pass decode: sequential read, a pixel limit, and failure on
 * truncated or broken image data (`failOn: 'error'`; warnings such as "corrupt JPEG data: extra
 * bytes" are tolerated because such photos still decode to the right picture).
 */
export function openImage(image: ImageBytes, limitInputPixels: number): Sharp {
  return sharp(image.bytes, { failOn: 'error', limitInputPixels, sequentialRead: true });
}

/** "400.0 megapixels" for large counts, "5000 pixels" for small ones. */
function formatPixels(pixels: number): string {
  return pixels >= 100_000 ? `${(pixels / 1e6).toFixed(1)} megapixels` : `${pixels} pixels`;
}

/** Turns a sharp failure on `image` into the BadImageError that explains it. */
export async function explainFailure(
  image: ImageBytes,
  error: Error,
  limitInputPixels: number,
): Promise<BadImageError> {
  const { name, bytes } = image;
  const detail = error.message.trim();
  const format = sniffFormat(bytes);

  if (/exceeds pixel limit/i.test(detail)) {
    let size = '';
    try {
      const meta = await sharp(bytes, { limitInputPixels: false }).metadata();
      if (meta.width !== undefined && meta.height !== undefined) {
        size = `${meta.width}×${meta.height} = ${formatPixels(meta.width * meta.height)} `;
      }
    } catch {
      size = '';
    }
    return new BadImageError(
      name,
      'too-many-pixels',
      `${size || 'the image '}is over the decode limit of ${formatPixels(limitInputPixels)}`,
      'shrink the photo or raise the pixel limit (limitInputPixels)',
    );
  }

  if (format !== undefined && !format.supported) {
    return new BadImageError(
      name,
      'unsupported-format',
      `${format.name} images cannot be decoded (sharp reads ${READABLE_FORMATS})`,
      'convert the file to JPEG or PNG',
    );
  }

  if (/unsupported image format/i.test(detail)) {
    const text = textPreview(bytes);
    const start = text !== undefined ? `text starting "${text}"` : `bytes ${hexStart(bytes)}`;
    return new BadImageError(
      name,
      'not-an-image',
      `not an image (the file holds ${start}; ${READABLE_FORMATS} expected)`,
      'remove the file or replace it with a photo',
    );
  }

  const cut = /premature end|truncat|unexpected end|end of file|not enough data|out of data/i;
  if (cut.test(detail) || !hasEndMarker(format, bytes)) {
    return new BadImageError(
      name,
      'truncated',
      `truncated image data (sharp: ${detail})`,
      REUPLOAD,
    );
  }

  return new BadImageError(
    name,
    'unreadable',
    `cannot decode the image data (sharp: ${detail})`,
    REUPLOAD,
  );
}

function hexStart(bytes: Uint8Array): string {
  const shown: string[] = [];
  for (let i = 0; i < Math.min(8, bytes.length); i++) {
    shown.push(bytes[i].toString(16).padStart(2, '0'));
  }
  return shown.join(' ');
}

/**
 * Runs a sharp pipeline on `image`, turning any failure into a BadImageError. Errors that are
 * already SamebikeErrors (bad options) pass through unchanged.
 */
export async function decodeGuarded<T>(
  image: ImageBytes,
  limitInputPixels: number,
  run: () => Promise<T>,
): Promise<T> {
  try {
    return await run();
  } catch (error) {
    if (error instanceof SamebikeError || !(error instanceof Error)) throw error;
    throw await explainFailure(image, error, limitInputPixels);
  }
}

/** Checks the `limitInputPixels` option: a positive integer number of pixels. */
export function checkPixelLimit(value: unknown): number {
  if (value === undefined) return DEFAULT_LIMIT_INPUT_PIXELS;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) {
    invalidParameter('limitInputPixels', 'a positive integer number of pixels', value);
  }
  return value;
}
