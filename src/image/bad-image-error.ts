/**
 * The error for a photo that cannot be decoded, with a machine-readable reason so that a pass over
 * thousands of photos can skip bad ones and list them (see bad-images.ts).
 */
import { SamebikeError } from '../util/errors.js';

/**
 * Why a photo could not be decoded:
 * - `empty`: the file has 0 bytes;
 * - `truncated`: the image data stops early (an interrupted download or upload);
 * - `not-an-image`: the bytes are no image format at all (text, HTML, an archive);
 * - `unsupported-format`: an image format that sharp cannot decode (BMP, ICO, HEIC, PSD, ...);
 * - `too-many-pixels`: width × height is over the decode pixel limit;
 * - `unreadable`: the file is missing, unreadable, or its image data is corrupt.
 */
export type BadImageReason =
  'empty' | 'truncated' | 'not-an-image' | 'unsupported-format' | 'too-many-pixels' | 'unreadable';

/** Every BadImageReason, in the order listed above. */
export const BAD_IMAGE_REASONS: readonly BadImageReason[] = [
  'empty',
  'truncated',
  'not-an-image',
  'unsupported-format',
  'too-many-pixels',
  'unreadable',
];

/**
 * A photo that cannot be decoded. The message reads `FILE: PROBLEM; ACTION`, e.g.
 * `photos/ad7/3.jpg: truncated image data (sharp: VipsJpeg: premature end of JPEG image);
 * re-upload or remove the file`.
 */
export class BadImageError extends SamebikeError {
  /** The file as the caller named it (a path, or the name given with in-memory bytes). */
  readonly file: string;

  /** Why it failed; see BadImageReason. */
  readonly reason: BadImageReason;

  /**
   * @param file the file as the caller named it
   * @param reason why decoding failed
   * @param problem what is wrong, e.g. "truncated image data (sharp: ...)"
   * @param action what the user can do, e.g. "re-upload or remove the file"
   */
  constructor(file: string, reason: BadImageReason, problem: string, action: string) {
    super(`${file}: ${problem}; ${action}`);
    this.name = 'BadImageError';
    this.file = file;
    this.reason = reason;
  }

  /**
   * Rebuilds an error from its parts after it crossed a thread or process boundary (structured
   * clone keeps the message but not the class).
   *
   * @param message the full message of the original error (`FILE: PROBLEM; ACTION`)
   */
  static restore(file: string, reason: BadImageReason, message: string): BadImageError {
    const error = new BadImageError(file, reason, '', '');
    error.message = message;
    return error;
  }
}
