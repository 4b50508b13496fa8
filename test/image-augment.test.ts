/**
 * Tests of src/image/augment.ts: the random choices stay within their documented ranges and
 * repeat exactly per (seed, view); the decoded views follow those choices (crop, mirror,
 * brightness); option checks name the option.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import sharp from 'sharp';
import {
  augmentParameters,
  decodeAugmented,
  decodeAugmentedViews,
  colourJitter,
  type ColourFactors,
} from '../src/image/augment.js';
import { decodeImage, flipHorizontal } from '../src/image/decode.js';
import { createRandom } from '../src/util/rng.js';

const dir = mkdtempSync(join(tmpdir(), 'samebike-augment-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** A smooth 600×450 PNG: red grows left to right, green top to bottom. */
async function gradientPng(): Promise<string> {
  const width = 600;
  const height = 450;
  const raw = Buffer.alloc(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = (y * width + x) * 3;
      raw[i] = Math.round((x / (width - 1)) * 255);
      raw[i + 1] = Math.round((y / (height - 1)) * 255);
      raw[i + 2] = 60;
    }
  }
  const path = join(dir, 'gradient.png');
  await sharp(raw, { raw: { width, height, channels: 3 } })
    .png()
    .toFile(path);
  return path;
}

test('augmentParameters stays within the scale, ratio, flip and jitter ranges', () => {
  const width = 448;
  const height = 336;
  let flips = 0;
  const views = 400;
  for (let view = 0; view < views; view++) {
    const p = augmentParameters(42, view, width, height);
    const { left, top, width: w, height: h } = p.crop;
    assert.ok(left >= 0 && top >= 0 && left + w <= width && top + h <= height, `view ${view}`);
    // Rounding each side to whole pixels moves the area by at most about half a row and column.
    const slack = (w + h) / 2 + 1;
    const area = w * h;
    assert.ok(area >= 0.6 * width * height - slack && area <= width * height, `area ${view}`);
    const aspect = w / h;
    assert.ok(aspect >= 0.75 * (1 - 2 / h) && aspect <= (4 / 3) * (1 + 2 / h), `aspect ${view}`);
    for (const factor of [p.brightness, p.contrast, p.saturation]) {
      assert.ok(factor >= 0.8 && factor <= 1.2, `factor ${factor}`);
    }
    if (p.flip) flips++;
  }
  assert.ok(flips > 0.4 * views && flips < 0.6 * views, `${flips} flips in ${views}`);
});

test('augmentParameters repeats exactly per (seed, view) and differs between them', () => {
  const a = augmentParameters(7, 3, 448, 336);
  assert.deepEqual(augmentParameters(7, 3, 448, 336), a);
  assert.notDeepEqual(augmentParameters(7, 4, 448, 336), a);
  assert.notDeepEqual(augmentParameters(8, 3, 448, 336), a);
});

test('when no random crop fits, the largest centre crop within the ratio is taken', () => {
  // Full area at aspect 1 needs a 173×173 crop, which a 300×100 image cannot hold in 10 tries.
  const p = augmentParameters(1, 0, 300, 100, { scale: [1, 1], ratio: [1, 1] });
  assert.deepEqual(p.crop, { left: 100, top: 0, width: 100, height: 100 });
  const tall = augmentParameters(1, 0, 100, 300, { scale: [1, 1], ratio: [1, 1] });
  assert.deepEqual(tall.crop, { left: 0, top: 100, width: 100, height: 100 });
});

test('jitter 0 and flip probability 0 give factors of exactly 1 and no flips', () => {
  for (let view = 0; view < 20; view++) {
    const p = augmentParameters(5, view, 100, 100, { jitter: 0, flipProbability: 0 });
    assert.deepEqual([p.flip, p.brightness, p.contrast, p.saturation], [false, 1, 1, 1]);
  }
});

/** The jitter written out per pixel and channel, with Math.min/max/round at every step. */
function colourJitterReference(data: Uint8Array, f: ColourFactors): number[] {
  const clamp = (v: number) => Math.max(0, Math.min(255, v));
  const luma = (p: number[]) => 0.299 * p[0] + 0.587 * p[1] + 0.114 * p[2];
  const pixels: number[][] = [];
  for (let i = 0; i < data.length; i += 3) {
    pixels.push([data[i], data[i + 1], data[i + 2]].map((v) => clamp(v * f.brightness)));
  }
  const mean = pixels.reduce((sum, p) => sum + luma(p), 0) / pixels.length;
  const out: number[] = [];
  for (const p of pixels) {
    const contrasted = p.map((v) => clamp(v * f.contrast + mean * (1 - f.contrast)));
    const y = luma(contrasted);
    for (const v of contrasted)
      out.push(Math.round(clamp(v * f.saturation + y * (1 - f.saturation))));
  }
  return out;
}

test('colourJitter matches a per-pixel reference on random images', () => {
  const random = createRandom(12);
  for (let trial = 0; trial < 20; trial++) {
    const data = new Uint8Array(7 * 5 * 3);
    for (let i = 0; i < data.length; i++) data[i] = Math.floor(random() * 256);
    const factors = {
      brightness: 0.6 + 0.8 * random(),
      contrast: 0.6 + 0.8 * random(),
      saturation: 0.6 + 0.8 * random(),
    };
    const fast = Array.from(colourJitter({ data, width: 7, height: 5 }, factors).data);
    const slow = colourJitterReference(data, factors);
    assert.deepEqual(fast, slow, `trial ${trial}`);
  }
});

test('colourJitter on a hand-checked 2-pixel image, and factors of 1 change nothing', () => {
  // Pixels (100, 50, 0) and (200, 150, 100); brightness 1.1 gives (110, 55, 0) and
  // (220, 165, 110), lumas 65.175 and 175.175, mean 120.175. Contrast 0.5: v / 2 + 60.0875 gives
  // (115.0875, 87.5875, 60.0875) and (170.0875, 142.5875, 115.0875). Saturation 0 turns each
  // pixel into its luma: 92.675 and 147.675, rounded 93 and 148.
  const data = Uint8Array.from([100, 50, 0, 200, 150, 100]);
  const out = colourJitter(
    { data, width: 2, height: 1 },
    { brightness: 1.1, contrast: 0.5, saturation: 0 },
  );
  assert.deepEqual(Array.from(out.data), [93, 93, 93, 148, 148, 148]);
  const same = colourJitter(
    { data, width: 2, height: 1 },
    { brightness: 1, contrast: 1, saturation: 1 },
  );
  assert.deepEqual(Array.from(same.data), Array.from(data));
});

test('views are deterministic, sized, and decodeAugmented matches decodeAugmentedViews', async () => {
  const path = await gradientPng();
  const views = await decodeAugmentedViews(path, {
    seed: 9,
    views: [0, 1, 2],
    width: 64,
    height: 48,
  });
  assert.deepEqual(
    views.map((v) => [v.view, v.width, v.height, v.data.length]),
    [
      [0, 64, 48, 64 * 48 * 3],
      [1, 64, 48, 64 * 48 * 3],
      [2, 64, 48, 64 * 48 * 3],
    ],
  );
  const again = await decodeAugmented(path, { seed: 9, view: 1, width: 64, height: 48 });
  assert.deepEqual(again.data, views[1].data);
  assert.deepEqual(again.parameters, views[1].parameters);
  assert.notDeepEqual(views[0].data, views[1].data);
});

test('a full-frame view without jitter matches the plain decode, mirrored when drawn so', async () => {
  const path = await gradientPng();
  const plain = await decodeImage(path, { width: 64, height: 48 });
  const ratio: [number, number] = [4 / 3, 4 / 3];
  for (const flipProbability of [0, 1]) {
    const view = await decodeAugmented(path, {
      seed: 1,
      view: 0,
      width: 64,
      height: 48,
      scale: [1, 1],
      ratio,
      jitter: 0,
      flipProbability,
    });
    // The working image covers 96×96 (1.5 × the longer output side): 128×96 for this photo.
    assert.deepEqual(view.parameters.crop, { left: 0, top: 0, width: 128, height: 96 });
    const expected = flipProbability === 1 ? flipHorizontal(plain) : plain;
    let total = 0;
    for (let i = 0; i < expected.data.length; i++)
      total += Math.abs(view.data[i] - expected.data[i]);
    const meanError = total / expected.data.length;
    assert.ok(meanError < 2, `mean absolute difference ${meanError.toFixed(2)}`);
  }
});

test('each view shows the red values of its crop of the gradient', async () => {
  const path = await gradientPng();
  const views = await decodeAugmentedViews(path, {
    seed: 3,
    views: [0, 1, 2, 3],
    width: 32,
    height: 32,
    scale: [0.36, 0.36],
    ratio: [4 / 3, 4 / 3],
    jitter: 0,
    flipProbability: 0,
  });
  for (const view of views) {
    const { left, width } = view.parameters.crop;
    // The working image is 64×48 for a 32×32 output; red at column x is about 255 x / 63.
    const redLeft = view.data[(16 * 32 + 0) * 3];
    const redRight = view.data[(16 * 32 + 31) * 3];
    assert.ok(Math.abs(redLeft - (255 * left) / 63) < 8, `left edge ${redLeft}, crop at ${left}`);
    const right = (255 * (left + width - 1)) / 63;
    assert.ok(Math.abs(redRight - right) < 8, `right edge ${redRight}, expected ${right}`);
  }
});

test('brightness jitter brightens or darkens a grey photo in the drawn direction', async () => {
  const path = join(dir, 'grey.png');
  await sharp({ create: { width: 64, height: 64, channels: 3, background: '#808080' } })
    .png()
    .toFile(path);
  const views = await decodeAugmentedViews(path, {
    seed: 2,
    views: [0, 1, 2, 3, 4, 5, 6, 7],
    width: 16,
    height: 16,
  });
  let checked = 0;
  for (const view of views) {
    const { brightness } = view.parameters;
    if (Math.abs(brightness - 1) < 0.03) continue;
    const value = view.data[8 * 16 * 3 + 8 * 3];
    assert.equal(Math.sign(value - 128), Math.sign(brightness - 1), `brightness ${brightness}`);
    // Grey has no chroma: saturation leaves the three channels equal.
    assert.ok(
      Math.abs(view.data[0] - view.data[1]) <= 1 && Math.abs(view.data[1] - view.data[2]) <= 1,
    );
    checked++;
  }
  assert.ok(checked >= 4, `only ${checked} views had a clear brightness change`);
});

test('invalid augmentation options are rejected with the option name', async () => {
  const path = await gradientPng();
  const cases: [object, RegExp][] = [
    [{ seed: 1.5, views: [0] }, /^SamebikeError: seed: expected an integer, got 1\.5 \(number\)$/],
    [{ seed: 1, views: [-1] }, /^SamebikeError: views\[0\]: expected an integer ≥ 0, got -1/],
    [{ seed: 1, views: 3 }, /^SamebikeError: views: expected a list of view numbers, got 3/],
    [{ seed: 1, views: [0], scale: [0.5, 2] }, /^SamebikeError: scale: expected \[min, max\] with/],
    [{ seed: 1, views: [0], ratio: [2, 1] }, /^SamebikeError: ratio: expected \[min, max\] with/],
    [{ seed: 1, views: [0], jitter: 1.5 }, /^SamebikeError: jitter: expected a number from 0 to 1/],
    [{ seed: 1, views: [0], flipProbability: -0.1 }, /^SamebikeError: flipProbability: expected/],
    [
      { seed: 1, views: [0], width: 0 },
      /^SamebikeError: width: expected an integer number of pixels/,
    ],
  ];
  for (const [options, message] of cases) {
    await assert.rejects(decodeAugmentedViews(path, options as never), message);
  }
  await assert.rejects(
    decodeAugmented(path, { seed: 1, view: 'a' } as never),
    /^SamebikeError: view: expected an integer ≥ 0, got "a" \(string\)$/,
  );
});
