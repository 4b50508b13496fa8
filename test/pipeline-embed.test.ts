import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { before, test } from 'node:test';
import { generateDemoData } from '../src/demo/index.js';
import { defaultBackboneSpec } from '../src/backbone/spec.js';
import { extractFeatures } from '../src/embed/features.js';
import { FeatureCache } from '../src/embed/cache.js';
import { testViews } from '../src/embed/views.js';
import { readNpy } from '../src/util/npy.js';
import { setQuiet } from '../src/util/log.js';
import { lastJson, samebike } from './support/cli.js';

const root = mkdtempSync(join(tmpdir(), 'samebike-embed-'));
const cache = join(root, 'cache');
let labels = '';
let images = '';

before(async () => {
  setQuiet(true);
  const data = await generateDemoData({
    ads: 4,
    outDir: join(root, 'data'),
    seed: 3,
    photosPerAd: [3, 4],
  });
  labels = data.labelsCsv;
  images = data.imagesDir;
});

test('embed writes one normalised embedding per photo, in CSV order, and reruns from the cache', () => {
  const out = join(root, 'out');
  const first = samebike(
    ['embed', '--data', labels, '--images', images, '--out', out, '--size', '96', '--json'],
    cache,
  );
  assert.equal(first.status, 0, first.stderr);
  const summary = lastJson(first.stdout);
  const csv = readFileSync(labels, 'utf8').trim().split('\n').slice(1);
  assert.equal(summary.photos, csv.length);
  assert.equal(summary.computed, csv.length);
  const embeddings = readNpy(join(out, 'embeddings.npy'));
  assert.equal(embeddings.rows, csv.length);
  assert.equal(embeddings.cols, 1792);
  for (let r = 0; r < embeddings.rows; r++) {
    let norm = 0;
    for (let c = 0; c < embeddings.cols; c++) norm += embeddings.data[r * embeddings.cols + c] ** 2;
    assert.ok(Math.abs(norm - 1) < 1e-4, `row ${r} has norm ${norm}`);
  }
  const rows = readFileSync(join(out, 'images.csv'), 'utf8').trim().split('\n').slice(1);
  assert.deepEqual(
    rows.map((r) => r.split(',')[1]),
    csv.map((r) => r.split(',')[0]),
  );

  const again = samebike(
    ['embed', '--data', labels, '--images', images, '--out', out, '--size', '96', '--json'],
    cache,
  );
  assert.equal(again.status, 0, again.stderr);
  assert.equal(lastJson(again.stdout).computed, 0);
  assert.deepEqual(readNpy(join(out, 'embeddings.npy')).data, embeddings.data);
});

test('an interrupted embedding resumes: only the missing photos are computed', async () => {
  const resumeCache = join(root, 'resume-cache');
  const spec = defaultBackboneSpec({ cacheDir: resumeCache, inputSize: { width: 64, height: 64 } });
  const photos = readFileSync(labels, 'utf8')
    .trim()
    .split('\n')
    .slice(1)
    .map((line) => ({ image: line.split(',')[0], path: join(images, line.split(',')[0]) }));
  const options = {
    spec,
    fit: 'fill' as const,
    limitInputPixels: 1e8,
    pooling: { kind: 'average' as const },
    views: testViews([1], true),
    augmentSeed: 0,
    cacheDir: join(resumeCache, 'features'),
    onBadImage: 'fail' as const,
    workers: 2,
  };
  const part = await extractFeatures(photos.slice(0, 5), options);
  assert.equal(part.computed, 5);

  // A run killed mid-write leaves a partial record at the end of the cache file.
  const cacheFile = join(
    FeatureCache.open(options.cacheDir, { ...signatureOf(part), flip: false }).dir,
    'features.bin',
  );
  writeFileSync(cacheFile, Buffer.concat([readFileSync(cacheFile), Buffer.alloc(100, 7)]));

  const full = await extractFeatures(photos, options);
  assert.equal(full.computed, photos.length - 5);
  const fresh = await extractFeatures(photos, { ...options, cacheDir: join(resumeCache, 'fresh') });
  assert.deepEqual(full.features[0].data, fresh.features[0].data);
  assert.deepEqual(full.features[1].data, fresh.features[1].data);
});

function signatureOf(result: { modelId: string; dim: number }) {
  return {
    modelId: result.modelId,
    width: 64,
    height: 64,
    fit: 'fill',
    flip: false,
    augmentView: 0,
    pooling: 'avg',
    dim: result.dim,
  };
}

test('a bare folder of photos embeds without labels', () => {
  const out = join(root, 'folder-out');
  const result = samebike(
    ['embed', '--images', images, '--out', out, '--size', '96', '--json'],
    cache,
  );
  assert.equal(result.status, 0, result.stderr);
  assert.ok((lastJson(result.stdout).photos as number) >= 12);
});

test('bad photos: fail lists every bad file, skip leaves them out and lists them', () => {
  const dir = join(root, 'bad');
  mkdirSync(join(dir, 'images'), { recursive: true });
  const good = readFileSync(labels, 'utf8').trim().split('\n')[1].split(',')[0];
  copyFileSync(join(images, good), join(dir, 'images', 'good.jpg'));
  writeFileSync(join(dir, 'images', 'empty.jpg'), '');
  writeFileSync(join(dir, 'images', 'text.jpg'), 'this is not a photo');
  const jpeg = readFileSync(join(images, good));
  writeFileSync(join(dir, 'images', 'cut.jpg'), jpeg.subarray(0, Math.floor(jpeg.length / 2)));
  const failed = samebike(
    ['embed', '--images', join(dir, 'images'), '--out', join(dir, 'out')],
    cache,
  );
  assert.equal(failed.status, 1);
  assert.match(failed.stderr, /3 photos could not be decoded/);
  assert.match(failed.stderr, /\[empty\] .*empty\.jpg/);
  assert.match(failed.stderr, /\[truncated\] .*cut\.jpg/);
  assert.match(failed.stderr, /\[not-an-image\] .*text\.jpg/);

  const skipped = samebike(
    [
      'embed',
      '--images',
      join(dir, 'images'),
      '--out',
      join(dir, 'out'),
      '--on-bad-image',
      'skip',
      '--json',
    ],
    cache,
  );
  assert.equal(skipped.status, 0, skipped.stderr);
  assert.equal(lastJson(skipped.stdout).photos, 1);
  const report = readFileSync(join(dir, 'out', 'bad-images.csv'), 'utf8');
  assert.match(report, /^image,reason,message\n/);
  assert.match(report, /cut\.jpg,truncated,/);
  assert.match(report, /empty\.jpg,empty,/);
  assert.match(report, /text\.jpg,not-an-image,/);
});

test('bad options and data name what is wrong', () => {
  const noImages = samebike(['embed', '--out', join(root, 'x')], cache);
  assert.equal(noImages.status, 1);
  assert.match(noImages.stderr, /--images is required/);
  const size = samebike(['embed', '--images', images, '--size', 'big'], cache);
  assert.match(size.stderr, /--size: expected an integer from 32 to 2048, got "big" \(string\)/);
  const csv = join(root, 'bad.csv');
  writeFileSync(csv, 'photo,ad\nmissing.jpg,a1\n');
  const columns = samebike(['embed', '--data', csv, '--images', images], cache);
  assert.equal(columns.status, 1);
  assert.match(columns.stderr, /bad\.csv/);
  assert.match(columns.stderr, /image/);
});
