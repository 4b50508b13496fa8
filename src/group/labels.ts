/**
 * Label encoding shared by the grouping code: ad ids, bike labels or cluster labels of any kind
 * (strings or numbers) become dense integer codes 0, 1, … in order of first appearance.
 */
import { SamebikeError } from '../util/errors.js';

/** Labels of n items: ad ids as strings, or numeric labels in a plain or typed array. */
export type LabelArray = ArrayLike<string | number>;

/** Dense integer codes of a label array. */
export interface EncodedLabels {
  /** Code of each item, in [0, names.length). */
  codes: Int32Array;
  /** The original label of each code, in order of first appearance. */
  names: (string | number)[];
  /** Number of items carrying each code. */
  sizes: Int32Array;
}

/**
 * Encodes labels as dense integer codes. Empty strings, NaN and null are rejected with an error
 * naming the item, since a missing label cannot be told apart from a real one.
 *
 * @param name how errors call the array, e.g. "ads" or "labels".
 */
export function encodeLabels(labels: LabelArray, name: string): EncodedLabels {
  const codes = new Int32Array(labels.length);
  const index = new Map<string | number, number>();
  const names: (string | number)[] = [];
  const counts: number[] = [];
  for (let i = 0; i < labels.length; i++) {
    const label = labels[i];
    const valid =
      (typeof label === 'string' && label !== '') ||
      (typeof label === 'number' && !Number.isNaN(label));
    if (!valid) {
      throw new SamebikeError(
        `${name}[${i}]: expected a label (a non-empty string or a number), got ` +
          `${JSON.stringify(label) ?? String(label)}`,
        'every photo needs its ad id (or label); drop unlabelled photos first',
      );
    }
    let code = index.get(label);
    if (code === undefined) {
      code = names.length;
      index.set(label, code);
      names.push(label);
      counts.push(0);
    }
    codes[i] = code;
    counts[code]++;
  }
  return { codes, names, sizes: Int32Array.from(counts) };
}

/** Checks that a label array has one label per item, naming both counts otherwise. */
export function checkLength(labels: LabelArray, n: number, name: string, of: string): void {
  if (labels.length !== n) {
    throw new SamebikeError(
      `${name}: has ${labels.length} entries, but there are ${n} ${of}`,
      `give exactly one ${name === 'ads' ? 'ad id' : 'label'} per photo, in the same order`,
    );
  }
}
