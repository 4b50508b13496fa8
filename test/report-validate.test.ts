/**
 * Tests that a malformed RunReport or render option is refused with the field's path, what was
 * expected and what arrived, and that measured NaN values are accepted.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { renderReport } from '../src/report/render.js';
import type { Metrics, RunReport } from '../src/report/types.js';
import { validateRenderOptions, validateReport } from '../src/report/validate.js';
import { SamebikeError } from '../src/util/errors.js';

function metrics(): Metrics {
  return {
    map_at_k: 0.5,
    k: 50,
    recall_at_1: 0.6,
    recall_at_5: 0.7,
    recall_at_10: 0.8,
    precision_at_k: 0.2,
    map_at_r: 0.4,
    queries: 10,
    gallery: 40,
  };
}

function minimalReport(): RunReport {
  return {
    title: 'run',
    createdAt: '2024-01-01T00:00:00Z',
    dataSummary: { photos: 50, ads: 10, trainPhotos: 40, queries: 10, gallery: 10, protocol: 'p' },
    config: {},
    metrics: { zeroShot: metrics(), trained: metrics() },
    history: {
      steps: [{ step: 1, epoch: 1, lr: 0.001, loss: 2 }],
      epochs: [{ epoch: 1, loss: 2, lr: 0.001, seconds: 3, metrics: { map_at_k: 0.5 } }],
      bestEpoch: 1,
    },
    gallery: {
      queries: [
        {
          image: '/nowhere/q.jpg',
          label: 'a',
          ap: 0.5,
          relevant: 2,
          matches: [{ image: '/nowhere/m.jpg', label: 'a', similarity: 0.9, match: true }],
        },
      ],
    },
  };
}

/**
 * Sets the field at `path` ("gallery.queries[0].ap"; undefined deletes it) in a fresh minimal
 * report and returns the validation error's message.
 */
function errorOf(path: string, value: unknown): string {
  const report = minimalReport() as unknown as Record<string, unknown>;
  const keys = path.replace(/\[(\d+)\]/g, '.$1').split('.');
  let target = report;
  for (const key of keys.slice(0, -1)) target = target[key] as Record<string, unknown>;
  const last = keys[keys.length - 1];
  if (value === undefined) delete target[last];
  else target[last] = value;
  try {
    validateReport(report);
  } catch (error) {
    assert.ok(error instanceof SamebikeError, 'a SamebikeError');
    return error.message;
  }
  assert.fail(`expected the report with ${path} = ${String(value)} to be refused`);
}

test('a minimal report, and one with NaN measurements, pass', () => {
  validateReport(minimalReport());
  const report = minimalReport();
  report.metrics.zeroShot.map_at_r = NaN;
  report.history.steps[0].loss = Infinity;
  report.gallery.queries[0].ap = NaN;
  validateReport(report);
});

test('bad fields are named with their path, expectation and received value', () => {
  assert.equal(errorOf('title', undefined), 'report.title: expected a string, got nothing');
  assert.equal(
    errorOf('metrics.trained.map_at_k', 1.5),
    'report.metrics.trained.map_at_k: expected a number from 0 to 1, got 1.5 (number)',
  );
  assert.equal(
    errorOf('metrics.zeroShot.k', 0),
    'report.metrics.zeroShot.k: expected an integer ≥ 1, got 0 (number)',
  );
  assert.equal(
    errorOf('dataSummary.photos', '50'),
    'report.dataSummary.photos: expected an integer ≥ 0, got "50" (string)',
  );
  assert.equal(
    errorOf('history.steps[0].step', NaN),
    'report.history.steps[0].step: expected a finite number, got NaN (number)',
  );
  assert.equal(
    errorOf('history.epochs[0].metrics.map_at_k', 'high'),
    'report.history.epochs[0].metrics.map_at_k: expected a number, got "high" (string)',
  );
  assert.equal(
    errorOf('gallery.queries[0].matches[0].match', 'yes'),
    'report.gallery.queries[0].matches[0].match: expected true or false, got "yes" (string)',
  );
  assert.equal(
    errorOf('gallery.queries', {}),
    'report.gallery.queries: expected an array, got {} (object)',
  );
  assert.equal(
    errorOf('reference', { name: 'ref', map_at_k_by_epoch: [0.6, 7] }),
    'report.reference.map_at_k_by_epoch[1]: expected a number from 0 to 1, got 7 (number)',
  );
  assert.equal(
    errorOf('grouping', {
      curve: [],
      chosen: { threshold: 0.5, precision: 0.9, recall: 0.5 },
      target: 2,
    }),
    'report.grouping.target: expected a finite number from 0 to 1, got 2 (number)',
  );
  assert.equal(
    errorOf('grouping', {
      curve: [],
      chosen: { threshold: 0.5, precision: 0.9, recall: 0.5 },
      target: 0.9,
      ads: { curve: [], chosen: { threshold: 0.6, precision: 1.5, recall: 0.5 } },
    }),
    'report.grouping.ads.chosen.precision: expected a number from 0 to 1, got 1.5 (number)',
  );
  assert.equal(
    errorOf('grouping', {
      curve: [],
      chosen: { threshold: 0.5, precision: 0.9, recall: 0.5, precisionInterval: [0.8, 1.2] },
      target: 0.9,
    }),
    'report.grouping.chosen.precisionInterval[1]: expected a finite number from 0 to 1, got 1.2 (number)',
  );
  assert.equal(
    errorOf('timings', { train: -1 }),
    'report.timings.train: expected a finite number ≥ 0, got -1 (number)',
  );
  assert.equal(errorOf('config', []), 'report.config: expected an object, got [] (array)');
});

test('render options are checked', () => {
  validateRenderOptions({ maxQueries: 10, maxMatches: 4, thumbnailSize: 96, jpegQuality: 80 });
  assert.throws(
    () => validateRenderOptions({ maxQueries: 0 }),
    /^SamebikeError: maxQueries: expected an integer ≥ 1, got 0 \(number\)$/,
  );
  assert.throws(
    () => validateRenderOptions({ thumbnailSize: 4000 }),
    /thumbnailSize: expected an integer from 32 to 1024, got 4000 \(number\)/,
  );
  assert.throws(
    () => validateRenderOptions({ maxMatches: 2.5 }),
    /maxMatches: expected an integer from 1 to 100, got 2\.5 \(number\)/,
  );
});

test('renderReport refuses a bad report before reading any photo', async () => {
  const report = minimalReport();
  (report.gallery.queries[0] as unknown as Record<string, unknown>).relevant = -1;
  await assert.rejects(renderReport(report), {
    name: 'SamebikeError',
    message: 'report.gallery.queries[0].relevant: expected an integer ≥ 0, got -1 (number)',
  });
});
