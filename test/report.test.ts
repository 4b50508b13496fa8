/**
 * End-to-end test of report.html: builds a RunReport from small generated data (coloured photos
 * made with sharp in a temp folder, one ad per colour; a 3-epoch history with a cosine learning
 * rate and a noisy falling loss; a gallery whose queries have known APs and match patterns; a
 * grouping sweep; a label carrying HTML), renders it, opens it in headless Chromium through
 * playwright-core and checks what a reader would see: no console or page errors, the charts with
 * their series, the gallery rows in worst-first order with the right match marks, the escaped
 * label as text, and a grey placeholder for the photo that does not exist.
 *
 * Needs Debian's chromium at /usr/bin/chromium (`apt-get install -y chromium`); without it the
 * test fails and says so.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';
import sharp from 'sharp';
import { renderReport, writeReport } from '../src/report/render.js';
import { hydrogenTorchReference, type Metrics, type RunReport } from '../src/report/types.js';
import { setQuiet } from '../src/util/log.js';
import { createRandom } from '../src/util/rng.js';

const chromiumPath = '/usr/bin/chromium';
const screenshotPath = join(tmpdir(), 'samebike-report.png');

/** The label that must show as text, never run. */
const hostileLabel = '<script>window.pwned = 1</script> & "quoted" \'ad\'';

/** Per query: its AP and whether each of its 8 matches shows the same ad. */
const queryPlan: { ap: number; matches: boolean[] }[] = [
  { ap: 0.52, matches: [true, false, true, false, false, false, false, false] },
  { ap: 0.11, matches: [false, false, false, true, false, false, false, false] },
  { ap: 0.93, matches: [true, true, true, false, true, false, false, false] },
  { ap: 0.05, matches: [false, false, false, false, false, false, false, true] },
  { ap: 0.77, matches: [true, true, false, true, false, false, false, false] },
  { ap: 1.0, matches: [true, true, true, true, false, false, false, false] },
  { ap: 0.33, matches: [false, true, false, false, true, false, false, false] },
  { ap: 0.64, matches: [true, false, false, true, false, false, false, false] },
  { ap: 0.2, matches: [false, false, true, false, false, false, false, false] },
  { ap: 0.45, matches: [true, false, false, false, false, false, true, false] },
  { ap: 0.88, matches: [true, true, false, false, false, false, false, false] },
  { ap: 0.71, matches: [false, true, true, false, false, false, false, false] },
];

/** Index (in queryPlan) of the query whose photo file is missing. */
const missingQuery = 6;
/** Index (in queryPlan) of the query labelled with `hostileLabel`. */
const hostileQuery = 4;

function metrics(map: number, recall: number, mapR: number): Metrics {
  return {
    map_at_k: map,
    k: 50,
    recall_at_1: recall,
    recall_at_5: Math.min(1, recall + 0.12),
    recall_at_10: Math.min(1, recall + 0.17),
    precision_at_k: map / 3,
    map_at_r: mapR,
    queries: 120,
    gallery: 480,
  };
}

/** Writes the photos to a new temp folder and returns the report and the folder. */
async function buildFixture(): Promise<{ report: RunReport; dir: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'samebike-report-'));
  const random = createRandom(7);
  const colours = ['#c0392b', '#2980b9', '#27ae60', '#8e44ad', '#d35400', '#16a085'];

  let photoIndex = 0;
  const photo = async (ad: number, wide: boolean): Promise<string> => {
    const path = join(dir, `photo-${photoIndex++}.png`);
    const width = wide ? 240 : 150;
    const height = wide ? 150 : 220;
    const svg =
      `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}">` +
      `<rect width="100%" height="100%" fill="${colours[ad % colours.length]}"/>` +
      `<circle cx="${width / 2}" cy="${height / 2}" r="${30 + (ad % 3) * 10}" fill="#fff"/>` +
      '</svg>';
    await sharp(Buffer.from(svg)).png().toFile(path);
    return path;
  };

  const queries = [];
  for (let q = 0; q < queryPlan.length; q++) {
    const plan = queryPlan[q];
    const ad = q % colours.length;
    const image =
      q === missingQuery ? join(dir, 'missing-photo.jpg') : await photo(ad, q % 2 === 0);
    const matches = [];
    for (let m = 0; m < plan.matches.length; m++) {
      const same = plan.matches[m];
      const otherAd = (ad + 1 + (m % (colours.length - 1))) % colours.length;
      matches.push({
        image: await photo(same ? ad : otherAd, m % 2 === 1),
        label: same ? `ad-${ad}` : `ad-${otherAd}`,
        similarity: 0.95 - m * 0.06,
        match: same,
      });
    }
    queries.push({
      image,
      label: q === hostileQuery ? hostileLabel : `ad-${ad}`,
      ap: plan.ap,
      relevant: 3 + (q % 4),
      matches,
    });
  }

  const stepsPerEpoch = 40;
  const epochs = 3;
  const steps = [];
  for (let s = 1; s <= stepsPerEpoch * epochs; s++) {
    const progress = s / (stepsPerEpoch * epochs);
    steps.push({
      step: s,
      epoch: s / stepsPerEpoch,
      lr: 0.001 * 0.5 * (1 + Math.cos(Math.PI * progress)),
      loss: 12 * (1 - 0.8 * progress) + (random() - 0.5) * 2,
    });
  }
  const epochRecords = [1, 2, 3].map((e) => ({
    epoch: e,
    loss: 12 * (1 - 0.8 * ((e - 0.5) / epochs)),
    lr: 0.001 * 0.5 * (1 + Math.cos((Math.PI * e) / epochs)),
    seconds: 60 + e,
    metrics: {
      map_at_k: [0.68, 0.74, 0.73][e - 1],
      recall_at_1: [0.76, 0.81, 0.8][e - 1],
      map_at_r: [0.5, 0.55, 0.56][e - 1],
    },
  }));

  const curve = [];
  for (let t = 0; t <= 10; t++) {
    const threshold = 0.4 + t * 0.05;
    curve.push({ threshold, precision: 0.5 + 0.049 * t, recall: 1 - 0.09 * t });
  }

  const report: RunReport = {
    title: 'Test run <b>not bold</b>',
    createdAt: '2024-05-01T12:00:00Z',
    dataSummary: {
      photos: 600,
      ads: 150,
      trainPhotos: 480,
      queries: 120,
      gallery: 480,
      protocol: '20% of ads held out; each photo queries all other held-out photos',
    },
    config: {
      training: { epochs: 3, learning_rate: 0.001, loss: 'arcface', margin: 0.1, scale: 45 },
      model: { backbone: 'mobilenet_v2_1.4', embedding: 512 },
      note: '<i>user text</i>',
    },
    metrics: { zeroShot: metrics(0.6, 0.7, 0.45), trained: metrics(0.74, 0.81, 0.55) },
    reference: hydrogenTorchReference,
    history: { steps, epochs: epochRecords, bestEpoch: 2 },
    gallery: { queries },
    grouping: {
      curve,
      chosen: curve[8],
      target: 0.85,
      // 16 ad pairs, one wrong: the interval reaches below target − 0.05, so the report warns.
      ads: {
        curve,
        chosen: {
          ...curve[9],
          predictedPairs: 16,
          precisionInterval: [0.7625, 0.9859],
          fewPairs: true,
        },
      },
    },
    timings: { embed: 812.4, train: 185.2, evaluate: 12.5 },
  };
  return { report, dir };
}

test('report.html renders in Chromium with charts, a worst-first gallery and escaped labels', async () => {
  assert.ok(
    existsSync(chromiumPath),
    `${chromiumPath} is missing: this test opens report.html in headless Chromium. ` +
      'Install it with `apt-get update && apt-get install -y chromium`.',
  );
  setQuiet(true);
  const { report, dir } = await buildFixture();
  const out = mkdtempSync(join(tmpdir(), 'samebike-report-out-'));
  const file = join(out, 'report.html');
  const maxQueries = 10;
  const maxMatches = 6;
  await writeReport(file, report, { maxQueries, maxMatches });

  const html = readFileSync(file, 'utf8');
  assert.ok(!html.includes('<script'), 'no script element, not even from a label');
  assert.match(html, /\(90 % interval 0\.76[0-9]*–0\.98[0-9]* over 16 ad pairs\)/);
  assert.equal(html.match(/Too few held-out ad pairs to hold the target within 0\.05/g)?.length, 1);
  assert.ok(!html.includes('over undefined'), 'photos: no interval was given, none is shown');
  assert.ok(!/(src|href)="(https?:)?\/\//.test(html), 'nothing is loaded from outside the file');

  const browser = await chromium.launch({
    executablePath: chromiumPath,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  try {
    const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    const problems: string[] = [];
    page.on('console', (message) => {
      if (message.type() === 'error') problems.push(`console: ${message.text()}`);
    });
    page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
    page.on('request', (request) => {
      if (!request.url().startsWith('data:') && !request.url().startsWith('file:')) {
        problems.push(`request: ${request.url()}`);
      }
    });
    await page.goto(pathToFileURL(file).href, { waitUntil: 'load' });

    // Charts: the number of series paths, the dashed reference, the best-epoch ring.
    const seriesCount = (chart: string) =>
      page.locator(`svg[data-chart="${chart}"] path.series`).count();
    assert.equal(await seriesCount('learning-rate'), 1);
    assert.equal(await seriesCount('train-loss'), 2);
    assert.equal(await seriesCount('validation'), 4);
    assert.equal(await seriesCount('grouping-threshold'), 2);
    assert.equal(await seriesCount('grouping-pr'), 1);
    assert.equal(await seriesCount('grouping-ads-threshold'), 2);
    assert.equal(await seriesCount('grouping-ads-pr'), 1);
    const reference = page.locator('svg[data-chart="validation"] path.series').nth(3);
    assert.equal(await reference.getAttribute('data-series'), 'reference mAP@50');
    assert.ok(await reference.getAttribute('stroke-dasharray'));
    assert.equal(await page.locator('svg[data-chart="validation"] circle.highlight').count(), 1);
    // Validation markers: 3 metrics × (epoch 0 + 3 epochs).
    assert.equal(await page.locator('svg[data-chart="validation"] circle.marker').count(), 12);
    for (const chart of ['learning-rate', 'train-loss', 'validation']) {
      const d = await page
        .locator(`svg[data-chart="${chart}"] path.series`)
        .first()
        .getAttribute('d');
      assert.match(d ?? '', /^M[\d.]+ [\d.]+L/, `${chart} draws a line`);
      const box = await page.locator(`svg[data-chart="${chart}"]`).boundingBox();
      assert.ok(box && box.width > 300 && box.height > 150, `${chart} is visible`);
    }

    // Gallery: worst query first, the limit applied, marks where the plan says.
    const order = queryPlan
      .map((plan, index) => ({ plan, index }))
      .sort((a, b) => a.plan.ap - b.plan.ap)
      .slice(0, maxQueries);
    const rows = page.locator('.query-row');
    assert.equal(await rows.count(), maxQueries);
    const aps = await rows.evaluateAll((els) =>
      els.map((el) => Number(el.getAttribute('data-ap'))),
    );
    assert.deepEqual(
      aps,
      order.map((o) => o.plan.ap),
    );
    assert.equal(aps[0], Math.min(...queryPlan.map((p) => p.ap)));
    for (let r = 0; r < order.length; r++) {
      const figures = rows.nth(r).locator('.matches figure');
      const kinds = await figures.evaluateAll((els) =>
        els.map((el) => (el.classList.contains('no-match') ? 'no-match' : 'match')),
      );
      const expected = order[r].plan.matches
        .slice(0, maxMatches)
        .map((m) => (m ? 'match' : 'no-match'));
      assert.deepEqual(kinds, expected, `row ${r} (query ${order[r].index})`);
      const marks = await figures.locator('.mark').allTextContents();
      assert.deepEqual(
        marks,
        expected.map((kind) => (kind === 'match' ? '\u2713 match' : '\u2717 no match')),
      );
    }
    const frameColour = await page
      .locator('.thumb.no-match .frame')
      .first()
      .evaluate((el) => {
        const view = el.ownerDocument.defaultView as unknown as {
          getComputedStyle(e: unknown): { borderTopColor: string };
        };
        return view.getComputedStyle(el).borderTopColor;
      });
    assert.equal(frameColour, 'rgb(200, 30, 30)');

    // The hostile label shows as text and nothing ran.
    const hostileRow = order.findIndex((o) => o.index === hostileQuery);
    const label = await rows.nth(hostileRow).locator('.thumb.query .label').textContent();
    assert.equal(label, hostileLabel);
    assert.equal(await page.evaluate(() => (globalThis as { pwned?: number }).pwned), undefined);
    assert.equal(await page.locator('script').count(), 0);
    assert.equal(await page.locator('h1').textContent(), report.title);

    // The missing photo is a grey placeholder with its file name; every other image decoded.
    const missingRow = order.findIndex((o) => o.index === missingQuery);
    const placeholder = rows.nth(missingRow).locator('.thumb.query .placeholder');
    assert.equal(await placeholder.count(), 1);
    assert.match((await placeholder.textContent()) ?? '', /missing-photo\.jpg/);
    assert.equal(await page.locator('.placeholder').count(), 1);
    const images = await page
      .locator('.gallery img')
      .evaluateAll((els) =>
        els.map((el) => (el as unknown as { naturalWidth: number }).naturalWidth),
      );
    assert.equal(images.length, maxQueries * (1 + maxMatches) - 1);
    assert.ok(
      images.every((w) => w > 0 && w <= 160),
      'thumbnails decode and fit 160 px',
    );

    // Summary, configuration and timings.
    const mapCard = page.locator('.card[data-metric="map_at_k"]');
    assert.match(
      (await mapCard.textContent()) ?? '',
      /0\.740.*\+0\.140 vs zero-shot.*−0\.029 vs reference \(0\.769\)/,
    );
    assert.match(
      (await page.locator('#config').textContent()) ?? '',
      /training\.learning_rate0\.001/,
    );
    assert.match((await page.locator('#config').textContent()) ?? '', /<i>user text<\/i>/);
    assert.equal(await page.locator('#timings tbody tr').count(), 4);

    await page.screenshot({ path: screenshotPath, fullPage: true });
    assert.deepEqual(problems, []);
  } finally {
    await browser.close();
    rmSync(dir, { recursive: true, force: true });
    rmSync(out, { recursive: true, force: true });
  }
});

test('a report without reference, grouping, timings or history renders without those parts', async () => {
  setQuiet(true);
  const { report, dir } = await buildFixture();
  try {
    const bare: RunReport = {
      ...report,
      reference: undefined,
      grouping: undefined,
      timings: undefined,
      history: { steps: [], epochs: [], bestEpoch: 0 },
      gallery: { queries: report.gallery.queries.slice(0, 2), maxMatches: 3 },
    };
    const html = await renderReport(bare);
    assert.ok(!html.includes('id="grouping"'));
    assert.ok(!html.includes('id="timings"'));
    assert.ok(!html.includes('href="#grouping"'));
    assert.ok(!html.includes('reference'), 'no reference column, note or curve');
    assert.equal(html.match(/>no data<\/text>/g)?.length, 2, 'empty learning rate and loss');
    assert.equal(html.match(/data-chart="validation"/g)?.length, 1);
    assert.equal(html.match(/<circle class="marker"/g)?.length, 3, 'only the zero-shot points');
    assert.equal(html.match(/<div class="query-row"/g)?.length, 2);
    assert.equal(html.match(/<figure class="thumb (no-)?match">/g)?.length, 6);
    assert.match(html, /All 2 queries by AP@50/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
