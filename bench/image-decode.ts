/**
 * Time per photo of decoding a 1200×900 JPEG (quality 90, photo-like: smooth shading, texture
 * and mild noise, about 200 KB) into the 224×224 backbone input, one photo at a time:
 *
 * - decodeImage with each fit (fill, pad, crop);
 * - decodeImageViews: the photo and its mirror, and three scales with mirrors;
 * - decodeAugmentedViews: 4 augmented views from one decode;
 * - decodeImage with libvips limited to one thread (as in a decode worker).
 *
 * Prints wall-clock and CPU time per photo (CPU time is steadier on a busy machine; with more
 * than one libvips thread it can exceed the wall-clock time).
 *
 * Usage: node dist/bench/image-decode.js [photos, default 40] [a JPEG to use instead]
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { decodeAugmentedViews } from '../src/image/augment.js';
import { decodeImage, decodeImageViews, setDecoderThreads } from '../src/image/decode.js';
import { createRandom } from '../src/util/rng.js';

/** A 1200×900 picture with large smooth shapes, a fine texture and a little noise. */
async function photoLikeJpeg(): Promise<Buffer> {
  const width = 1200;
  const height = 900;
  const random = createRandom(1);
  const raw = Buffer.alloc(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = (y * width + x) * 3;
      const shade = 128 + 90 * Math.sin(x / 140) * Math.cos(y / 110);
      const texture = 12 * Math.sin(x / 3.1 + y / 5.3);
      for (let c = 0; c < 3; c++) {
        const value = shade + texture * (c + 1) * 0.5 + (random() - 0.5) * 10 + c * 20;
        raw[i + c] = Math.max(0, Math.min(255, Math.round(value)));
      }
    }
  }
  return sharp(raw, { raw: { width, height, channels: 3 } })
    .jpeg({ quality: 90 })
    .toBuffer();
}

async function time(label: string, photos: number, run: () => Promise<unknown>): Promise<void> {
  for (let i = 0; i < 3; i++) await run();
  const cpuStart = process.cpuUsage();
  const start = performance.now();
  for (let i = 0; i < photos; i++) await run();
  const wall = (performance.now() - start) / photos;
  const used = process.cpuUsage(cpuStart);
  const cpu = (used.user + used.system) / 1000 / photos;
  console.log(
    `${label.padEnd(52)} ${wall.toFixed(2).padStart(7)} ms/photo wall ` +
      `${cpu.toFixed(2).padStart(7)} ms/photo CPU`,
  );
}

async function main(): Promise<void> {
  const photos = Number(process.argv[2] ?? 40);
  const dir = mkdtempSync(join(tmpdir(), 'samebike-bench-decode-'));
  try {
    const path = join(dir, 'photo.jpg');
    const bytes =
      process.argv[3] !== undefined ? readFileSync(process.argv[3]) : await photoLikeJpeg();
    writeFileSync(path, bytes);
    const meta = await sharp(path).metadata();
    console.log(
      `input ${meta.width}×${meta.height} JPEG, ${(bytes.length / 1024).toFixed(0)} KiB; ` +
        `libvips threads ${sharp.concurrency()}; ${photos} photos per row`,
    );
    for (const fit of ['fill', 'pad', 'crop'] as const) {
      await time(`decodeImage → 224×224, fit ${fit}`, photos, () => decodeImage(path, { fit }));
    }
    await time('decodeImageViews → 224×224 + mirror', photos, () => decodeImageViews(path));
    await time('decodeImageViews → scales 0.75, 1, 1.25 + mirrors', photos, () =>
      decodeImageViews(path, { scales: [0.75, 1, 1.25] }),
    );
    await time('decodeAugmentedViews → 4 views of 224×224', photos, () =>
      decodeAugmentedViews(path, { seed: 1, views: [0, 1, 2, 3] }),
    );
    const threads = sharp.concurrency();
    setDecoderThreads(1);
    await time('decodeImage → 224×224, fill, 1 libvips thread', photos, () => decodeImage(path));
    setDecoderThreads(threads);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
