/**
 * Tests of the report's gallery and training-chart pieces without a browser: worst-first query
 * selection, thumbnails (size, EXIF orientation, unreadable files), the gallery HTML's marks and
 * placeholder, and the epoch ↔ step mapping behind the step charts' epoch bands.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import sharp from 'sharp';
import { epochBands, epochToStep } from '../src/report/curves.js';
import { galleryPaths, renderGallery, selectGallery } from '../src/report/gallery.js';
import { makeThumbnail, makeThumbnails } from '../src/report/thumbnail.js';
import type { GalleryQuery, StepRecord } from '../src/report/types.js';

function query(label: string, ap: number, matches: boolean[]): GalleryQuery {
  return {
    image: `/photos/${label}.jpg`,
    label,
    ap,
    relevant: 3,
    matches: matches.map((match, i) => ({
      image: `/photos/${label}-${i}.jpg`,
      label: match ? label : `other-${i}`,
      similarity: 0.9 - i / 10,
      match,
    })),
  };
}

test('selectGallery sorts by AP, worst first, keeps ties in order, and applies both limits', () => {
  const gallery = {
    queries: [
      query('a', 0.5, [true, false, true]),
      query('b', 0.1, [false, true]),
      query('c', NaN, [true]),
      query('d', 0.5, [false]),
      query('e', 0.9, [true, true, true]),
    ],
  };
  const all = selectGallery(gallery, 10, 2);
  assert.deepEqual(
    all.queries.map((q) => q.label),
    ['b', 'a', 'd', 'e', 'c'],
  );
  assert.deepEqual(
    all.queries.map((q) => q.matches.length),
    [2, 2, 1, 2, 1],
  );
  assert.equal(all.total, 5);
  const few = selectGallery(gallery, 2, 8);
  assert.deepEqual(
    few.queries.map((q) => q.label),
    ['b', 'a'],
  );
  assert.deepEqual(galleryPaths(few), [
    '/photos/b.jpg',
    '/photos/b-0.jpg',
    '/photos/b-1.jpg',
    '/photos/a.jpg',
    '/photos/a-0.jpg',
    '/photos/a-1.jpg',
    '/photos/a-2.jpg',
  ]);
  assert.equal(gallery.queries[0].matches.length, 3, 'the input is not modified');
});

test('thumbnails fit the size, follow EXIF orientation, and report unreadable files', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'samebike-thumbs-'));
  try {
    const wide = join(dir, 'wide.png');
    await sharp({ create: { width: 400, height: 200, channels: 3, background: '#336699' } })
      .png()
      .toFile(wide);
    // Stored 400×200 but tagged "rotate 90°" (EXIF orientation 6): upright it is 200×400.
    const rotated = join(dir, 'rotated.jpg');
    await sharp({ create: { width: 400, height: 200, channels: 3, background: '#993366' } })
      .jpeg()
      .withMetadata({ orientation: 6 })
      .toFile(rotated);
    const small = join(dir, 'small.png');
    await sharp({ create: { width: 40, height: 30, channels: 4, background: '#00000000' } })
      .png()
      .toFile(small);
    const corrupt = join(dir, 'corrupt.jpg');
    writeFileSync(corrupt, Buffer.from('not a jpeg at all'));

    const thumb = await makeThumbnail(wide, { size: 160 });
    assert.ok(thumb.ok);
    assert.deepEqual([thumb.width, thumb.height], [160, 80]);
    assert.match(thumb.dataUri, /^data:image\/jpeg;base64,\/9j\//);
    const decoded = await sharp(Buffer.from(thumb.dataUri.split(',')[1], 'base64')).metadata();
    assert.deepEqual([decoded.format, decoded.width, decoded.height], ['jpeg', 160, 80]);

    const upright = await makeThumbnail(rotated, { size: 100 });
    assert.ok(upright.ok);
    assert.deepEqual([upright.width, upright.height], [50, 100]);

    const notEnlarged = await makeThumbnail(small, { size: 160 });
    assert.ok(notEnlarged.ok);
    assert.deepEqual([notEnlarged.width, notEnlarged.height], [40, 30]);

    const missing = await makeThumbnail(join(dir, 'missing.jpg'));
    assert.ok(!missing.ok);
    assert.match(missing.reason, /missing/);
    const bad = await makeThumbnail(corrupt);
    assert.ok(!bad.ok);
    assert.ok(bad.reason.length > 0);

    let done = 0;
    const all = await makeThumbnails(
      [wide, corrupt, wide, small],
      { concurrency: 2 },
      () => done++,
    );
    assert.equal(all.size, 3, 'each distinct path once');
    assert.equal(done, 3);
    assert.equal(all.get(corrupt)?.ok, false);
    assert.equal(all.get(small)?.ok, true);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('renderGallery marks matches, escapes labels and shows placeholders', () => {
  const hostile = query('<img src=x onerror=alert(1)>', 0.2, [true, false]);
  const selection = selectGallery({ queries: [hostile, query('ok', 0.7, [])] }, 10, 8);
  const thumbnails = new Map([
    [
      hostile.image,
      { ok: true as const, dataUri: 'data:image/jpeg;base64,AA==', width: 9, height: 7 },
    ],
    [hostile.matches[1].image, { ok: false as const, reason: 'Input file is missing' }],
  ]);
  const html = renderGallery(selection, 50, thumbnails, 120);
  assert.ok(!html.includes('<img src=x'));
  assert.ok(html.includes('&lt;img src=x onerror=alert(1)&gt;'));
  assert.equal(html.match(/<div class="query-row"/g)?.length, 2);
  assert.equal(html.match(/<figure class="thumb match">/g)?.length, 1);
  assert.equal(html.match(/<figure class="thumb no-match">/g)?.length, 1);
  assert.match(html, /class="mark">✓ match<\/span>/);
  assert.match(html, /class="mark">✗ no match<\/span>/);
  assert.match(html, /<img src="data:image\/jpeg;base64,AA==" width="9" height="7"/);
  // Not read (first match) and unreadable (second match) both become placeholders.
  assert.equal(html.match(/class="placeholder"/g)?.length, 3);
  assert.match(html, /title="\/photos\/&lt;img[^"]*-1\.jpg: Input file is missing"/);
  assert.match(html, /no matches returned/);
  assert.match(html, /All 2 queries by AP@50/);
  assert.match(html, /--thumb: 120px; --matches: 8/);
});

function steps(perEpoch: number, epochs: number): StepRecord[] {
  return Array.from({ length: perEpoch * epochs }, (_, i) => ({
    step: i + 1,
    epoch: (i + 1) / perEpoch,
    lr: 0.001,
    loss: 1,
  }));
}

test('epochToStep interpolates the step at which an epoch was reached', () => {
  const s = steps(10, 3);
  assert.equal(epochToStep(s, 0), 0);
  assert.equal(epochToStep(s, 1), 10);
  assert.equal(epochToStep(s, 2.5), 25);
  assert.equal(epochToStep(s, 0.05), 0.5);
  assert.equal(epochToStep(s, 3), 30);
  assert.equal(epochToStep(s, 7), 30, 'beyond the end: the last step');
  assert.equal(epochToStep([], 1), 0);
  // Steps counted from a resumed run (first step 101 at epoch 2.1).
  const resumed = steps(10, 3)
    .slice(20)
    .map((r) => ({ ...r, step: r.step + 80 }));
  assert.equal(epochToStep(resumed, 2.5), 105);
});

test('epochBands gives one band per epoch, ending where the epoch ended', () => {
  assert.deepEqual(epochBands(steps(4, 2)), [
    { from: 0, to: 4, label: 'epoch 1' },
    { from: 4, to: 8, label: 'epoch 2' },
  ]);
  assert.deepEqual(
    epochBands(steps(4, 2).slice(0, 6)).map((b) => b.to),
    [4, 6],
    'an unfinished epoch ends at the last step',
  );
  assert.deepEqual(epochBands([]), []);
});
