/**
 * `samebike group` through the CLI on demo ads (some split into made-up reposts, with the true
 * bike in a column), with a model trained in the `before` hook; and `knnForPhotos` on lists small
 * enough to check by hand.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { knnForPhotos } from '../src/pipeline/group.js';
import { lastJson, samebike } from './support/cli.js';
import {
  pipelineFixture,
  readCsvObjects,
  type PipelineFixture,
} from './support/pipeline-fixtures.js';

const root = mkdtempSync(join(tmpdir(), 'samebike-group-job-'));
after(() => rmSync(root, { recursive: true, force: true }));
let world: PipelineFixture;
/** labels.csv with the first two ads split into an ad and its repost, and a bike column. */
let reposts = '';

before(async () => {
  world = await pipelineFixture(root);
  const seen = new Map<string, number>();
  const lines = ['image,label,bike'];
  for (const photo of world.photos) {
    const bike = photo.label as string;
    const count = seen.get(bike) ?? 0;
    seen.set(bike, count + 1);
    const repost = (bike === 'ad-0001' || bike === 'ad-0002') && count % 2 === 1;
    lines.push(`${photo.image},${repost ? `${bike}-repost` : bike},${bike}`);
  }
  reposts = join(root, 'reposts.csv');
  writeFileSync(reposts, `${lines.join('\n')}\n`);
});

function run(args: string[]): Record<string, unknown> {
  const result = samebike(
    ['group', '--model', world.run, '--images', world.images, ...args],
    world.cache,
  );
  assert.equal(result.status, 0, `samebike group ${args.join(' ')}\n${result.stderr}`);
  return lastJson(result.stdout);
}

function failure(args: string[]): string {
  const result = samebike(['group', '--images', world.images, ...args], world.cache);
  assert.equal(result.status, 1, `expected samebike group ${args.join(' ')} to fail`);
  return result.stderr;
}

/** Pairwise precision and recall of a grouping against labels, counted over every pair. */
function slowPairwise(groups: string[], truth: string[]): { precision: number; recall: number } {
  let both = 0;
  let grouped = 0;
  let same = 0;
  for (let i = 0; i < groups.length; i++) {
    for (let j = i + 1; j < groups.length; j++) {
      const g = groups[i] === groups[j];
      const t = truth[i] === truth[j];
      if (g) grouped++;
      if (t) same++;
      if (g && t) both++;
    }
  }
  return { precision: grouped ? both / grouped : 1, recall: same ? both / same : 1 };
}

type Scores = { groups: number; precision: number; recall: number; f1: number; ari: number };

test('group with ads writes groups.csv, groups.json, metrics.json with model thresholds', () => {
  const out = join(root, 'ads');
  const metrics = run(['--data', reposts, '--out', out, '--truth-column', 'bike', '--json']);
  const model = JSON.parse(readFileSync(join(world.run, 'model', 'model.json'), 'utf8'));
  assert.deepEqual(metrics.thresholds, {
    photo: { value: model.grouping.threshold, from: 'model' },
    ad: { value: model.grouping.ads.threshold, from: 'model' },
    flag: { value: model.grouping.flag.threshold, from: 'model' },
  });
  assert.equal(model.grouping.flag.falseFlagRate, 0.05);
  // Each threshold keeps the sample behind its precision: predicted pairs and a 90 % interval.
  for (const saved of [model.grouping, model.grouping.ads]) {
    assert.ok(Number.isInteger(saved.predictedPairs) && saved.predictedPairs > 0);
    const [low, high] = saved.precisionInterval as [number, number];
    assert.ok(
      low <= saved.precision && saved.precision <= high,
      `${low}, ${saved.precision}, ${high}`,
    );
  }
  const n = world.photos.length;
  assert.equal(metrics.photos, n);
  assert.equal(metrics.ads, 8);
  assert.equal(metrics.clustering, 'average');

  const rows = readCsvObjects(join(out, 'groups.csv'));
  assert.deepEqual(Object.keys(rows[0]), ['image', 'group', 'ad', 'score', 'flag']);
  const csv = readCsvObjects(reposts);
  assert.deepEqual(
    rows.map((r) => [r.image, r.ad]),
    csv.map((r) => [r.image, r.label]),
  );
  assert.equal(metrics.flagged, rows.filter((r) => r.flag === '1').length);
  for (const row of rows) {
    const score = Number(row.score);
    assert.ok(score >= -1 && score <= 1, `score ${score}`);
    // Flags come from the calibrated flag threshold, not the grouping threshold.
    // (scores are written to 6 decimals: skip a score within rounding of the threshold)
    if (Math.abs(score - model.grouping.flag.threshold) > 1e-5) {
      assert.equal(row.flag === '1', score < model.grouping.flag.threshold, `flag of ${row.image}`);
    }
  }

  const document = JSON.parse(readFileSync(join(out, 'groups.json'), 'utf8'));
  assert.equal(document.photos, n);
  assert.equal(document.ads.length, 8);
  const members = document.groups.flatMap((g: { members: { image: string }[] }) =>
    g.members.map((m) => m.image),
  );
  assert.deepEqual(members.sort(), rows.map((r) => r.image).sort());
  assert.ok(existsSync(join(out, 'index', 'index.sqlite')));

  // The photo-level scores of the written ad groups, against a pair-by-pair count.
  const evaluation = metrics.evaluation as {
    truthColumn: string;
    photoGroups: Record<string, Scores>;
    adGroups: Record<string, Scores & { photos: Scores }>;
  };
  assert.equal(evaluation.truthColumn, 'bike');
  const slow = slowPairwise(
    rows.map((r) => r.group),
    csv.map((r) => r.bike),
  );
  const written = evaluation.adGroups.average.photos;
  assert.ok(Math.abs(written.precision - slow.precision) < 1e-12);
  assert.ok(Math.abs(written.recall - slow.recall) < 1e-12);
  for (const method of ['components', 'average']) {
    for (const scores of [
      evaluation.photoGroups[method],
      evaluation.adGroups[method],
      evaluation.adGroups[method].photos,
    ]) {
      for (const value of [scores.precision, scores.recall, scores.f1]) {
        assert.ok(value >= 0 && value <= 1, `${method}: ${JSON.stringify(scores)}`);
      }
      assert.ok(scores.ari <= 1 && scores.ari >= -1);
    }
  }
});

test('at threshold 1 nothing is grouped; at -1 every linked photo and ad is', () => {
  const none = run([
    '--data',
    reposts,
    '--out',
    join(root, 'none'),
    '--threshold',
    '1',
    '--ad-threshold',
    '1',
    '--truth-column',
    'bike',
    '--json',
  ]);
  const n = world.photos.length;
  assert.deepEqual(none.photoGroups, { components: n, average: n });
  assert.deepEqual(none.adGroups, { components: 8, average: 8 });
  const noneAds = (none.evaluation as { adGroups: Record<string, Scores> }).adGroups.average;
  assert.deepEqual([noneAds.precision, noneAds.recall, noneAds.groups], [1, 0, 8]);

  const all = run([
    '--data',
    reposts,
    '--out',
    join(root, 'all'),
    '--threshold',
    '-1',
    '--ad-threshold',
    '-1',
    '--clustering',
    'components',
    '--truth-column',
    'bike',
    '--json',
  ]);
  assert.equal(all.neighbors, Math.min(20, n - 1));
  assert.deepEqual(all.photoGroups, { components: 1, average: 1 });
  assert.deepEqual(all.adGroups, { components: 1, average: 1 });
  const scores = (all.evaluation as { photoGroups: Record<string, Scores> }).photoGroups.components;
  const bikes = world.photos.map((p) => p.label as string);
  const slow = slowPairwise(
    bikes.map(() => 'one'),
    bikes,
  );
  assert.deepEqual([scores.precision, scores.recall, scores.ari], [slow.precision, 1, 0]);
  const rows = readCsvObjects(join(root, 'all', 'groups.csv'));
  assert.ok(rows.every((r) => r.group === '0'));
});

test('a bare folder is grouped into bikes: groups.csv has image,group only', () => {
  const out = join(root, 'folder');
  const metrics = run(['--out', out, '--threshold', '0.5', '--scalar', 'i8', '--json']);
  assert.equal(metrics.ads, undefined);
  assert.equal(metrics.adGroups, undefined);
  assert.deepEqual(metrics.thresholds, { photo: { value: 0.5, from: 'option' } });
  const rows = readCsvObjects(join(out, 'groups.csv'));
  assert.deepEqual(Object.keys(rows[0]), ['image', 'group']);
  assert.deepEqual(
    rows.map((r) => r.image),
    world.photos.map((p) => p.image),
  );
  const groups = new Set(rows.map((r) => r.group));
  assert.equal(groups.size, (metrics.photoGroups as Record<string, number>).average);
});

test('foreign photos injected into ads are listed and the within-ad flags scored', () => {
  const out = join(root, 'injected');
  const metrics = run([
    '--data',
    world.labels,
    '--out',
    out,
    '--inject-foreign',
    '0.2',
    '--seed',
    '4',
    '--json',
  ]);
  const n = world.photos.length;
  const moved = readCsvObjects(join(out, 'injected.csv'));
  assert.equal(moved.length, Math.round(0.2 * n));
  const rows = new Map(readCsvObjects(join(out, 'groups.csv')).map((r) => [r.image, r]));
  for (const m of moved) {
    assert.notEqual(m.placed_in, m.ad);
    assert.equal(rows.get(m.image)?.ad, m.placed_in);
  }
  const flagged = [...rows.values()].filter((r) => r.flag === '1');
  const caught = flagged.filter((r) => moved.some((m) => m.image === r.image)).length;
  const injected = metrics.injected as Record<string, number>;
  assert.deepEqual(
    [injected.rate, injected.seed, injected.foreign, injected.flagged, injected.caught],
    [0.2, 4, moved.length, flagged.length, caught],
  );
  assert.equal(injected.precision, flagged.length ? caught / flagged.length : 1);
  assert.equal(injected.recall, caught / moved.length);
});

test('bad group inputs are refused with what to do', () => {
  const out = join(root, 'refused');
  assert.equal(
    failure(['--model', 'pretrained', '--config', world.config, '--out', out]),
    'error: --model pretrained: no calibrated photo grouping threshold is saved with it (the ' +
      'pretrained backbone has none)\n  pass --threshold (a cosine similarity, usually ' +
      '0.5–0.9), or use a model trained by samebike train, which calibrates it on held-out ads\n',
  );
  assert.match(
    failure(['--model', 'pretrained', '--data', world.labels, '--threshold', '0.5', '--out', out]),
    new RegExp(
      '^error: --model pretrained: no calibrated ad grouping threshold is saved with it ' +
        '.*\n {2}pass --ad-threshold ',
    ),
  );
  assert.equal(
    failure(['--model', world.run, '--truth-column', 'bike', '--out', out]),
    'error: --truth-column is read from the labels CSV, but --data is missing\n' +
      '  pass --data CSV with a column holding the true bike id of each photo\n',
  );
  assert.equal(
    failure(['--model', world.run, '--inject-foreign', '0.1', '--out', out]),
    'error: --inject-foreign moves photos between ads, but the photos have no ad ids\n' +
      '  give the photos with --data CSV (its label column holds each ad)\n',
  );
  assert.equal(
    failure(['--model', world.run, '--data', reposts, '--truth-column', 'bikes', '--out', out]),
    `error: ${reposts}: line 1: no truth column "bikes"; the header has columns "image", ` +
      '"label", "bike"\n  name the column that holds the true bike id of each photo with ' +
      '--truth-column\n',
  );
  const folder = join(root, 'folder');
  assert.match(
    failure([
      '--model',
      'pretrained',
      '--config',
      world.config,
      '--threshold',
      '0.5',
      '--out',
      folder,
    ]),
    new RegExp(
      `--model pretrained computes pretrained-\\S+; embeddings of different models are not ` +
        `comparable\\n {2}delete ${join(folder, 'index')} \\(left by an earlier group run with ` +
        'another model\\) or pass --index\\n$',
    ),
  );
});

test('knnForPhotos keeps the given photos, drops the others and re-scores exactly', () => {
  // Index rows: x (not a job photo), b, a, c. Unit vectors in 2-d.
  const lists = {
    ids: ['x', 'b', 'a', 'c'],
    k: 3,
    indices: Int32Array.from([1, 2, 3, 0, 2, -1, 1, 0, 3, 2, 0, -1]),
    similarities: Float32Array.from([0.9, 0.8, 0.7, 0.9, 0.5, 0, 0.5, 0.4, 0.3, 0.6, 0.2, 0]),
  };
  const fromIndex = knnForPhotos(lists, ['a', 'b', 'c']);
  assert.deepEqual([...fromIndex.indices], [1, 2, -1, 0, -1, -1, 0, -1, -1]);
  assert.deepEqual(
    [...fromIndex.similarities],
    [0.5, 0.30000001192092896, 0, 0.5, 0, 0, 0.6000000238418579, 0, 0],
  );

  const s = Math.SQRT1_2;
  const embeddings = { rows: 3, cols: 2, data: Float32Array.from([1, 0, 0, 1, s, s]) };
  const exact = knnForPhotos(lists, ['a', 'b', 'c'], embeddings);
  // Exactly, a is closer to c (0.707) than to b (0): the row is re-sorted.
  assert.deepEqual([...exact.indices.subarray(0, 3)], [2, 1, -1]);
  assert.ok(Math.abs(exact.similarities[0] - s) < 1e-6 && exact.similarities[1] === 0);
  assert.equal(exact.similarities[3], 0);

  assert.throws(
    () => knnForPhotos(lists, ['a', 'z']),
    /^SamebikeError: the index has no neighbour list for photo "z"$/,
  );
});
