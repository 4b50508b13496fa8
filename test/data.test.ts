/**
 * Tests of src/data/dataset.ts: loading a labelled CSV (order, paths, warnings), every validation
 * problem with its line number, the 20-problem cap, bare image folders, and dense label ids.
 * Image files here are placeholders: loading never decodes them.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import {
  MAX_PROBLEMS_SHOWN,
  labelsOf,
  loadImageFolder,
  loadLabelledDataset,
  type DatasetItem,
} from '../src/data/dataset.js';
import { SamebikeError } from '../src/util/errors.js';

const root = mkdtempSync(join(tmpdir(), 'samebike-data-'));
after(() => rmSync(root, { recursive: true, force: true }));

let counter = 0;

/** A fresh folder holding `files` (relative paths, created with placeholder bytes). */
function folderWith(files: string[]): string {
  const dir = join(root, `case${counter++}`);
  for (const file of files) {
    mkdirSync(join(dir, file, '..'), { recursive: true });
    writeFileSync(join(dir, file), 'x');
  }
  mkdirSync(dir, { recursive: true });
  return dir;
}

function writeText(dir: string, name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

function errorOf(run: () => unknown): SamebikeError {
  try {
    run();
  } catch (error) {
    assert.ok(error instanceof SamebikeError, `expected a SamebikeError, got ${String(error)}`);
    return error;
  }
  assert.fail('expected an error');
}

test('a labelled CSV loads in CSV order with absolute paths, labels and line numbers', () => {
  const images = folderWith(['ad1/a.jpg', 'ad1/b.jpg', 'ad2/c.jpg', 'd.png']);
  const csv = writeText(
    images,
    'labels.csv',
    'image,label\nad1/a.jpg,ad1\n"ad2/c.jpg","ad, two"\nad1/b.jpg,ad1\n d.png , ad3 \n',
  );
  const { items, warnings } = loadLabelledDataset({ csv, images });
  assert.deepEqual(items, [
    { image: 'ad1/a.jpg', path: join(images, 'ad1/a.jpg'), label: 'ad1', row: 2 },
    { image: 'ad2/c.jpg', path: join(images, 'ad2/c.jpg'), label: 'ad, two', row: 3 },
    { image: 'ad1/b.jpg', path: join(images, 'ad1/b.jpg'), label: 'ad1', row: 4 },
    { image: 'd.png', path: join(images, 'd.png'), label: 'ad3', row: 5 },
  ]);
  assert.deepEqual(warnings, [
    'label "ad, two" has one photo (line 3): it can never have a match',
    'label "ad3" has one photo (line 5): it can never have a match',
  ]);
});

test('other column names and extra columns are accepted', () => {
  const images = folderWith(['p/1.jpg', 'p/2.jpg']);
  const csv = writeText(images, 'ads.csv', 'ad_id,price,file\n7,100,p/1.jpg\n7,90,p/2.jpg\n');
  const { items, warnings } = loadLabelledDataset({
    csv,
    images,
    imageColumn: 'file',
    labelColumn: 'ad_id',
  });
  assert.deepEqual(
    items.map((i) => [i.image, i.label]),
    [
      ['p/1.jpg', '7'],
      ['p/2.jpg', '7'],
    ],
  );
  assert.deepEqual(warnings, []);
});

test('missing columns are named, with the columns that exist and a case hint', () => {
  const images = folderWith(['a.jpg']);
  const wrong = writeText(images, 'wrong.csv', 'file,Label\na.jpg,ad1\n');
  const error = errorOf(() => loadLabelledDataset({ csv: wrong, images }));
  assert.equal(
    error.message,
    `${wrong}: line 1: no image column "image" and no label column "label" (did you mean ` +
      '"Label"?); the header has columns "file", "Label"',
  );
  assert.match(error.hint ?? '', /name the columns in the first line \(e\.g\. "image,label"\)/);

  const headless = writeText(images, 'headless.csv', 'a.jpg,ad1\nb.jpg,ad1\n');
  assert.match(
    errorOf(() => loadLabelledDataset({ csv: headless, images })).message,
    /no image column "image" and no label column "label"; the header has columns "a\.jpg", "ad1"; the first line looks like data: the file needs a header line$/,
  );

  const twice = writeText(images, 'twice.csv', 'image,label,image\na.jpg,ad1,a.jpg\n');
  assert.match(
    errorOf(() => loadLabelledDataset({ csv: twice, images })).message,
    /line 1: the image column "image" appears 2 times in the header/,
  );
});

test('every row problem is reported at once, each with its CSV line', () => {
  const images = folderWith(['a.jpg', 'b.jpg', 'sub/c.jpg', 'sub/d.jpg']);
  mkdirSync(join(images, 'folder.jpg'));
  const outside = join(root, 'outside.jpg');
  writeFileSync(outside, 'x');
  const csv = writeText(
    images,
    'labels.csv',
    [
      'image,label',
      'a.jpg,ad1', // 2
      'b.jpg,', // 3: empty label
      ',ad2', // 4: empty image
      `${outside},ad2`, // 5: absolute
      '../outside.jpg,ad2', // 6: leads outside
      'sub/../../outside.jpg,ad2', // 7: leads outside
      'a.jpg,ad1', // 8: duplicate of line 2
      './sub/c.jpg,ad3', // 9
      'sub/c.jpg,ad3', // 10: the same file as line 9
      'missing.jpg,ad4', // 11: not found
      'folder.jpg,ad4', // 12: a folder
      'sub/d.jpg,ad5,extra', // 13: too many cells
      'sub/d.jpg', // 14: too few cells
    ].join('\n'),
  );
  const error = errorOf(() => loadLabelledDataset({ csv, images }));
  assert.equal(
    error.message,
    [
      `${csv}: 11 problems:`,
      '  line 3: empty label for "b.jpg" (column "label")',
      '  line 4: empty image cell (column "image")',
      `  line 5: "${outside}" is an absolute path; image paths must be relative to ${images}`,
      `  line 6: "../outside.jpg" leads outside the images folder ${images}`,
      `  line 7: "sub/../../outside.jpg" leads outside the images folder ${images}`,
      '  line 8: "a.jpg" is listed twice, on lines 2 and 8',
      '  line 10: "sub/c.jpg" is listed twice, on lines 9 (as "./sub/c.jpg") and 10',
      `  line 11: "missing.jpg" not found in ${images}`,
      '  line 12: "folder.jpg" is a folder, not an image file',
      '  line 13: 3 cells, the header has 2 columns (a comma inside a value needs "double quotes")',
      '  line 14: 1 cell, the header has 2 columns (a comma inside a value needs "double quotes")',
    ].join('\n'),
  );
  assert.match(error.hint ?? '', /fix these rows/);
});

test('more than 20 problems show the first 20 and "... and N more"', () => {
  const images = folderWith([]);
  const rows = Array.from({ length: 25 }, (_, i) => `gone${i}.jpg,ad${i % 5}`);
  const csv = writeText(images, 'labels.csv', `image,label\n${rows.join('\n')}\n`);
  const error = errorOf(() => loadLabelledDataset({ csv, images }));
  const lines = error.message.split('\n');
  assert.equal(lines[0], `${csv}: 25 problems (none of the listed images exist):`);
  assert.equal(lines.length, 1 + MAX_PROBLEMS_SHOWN + 1);
  assert.equal(lines[1], `  line 2: "gone0.jpg" not found in ${images}`);
  assert.equal(lines[20], `  line 21: "gone19.jpg" not found in ${images}`);
  assert.equal(lines[21], '  ... and 5 more');
  assert.match(error.hint ?? '', /check that the images folder \(.*\) is the one/);
});

test('a missing images folder, a missing CSV and a header-only CSV are reported', () => {
  const images = folderWith(['a.jpg']);
  const csv = writeText(images, 'labels.csv', 'image,label\n');
  assert.equal(
    errorOf(() => loadLabelledDataset({ csv, images: join(root, 'nope') })).message,
    `${join(root, 'nope')}: the images folder does not exist`,
  );
  assert.equal(
    errorOf(() => loadLabelledDataset({ csv, images: csv })).message,
    `${csv}: the images folder is a file, not a folder`,
  );
  assert.equal(
    errorOf(() => loadLabelledDataset({ csv, images })).message,
    `${csv}: no data rows after the header`,
  );
  assert.match(
    errorOf(() => loadLabelledDataset({ csv: join(images, 'none.csv'), images })).message,
    /none\.csv: cannot read the CSV file/,
  );
  assert.equal(
    errorOf(() => loadLabelledDataset({ csv, images, imageColumn: 'x', labelColumn: 'x' })).message,
    'labelColumn: expected a column other than the image column "x", got "x" (string)',
  );
  assert.equal(
    errorOf(() => loadLabelledDataset({ csv: '', images })).message,
    'csv: expected a CSV file path, got "" (string)',
  );
});

test('loadImageFolder lists photos recursively, sorted, skipping hidden and other files', () => {
  const dir = folderWith([
    'b.JPG',
    'a/z.png',
    'a/y.webp',
    'a/deep/x.jpeg',
    'c.tiff',
    'd.heic',
    'e.avif',
    'f.gif',
    'notes.txt',
    '.hidden.jpg',
    '.cache/g.jpg',
    'A.jpg',
  ]);
  symlinkSync(join(dir, 'b.JPG'), join(dir, 'link.jpg'));
  const items = loadImageFolder(dir);
  assert.deepEqual(
    items.map((i) => i.image),
    [
      'A.jpg',
      'a/deep/x.jpeg',
      'a/y.webp',
      'a/z.png',
      'b.JPG',
      'c.tiff',
      'd.heic',
      'e.avif',
      'f.gif',
      'link.jpg',
    ],
  );
  assert.equal(items[1].path, join(dir, 'a', 'deep', 'x.jpeg'));
  assert.ok(items.every((i) => i.label === undefined && i.row === undefined));
  assert.deepEqual(loadImageFolder(dir), items);
});

test('loadImageFolder reports a missing folder and a folder without photos', () => {
  assert.equal(
    errorOf(() => loadImageFolder(join(root, 'absent'))).message,
    `${join(root, 'absent')}: the images folder does not exist`,
  );
  const empty = folderWith([]);
  assert.match(
    errorOf(() => loadImageFolder(empty)).message,
    /: no images \(looked for \.jpg \.jpeg \.png \.webp \.gif \.tif \.tiff \.avif \.heic \.heif, in subfolders too\); the folder holds no files$/,
  );
  const others = folderWith(['notes.txt', 'sub/data.csv']);
  assert.match(
    errorOf(() => loadImageFolder(others)).message,
    /; found 2 other files, e\.g\. "notes\.txt", "sub\/data\.csv"$/,
  );
});

test('labelsOf maps labels to dense ids in order of first appearance (hand-checked)', () => {
  const items: DatasetItem[] = ['ad7', 'ad3', 'ad7', 'ad9', 'ad3'].map((label, i) => ({
    image: `${i}.jpg`,
    path: `/p/${i}.jpg`,
    label,
  }));
  const { labels, names } = labelsOf(items);
  assert.deepEqual(Array.from(labels), [0, 1, 0, 2, 1]);
  assert.deepEqual(names, ['ad7', 'ad3', 'ad9']);
  assert.ok(labels instanceof Int32Array);
  assert.deepEqual(labelsOf([]), { labels: new Int32Array(0), names: [] });
});

test('labelsOf rejects photos without a label, naming them', () => {
  const items: DatasetItem[] = [
    { image: 'a.jpg', path: '/p/a.jpg', label: 'ad1' },
    { image: 'b.jpg', path: '/p/b.jpg' },
  ];
  assert.equal(
    errorOf(() => labelsOf(items)).message,
    'labelsOf: 1 of 2 photos have no label, e.g. "b.jpg"',
  );
});
