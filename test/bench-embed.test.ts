/**
 * The embedding benchmark runs end to end on a handful of demo photos: every figure is reported,
 * ours and the tfjs path compute the same features, its temporary folder is removed, and bad
 * options are refused by name. Wall-clock figures are only checked to be positive numbers.
 */
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { test } from 'node:test';
import { benchEmbed } from '../bench/embed.js';
import { setQuiet } from '../src/util/log.js';

setQuiet(true);

const benchFolders = (): string[] =>
  readdirSync(tmpdir()).filter((name) => name.startsWith('samebike-bench-embed-'));

test('benchEmbed on 8 photos reports every figure and matching features', async () => {
  const before = new Set(benchFolders());
  const lines: string[] = [];
  const figures = await benchEmbed({
    images: 8,
    tfjsImages: 8,
    tfjsBatch: 4,
    log: (line) => lines.push(line),
  });

  assert.equal(figures.images, 8);
  assert.equal(figures.size, 224);
  assert.equal(figures.tfjs_images, 8);
  for (const key of [
    'ours_1_worker_img_s',
    'ours_2_workers_img_s',
    'tfjs_wasm_img_s',
    'tfjs_wasm_end_to_end_img_s',
    'tfjs_wasm_load_s',
    'ratio_2_workers_vs_tfjs_wasm',
    'ours_1_worker_cpu_s',
    'ours_2_workers_cpu_s',
    'peak_rss_mb',
    'peak_rss_with_tfjs_mb',
  ]) {
    assert.ok(Number.isFinite(figures[key]) && figures[key] > 0, `${key} = ${figures[key]}`);
  }
  // Steady rates come from a difference of two timings and may be NaN on a busy machine.
  for (const key of ['ours_1_worker_steady_img_s', 'ours_2_workers_steady_img_s']) {
    assert.equal(typeof figures[key], 'number', key);
  }
  assert.ok(figures.peak_rss_with_tfjs_mb >= figures.peak_rss_mb);
  assert.ok(figures.ours_2_workers_busy_threads >= 1);

  // Same decode, same model: onnxruntime and tfjs-wasm agree to float rounding.
  assert.ok(figures.min_cosine_ours_vs_tfjs > 0.9999, `cosine ${figures.min_cosine_ours_vs_tfjs}`);

  const text = lines.join('\n');
  for (const row of ['ours, 1 worker', 'ours, 2 workers', 'tfjs-wasm, 1 thread', 'peak RSS']) {
    assert.match(text, new RegExp(row), `the table has no "${row}" line`);
  }
  assert.deepEqual(
    benchFolders().filter((name) => !before.has(name)),
    [],
    'temporary folder left behind',
  );
});

test('benchEmbed refuses bad options by name', async () => {
  await assert.rejects(
    benchEmbed({ images: 1 }),
    /images: expected an integer from 2 to 100000, got 1/,
  );
  await assert.rejects(
    benchEmbed({ images: 8, tfjsImages: 9 }),
    /tfjsImages: expected an integer from 1 to 8, got 9/,
  );
  await assert.rejects(benchEmbed({ size: 224.5 }), /size: expected an integer from 32 to 2048/);
});
