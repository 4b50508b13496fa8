/**
 * Tests of the report's text helpers: HTML escaping, metric/delta/count/duration formats, the
 * flattened configuration table, the timings table, and the summary's comparisons.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  baseName,
  escapeHtml,
  formatCount,
  formatDelta,
  formatDuration,
  formatMetric,
} from '../src/report/html.js';
import { deltaClass, referenceFinal } from '../src/report/summary.js';
import { flattenConfig, renderConfig, renderTimings } from '../src/report/tables.js';

test('escapeHtml escapes the five HTML-special characters and nothing else', () => {
  assert.equal(
    escapeHtml(`<script>alert("x") & 'y'</script> ü`),
    '&lt;script&gt;alert(&quot;x&quot;) &amp; &#39;y&#39;&lt;/script&gt; ü',
  );
  assert.equal(escapeHtml('&amp;'), '&amp;amp;');
});

test('metrics, deltas, counts and durations have one format each', () => {
  assert.equal(formatMetric(0.7689), '0.769');
  assert.equal(formatMetric(NaN), '–');
  assert.equal(formatMetric(undefined), '–');
  assert.equal(formatDelta(0.1291), '+0.129');
  assert.equal(formatDelta(-0.0214), '\u22120.021');
  assert.equal(formatDelta(0.0004), '±0.000');
  assert.equal(formatDelta(-0.0004), '±0.000');
  assert.equal(formatCount(8313), '8\u2009313');
  assert.equal(formatCount(1234567), '1\u2009234\u2009567');
  assert.equal(formatCount(999), '999');
  assert.equal(formatCount(-4200), '\u22124\u2009200');
  assert.equal(formatDuration(0.423), '0.42 s');
  assert.equal(formatDuration(12.34), '12.3 s');
  assert.equal(formatDuration(245), '4 min 05 s');
  assert.equal(formatDuration(7380), '2 h 03 min');
  assert.equal(formatDuration(-1), '–');
  assert.equal(baseName('/data/photos/bike 1.jpg'), 'bike 1.jpg');
  assert.equal(baseName('C:\\photos\\a.png'), 'a.png');
});

test('deltaClass and referenceFinal', () => {
  assert.equal(deltaClass(0.01), 'up');
  assert.equal(deltaClass(-0.01), 'down');
  assert.equal(deltaClass(0.0004), 'flat');
  assert.equal(deltaClass(NaN), 'flat');
  assert.equal(referenceFinal({ name: 'r', map_at_k_by_epoch: [0.6, 0.7, NaN] }), 0.7);
  assert.equal(referenceFinal({ name: 'r', map_at_k_by_epoch: [] }), undefined);
  assert.equal(referenceFinal(undefined), undefined);
});

test('flattenConfig turns nested settings into dotted keys in order', () => {
  const rows = flattenConfig({
    training: { epochs: 5, learning_rate: 0.001, loss: 'arcface', schedule: { warmup: 0 } },
    folds: ['0', '1'],
    sizes: [224, 320],
    views: [{ name: 'full' }, { name: 'crop', scale: 0.8 }],
    empty: {},
    nothing: null,
    missing: undefined,
    flag: true,
  });
  assert.deepEqual(rows, [
    ['training.epochs', '5'],
    ['training.learning_rate', '0.001'],
    ['training.loss', 'arcface'],
    ['training.schedule.warmup', '0'],
    ['folds', '["0", "1"]'],
    ['sizes', '[224, 320]'],
    ['views[0].name', 'full'],
    ['views[1].name', 'crop'],
    ['views[1].scale', '0.8'],
    ['empty', '{}'],
    ['nothing', 'null'],
    ['flag', 'true'],
  ]);
});

test('renderConfig escapes keys and values; an empty config says so', () => {
  const html = renderConfig({ '<k>': '<script>x</script>' });
  assert.ok(html.includes('<td>&lt;k&gt;</td><td>&lt;script&gt;x&lt;/script&gt;</td>'));
  assert.ok(!html.includes('<script>'));
  assert.match(renderConfig({}), /recorded no configuration/);
});

test('renderTimings shows each stage with its share of the total', () => {
  const html = renderTimings({ embed: 75, train: 25 });
  assert.match(html, /<td>embed<\/td><td class="num">1 min 15 s<\/td><td class="num">75\.0%/);
  assert.match(html, /<td>train<\/td><td class="num">25\.0 s<\/td><td class="num">25\.0%/);
  assert.match(html, /style="width: 100\.0%"/);
  assert.match(html, /style="width: 33\.3%"/);
  assert.match(html, /total.*1 min 40 s/);
});
