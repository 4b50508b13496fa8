/**
 * Tests of bad photos: each BadImageReason is produced from a file made for it (zero bytes, a
 * JPEG cut in half, text named .jpg, BMP and ICO files, a PNG over a small pixel limit, a missing
 * path), the signature sniffing that explains failures, and the BadImageCollector policies.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import sharp from 'sharp';
import { decodeAugmented } from '../src/image/augment.js';
import { BadImageError, type BadImageReason } from '../src/image/bad-image-error.js';
import { BAD_IMAGES_FILE, BadImageCollector } from '../src/image/bad-images.js';
import { decodeImage, decodeImageViews } from '../src/image/decode.js';
import { hasEndMarker, sniffFormat, textPreview } from '../src/image/sniff.js';
import { parseCsv } from '../src/util/csv.js';
import { SamebikeError } from '../src/util/errors.js';
import { setQuiet } from '../src/util/log.js';
import { createRandom } from '../src/util/rng.js';

const dir = mkdtempSync(join(tmpdir(), 'samebike-bad-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** A noisy picture, so that its JPEG is large and has many entropy-coded segments. */
async function noisyJpeg(width: number, height: number): Promise<Buffer> {
  const random = createRandom(11);
  const raw = Buffer.alloc(width * height * 3);
  for (let i = 0; i < raw.length; i++) raw[i] = Math.floor(random() * 256);
  return sharp(raw, { raw: { width, height, channels: 3 } })
    .jpeg({ quality: 90 })
    .toBuffer();
}

/** A valid 24-bit BMP (BITMAPINFOHEADER), written byte by byte: 2×2 pixels, rows padded to 4. */
function bmp(): Buffer {
  const rowBytes = 8;
  const pixels = rowBytes * 2;
  const file = Buffer.alloc(54 + pixels);
  file.write('BM', 0, 'ascii');
  file.writeUInt32LE(file.length, 2);
  file.writeUInt32LE(54, 10);
  file.writeUInt32LE(40, 14);
  file.writeInt32LE(2, 18);
  file.writeInt32LE(2, 22);
  file.writeUInt16LE(1, 26);
  file.writeUInt16LE(24, 28);
  file.writeUInt32LE(pixels, 34);
  file.fill(0x80, 54);
  return file;
}

/** An ICO file holding one 1×1 32-bit BMP image. */
function ico(): Buffer {
  const image = Buffer.alloc(40 + 4 + 4);
  image.writeUInt32LE(40, 0);
  image.writeInt32LE(1, 4);
  image.writeInt32LE(2, 8);
  image.writeUInt16LE(1, 12);
  image.writeUInt16LE(32, 14);
  const header = Buffer.alloc(6 + 16);
  header.writeUInt16LE(0, 0);
  header.writeUInt16LE(1, 2);
  header.writeUInt16LE(1, 4);
  header[6] = 1;
  header[7] = 1;
  header.writeUInt16LE(1, 10);
  header.writeUInt16LE(32, 12);
  header.writeUInt32LE(image.length, 14);
  header.writeUInt32LE(22, 18);
  return Buffer.concat([header, image]);
}

async function expectBad(
  promise: Promise<unknown>,
  file: string,
  reason: BadImageReason,
  message: RegExp,
): Promise<BadImageError> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof BadImageError, `expected a BadImageError, got ${String(error)}`);
    assert.ok(error instanceof SamebikeError);
    assert.equal(error.name, 'BadImageError');
    assert.equal(error.file, file);
    assert.equal(error.reason, reason);
    assert.match(error.message, message);
    return error;
  }
  assert.fail(`${file}: expected a BadImageError (${reason})`);
}

test('a zero-byte file is "empty"', async () => {
  const path = join(dir, 'empty.jpg');
  writeFileSync(path, '');
  await expectBad(
    decodeImage(path),
    path,
    'empty',
    /^.*empty\.jpg: empty file \(0 bytes\); re-upload or remove the file$/,
  );
});

test('a JPEG cut in half is "truncated", not decoded grey', async () => {
  const whole = await noisyJpeg(400, 300);
  const path = join(dir, 'half.jpg');
  writeFileSync(path, whole.subarray(0, whole.length >> 1));
  const error = await expectBad(
    decodeImage(path),
    path,
    'truncated',
    /half\.jpg: truncated image data \(sharp: .*premature end of JPEG.*\); re-upload or remove the file$/i,
  );
  assert.ok(!error.message.includes('\n'));
  await expectBad(decodeImageViews(path), path, 'truncated', /truncated image data/);
  await expectBad(decodeAugmented(path, { seed: 1, view: 0 }), path, 'truncated', /truncated/);
});

test('a PNG cut in half is "truncated"', async () => {
  const random = createRandom(5);
  const raw = Buffer.alloc(200 * 100 * 3);
  for (let i = 0; i < raw.length; i++) raw[i] = Math.floor(random() * 256);
  const whole = await sharp(raw, { raw: { width: 200, height: 100, channels: 3 } })
    .png()
    .toBuffer();
  const path = join(dir, 'half.png');
  writeFileSync(path, whole.subarray(0, whole.length >> 1));
  await expectBad(
    decodeImage(path),
    path,
    'truncated',
    /half\.png: truncated image data \(sharp: /,
  );
});

test('a WebP cut short is "truncated" (its RIFF header says how long it should be)', async () => {
  const whole = await sharp(await noisyJpeg(200, 150))
    .webp()
    .toBuffer();
  const path = join(dir, 'half.webp');
  writeFileSync(path, whole.subarray(0, whole.length - 100));
  await expectBad(
    decodeImage(path),
    path,
    'truncated',
    /half\.webp: truncated image data \(sharp: /,
  );
});

test('an HTML page saved as .jpg is "not-an-image", and the message shows its start', async () => {
  const path = join(dir, 'page.jpg');
  writeFileSync(path, '<!DOCTYPE html>\n<html><body>404 Not Found</body></html>\n');
  await expectBad(
    decodeImage(path),
    path,
    'not-an-image',
    /page\.jpg: not an image \(the file holds text starting "<!DOCTYPE html> <html><body>404 Not Foun\.\.\."; JPEG, PNG, WebP, GIF, TIFF, AVIF or SVG expected\); remove the file or replace it with a photo$/,
  );
});

test('unknown binary bytes are "not-an-image", with the first bytes in hex', async () => {
  const path = join(dir, 'blob.png');
  writeFileSync(path, Buffer.from([0x00, 0x01, 0x02, 0x03, 0xfe, 0xff, 0x10, 0x20, 0x30]));
  await expectBad(
    decodeImage(path),
    path,
    'not-an-image',
    /blob\.png: not an image \(the file holds bytes 00 01 02 03 fe ff 10 20; /,
  );
});

test('BMP, ICO and HEIC files are "unsupported-format" and name their format', async () => {
  const files: [string, Buffer, string][] = [
    ['photo.bmp', bmp(), 'BMP'],
    ['favicon.ico', ico(), 'ICO'],
    [
      'phone.heic',
      Buffer.concat([Buffer.from([0, 0, 0, 0x18]), Buffer.from('ftypheic\0\0\0\0mif1heic')]),
      'HEIC',
    ],
  ];
  for (const [name, bytes, format] of files) {
    const path = join(dir, name);
    writeFileSync(path, bytes);
    await expectBad(
      decodeImage(path),
      path,
      'unsupported-format',
      new RegExp(
        `${name.replace('.', '\\.')}: ${format} images cannot be decoded \\(sharp reads JPEG, ` +
          'PNG, WebP, GIF, TIFF, AVIF or SVG\\); convert the file to JPEG or PNG$',
      ),
    );
  }
});

test('a PNG over the pixel limit is "too-many-pixels", with its size and the limit', async () => {
  const path = join(dir, 'large.png');
  await sharp({ create: { width: 100, height: 80, channels: 3, background: '#123456' } })
    .png()
    .toFile(path);
  await expectBad(
    decodeImage(path, { limitInputPixels: 5000 }),
    path,
    'too-many-pixels',
    /large\.png: 100×80 = 8000 pixels is over the decode limit of 5000 pixels; shrink the photo or raise the pixel limit \(limitInputPixels\)$/,
  );
  const decoded = await decodeImage(path, { limitInputPixels: 8000, width: 4, height: 4 });
  assert.equal(decoded.width, 4);
});

test('a missing path or a folder is "unreadable"', async () => {
  const missing = join(dir, 'nowhere', 'gone.jpg');
  await expectBad(
    decodeImage(missing),
    missing,
    'unreadable',
    /gone\.jpg: no such file; check the path and its permissions$/,
  );
  const folder = join(dir, 'folder.jpg');
  mkdirSync(folder);
  await expectBad(
    decodeImage(folder),
    folder,
    'unreadable',
    /folder\.jpg: is a folder, not a file;/,
  );
});

test('in-memory bytes are named by the name given with them', async () => {
  await expectBad(
    decodeImage({ bytes: new Uint8Array(0), name: 'upload from ad 7' }),
    'upload from ad 7',
    'empty',
    /^upload from ad 7: empty file \(0 bytes\)/,
  );
});

test('sniffFormat recognises signatures and says which formats sharp reads', () => {
  const cases: [number[] | string, string | undefined, boolean | undefined][] = [
    [[0xff, 0xd8, 0xff, 0xe0], 'JPEG', true],
    [[0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a], 'PNG', true],
    ['GIF89a', 'GIF', true],
    ['RIFF\0\0\0\0WEBPVP8 ', 'WebP', true],
    [[0x49, 0x49, 0x2a, 0x00], 'TIFF', true],
    ['\0\0\0\x1cftypavif', 'AVIF', true],
    ['\0\0\0\x1cftypheic', 'HEIC', false],
    ['8BPS\0\x01', 'PSD', false],
    ['%PDF-1.7', 'PDF', false],
    [[0x00, 0x00, 0x01, 0x00, 0x01], 'ICO', false],
    ['hello', undefined, undefined],
  ];
  for (const [start, name, supported] of cases) {
    const bytes = typeof start === 'string' ? Buffer.from(start, 'latin1') : Uint8Array.from(start);
    const format = sniffFormat(bytes);
    assert.equal(format?.name, name, String(start));
    assert.equal(format?.supported, supported, String(start));
  }
  assert.equal(sniffFormat(bmp())?.name, 'BMP');
});

test('hasEndMarker finds JPEG, PNG and GIF end markers and checks WebP lengths', () => {
  const jpeg = sniffFormat(Uint8Array.from([0xff, 0xd8, 0xff]));
  assert.equal(hasEndMarker(jpeg, Uint8Array.from([0xff, 0xd8, 0xff, 1, 2, 0xff, 0xd9])), true);
  assert.equal(
    hasEndMarker(jpeg, Uint8Array.from([0xff, 0xd8, 0xff, 1, 2, 0xff, 0xd9, 0, 0])),
    true,
  );
  assert.equal(hasEndMarker(jpeg, Uint8Array.from([0xff, 0xd8, 0xff, 1, 2, 3])), false);
  const png = sniffFormat(Uint8Array.from([0x89, 0x50, 0x4e, 0x47]));
  assert.equal(hasEndMarker(png, Buffer.from('\x89PNG....IEND\xaeB`\x82', 'latin1')), true);
  assert.equal(hasEndMarker(png, Buffer.from('\x89PNG....IDAT', 'latin1')), false);
  const webp = Buffer.from('RIFF\x0c\0\0\0WEBPVP8 ....', 'latin1');
  assert.equal(hasEndMarker(sniffFormat(webp), webp), true);
  assert.equal(hasEndMarker(sniffFormat(webp), webp.subarray(0, 19)), false);
  assert.equal(hasEndMarker(undefined, Uint8Array.from([1, 2])), true);
});

test('textPreview shows the start of text and nothing for binary data', () => {
  assert.equal(textPreview(Buffer.from('  hello\r\n  world  ')), 'hello world');
  assert.equal(textPreview(Buffer.from('x'.repeat(50))), `${'x'.repeat(40)}...`);
  assert.equal(textPreview(Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a])), undefined);
  assert.equal(textPreview(new Uint8Array(0)), undefined);
});

/** Decodes the files in `dir` through a collector, as a pass over a data set would. */
async function pass(collector: BadImageCollector, names: string[]): Promise<number> {
  let decoded = 0;
  for (const name of names) {
    const result = await collector.guard(name, () => decodeImage(join(dir, 'pass', name)));
    if (result !== undefined) decoded++;
  }
  return decoded;
}

async function makePassFolder(): Promise<string[]> {
  const folder = join(dir, 'pass');
  mkdirSync(folder, { recursive: true });
  await sharp({ create: { width: 8, height: 8, channels: 3, background: '#808080' } })
    .png()
    .toFile(join(folder, 'good.png'));
  writeFileSync(join(folder, 'zero.jpg'), '');
  writeFileSync(join(folder, 'notes.jpg'), 'just some notes');
  const whole = await noisyJpeg(200, 150);
  writeFileSync(join(folder, 'cut.jpg'), whole.subarray(0, whole.length >> 1));
  return ['zero.jpg', 'good.png', 'notes.jpg', 'missing.jpg', 'cut.jpg'];
}

test('policy "fail" finishes the pass, then throws one error listing every bad photo', async () => {
  const names = await makePassFolder();
  const collector = new BadImageCollector('fail');
  assert.equal(await pass(collector, names), 1);
  assert.equal(collector.size, 4);
  assert.throws(
    () => collector.finish(),
    (error: unknown) => {
      assert.ok(error instanceof SamebikeError);
      const lines = error.message.split('\n');
      assert.equal(lines[0], '4 photos could not be decoded:');
      assert.equal(lines.length, 5);
      assert.match(lines[1], /^ {2}\[truncated\] .*cut\.jpg: truncated image data/);
      assert.match(lines[2], /^ {2}\[unreadable\] .*missing\.jpg: no such file/);
      assert.match(lines[3], /^ {2}\[not-an-image\] .*notes\.jpg: not an image/);
      assert.match(lines[4], /^ {2}\[empty\] .*zero\.jpg: empty file/);
      assert.match(error.hint ?? '', /choose the "skip" policy/);
      return true;
    },
  );
  assert.deepEqual(new BadImageCollector('fail').finish(), []);
});

test('policy "skip" writes bad-images.csv (image, reason, message) and returns the list', async () => {
  const names = await makePassFolder();
  const out = join(dir, 'out');
  const collector = new BadImageCollector('skip');
  assert.equal(await pass(collector, names), 1);
  setQuiet(true);
  const records = collector.finish(out);
  assert.deepEqual(
    records.map((r) => [r.image, r.reason]),
    [
      ['cut.jpg', 'truncated'],
      ['missing.jpg', 'unreadable'],
      ['notes.jpg', 'not-an-image'],
      ['zero.jpg', 'empty'],
    ],
  );
  const table = parseCsv(readFileSync(join(out, BAD_IMAGES_FILE), 'utf8'), BAD_IMAGES_FILE);
  assert.deepEqual(table.header, ['image', 'reason', 'message']);
  assert.deepEqual(
    table.rows.map((r) => r.cells),
    records.map((r) => [r.image, r.reason, r.message]),
  );

  // A clean run leaves a header-only file, so no stale list survives.
  assert.deepEqual(new BadImageCollector('skip').finish(out), []);
  assert.equal(readFileSync(join(out, BAD_IMAGES_FILE), 'utf8'), 'image,reason,message\n');
});

test('the collector checks its policy and folder and lets other errors through', async () => {
  assert.throws(
    () => new BadImageCollector('ignore' as never),
    /^SamebikeError: onBadImage: expected one of "fail", "skip", got "ignore" \(string\)$/,
  );
  assert.throws(
    () => new BadImageCollector('skip').finish(),
    /^SamebikeError: folder: expected the output folder for bad-images\.csv, got nothing$/,
  );
  const collector = new BadImageCollector('skip');
  await assert.rejects(
    collector.guard('a.jpg', () => Promise.reject(new RangeError('a bug'))),
    /^RangeError: a bug$/,
  );
  assert.equal(collector.size, 0);
  collector.record(new BadImageError('x.jpg', 'empty', 'empty file (0 bytes)', 'remove it'));
  assert.deepEqual(collector.records, [
    { image: 'x.jpg', reason: 'empty', message: 'x.jpg: empty file (0 bytes); remove it' },
  ]);
  const restored = BadImageError.restore('y.jpg', 'truncated', 'y.jpg: truncated; re-upload');
  assert.ok(restored instanceof BadImageError);
  assert.deepEqual(
    [restored.file, restored.reason, restored.message],
    ['y.jpg', 'truncated', 'y.jpg: truncated; re-upload'],
  );
});
