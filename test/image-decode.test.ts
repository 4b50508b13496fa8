/**
 * Tests of src/image/decode.ts: output size and layout, the three fits, EXIF orientation, colour
 * handling (greyscale, 16-bit, CMYK, ICC, alpha), mirror images and option checks. Fixtures are
 * drawn with sharp in a temporary folder.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import sharp from 'sharp';
import {
  decodeImage,
  decodeImageViews,
  flipHorizontal,
  resolveDecodeOptions,
  setDecoderThreads,
  type DecodedImage,
} from '../src/image/decode.js';
import { createRandom } from '../src/util/rng.js';

const dir = mkdtempSync(join(tmpdir(), 'samebike-decode-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** Raw RGB bytes where `colour(x, y)` gives each pixel. */
function drawRgb(
  width: number,
  height: number,
  colour: (x: number, y: number) => [number, number, number],
): Buffer {
  const data = Buffer.alloc(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const [r, g, b] = colour(x, y);
      const i = (y * width + x) * 3;
      data[i] = r;
      data[i + 1] = g;
      data[i + 2] = b;
    }
  }
  return data;
}

async function writePng(name: string, width: number, height: number, data: Buffer) {
  const path = join(dir, name);
  await sharp(data, { raw: { width, height, channels: 3 } })
    .png()
    .toFile(path);
  return path;
}

function pixel(image: DecodedImage, x: number, y: number): number[] {
  const i = (y * image.width + x) * 3;
  return [image.data[i], image.data[i + 1], image.data[i + 2]];
}

function assertNear(actual: number[], expected: number[], tolerance: number, what: string) {
  for (let c = 0; c < 3; c++) {
    assert.ok(
      Math.abs(actual[c] - expected[c]) <= tolerance,
      `${what}: got [${actual}], expected [${expected}] ± ${tolerance}`,
    );
  }
}

test('a 1200×900 JPEG decodes to 224×224×3 bytes by default', async () => {
  const random = createRandom(7);
  const raw = drawRgb(1200, 900, (x, y) => [x % 256, y % 256, Math.floor(random() * 256)]);
  const path = join(dir, 'big.jpg');
  await sharp(raw, { raw: { width: 1200, height: 900, channels: 3 } })
    .jpeg({ quality: 90 })
    .toFile(path);
  const image = await decodeImage(path);
  assert.equal(image.width, 224);
  assert.equal(image.height, 224);
  assert.equal(image.data.length, 224 * 224 * 3);
  assert.ok(image.data instanceof Uint8Array);
});

test('fit "fill" stretches: left half red and right half blue stay in their halves', async () => {
  const path = await writePng(
    'halves.png',
    100,
    50,
    drawRgb(100, 50, (x) => (x < 50 ? [255, 0, 0] : [0, 0, 255])),
  );
  const image = await decodeImage(path, { width: 20, height: 20, fit: 'fill' });
  // Lanczos resampling rings by a unit or two near the edge between the halves.
  assertNear(pixel(image, 0, 0), [255, 0, 0], 2, 'left');
  assertNear(pixel(image, 7, 19), [255, 0, 0], 2, 'left');
  assertNear(pixel(image, 12, 0), [0, 0, 255], 2, 'right');
  assertNear(pixel(image, 19, 19), [0, 0, 255], 2, 'right');
});

test('fit "pad" letterboxes with the pad colour, also under transparency', async () => {
  const path = await writePng(
    'white.png',
    100,
    50,
    drawRgb(100, 50, () => [255, 255, 255]),
  );
  const image = await decodeImage(path, {
    width: 20,
    height: 20,
    fit: 'pad',
    padColour: [10, 20, 30],
  });
  for (const y of [0, 4, 15, 19]) assert.deepEqual(pixel(image, 10, y), [10, 20, 30], `row ${y}`);
  for (const y of [5, 10, 14]) assert.deepEqual(pixel(image, 10, y), [255, 255, 255], `row ${y}`);
  const grey = await decodeImage(path, { width: 20, height: 20, fit: 'pad' });
  assert.deepEqual(pixel(grey, 0, 0), [128, 128, 128]);

  const clear = join(dir, 'clear.png');
  await sharp({ create: { width: 8, height: 8, channels: 4, background: '#0000' } })
    .png()
    .toFile(clear);
  const padded = await decodeImage(clear, {
    width: 4,
    height: 4,
    fit: 'pad',
    padColour: [1, 2, 3],
  });
  assert.deepEqual(pixel(padded, 2, 2), [1, 2, 3]);
});

test('fit "crop" cuts the centre out: only the middle third of a wide image remains', async () => {
  const colour = (x: number): [number, number, number] =>
    x < 100 ? [255, 0, 0] : x < 200 ? [0, 255, 0] : [0, 0, 255];
  const path = await writePng('thirds.png', 300, 100, drawRgb(300, 100, colour));
  const image = await decodeImage(path, { width: 50, height: 50, fit: 'crop' });
  for (const x of [2, 25, 47]) assertNear(pixel(image, x, 25), [0, 255, 0], 2, `column ${x}`);
});

test('EXIF orientation is applied: orientation 6 turns the picture 90° clockwise', async () => {
  // Stored 64×48: red on the left half, green on the top half.
  const raw = drawRgb(64, 48, (x, y) => [x < 32 ? 255 : 0, y < 24 ? 255 : 0, 0]);
  const path = join(dir, 'rotated.jpg');
  await sharp(raw, { raw: { width: 64, height: 48, channels: 3 } })
    .withMetadata({ orientation: 6 })
    .jpeg({ quality: 95 })
    .toFile(path);
  const image = await decodeImage(path, { width: 48, height: 64 });
  // Displayed 48×64: the stored left (red) is now the top, the stored top (green) the right.
  assertNear(pixel(image, 5, 5), [255, 0, 0], 12, 'top left');
  assertNear(pixel(image, 42, 5), [255, 255, 0], 12, 'top right');
  assertNear(pixel(image, 42, 58), [0, 255, 0], 12, 'bottom right');
  assertNear(pixel(image, 5, 58), [0, 0, 0], 12, 'bottom left');
});

test('a one-channel greyscale PNG decodes to three equal channels', async () => {
  const path = join(dir, 'grey.png');
  await sharp({ create: { width: 16, height: 16, channels: 3, background: '#5a5a5a' } })
    .toColourspace('b-w')
    .png()
    .toFile(path);
  assert.equal((await sharp(path).metadata()).channels, 1);
  const image = await decodeImage(path, { width: 8, height: 8 });
  assert.equal(image.data.length, 8 * 8 * 3);
  assert.deepEqual(pixel(image, 3, 3), [90, 90, 90]);
});

test('a 16-bit PNG decodes to the same colour in 8 bits', async () => {
  const path = join(dir, 'deep.png');
  await sharp({ create: { width: 16, height: 16, channels: 3, background: '#c86432' } })
    .toColourspace('rgb16')
    .png()
    .toFile(path);
  assert.equal((await sharp(path).metadata()).depth, 'ushort');
  const image = await decodeImage(path, { width: 8, height: 8 });
  assert.deepEqual(pixel(image, 4, 4), [200, 100, 50]);
});

test('a CMYK JPEG is converted to sRGB', async () => {
  const path = join(dir, 'cmyk.jpg');
  await sharp({ create: { width: 32, height: 32, channels: 3, background: '#c81e28' } })
    .toColourspace('cmyk')
    .jpeg({ quality: 95 })
    .toFile(path);
  assert.equal((await sharp(path).metadata()).space, 'cmyk');
  const image = await decodeImage(path, { width: 8, height: 8 });
  assertNear(pixel(image, 4, 4), [200, 30, 40], 30, 'CMYK red');
});

test('an embedded Display P3 profile is converted to sRGB, not ignored', async () => {
  const path = join(dir, 'p3.jpg');
  await sharp({ create: { width: 32, height: 32, channels: 3, background: '#c81e28' } })
    .withIccProfile('p3')
    .jpeg({ quality: 95 })
    .toFile(path);
  const decoded = pixel(await decodeImage(path, { width: 8, height: 8 }), 4, 4);
  const ignored = await sharp(path, { ignoreIcc: true }).raw().toBuffer();
  assertNear(decoded, [200, 30, 40], 4, 'P3 red');
  assert.ok(Math.abs(decoded[0] - ignored[0]) > 8, 'the profile made a difference');
});

test('transparency is flattened onto white for fill and crop', async () => {
  const path = join(dir, 'halfred.png');
  await sharp({
    create: { width: 8, height: 8, channels: 4, background: { r: 255, g: 0, b: 0, alpha: 0.5 } },
  })
    .png()
    .toFile(path);
  for (const fit of ['fill', 'crop'] as const) {
    assertNear(
      pixel(await decodeImage(path, { width: 4, height: 4, fit }), 1, 1),
      [255, 128, 128],
      1,
      fit,
    );
  }
});

test('flipHorizontal mirrors each row (hand-checked 3×2 image)', () => {
  const image = {
    width: 3,
    height: 2,
    data: Uint8Array.from([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18]),
  };
  const flipped = flipHorizontal(image);
  assert.deepEqual(
    Array.from(flipped.data),
    [7, 8, 9, 4, 5, 6, 1, 2, 3, 16, 17, 18, 13, 14, 15, 10, 11, 12],
  );
  assert.deepEqual(Array.from(flipHorizontal(flipped).data), Array.from(image.data));
});

test('flip: true gives exactly the mirror of the plain decode', async () => {
  const random = createRandom(3);
  const path = await writePng(
    'noise.png',
    40,
    30,
    drawRgb(40, 30, () => [
      Math.floor(random() * 256),
      Math.floor(random() * 256),
      Math.floor(random() * 256),
    ]),
  );
  const plain = await decodeImage(path, { width: 16, height: 12 });
  const flipped = await decodeImage(path, { width: 16, height: 12, flip: true });
  assert.deepEqual(flipped.data, flipHorizontal(plain).data);
});

test('decodeImageViews returns the photo and its mirror per scale, from bytes or a path', async () => {
  const random = createRandom(4);
  const raw = drawRgb(60, 40, () => [Math.floor(random() * 256), 0, 0]);
  const path = await writePng('views.png', 60, 40, raw);
  const views = await decodeImageViews(path, { width: 20, height: 10, scales: [1, 0.5] });
  assert.deepEqual(
    views.map((v) => [v.width, v.height, v.scale, v.flipped]),
    [
      [20, 10, 1, false],
      [20, 10, 1, true],
      [10, 5, 0.5, false],
      [10, 5, 0.5, true],
    ],
  );
  const plain = await decodeImage(path, { width: 20, height: 10 });
  assert.deepEqual(views[0].data, plain.data);
  assert.deepEqual(views[1].data, flipHorizontal(plain).data);
  assert.deepEqual(views[2].data, (await decodeImage(path, { width: 10, height: 5 })).data);

  const bytes = new Uint8Array(
    await sharp(raw, { raw: { width: 60, height: 40, channels: 3 } })
      .png()
      .toBuffer(),
  );
  const fromBytes = await decodeImageViews(
    { bytes, name: 'upload.png' },
    {
      width: 20,
      height: 10,
      mirror: false,
    },
  );
  assert.equal(fromBytes.length, 1);
  assert.deepEqual(fromBytes[0].data, plain.data);
});

test('invalid options are rejected with the option name, the expectation and the value', async () => {
  const path = await writePng(
    'tiny.png',
    4,
    4,
    drawRgb(4, 4, () => [0, 0, 0]),
  );
  const cases: [object, RegExp][] = [
    [
      { width: 0 },
      /^width: expected an integer number of pixels from 1 to 8192, got 0 \(number\)$/,
    ],
    [{ height: 1.5 }, /^height: expected an integer number of pixels from 1 to 8192, got 1\.5/],
    [{ fit: 'stretch' }, /^fit: expected one of "fill", "pad", "crop", got "stretch" \(string\)$/],
    [{ padColour: [1, 2] }, /^padColour: expected \[red, green, blue\], each an integer 0-255/],
    [{ flip: 'yes' }, /^flip: expected true or false, got "yes" \(string\)$/],
    [{ limitInputPixels: -1 }, /^limitInputPixels: expected a positive integer number of pixels/],
  ];
  for (const [options, message] of cases) {
    await assert.rejects(decodeImage(path, options as never), { name: 'SamebikeError', message });
  }
  await assert.rejects(
    decodeImageViews(path, { scales: [5] }),
    /^SamebikeError: scales: expected a non-empty list/,
  );
  await assert.rejects(decodeImageViews(path, { scales: [] }), /scales: expected/);
  await assert.rejects(
    decodeImageViews(path, { flip: true } as never),
    /^SamebikeError: flip: expected no flip option \(decodeImageViews returns mirror images itself\)/,
  );
  await assert.rejects(
    decodeImage({ bytes: 'x', name: 'a' } as never),
    /source: expected a file path/,
  );
  await assert.rejects(
    decodeImage({ bytes: new Uint8Array(1), name: '' }),
    /^SamebikeError: source\.name: expected a non-empty display name/,
  );
});

test('resolveDecodeOptions fills in the documented defaults', () => {
  assert.deepEqual(resolveDecodeOptions(), {
    width: 224,
    height: 224,
    fit: 'fill',
    padColour: [128, 128, 128],
    flip: false,
    limitInputPixels: 64_000_000,
  });
});

test('setDecoderThreads sets sharp concurrency and rejects non-integers', () => {
  const before = sharp.concurrency();
  try {
    setDecoderThreads(1);
    assert.equal(sharp.concurrency(), 1);
  } finally {
    sharp.concurrency(before);
  }
  assert.throws(
    () => setDecoderThreads(0),
    /^SamebikeError: threads: expected an integer ≥ 1, got 0/,
  );
});

test('a JPEG written to disk decodes identically from its path and from its bytes', async () => {
  const path = join(dir, 'same.jpg');
  const bytes = await sharp({
    create: { width: 30, height: 20, channels: 3, background: '#336699' },
  })
    .jpeg()
    .toBuffer();
  writeFileSync(path, bytes);
  const a = await decodeImage(path, { width: 10, height: 10 });
  const b = await decodeImage({ bytes, name: 'same.jpg' }, { width: 10, height: 10 });
  assert.deepEqual(a.data, b.data);
});
