import assert from 'node:assert/strict';
import { test } from 'node:test';
import { randomBike } from '../src/demo/bike.js';
import { hslToHex, luminance, mix, shade } from '../src/demo/colour.js';
import {
  colourTransform,
  developPixels,
  photoLayers,
  planPhotos,
  type PhotoPlan,
} from '../src/demo/photo.js';
import { mixSeed, weightedPick } from '../src/demo/random.js';
import { randomScene } from '../src/demo/scene.js';
import { createRandom } from '../src/util/rng.js';

test('hslToHex, mix and shade match hand-computed colours', () => {
  assert.equal(hslToHex(0, 1, 0.5), '#ff0000');
  assert.equal(hslToHex(120, 1, 0.25), '#008000');
  assert.equal(hslToHex(240, 1, 0.5), '#0000ff');
  assert.equal(hslToHex(-60, 1, 0.5), '#ff00ff');
  assert.equal(hslToHex(30, 0, 1), '#ffffff');
  assert.equal(mix('#000000', '#ffffff', 0.5), '#808080');
  assert.equal(shade('#204060', 0.5), '#90a0b0');
  assert.equal(shade('#204060', -0.5), '#102030');
  assert.equal(luminance('#ffffff'), 1);
});

test('mixSeed separates neighbouring streams and repeats itself', () => {
  assert.equal(mixSeed(1, 2, 3), mixSeed(1, 2, 3));
  const seeds = new Set<number>();
  for (let ad = 0; ad < 100; ad++)
    for (let purpose = 0; purpose < 4; purpose++) seeds.add(mixSeed(1, ad, purpose));
  assert.equal(seeds.size, 400);
});

test('weightedPick draws in proportion to the weights', () => {
  const random = createRandom(2);
  const counts = { a: 0, b: 0, c: 0 };
  const items = [
    ['a', 1],
    ['b', 3],
    ['c', 6],
  ] as const;
  for (let i = 0; i < 20000; i++) counts[weightedPick(random, items)]++;
  assert.ok(Math.abs(counts.a / 20000 - 0.1) < 0.01, `a ${counts.a}`);
  assert.ok(Math.abs(counts.b / 20000 - 0.3) < 0.015, `b ${counts.b}`);
  assert.ok(Math.abs(counts.c / 20000 - 0.6) < 0.015, `c ${counts.c}`);
});

const neutral: PhotoPlan = {
  kind: 'side',
  side: 'drive',
  squash: 1,
  skew: 0,
  fill: 0.9,
  offsetX: 0,
  offsetY: 0,
  roll: 0,
  pan: 0,
  wheelTurn: 0,
  brightness: 1,
  contrast: 1,
  saturation: 1,
  temperature: 0,
  blur: 0,
  backgroundBlur: 0,
  vignette: 0,
  noise: 0,
  noiseSeed: 1,
  quality: 80,
};

test('colourTransform is the identity for a neutral shot and keeps mid-grey under contrast', () => {
  const identity = colourTransform(neutral);
  assert.deepEqual(identity.matrix, [
    [1, 0, 0],
    [0, 1, 0],
    [0, 0, 1],
  ]);
  assert.deepEqual(identity.offset, [0, 0, 0]);

  const grey = colourTransform({ ...neutral, contrast: 0.6, saturation: 0.3 });
  for (let c = 0; c < 3; c++) {
    const out = grey.matrix[c].reduce((sum, m) => sum + m * 128, 0) + grey.offset[c];
    assert.ok(Math.abs(out - 128) < 1e-9, `channel ${c}: ${out}`);
  }

  const flat = colourTransform({ ...neutral, saturation: 0 });
  for (const row of flat.matrix)
    assert.deepEqual(
      row.map((v) => Math.round(v * 1000) / 1000),
      [0.299, 0.587, 0.114],
    );

  const warm = colourTransform({ ...neutral, temperature: 1 });
  assert.ok(warm.matrix[0][0] > 1 && warm.matrix[2][2] < 1);
});

test('developPixels matches a per-pixel reference without noise', () => {
  const plan = { ...neutral, brightness: 1.13, contrast: 0.91, saturation: 1.2, temperature: -0.4 };
  const random = createRandom(4);
  const pixels = new Uint8Array(3 * 500);
  for (let i = 0; i < pixels.length; i++) pixels[i] = Math.floor(random() * 256);
  const expected = new Uint8Array(pixels.length);
  const { matrix, offset } = colourTransform(plan);
  for (let i = 0; i < pixels.length; i += 3) {
    for (let c = 0; c < 3; c++) {
      let v = offset[c];
      for (let k = 0; k < 3; k++) v += matrix[c][k] * pixels[i + k];
      expected[i + c] = Math.min(255, Math.max(0, Math.round(v)));
    }
  }
  developPixels(pixels, plan);
  for (let i = 0; i < pixels.length; i++) {
    assert.ok(Math.abs(pixels[i] - expected[i]) <= 1, `value ${i}: ${pixels[i]} vs ${expected[i]}`);
  }
});

test('planPhotos starts with a whole side view and mixes both sides and close-ups', () => {
  const random = createRandom(9);
  const scene = randomScene(random);
  const kinds = new Map<string, number>();
  const sides = new Set<string>();
  for (let ad = 0; ad < 200; ad++) {
    const plans = planPhotos(random, 6, scene);
    assert.equal(plans.length, 6);
    assert.equal(plans[0].kind, 'side');
    for (const plan of plans) {
      kinds.set(plan.kind, (kinds.get(plan.kind) ?? 0) + 1);
      sides.add(plan.side);
      assert.equal(plan.kind === 'close-up', plan.part !== undefined);
      assert.ok(plan.quality >= 60 && plan.quality <= 95);
    }
  }
  assert.deepEqual([...sides].sort(), ['drive', 'non-drive']);
  for (const kind of ['side', 'three-quarter', 'close-up'])
    assert.ok((kinds.get(kind) ?? 0) > 100, kind);
});

test('close-ups draw the background small (to blur it) and the bike on top', () => {
  const random = createRandom(12);
  const bike = randomBike(random);
  const scene = randomScene(random);
  const whole = photoLayers(bike, scene, neutral, 480, 360);
  assert.equal(whole.bike, undefined);
  assert.deepEqual([whole.sceneWidth, whole.sceneHeight], [480, 360]);
  assert.ok(whole.scene.includes(bike.decal.brand));

  const close = photoLayers(
    bike,
    scene,
    { ...neutral, kind: 'close-up', part: 'saddle', backgroundBlur: 3, fill: 1 },
    480,
    360,
  );
  assert.deepEqual([close.sceneWidth, close.sceneHeight], [160, 120]);
  assert.ok(
    close.scene.startsWith(
      '<svg xmlns="http://www.w3.org/2000/svg" width="160" height="120" viewBox="0 0 480 360">',
    ),
  );
  assert.ok(close.bike?.includes('<g transform="translate(240 180)'));
});
