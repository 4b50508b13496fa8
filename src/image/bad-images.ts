/**
 * What to do with photos that cannot be decoded during a pass over a data set: collect them as
 * they happen, then either stop with one error that lists every bad photo ('fail') or leave them
 * out and list them in `bad-images.csv` ('skip'). Either way the user sees all bad files at once,
 * not one per run.
 */
import { join } from 'node:path';
import { SamebikeError, invalidParameter } from '../util/errors.js';
import { warn } from '../util/log.js';
import { writeCsv } from '../util/csv.js';
import { BadImageError, type BadImageReason } from './bad-image-error.js';

/**
 * The policy for photos that cannot be decoded:
 * - `fail`: finish the pass, then stop with one error listing every bad photo (the default for
 *   evaluation, where a missing photo changes the result);
 * - `skip`: leave them out and list them in bad-images.csv.
 */
export type OnBadImage = 'fail' | 'skip';

/** The file name that the 'skip' policy writes into its output folder. */
export const BAD_IMAGES_FILE = 'bad-images.csv';

/** One photo that could not be decoded. */
export interface BadImageRecord {
  /** The photo as the data set names it (e.g. the CSV's image cell). */
  image: string;
  reason: BadImageReason;
  /** The full error message, e.g. "photos/a.jpg: empty file (0 bytes); re-upload ...". */
  message: string;
}

/**
 * Collects BadImageErrors during a pass and applies the OnBadImage policy at the end.
 *
 * @example
 * const bad = new BadImageCollector(settings.onBadImage);
 * for (const item of items) {
 *   const pixels = await bad.guard(item.image, () => decodeImage(item.path));
 *   if (pixels !== undefined) use(pixels);
 * }
 * bad.finish(outputFolder); // throws with 'fail', writes bad-images.csv with 'skip'
 */
export class BadImageCollector {
  /** The policy given to the constructor. */
  readonly policy: OnBadImage;

  private readonly found: BadImageRecord[] = [];

  /** @param policy 'fail' or 'skip' (see OnBadImage) */
  constructor(policy: OnBadImage) {
    if (policy !== 'fail' && policy !== 'skip') {
      invalidParameter('onBadImage', 'one of "fail", "skip"', policy);
    }
    this.policy = policy;
  }

  /** Records a bad photo; `image` defaults to the file named in the error. */
  record(error: BadImageError, image: string = error.file): void {
    this.found.push({ image, reason: error.reason, message: error.message });
  }

  /**
   * Runs `run` (a decode of `image`); if it throws a BadImageError, records it and returns
   * undefined. Any other error propagates.
   */
  async guard<T>(image: string, run: () => Promise<T>): Promise<T | undefined> {
    try {
      return await run();
    } catch (error) {
      if (!(error instanceof BadImageError)) throw error;
      this.record(error, image);
      return undefined;
    }
  }

  /** The bad photos recorded so far, in the order they were recorded. */
  get records(): readonly BadImageRecord[] {
    return this.found;
  }

  /** How many bad photos were recorded. */
  get size(): number {
    return this.found.length;
  }

  /**
   * Ends the pass. With 'fail', throws one SamebikeError that lists every bad photo with its
   * reason (and returns an empty list when there were none). With 'skip', writes
   * `folder/bad-images.csv` (columns image, reason, message; a header alone when every photo
   * decoded, so no stale list survives from an earlier run), warns once, and returns the records
   * sorted by image.
   *
   * @param folder the output folder for bad-images.csv; required with 'skip'
   */
  finish(folder?: string): BadImageRecord[] {
    const sorted = [...this.found].sort((a, b) =>
      a.image < b.image ? -1 : a.image > b.image ? 1 : 0,
    );
    if (this.policy === 'fail') {
      if (sorted.length === 0) return [];
      const lines = sorted.map((r) => `  [${r.reason}] ${r.message}`);
      throw new SamebikeError(
        `${plural(sorted.length)} could not be decoded:\n${lines.join('\n')}`,
        'replace or remove these files, or choose the "skip" policy for bad images to leave ' +
          `them out (they are then listed in ${BAD_IMAGES_FILE})`,
      );
    }
    if (typeof folder !== 'string' || folder.length === 0) {
      invalidParameter('folder', `the output folder for ${BAD_IMAGES_FILE}`, folder);
    }
    const path = join(folder, BAD_IMAGES_FILE);
    writeCsv(
      path,
      ['image', 'reason', 'message'],
      sorted.map((r) => [r.image, r.reason, r.message]),
    );
    if (sorted.length > 0)
      warn(`${plural(sorted.length)} skipped (cannot be decoded); see ${path}`);
    return sorted;
  }
}

function plural(n: number): string {
  return n === 1 ? '1 photo' : `${n} photos`;
}
