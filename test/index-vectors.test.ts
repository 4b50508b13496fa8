import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  blobToVector,
  dot,
  l2Norm,
  normalized,
  quantizeInt8,
  sameBytes,
  vectorToBlob,
} from '../src/index/vectors.js';
import { ClusteredSource } from '../src/index/synthetic.js';

test('normalized divides by the L2 norm and rejects zero and non-finite vectors', () => {
  const unit = normalized(Float32Array.from([3, 4])) as Float32Array;
  assert.deepEqual(Array.from(unit), [Math.fround(0.6), Math.fround(0.8)]);
  assert.ok(Math.abs(l2Norm(unit) - 1) < 1e-7);
  assert.equal(normalized(new Float32Array(3)), undefined);
  assert.equal(normalized(Float32Array.from([1, NaN])), undefined);
  assert.equal(normalized(Float32Array.from([1, Infinity])), undefined);
  assert.equal(dot(Float32Array.from([1, 2, 3]), Float32Array.from([4, 5, 6])), 32);
});

test("quantizeInt8 maps each row's largest component to ±127 and rounds the rest", () => {
  const data = Float32Array.from([0.5, -0.25, 0.1, 0, 0, 0, -2, 1, 0.5]);
  const q = quantizeInt8(data, 3);
  assert.deepEqual(Array.from(q), [127, -64, 25, 0, 0, 0, -127, 64, 32]);
});

test('quantizeInt8 keeps cosine similarities of 512-d unit vectors within 0.01', () => {
  const source = new ClusteredSource({ dimensions: 512, clusters: 4, seed: 3 });
  const m = source.members(8, 4);
  const q = quantizeInt8(m.data, 512);
  for (let a = 0; a < 8; a++) {
    for (let b = 0; b < 8; b++) {
      const x = m.data.subarray(a * 512, (a + 1) * 512);
      const y = m.data.subarray(b * 512, (b + 1) * 512);
      let qq = 0;
      let qa = 0;
      let qb = 0;
      for (let i = 0; i < 512; i++) {
        qq += q[a * 512 + i] * q[b * 512 + i];
        qa += q[a * 512 + i] ** 2;
        qb += q[b * 512 + i] ** 2;
      }
      assert.ok(Math.abs(dot(x, y) - qq / Math.sqrt(qa * qb)) < 0.01, `pair ${a},${b}`);
    }
  }
});

test('vector blobs round-trip and reject the wrong length', () => {
  const vector = Float32Array.from([1.5, -2, 3.25]);
  const blob = vectorToBlob(vector);
  assert.equal(blob.length, 12);
  assert.deepEqual(Array.from(blobToVector(blob, 3) as Float32Array), [1.5, -2, 3.25]);
  assert.equal(blobToVector(blob, 4), undefined);
  const target = new Float32Array(6);
  blobToVector(blob, 3, target, 3);
  assert.deepEqual(Array.from(target), [0, 0, 0, 1.5, -2, 3.25]);
  // An unaligned copy (as SQLite may hand back) reads the same.
  const unaligned = Buffer.alloc(13);
  blob.copy(unaligned, 1);
  assert.deepEqual(
    Array.from(blobToVector(unaligned.subarray(1), 3) as Float32Array),
    [1.5, -2, 3.25],
  );
  assert.ok(sameBytes(blob, vectorToBlob(Float32Array.from([1.5, -2, 3.25]))));
  assert.ok(!sameBytes(blob, vectorToBlob(Float32Array.from([1.5, -2, 3.5]))));
});

test('ClusteredSource members are unit-length, seeded, chunkable and near their cluster', () => {
  const source = new ClusteredSource({ dimensions: 64, clusters: 10, seed: 5 });
  const a = source.members(30, 1);
  const b = source.members(30, 1);
  assert.deepEqual(a.data, b.data);
  const chunk = new Float32Array(10 * 64);
  source.fillMembers(chunk, 20, 10, 1, (row) => row % 10);
  assert.deepEqual(chunk, a.data.slice(20 * 64));
  for (let i = 0; i < 30; i++) {
    const v = a.data.subarray(i * 64, (i + 1) * 64);
    assert.ok(Math.abs(l2Norm(v) - 1) < 1e-5);
    const centre = source.centres.data.subarray((i % 10) * 64, ((i % 10) + 1) * 64);
    // Member spread 0.5 → cosine to the centre about 1/√1.25 ≈ 0.89.
    assert.ok(dot(v, centre) > 0.75, `member ${i}: ${dot(v, centre)}`);
  }
  assert.notDeepEqual(source.members(30, 2).data, a.data);
});

test('ClusteredSource familyDimensions widens the cosine spread of unrelated bicycles', () => {
  // One photo per cluster, 10 clusters per family: compare photos of different families only.
  const spread = (familyDimensions?: number) => {
    const source = new ClusteredSource({
      dimensions: 512,
      clusters: 400,
      familyDimensions,
      seed: 9,
    });
    const photos = source.members(400, 1);
    const values: number[] = [];
    for (let i = 0; i < 400; i++) {
      for (let j = i + 1; j < 400; j += 7) {
        if (source.familyOf[i] === source.familyOf[j]) continue;
        const a = photos.data.subarray(i * 512, (i + 1) * 512);
        values.push(dot(a, photos.data.subarray(j * 512, (j + 1) * 512)));
      }
    }
    const mean = values.reduce((s, v) => s + v, 0) / values.length;
    const variance = values.reduce((s, v) => s + (v - mean) ** 2, 0) / values.length;
    return { mean, std: Math.sqrt(variance) };
  };
  const orthogonal = spread();
  const narrow = spread(48);
  // All 512 dimensions: about 1/√512 ≈ 0.044; families in 48 dimensions: about 0.08.
  assert.ok(Math.abs(orthogonal.std - 0.044) < 0.006, `default spread ${orthogonal.std}`);
  assert.ok(Math.abs(narrow.std - 0.08) < 0.01, `48-dimension spread ${narrow.std}`);
  assert.ok(Math.abs(orthogonal.mean) < 0.01 && Math.abs(narrow.mean) < 0.01);
});
