/**
 * Tests of the report's SVG line charts: nice ticks and domains against hand-worked cases, tick
 * labels, min–max decimation against a slow per-bucket version, path data with gaps, and the
 * structure of a rendered chart (series paths, dashes, markers, highlights, escaping).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  decimate,
  formatTick,
  lineChart,
  niceDomain,
  niceTicks,
  pathData,
  type ChartPoint,
} from '../src/report/chart.js';
import { createRandom } from '../src/util/rng.js';

test('niceTicks picks 1, 2, 5 × 10ⁿ steps inside the range', () => {
  assert.deepEqual(niceTicks(0, 1, 5), { ticks: [0, 0.2, 0.4, 0.6, 0.8, 1], step: 0.2 });
  assert.deepEqual(niceTicks(0, 0.001, 4), { ticks: [0, 0.0005, 0.001], step: 0.0005 });
  assert.deepEqual(niceTicks(0, 33000, 6), {
    ticks: [0, 10000, 20000, 30000],
    step: 10000,
  });
  assert.deepEqual(niceTicks(0.61, 0.77, 5), {
    ticks: [0.65, 0.7, 0.75],
    step: 0.05,
  });
  assert.deepEqual(niceTicks(-3, 3, 6), { ticks: [-3, -2, -1, 0, 1, 2, 3], step: 1 });
  assert.deepEqual(niceTicks(0, 2, 6, 1), { ticks: [0, 1, 2], step: 1 });
  assert.deepEqual(niceTicks(5, 5), { ticks: [5], step: 1 });
});

test('niceDomain widens a range to whole tick steps', () => {
  assert.deepEqual(niceDomain(0.613, 0.769, 5), [0.6, 0.8]);
  assert.deepEqual(niceDomain(0, 14.2, 5), [0, 15]);
  assert.deepEqual(niceDomain(0, 33000, 6), [0, 40000]);
  assert.deepEqual(niceDomain(2, 2, 5), [1.8, 2.2]);
  assert.deepEqual(niceDomain(0, 0, 5), [-1, 1]);
  assert.deepEqual(niceDomain(NaN, 1), [0, 1]);
});

test('formatTick writes only the decimals the step needs', () => {
  assert.equal(formatTick(0, 0.2), '0');
  assert.equal(formatTick(0.4, 0.2), '0.4');
  assert.equal(formatTick(0.75, 0.05), '0.75');
  assert.equal(formatTick(0.001, 0.0005), '0.0010');
  assert.equal(formatTick(20000, 10000), '20k');
  assert.equal(formatTick(2500, 500), '2500');
  assert.equal(formatTick(3000000, 1000000), '3M');
  assert.equal(formatTick(-2, 1), '\u22122');
  assert.equal(formatTick(0.00002, 0.00001), '2e-5');
  assert.equal(formatTick(0.000015, 0.000005), '1.5e-5');
});

/** The obvious version: per bucket, filter its points and take the min and the max. */
function decimateSlow(points: ChartPoint[], buckets: number): ChartPoint[] {
  const x0 = points[0].x;
  const span = points[points.length - 1].x - x0;
  const bucketOf = (p: ChartPoint) =>
    Math.min(buckets - 1, Math.max(0, Math.floor(((p.x - x0) / span) * buckets)));
  const out: ChartPoint[] = [];
  for (let b = 0; b < buckets; b++) {
    const inBucket = points.filter((p) => bucketOf(p) === b);
    const finite = inBucket.filter((p) => Number.isFinite(p.y));
    if (finite.length > 0) {
      let low = finite[0];
      let high = finite[0];
      for (const p of finite) {
        if (p.y < low.y) low = p;
        if (p.y > high.y) high = p;
      }
      if (low === high) out.push(low);
      else out.push(...[low, high].sort((a, c) => a.x - c.x));
    }
    const gap = inBucket.find((p) => !Number.isFinite(p.y));
    if (gap) out.push({ x: gap.x, y: NaN });
  }
  return out;
}

test('decimate keeps each bucket’s lowest and highest point, like the slow version', () => {
  const random = createRandom(11);
  const points: ChartPoint[] = [];
  for (let i = 0; i < 5000; i++) {
    const y = i % 997 === 500 ? NaN : Math.sin(i / 300) + random() - 0.5;
    points.push({ x: i * 3, y });
  }
  for (const buckets of [1, 7, 100, 400]) {
    const fast = decimate(points, buckets);
    const slow = decimateSlow(points, buckets);
    assert.equal(fast.length, slow.length, `${buckets} buckets`);
    fast.forEach((p, i) => {
      assert.equal(p.x, slow[i].x);
      assert.ok(Object.is(p.y, slow[i].y), `${buckets} buckets, point ${i}`);
    });
    assert.ok(fast.length <= 3 * buckets);
  }
  const finite = points.filter((p) => Number.isFinite(p.y)).map((p) => p.y);
  const kept = decimate(points, 50)
    .filter((p) => Number.isFinite(p.y))
    .map((p) => p.y);
  assert.equal(Math.min(...kept), Math.min(...finite));
  assert.equal(Math.max(...kept), Math.max(...finite));
});

test('decimate returns short series unchanged', () => {
  const points = [
    { x: 0, y: 1 },
    { x: 1, y: 3 },
    { x: 2, y: 2 },
  ];
  assert.equal(decimate(points, 2), points);
});

test('pathData starts a new sub-path after a gap', () => {
  const d = pathData([
    { x: 0, y: 10 },
    { x: 1.26, y: 20.04 },
    { x: 2, y: NaN },
    { x: 3, y: 5 },
    { x: 4, y: 6 },
  ]);
  assert.equal(d, 'M0 10L1.3 20M3 5L4 6');
});

test('lineChart draws one path per series, dashed where asked, with markers and highlights', () => {
  const svg = lineChart({
    id: 'demo',
    title: 'Demo <chart>',
    xLabel: 'epoch',
    yLabel: 'mAP',
    width: 400,
    height: 260,
    xIntegerTicks: true,
    series: [
      {
        name: 'a<b>',
        points: [
          { x: 0, y: 0.5 },
          { x: 1, y: 0.6 },
          { x: 2, y: 0.7 },
        ],
        markers: true,
      },
      {
        name: 'reference',
        points: [
          { x: 1, y: 0.61 },
          { x: 2, y: 0.72 },
        ],
        dashed: true,
      },
    ],
    xLines: [{ value: 2, label: 'best' }],
    yLines: [{ value: 0.65, label: 'target' }],
    highlights: [{ x: 2, y: 0.7, label: 'best 0.700' }],
  });
  assert.match(svg, /^<svg [^>]*data-chart="demo"/);
  assert.ok(svg.endsWith('</svg>'));
  assert.equal(svg.match(/<path class="series"/g)?.length, 2);
  assert.equal(svg.match(/<circle class="marker"/g)?.length, 3);
  assert.equal(svg.match(/<circle class="highlight"/g)?.length, 1);
  assert.equal(svg.match(/class="annotation"/g)?.length, 2);
  assert.match(svg, /data-series="reference"[^>]*stroke-dasharray="7 4"/);
  assert.doesNotMatch(svg, /data-series="a&lt;b&gt;"[^>]*stroke-dasharray/);
  assert.ok(svg.includes('aria-label="Demo &lt;chart&gt;"'));
  assert.ok(svg.includes('>a&lt;b&gt;</text>'), 'legend text is escaped');
  assert.ok(!svg.includes('<b>'));
  // Integer x ticks 0, 1, 2 and y ticks on 0.05 steps covering 0.5–0.72.
  for (const label of ['>0</text>', '>1</text>', '>2</text>', '>0.50</text>', '>0.75</text>']) {
    assert.ok(svg.includes(label), label);
  }
  assert.ok(!svg.includes('>0.5</text>'));
});

test('lineChart maps data to pixels: the first point sits on the axes’ corner', () => {
  const svg = lineChart({
    id: 'corner',
    title: 't',
    xLabel: 'x',
    yLabel: 'y',
    width: 300,
    height: 200,
    xDomain: [0, 10],
    yDomain: [0, 1],
    series: [
      {
        name: 's',
        points: [
          { x: 0, y: 0 },
          { x: 10, y: 1 },
        ],
      },
    ],
  });
  const d = svg.match(/<path class="series"[^>]* d="M([\d.]+) ([\d.]+)L([\d.]+) ([\d.]+)"/);
  assert.ok(d, 'one straight segment');
  const axis = svg.match(
    /<line x1="([\d.]+)" x2="([\d.]+)" y1="([\d.]+)" y2="\3" stroke="#6b7280"/,
  );
  assert.ok(axis, 'the x axis');
  assert.equal(Number(d[1]), Number(axis[1]), 'x = 0 at the left end of the axis');
  assert.equal(Number(d[2]), Number(axis[3]), 'y = 0 on the axis');
  assert.equal(Number(d[3]), Number(axis[2]), 'x = 10 at the right end');
  assert.equal(300 - Number(d[3]), 16, 'right margin');
});

test('lineChart shows "no data" for empty series and decimates long ones', () => {
  const empty = lineChart({ id: 'e', title: 'e', xLabel: 'x', yLabel: 'y', series: [] });
  assert.ok(empty.includes('>no data</text>'));
  const points = Array.from({ length: 20000 }, (_, i) => ({ x: i, y: Math.sin(i) }));
  const svg = lineChart({
    id: 'long',
    title: 'long',
    xLabel: 'step',
    yLabel: 'loss',
    width: 500,
    series: [{ name: 'loss', points }],
  });
  const d = svg.match(/ d="([^"]*)"/)?.[1] ?? '';
  const segments = d.split(/[ML]/).length - 1;
  assert.ok(segments > 100 && segments <= 1000, `${segments} points drawn`);
  assert.ok(svg.length < 40000, `${svg.length} characters`);
});
