import assert from 'node:assert/strict';
import {
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { after, test } from 'node:test';
import sharp from 'sharp';
import { generateDemoData, planDemoAds, type DemoOptions } from '../src/demo/index.js';
import { parseCsv } from '../src/util/csv.js';
import { setQuiet } from '../src/util/log.js';

setQuiet(true);
const root = mkdtempSync(join(tmpdir(), 'samebike-demo-'));
after(() => rmSync(root, { recursive: true, force: true }));

const small = { ads: 4, seed: 7, photosPerAd: [2, 4], width: 160, height: 120 } as const;

/** Every file under a folder, as relative path → bytes. */
function snapshot(folder: string): Map<string, Buffer> {
  const files = new Map<string, Buffer>();
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else files.set(relative(folder, path), readFileSync(path));
    }
  };
  walk(folder);
  return files;
}

function assertSameFiles(a: Map<string, Buffer>, b: Map<string, Buffer>): void {
  assert.deepEqual([...a.keys()].sort(), [...b.keys()].sort());
  for (const [name, bytes] of a) assert.ok(bytes.equals(b.get(name) as Buffer), `${name} differs`);
}

let reference: Map<string, Buffer>;

test('the same seed writes the same bytes, another seed other images', async () => {
  const first = await generateDemoData({ ...small, outDir: join(root, 'a') });
  const second = await generateDemoData({ ...small, outDir: join(root, 'b') });
  assert.equal(first.ads, 4);
  assert.equal(first.images, second.images);
  reference = snapshot(join(root, 'a'));
  assertSameFiles(reference, snapshot(join(root, 'b')));

  await generateDemoData({ ...small, seed: 8, outDir: join(root, 'c') });
  const other = snapshot(join(root, 'c'));
  const firstPhoto = 'images/ad-0001/1.jpg';
  assert.ok(!(other.get(firstPhoto) as Buffer).equals(reference.get(firstPhoto) as Buffer));
});

test('labels.csv lists every photo as image,label with the ad id as label', async () => {
  const outDir = join(root, 'a');
  const text = readFileSync(join(outDir, 'labels.csv'), 'utf8');
  const table = parseCsv(text, 'labels.csv');
  assert.deepEqual(table.header, ['image', 'label']);
  const perAd = new Map<string, number>();
  for (const { cells } of table.rows) {
    const [image, label] = cells;
    assert.match(label, /^ad-\d{4}$/);
    assert.match(image, new RegExp(`^${label}/\\d+\\.jpg$`));
    assert.ok(existsSync(join(outDir, 'images', image)), image);
    perAd.set(label, (perAd.get(label) ?? 0) + 1);
  }
  assert.deepEqual([...perAd.keys()], ['ad-0001', 'ad-0002', 'ad-0003', 'ad-0004']);
  for (const count of perAd.values()) assert.ok(count >= 2 && count <= 4, `count ${count}`);
  assert.equal(table.rows.length, [...reference.keys()].filter((k) => k.endsWith('.jpg')).length);
  assert.ok(text.endsWith('.jpg,ad-0004\n'));

  const ads = parseCsv(readFileSync(join(outDir, 'ads.csv'), 'utf8'), 'ads.csv');
  assert.deepEqual(ads.header, ['label', 'type', 'colour', 'similar_to']);
  assert.equal(ads.rows.length, 4);
});

test('the photos decode as JPEGs of the requested size, and photos of one ad differ', async () => {
  const folder = join(root, 'a', 'images', 'ad-0002');
  const names = readdirSync(folder).sort();
  const pixels: Buffer[] = [];
  for (const name of names) {
    const { data, info } = await sharp(join(folder, name))
      .raw()
      .toBuffer({ resolveWithObject: true });
    const meta = await sharp(join(folder, name)).metadata();
    assert.equal(meta.format, 'jpeg');
    assert.deepEqual([info.width, info.height, info.channels], [160, 120, 3]);
    pixels.push(data);
  }
  for (let i = 0; i < pixels.length; i++) {
    for (let j = i + 1; j < pixels.length; j++) {
      let sum = 0;
      for (let k = 0; k < pixels[i].length; k++) sum += Math.abs(pixels[i][k] - pixels[j][k]);
      const meanDifference = sum / pixels[i].length;
      assert.ok(
        meanDifference > 6,
        `${names[i]} vs ${names[j]}: mean difference ${meanDifference}`,
      );
    }
  }
});

test('a rerun restores deleted images and a truncated labels.csv byte for byte', async () => {
  const outDir = join(root, 'resume');
  await generateDemoData({ ...small, outDir });
  unlinkSync(join(outDir, 'images', 'ad-0001', '2.jpg'));
  rmSync(join(outDir, 'images', 'ad-0003'), { recursive: true });
  const half = readFileSync(join(outDir, 'images', 'ad-0004', '1.jpg'));
  writeFileSync(join(outDir, 'images', 'ad-0004', '1.jpg'), half.subarray(0, half.length >> 1));
  writeFileSync(join(outDir, 'images', 'ad-0002', '1.jpg.1234.tmp'), 'left by a killed run');
  writeFileSync(join(outDir, 'labels.csv'), 'image,label\nad-0001/1.jpg,ad-0');

  const result = await generateDemoData({ ...small, outDir });
  assertSameFiles(reference, snapshot(outDir));
  assert.equal(result.labelsCsv, join(outDir, 'labels.csv'));
});

test('a rerun keeps complete images instead of drawing them again', async () => {
  const outDir = join(root, 'keep');
  await generateDemoData({ ...small, outDir });
  const marker = join(outDir, 'images', 'ad-0001', '1.jpg');
  const kept = readFileSync(join(outDir, 'images', 'ad-0002', '1.jpg'));
  writeFileSync(marker, kept);
  await generateDemoData({ ...small, outDir });
  assert.ok(readFileSync(marker).equals(kept));
});

test('a folder made with other settings, or not by the generator, is refused', async () => {
  const outDir = join(root, 'a');
  await assert.rejects(
    generateDemoData({ ...small, seed: 9, outDir }),
    (error: Error) =>
      error.message ===
      `${outDir}: holds demo data made with other settings (seed was 7 (number), now 9 (number))`,
  );
  const foreign = join(root, 'foreign');
  await generateDemoData({ ...small, ads: 1, outDir: foreign });
  unlinkSync(join(foreign, 'demo.json'));
  await assert.rejects(
    generateDemoData({ ...small, outDir: foreign }),
    /foreign: already has labels.csv but no demo.json, so it was not written by the demo gen/,
  );
});

test('ad i is the same bike whatever the number of ads', () => {
  const few = planDemoAds({ ads: 3, outDir: 'unused', seed: 3 });
  const many = planDemoAds({ ads: 6, outDir: 'unused', seed: 3 });
  assert.deepEqual(many.slice(0, 3), few);
});

test('option errors name the option, the expectation and what arrived', async () => {
  const cases: [Record<string, unknown>, string][] = [
    [{ ads: 0 }, 'ads: expected an integer ≥ 1, got 0 (number)'],
    [{ ads: 2.5 }, 'ads: expected an integer ≥ 1, got 2.5 (number)'],
    [{ ads: '10' }, 'ads: expected an integer ≥ 1, got "10" (string)'],
    [{ outDir: '' }, 'outDir: expected a folder path (a non-empty string), got "" (string)'],
    [{ seed: -1 }, 'seed: expected an integer from 0 to 4294967295, got -1 (number)'],
    [
      { photosPerAd: [5, 2] },
      'photosPerAd: expected [min, max] with integers 1 ≤ min ≤ max ≤ 50, got [5,2] (array)',
    ],
    [
      { photosPerAd: [0, 3] },
      'photosPerAd: expected [min, max] with integers 1 ≤ min ≤ max ≤ 50, got [0,3] (array)',
    ],
    [{ width: 10 }, 'width: expected an integer from 64 to 4096 (pixels), got 10 (number)'],
    [{ height: 5000 }, 'height: expected an integer from 64 to 4096 (pixels), got 5000 (number)'],
    [
      { add: 3 },
      'options: unknown option "add"; ' +
        'expected one of ads, outDir, seed, photosPerAd, width, height',
    ],
  ];
  for (const [change, message] of cases) {
    const options = { ads: 2, outDir: join(root, 'never'), ...change } as DemoOptions;
    await assert.rejects(generateDemoData(options), (error: Error) => {
      assert.equal(error.name, 'SamebikeError');
      assert.equal(error.message, message);
      return true;
    });
  }
  assert.ok(!existsSync(join(root, 'never')));
});
