import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  BIKE_TYPES,
  bikeGeometry,
  distanceToSegment,
  drawBike,
  randomBike,
  similarBike,
  type Geometry,
} from '../src/demo/bike.js';
import { planDemoAds, SIMILAR_MODEL_RATE } from '../src/demo/index.js';
import { createRandom } from '../src/util/rng.js';

const upright: Geometry = {
  beadRadius: 300,
  tyre: 40,
  chainstay: 410,
  bbDrop: 70,
  seatAngle: 90,
  seatTube: 500,
  headAngle: 90,
  headTube: 150,
  forkLength: 380,
  forkRake: 0,
  frontCentre: 600,
  saddleHeight: 700,
  spacers: 20,
  stem: 100,
  stemAngle: 0,
  topTubeDrop: 0,
};

test('bikeGeometry places the points of a hand-checked upright frame', () => {
  const p = bikeGeometry(upright);
  const near = (a: { x: number; y: number }, x: number, y: number, what: string) => {
    assert.ok(Math.abs(a.x - x) < 1e-9 && Math.abs(a.y - y) < 1e-9, `${what}: ${a.x}, ${a.y}`);
  };
  near(p.rearAxle, -Math.sqrt(410 ** 2 - 70 ** 2), -70, 'rear axle');
  near(p.frontAxle, 600, -70, 'front axle');
  near(p.headBottom, 600, -450, 'head tube bottom');
  near(p.headTop, 600, -600, 'head tube top');
  near(p.seatTop, 0, -500, 'seat tube top');
  near(p.saddle, 0, -700, 'saddle');
  near(p.steererTop, 600, -620, 'steerer top');
  near(p.barClamp, 700, -620, 'bar clamp');
  assert.equal(p.tyreRadius, 340);
  assert.equal(p.groundY, 270);
});

test('distanceToSegment measures to the nearest point, ends included', () => {
  const a = { x: 0, y: 0 };
  const b = { x: 10, y: 0 };
  assert.equal(distanceToSegment({ x: 5, y: 3 }, a, b), 3);
  assert.equal(distanceToSegment({ x: 13, y: 4 }, a, b), 5);
  assert.equal(distanceToSegment({ x: -3, y: -4 }, a, b), 5);
});

test('random bikes of every type keep their tyres clear of the frame', () => {
  const random = createRandom(11);
  const seen = new Set<string>();
  for (let i = 0; i < 400; i++) {
    const bike = randomBike(random);
    seen.add(bike.type);
    const p = bikeGeometry(bike.geometry);
    const front = distanceToSegment(p.frontAxle, p.bb, p.downTubeHead);
    const rear = distanceToSegment(p.rearAxle, p.bb, p.seatTop);
    assert.ok(front > p.tyreRadius + 20, `${bike.type} ${i}: front tyre hits the down tube`);
    assert.ok(rear > p.tyreRadius + 15, `${bike.type} ${i}: rear tyre hits the seat tube`);
    assert.ok(p.saddle.y < p.seatTop.y, `${bike.type} ${i}: saddle below the seat tube top`);
    const crown = {
      x: p.headBottom.x + p.steerNormal.x * bike.geometry.forkRake,
      y: p.headBottom.y + p.steerNormal.y * bike.geometry.forkRake,
    };
    const crownGap = Math.hypot(crown.x - p.frontAxle.x, crown.y - p.frontAxle.y) - p.tyreRadius;
    assert.ok(crownGap > 10, `${bike.type} ${i}: the fork crown touches the tyre`);
    assert.ok(p.groundY > 0, `${bike.type} ${i}: bottom bracket under the ground`);
  }
  assert.deepEqual([...seen].sort(), [...BIKE_TYPES].sort());
});

test('the non-drive side is the mirror image with readable decals', () => {
  const bike = randomBike(createRandom(5), { type: 'hardtail' });
  const drive = drawBike(bike, 'drive');
  const other = drawBike(bike, 'non-drive');
  assert.deepEqual(other.box, {
    minX: -drive.box.maxX,
    maxX: -drive.box.minX,
    minY: drive.box.minY,
    maxY: drive.box.maxY,
  });
  assert.deepEqual(other.parts['rear-wheel'].centre, {
    x: -drive.parts['rear-wheel'].centre.x,
    y: drive.parts['rear-wheel'].centre.y,
  });
  assert.ok(other.svg.startsWith('<g transform="scale(-1 1)">'));
  assert.ok(other.svg.includes(' scale(-1 1)" x="0"'), 'decal text is flipped back');
  assert.ok(drive.svg.includes(`>${bike.decal.brand}</text>`));
  assert.ok(other.svg.includes(`>${bike.decal.brand}</text>`));
  assert.notEqual(drive.svg.replace('<g transform="scale(-1 1)">', ''), other.svg);
});

test('the drawing is a pure function of the spec', () => {
  const bike = randomBike(createRandom(21));
  assert.equal(drawBike(bike, 'drive', 30).svg, drawBike(bike, 'drive', 30).svg);
  assert.notEqual(drawBike(bike, 'drive', 30).svg, drawBike(bike, 'drive', 60).svg);
});

test('a similar model keeps type, colour family and wheel size and changes details', () => {
  const random = createRandom(3);
  for (let i = 0; i < 50; i++) {
    const base = randomBike(random);
    const similar = similarBike(random, base);
    assert.equal(similar.type, base.type);
    assert.equal(similar.colourFamily, base.colourFamily);
    assert.equal(similar.geometry.beadRadius, base.geometry.beadRadius);
    assert.notDeepEqual(similar, base);
  }
});

test('ads that are not similar models differ in type, colour family or brand', () => {
  const ads = planDemoAds({ ads: 300, outDir: 'unused', seed: 1 });
  const similar = ads.filter((ad) => ad.similarTo !== undefined).length;
  assert.ok(Math.abs(similar / ads.length - SIMILAR_MODEL_RATE) < 0.04, `${similar} similar`);
  const related = (a: number, b: number) =>
    ads[a].similarTo === ads[b].label || ads[b].similarTo === ads[a].label;
  for (let a = 0; a < ads.length; a++) {
    for (let b = a + 1; b < ads.length; b++) {
      if (related(a, b)) continue;
      const x = ads[a].bike;
      const y = ads[b].bike;
      const same =
        x.type === y.type && x.colourFamily === y.colourFamily && x.decal.brand === y.decal.brand;
      assert.ok(!same, `${ads[a].label} and ${ads[b].label} look alike`);
    }
  }
});
