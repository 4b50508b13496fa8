import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  averagePool,
  gemPool,
  maxPool,
  poolFeatureMap,
  type FeatureMap,
} from '../src/backbone/pooling.js';
import { createRandom } from '../src/util/rng.js';

function randomMap(n: number, channels: number, height: number, width: number): FeatureMap {
  const random = createRandom(n * 1000 + channels * 100 + height * 10 + width);
  const data = new Float32Array(n * channels * height * width);
  // Mostly positive like post-ReLU activations, with some zeros and negatives for the GeM floor.
  for (let i = 0; i < data.length; i++) data[i] = random() < 0.2 ? -random() : random() * 6;
  return { n, channels, height, width, data };
}

/** Slow reference: index every element by (n, c, y, x) and apply the formula directly. */
function slowPool(map: FeatureMap, reduce: (values: number[]) => number): number[] {
  const out: number[] = [];
  for (let n = 0; n < map.n; n++) {
    for (let c = 0; c < map.channels; c++) {
      const values: number[] = [];
      for (let y = 0; y < map.height; y++) {
        for (let x = 0; x < map.width; x++) {
          values.push(map.data[((n * map.channels + c) * map.height + y) * map.width + x]);
        }
      }
      out.push(reduce(values));
    }
  }
  return out;
}

function assertClose(actual: Float32Array, expected: number[], tolerance: number): void {
  assert.equal(actual.length, expected.length);
  for (let i = 0; i < expected.length; i++) {
    const scale = Math.max(1, Math.abs(expected[i]));
    assert.ok(
      Math.abs(actual[i] - expected[i]) <= tolerance * scale,
      `element ${i}: ${actual[i]} vs ${expected[i]}`,
    );
  }
}

test('average, max and GeM pooling match slow versions', () => {
  for (const [n, c, h, w] of [
    [1, 1, 1, 1],
    [2, 5, 3, 4],
    [3, 7, 7, 7],
  ]) {
    const map = randomMap(n, c, h, w);
    const mean = (v: number[]): number => v.reduce((a, b) => a + b, 0) / v.length;
    assertClose(averagePool(map).data, slowPool(map, mean), 1e-6);
    assertClose(
      maxPool(map).data,
      slowPool(map, (v) => Math.max(...v)),
      0,
    );
    for (const p of [1, 3, 4.5]) {
      const gem = (v: number[]): number => mean(v.map((x) => Math.max(x, 1e-6) ** p)) ** (1 / p);
      assertClose(gemPool(map, p).data, slowPool(map, gem), 1e-6);
    }
    assert.equal(averagePool(map).rows, n);
    assert.equal(averagePool(map).cols, c);
  }
});

test('pooling a hand-computed 1×1×2×2 map', () => {
  const map = { n: 1, channels: 1, height: 2, width: 2, data: Float32Array.of(1, 2, 3, 0) };
  assert.deepEqual(Array.from(averagePool(map).data), [1.5]);
  assert.deepEqual(Array.from(maxPool(map).data), [3]);
  // GeM p = 2: sqrt((1 + 4 + 9 + 1e-12) / 4) = sqrt(3.5).
  assert.ok(Math.abs(gemPool(map, 2).data[0] - Math.sqrt(3.5)) < 1e-6);
  // GeM p = 1 is the average of the floored values.
  assert.ok(Math.abs(gemPool(map, 1).data[0] - 1.5) < 1e-6);
  // GeM defaults to p = 3.
  assert.equal(gemPool(map).data[0], poolFeatureMap(map, { kind: 'gem', p: 3 }).data[0]);
  assert.equal(poolFeatureMap(map, { kind: 'max' }).data[0], 3);
});

test('GeM grows from the average toward the maximum as p increases', () => {
  const map = randomMap(1, 4, 5, 5);
  const average = averagePool(map).data;
  const max = maxPool(map).data;
  let previous = gemPool(map, 1).data;
  for (const p of [2, 4, 8, 32]) {
    const current = gemPool(map, p).data;
    for (let c = 0; c < 4; c++) {
      assert.ok(current[c] >= previous[c] - 1e-6);
      assert.ok(current[c] <= max[c] + 1e-5);
      assert.ok(current[c] >= average[c] - 1e-6);
    }
    previous = current;
  }
});

test('pooling rejects a bad exponent and a map whose size does not match its data', () => {
  const map = randomMap(1, 2, 2, 2);
  assert.throws(() => gemPool(map, 0), /pooling\.p: expected a number > 0, got 0 \(number\)/);
  assert.throws(() => gemPool(map, Number.NaN), /pooling\.p: expected a number > 0/);
  assert.throws(
    () => averagePool({ ...map, channels: 3 }),
    /feature map 1×3×2×2 needs 12 values, got 8/,
  );
});
