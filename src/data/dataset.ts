/**
 * Data sets: the list of photos to embed, train or evaluate on. A labelled data set is a CSV with
 * one row per photo (an image path relative to an images folder, and a label: the ad or bike the
 * photo shows); an unlabelled one is a bare folder of photos. Loading checks everything that can
 * be checked without decoding (header, cells, paths, files) and reports every problem at once,
 * with its CSV line.
 */
import { readdirSync, statSync, type Dirent } from 'node:fs';
import { extname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { readCsv } from '../util/csv.js';
import { SamebikeError, invalidParameter } from '../util/errors.js';

/** One photo of a data set. */
export interface DatasetItem {
  /** The photo's path relative to the images folder, as written in the CSV (surrounding spaces
   * removed) or found in the folder ("/" separators); the name shown to the user. */
  image: string;
  /** Absolute path of the file. */
  path: string;
  /** The label (ad id, bike id; surrounding spaces removed): photos with equal labels show the
   * same bike. Absent for a bare folder. */
  label?: string;
  /** The 1-based CSV line of the photo's row, for error messages. */
  row?: number;
}

/** Options of loadLabelledDataset. */
export interface LabelledDatasetOptions {
  /** The CSV file: a header line, then one row per photo. */
  csv: string;
  /** The folder that the CSV's image paths are relative to. */
  images: string;
  /** The column holding the image path. Default "image". */
  imageColumn?: string;
  /** The column holding the label. Default "label". */
  labelColumn?: string;
}

/** A loaded data set: its photos in CSV order, and warnings worth showing to the user. */
export interface LoadedDataset {
  items: DatasetItem[];
  warnings: string[];
}

/** How many problems an error message lists before "... and N more". */
export const MAX_PROBLEMS_SHOWN = 20;

/**
 * File extensions (lower case) that loadImageFolder picks up. HEIC/HEIF photos are listed so that
 * they are reported as bad images (sharp's prebuilt binaries cannot decode them) rather than
 * silently missing from the results.
 */
export const IMAGE_EXTENSIONS: readonly string[] = [
  '.jpg',
  '.jpeg',
  '.png',
  '.webp',
  '.gif',
  '.tif',
  '.tiff',
  '.avif',
  '.heic',
  '.heif',
];

function checkFolder(path: string, what: string): string {
  const absolute = resolve(path);
  let isFolder: boolean;
  try {
    isFolder = statSync(absolute).isDirectory();
  } catch {
    throw new SamebikeError(`${path}: the ${what} does not exist`, 'check the path');
  }
  if (!isFolder) {
    throw new SamebikeError(`${path}: the ${what} is a file, not a folder`, 'check the path');
  }
  return absolute;
}

/** Lists problems, at most MAX_PROBLEMS_SHOWN of them, then "... and N more". */
function listProblems(problems: string[]): string {
  const shown = problems.slice(0, MAX_PROBLEMS_SHOWN).map((p) => `  ${p}`);
  if (problems.length > MAX_PROBLEMS_SHOWN) {
    shown.push(`  ... and ${problems.length - MAX_PROBLEMS_SHOWN} more`);
  }
  return shown.join('\n');
}

function quoteList(names: readonly string[]): string {
  return names.map((n) => `"${n}"`).join(', ');
}

/** Finds a named column in the header; returns its index or a problem description. */
function findColumn(header: string[], name: string, what: string): number | string {
  const matches = header.flatMap((h, i) => (h === name ? [i] : []));
  if (matches.length === 1) return matches[0];
  if (matches.length > 1) {
    return `the ${what} column "${name}" appears ${matches.length} times in the header`;
  }
  const similar = header.find((h) => h.toLowerCase() === name.toLowerCase());
  const hint = similar !== undefined ? ` (did you mean "${similar}"?)` : '';
  return `no ${what} column "${name}"${hint}`;
}

function looksLikeImagePath(cell: string): boolean {
  return IMAGE_EXTENSIONS.includes(extname(cell).toLowerCase());
}

/**
 * Loads a labelled data set from a CSV and an images folder, checking the header, every row and
 * every file. All problems are collected (missing columns, cells-per-row mismatches, empty image
 * or label cells, absolute paths or paths that lead outside the images folder, the same image
 * listed twice, missing files) and thrown as one SamebikeError that shows the first 20 with their
 * CSV lines. Labels with a single photo are returned as warnings: such a photo can never have a
 * match.
 *
 * @returns the photos in CSV order, and the warnings
 */
export function loadLabelledDataset(options: LabelledDatasetOptions): LoadedDataset {
  if (typeof options !== 'object' || options === null) {
    invalidParameter('data set options', 'an object with csv and images', options);
  }
  const { csv, images, imageColumn = 'image', labelColumn = 'label' } = options;
  if (typeof csv !== 'string' || csv.length === 0) invalidParameter('csv', 'a CSV file path', csv);
  if (typeof images !== 'string' || images.length === 0) {
    invalidParameter('images', 'the images folder', images);
  }
  if (typeof imageColumn !== 'string' || imageColumn.trim().length === 0) {
    invalidParameter('imageColumn', 'a column name', imageColumn);
  }
  if (typeof labelColumn !== 'string' || labelColumn.trim().length === 0) {
    invalidParameter('labelColumn', 'a column name', labelColumn);
  }
  if (imageColumn === labelColumn) {
    invalidParameter(
      'labelColumn',
      `a column other than the image column "${imageColumn}"`,
      labelColumn,
    );
  }
  const root = checkFolder(images, 'images folder');
  const table = readCsv(csv);

  const imageIndex = findColumn(table.header, imageColumn, 'image');
  const labelIndex = findColumn(table.header, labelColumn, 'label');
  if (typeof imageIndex === 'string' || typeof labelIndex === 'string') {
    const missing = [imageIndex, labelIndex].filter((p) => typeof p === 'string');
    const dataLike = table.header.some(looksLikeImagePath)
      ? '; the first line looks like data: the file needs a header line'
      : '';
    throw new SamebikeError(
      `${csv}: line 1: ${missing.join(' and ')}; the header has columns ` +
        `${quoteList(table.header)}${dataLike}`,
      `name the columns in the first line (e.g. "${imageColumn},${labelColumn}") or choose ` +
        'the image and label columns in the settings (data.image_column, data.label_column)',
    );
  }
  if (table.rows.length === 0) {
    throw new SamebikeError(
      `${csv}: no data rows after the header`,
      'add one row per photo: image path, label',
    );
  }

  const problems: string[] = [];
  const items: DatasetItem[] = [];
  const firstLine = new Map<string, { line: number; image: string }>();
  let missingFiles = 0;
  for (const { line, cells } of table.rows) {
    if (cells.length !== table.header.length) {
      problems.push(
        `line ${line}: ${cells.length} cell${cells.length === 1 ? '' : 's'}, the header has ` +
          `${table.header.length} columns (a comma inside a value needs "double quotes")`,
      );
      continue;
    }
    const image = cells[imageIndex].trim();
    const label = cells[labelIndex].trim();
    if (label === '') {
      const what = image === '' ? '' : ` for "${image}"`;
      problems.push(`line ${line}: empty label${what} (column "${labelColumn}")`);
    }
    if (image === '') {
      problems.push(`line ${line}: empty image cell (column "${imageColumn}")`);
      continue;
    }
    if (isAbsolute(image) || /^[a-zA-Z]:[\\/]/.test(image)) {
      problems.push(
        `line ${line}: "${image}" is an absolute path; image paths must be relative to ${images}`,
      );
      continue;
    }
    const path = resolve(root, image);
    const inside = relative(root, path);
    if (inside === '..' || inside.startsWith(`..${sep}`) || isAbsolute(inside)) {
      problems.push(`line ${line}: "${image}" leads outside the images folder ${images}`);
      continue;
    }
    const seen = firstLine.get(path);
    if (seen !== undefined) {
      const same = seen.image === image ? '' : ` (as "${seen.image}")`;
      problems.push(
        `line ${line}: "${image}" is listed twice, on lines ${seen.line}${same} and ${line}`,
      );
      continue;
    }
    firstLine.set(path, { line, image });
    let fileProblem: string | undefined;
    try {
      if (!statSync(path).isFile()) fileProblem = 'is a folder, not an image file';
    } catch {
      fileProblem = `not found in ${images}`;
      missingFiles++;
    }
    if (fileProblem !== undefined) problems.push(`line ${line}: "${image}" ${fileProblem}`);
    items.push({ image, path, label, row: line });
  }

  if (problems.length > 0) {
    const none = missingFiles === table.rows.length ? ` (none of the listed images exist)` : '';
    throw new SamebikeError(
      `${csv}: ${problems.length} problem${problems.length === 1 ? '' : 's'}${none}:\n` +
        listProblems(problems),
      none !== ''
        ? `check that the images folder (${images}) is the one the CSV's paths are relative to`
        : 'fix these rows (lines are counted from 1, the header being line 1) and run again',
    );
  }

  return { items, warnings: singletonWarnings(items) };
}

function singletonWarnings(items: DatasetItem[]): string[] {
  const counts = new Map<string, { count: number; line: number }>();
  for (const item of items) {
    const label = item.label as string;
    const entry = counts.get(label);
    if (entry === undefined) counts.set(label, { count: 1, line: item.row as number });
    else entry.count++;
  }
  const warnings: string[] = [];
  for (const [label, { count, line }] of counts) {
    if (count === 1) {
      warnings.push(`label "${label}" has one photo (line ${line}): it can never have a match`);
    }
  }
  return warnings;
}

/** Compares strings by UTF-16 code units, the same on every machine and locale. */
function byCodeUnits(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Lists the photos in a folder and its subfolders, for data without labels (search and grouping
 * of a bare folder). Picks files whose extension is in IMAGE_EXTENSIONS (any letter case), skips
 * hidden files and folders (names starting with "."), follows symbolic links to files but not to
 * folders, and sorts by relative path (code-unit order, the same on every machine).
 *
 * @returns one item per photo, `image` being the path relative to `dir` with "/" separators
 */
export function loadImageFolder(dir: string): DatasetItem[] {
  if (typeof dir !== 'string' || dir.length === 0) invalidParameter('dir', 'a folder path', dir);
  const root = checkFolder(dir, 'images folder');
  const found: string[] = [];
  const others: string[] = [];
  const walk = (folder: string, prefix: string): void => {
    let entries: Dirent[];
    try {
      entries = readdirSync(folder, { withFileTypes: true });
    } catch (error) {
      throw new SamebikeError(`${folder}: cannot list the folder (${(error as Error).message})`);
    }
    for (const entry of entries) {
      if (entry.name.startsWith('.')) continue;
      const relativePath = prefix === '' ? entry.name : `${prefix}/${entry.name}`;
      const absolute = join(folder, entry.name);
      if (entry.isDirectory()) {
        walk(absolute, relativePath);
        continue;
      }
      let isFile = entry.isFile();
      if (entry.isSymbolicLink()) {
        try {
          isFile = statSync(absolute).isFile();
        } catch {
          isFile = false;
        }
      }
      if (!isFile) continue;
      if (IMAGE_EXTENSIONS.includes(extname(entry.name).toLowerCase())) found.push(relativePath);
      else others.push(relativePath);
    }
  };
  walk(root, '');

  if (found.length === 0) {
    others.sort(byCodeUnits);
    const seen =
      others.length === 0
        ? 'the folder holds no files'
        : `found ${others.length} other file${others.length === 1 ? '' : 's'}, e.g. ` +
          quoteList(others.slice(0, 3));
    throw new SamebikeError(
      `${dir}: no images (looked for ${IMAGE_EXTENSIONS.join(' ')}, in subfolders too); ${seen}`,
      'point to the folder that holds the photos',
    );
  }
  found.sort(byCodeUnits);
  return found.map((image) => ({ image, path: join(root, ...image.split('/')) }));
}

/**
 * Maps label strings to dense integer ids 0, 1, 2, ... in order of first appearance.
 *
 * @returns `labels[i]` is the id of items[i]'s label, `names[id]` the label string
 */
export function labelsOf(items: readonly DatasetItem[]): { labels: Int32Array; names: string[] } {
  const unlabelled = items.flatMap((item, i) => (item.label === undefined ? [i] : []));
  if (unlabelled.length > 0) {
    const examples = unlabelled.slice(0, 3).map((i) => `"${items[i].image}"`);
    throw new SamebikeError(
      `labelsOf: ${unlabelled.length} of ${items.length} photos have no label, e.g. ` +
        examples.join(', '),
      'labels come from a labelled data set (a CSV with image and label columns)',
    );
  }
  const ids = new Map<string, number>();
  const names: string[] = [];
  const labels = new Int32Array(items.length);
  items.forEach((item, i) => {
    const label = item.label as string;
    let id = ids.get(label);
    if (id === undefined) {
      id = names.length;
      ids.set(label, id);
      names.push(label);
    }
    labels[i] = id;
  });
  return { labels, names };
}
