/**
 * `samebike index add|remove|info` and `samebike search` through the CLI, on demo ads and a model
 * trained in the `before` hook; and the crash test: `index add` killed with SIGKILL after some
 * batches, then rerun, gives the same index as an uninterrupted run.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, test } from 'node:test';
import { openIndex } from '../src/index/embedded.js';
import type { IndexItem } from '../src/index/store.js';
import { PAUSE_AFTER_VARIABLE } from '../src/pipeline/index.js';
import { lastJson, samebike } from './support/cli.js';
import {
  pipelineFixture,
  readCsvObjects,
  type PipelineFixture,
} from './support/pipeline-fixtures.js';

const root = mkdtempSync(join(tmpdir(), 'samebike-index-job-'));
after(() => rmSync(root, { recursive: true, force: true }));
let world: PipelineFixture;
let index = '';

before(async () => {
  world = await pipelineFixture(root);
  index = join(root, 'index');
});

/** `samebike ...args` with the fixture's cache; fails the test with stderr on a non-zero exit. */
function run(args: string[]): { stdout: string; stderr: string } {
  const result = samebike(args, world.cache);
  assert.equal(result.status, 0, `samebike ${args.join(' ')}\n${result.stderr}`);
  return result;
}

/** The error message of a failing `samebike ...args` (exit code 1). */
function failure(args: string[]): string {
  const result = samebike(args, world.cache);
  assert.equal(result.status, 1, `expected samebike ${args.join(' ')} to fail\n${result.stdout}`);
  return result.stderr;
}

const addArgs = (folder: string, extra: string[] = []): string[] => [
  'index',
  'add',
  '--model',
  world.run,
  '--data',
  world.labels,
  '--images',
  world.images,
  '--index',
  folder,
  ...extra,
];

/** Every stored item of an index, by image id (ids listed in key order). */
async function storedItems(folder: string): Promise<{ ids: string[]; items: IndexItem[] }> {
  const handle = await openIndex(folder, { readOnly: true, mode: 'exact' });
  try {
    const { ids } = await handle.neighbors(1);
    const items: IndexItem[] = [];
    for (const id of ids) items.push((await handle.get(id)) as IndexItem);
    return { ids, items };
  } finally {
    await handle.close();
  }
}

test('index add stores each photo with image id, ad and path, and records the model', async () => {
  const first = lastJson(run([...addArgs(index), '--batch', '7', '--json']).stdout);
  const n = world.photos.length;
  assert.deepEqual(
    [first.added, first.replaced, first.unchanged, first.count, first.batches],
    [n, 0, 0, n, Math.ceil(n / 7)],
  );

  const info = lastJson(run(['index', 'info', '--index', index, '--json']).stdout);
  assert.equal(info.count, n);
  assert.equal(info.dimensions, 512);
  assert.equal(info.scalar, 'f32');
  assert.equal(info.modelId, first.model_id);
  assert.match(String(info.modelId), /^head-mobilenet_v2_mid-/);
  assert.equal(info.modelSource, world.run);
  const table = run(['index', 'info', '--index', index]).stdout;
  assert.match(table, new RegExp(`^photos +${n}$`, 'm'));

  const { ids, items } = await storedItems(index);
  assert.deepEqual(
    ids,
    world.photos.map((p) => p.image),
  );
  items.forEach((item, i) => {
    assert.equal(item.ad, world.photos[i].label);
    assert.equal(item.path, world.photos[i].path);
  });

  const again = lastJson(run([...addArgs(index), '--json']).stdout);
  assert.deepEqual([again.added, again.replaced, again.unchanged], [0, 0, n]);
});

test('search ranks the query photo first and --id leaves the stored photo out', () => {
  const photo = world.photos[0];
  const byFile = lastJson(
    run(['search', '--index', index, '--image', photo.path, '--top', '3', '--json']).stdout,
  );
  const matches = byFile.matches as {
    rank: number;
    imageId: string;
    ad: string;
    similarity: number;
  }[];
  assert.equal(matches.length, 3);
  assert.deepEqual(
    matches.map((m) => m.rank),
    [1, 2, 3],
  );
  assert.equal(matches[0].imageId, photo.image);
  assert.equal(matches[0].ad, photo.label);
  assert.ok(Math.abs(matches[0].similarity - 1) < 1e-5, `similarity ${matches[0].similarity}`);
  assert.ok(matches[0].similarity >= matches[1].similarity);

  const byId = lastJson(
    run(['search', '--index', index, '--id', photo.image, '--top', '3', '--json']).stdout,
  );
  assert.equal(byId.ad, photo.label);
  const idMatches = byId.matches as { imageId: string; similarity: number }[];
  assert.deepEqual(
    idMatches.map((m) => m.imageId),
    matches
      .slice(1)
      .map((m) => m.imageId)
      .concat(idMatches[2].imageId),
  );

  // The graph walk's candidate list is reported: the index default, --ef, or null when exact.
  assert.equal(byId.ef, 128);
  const wide = lastJson(
    run(['search', '--index', index, '--id', photo.image, '--top', '3', '--ef', '300', '--json'])
      .stdout,
  );
  assert.equal(wide.ef, 300);
  assert.deepEqual(wide.matches, byId.matches);
  const exact = lastJson(
    run(['search', '--index', index, '--id', photo.image, '--top', '3', '--exact', '--json'])
      .stdout,
  );
  assert.equal(exact.ef, null);
  assert.deepEqual(
    (exact.matches as { imageId: string }[]).map((m) => m.imageId),
    idMatches.map((m) => m.imageId),
  );

  const text = run(['search', '--index', index, '--id', photo.image, '--top', '2']).stdout;
  assert.match(text, /^ *rank +similarity +image +ad$/m);
  assert.match(text, new RegExp(`^ +1 +[01]\\.\\d{6} +${matches[1].imageId} +ad-`, 'm'));
});

test("search filters leave out one ad, or each query photo's own ad", () => {
  const photo = world.photos[0];
  const own = photo.label as string;
  const top = String(world.photos.length);
  const ads = (args: string[]) =>
    (
      lastJson(run(['search', '--index', index, ...args, '--top', top, '--json']).stdout)
        .matches as { ad: string }[]
    ).map((m) => m.ad);

  const all = ads(['--id', photo.image]);
  assert.ok(all.includes(own));
  const other = world.photos.find((p) => p.label !== own)?.label as string;
  const excluded = ads(['--id', photo.image, '--exclude-ad', other]);
  assert.ok(!excluded.includes(other));
  assert.equal(excluded.length, all.length - world.photos.filter((p) => p.label === other).length);
  const otherAds = ads(['--id', photo.image, '--only-other-ads', '--exact']);
  assert.ok(otherAds.length > 0 && !otherAds.includes(own));
  assert.deepEqual(ads(['--image', photo.path, '--exclude-ad', own]), otherAds);
});

test('batch search writes a row per query and rank; --only-other-ads drops own ads', () => {
  const out = join(root, 'matches.csv');
  const summary = lastJson(
    run([
      'search',
      '--index',
      index,
      '--data',
      world.labels,
      '--images',
      world.images,
      '--only-other-ads',
      '--top',
      '2',
      '--out',
      out,
      '--json',
    ]).stdout,
  );
  const n = world.photos.length;
  assert.deepEqual([summary.queries, summary.rows], [n, 2 * n]);
  const rows = readCsvObjects(out);
  assert.deepEqual(Object.keys(rows[0]), ['query', 'rank', 'image', 'ad', 'similarity']);
  const adOf = new Map(world.photos.map((p) => [p.image, p.label]));
  rows.forEach((row, r) => {
    assert.equal(row.query, world.photos[Math.floor(r / 2)].image);
    assert.equal(row.rank, String((r % 2) + 1));
    assert.equal(row.ad, adOf.get(row.image));
    assert.notEqual(row.ad, adOf.get(row.query));
    assert.ok(Math.abs(Number(row.similarity)) <= 1);
  });

  const folderOut = join(root, 'folder-matches.csv');
  const folder = join(world.images, world.photos[0].label as string);
  run(['search', '--index', index, '--queries', folder, '--top', '1', '--out', folderOut]);
  const folderRows = readCsvObjects(folderOut);
  const inAd = world.photos.filter((p) => p.label === world.photos[0].label);
  assert.equal(folderRows.length, inAd.length);
  folderRows.forEach((row, i) => {
    assert.equal(`${world.photos[0].label}/${row.query}`, inAd[i].image);
    assert.equal(row.image, inAd[i].image);
  });
});

test('index remove takes image ids and CSVs; index info follows', () => {
  const copy = join(root, 'removable');
  run([...addArgs(copy)]);
  const n = world.photos.length;
  const [a, b] = world.photos;
  const removed = lastJson(
    run([
      'index',
      'remove',
      '--index',
      copy,
      '--image-id',
      a.image,
      '--image-id',
      b.image,
      '--image-id',
      'not/there.jpg',
      '--json',
    ]).stdout,
  );
  assert.deepEqual(
    [removed.removed, removed.count, removed.missing],
    [2, n - 2, ['not/there.jpg']],
  );
  assert.match(
    samebike(['index', 'remove', '--index', copy, '--image-id', 'not/there.jpg'], world.cache)
      .stderr,
    /warning: index .*removable: 1 image id was not stored: "not\/there.jpg"/,
  );
  const gone = lastJson(
    run(['search', '--index', copy, '--image', a.path, '--top', String(n), '--json']).stdout,
  ).matches as { imageId: string }[];
  assert.equal(gone.length, n - 2);
  assert.ok(!gone.some((m) => m.imageId === a.image || m.imageId === b.image));

  const all = lastJson(
    run(['index', 'remove', '--index', copy, '--data', world.labels, '--json']).stdout,
  );
  assert.deepEqual([all.removed, all.count], [n - 2, 0]);
  assert.equal(lastJson(run(['index', 'info', '--index', copy, '--json']).stdout).count, 0);
});

test('bad index and search inputs are refused with what to do', () => {
  const photo = world.photos[0];
  const missing = join(root, 'nowhere');
  assert.equal(
    failure(['index', 'info', '--index', missing]),
    `error: index ${missing}: no index.sqlite there\n` +
      '  check the --index folder (samebike index add creates one)\n',
  );
  const other = failure([
    ...addArgs(index).map((arg) => (arg === world.run ? 'pretrained' : arg)),
    '--config',
    world.config,
  ]);
  const info = lastJson(run(['index', 'info', '--index', index, '--json']).stdout);
  const lines = other.split('\n');
  assert.match(
    lines[0],
    new RegExp(
      `^error: index ${index}: holds embeddings of model ${info.modelId} ` +
        `\\(from ${world.run}\\), ` +
        'but --model pretrained computes pretrained-mobilenet_v2_mid-\\S+; embeddings of ' +
        'different models are not comparable$',
    ),
  );
  assert.equal(
    lines[1],
    '  use the model that built the index, or another index folder for this model',
  );
  assert.match(
    failure(['search', '--index', index, '--image', photo.path, '--model', 'pretrained']),
    /--model pretrained computes pretrained-/,
  );
  assert.match(
    failure([...addArgs(index), '--scalar', 'i8']),
    new RegExp(
      `^error: index ${index}: its graph stores f32 vectors, --scalar i8 was asked for; the ` +
        'scalar kind is fixed when an index is created\n {2}leave --scalar out',
    ),
  );
  assert.match(
    failure(['search', '--index', index, '--id', photo.image, '--ef', '0']),
    /^error: --ef: expected an integer from 1 to 65536, got "0" \(string\)/,
  );
  assert.equal(
    failure(['search', '--index', index, '--image', photo.path, '--only-other-ads']),
    `error: --only-other-ads needs each query's ad, but the ad of query photo ${photo.path} is ` +
      'not known\n  query with --id (a stored photo), or give the queries with --data CSV (its ' +
      'label column holds each ad); to leave out one ad, use --exclude-ad\n',
  );
  assert.equal(
    failure([
      'search',
      '--index',
      index,
      '--id',
      photo.image,
      '--only-other-ads',
      '--exclude-ad',
      'x',
    ]),
    'error: --exclude-ad and --only-other-ads both name an ad to leave out\n  use one of the two\n',
  );
  assert.equal(
    failure(['search', '--index', index, '--id', 'ad-9999/1.jpg']),
    `error: index ${index}: no stored photo has image id "ad-9999/1.jpg"\n` +
      '  image ids are paths relative to the --images folder of index add, e.g. ' +
      '"ad-0001/1.jpg"; samebike index info shows what the index holds\n',
  );
  assert.equal(
    failure(['search', '--index', index]),
    'error: samebike search: expected one query source (--image, --id, --queries or --data ' +
      'with --images), got none\n  see samebike search --help\n',
  );
  assert.match(
    failure(['search', '--index', index, '--image', photo.path, '--id', photo.image]),
    /got --image and --id\n/,
  );
  assert.equal(
    failure(['search', '--index', index, '--data', world.labels, '--images', world.images]),
    'error: samebike search: the batch forms write a CSV, but --out is missing\n' +
      '  pass --out FILE.csv\n',
  );
  assert.equal(
    failure(['search', '--index', index, '--image', join(root, 'no.jpg')]),
    `error: --image ${join(root, 'no.jpg')}: no such file\n  pass the path of a photo file\n`,
  );
  assert.equal(
    failure(['index', 'remove', '--index', index]),
    'error: samebike index remove: no photos named\n' +
      '  pass --image-id ID (repeatable) or --data CSV\n',
  );
  const noSubcommand = samebike(['index'], world.cache);
  assert.equal(noSubcommand.status, 2);
  assert.equal(
    noSubcommand.stderr,
    'samebike index: expected a subcommand (add, remove, info), got nothing\n' +
      '  see samebike index add --help\n',
  );
});

/** Runs `samebike index add` until it pauses after `batches` batches, then kills it. */
async function killAfter(args: string[], batches: number): Promise<string | null> {
  const bin = fileURLToPath(new URL('../../bin/samebike.js', import.meta.url));
  const child = spawn(process.execPath, [bin, ...args], {
    env: { ...process.env, SAMEBIKE_CACHE: world.cache, [PAUSE_AFTER_VARIABLE]: String(batches) },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  const exited = new Promise<string | null>((resolve) => child.on('exit', (_, s) => resolve(s)));
  const timer = setTimeout(() => child.kill('SIGKILL'), 120_000);
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
    if (stderr.includes(`paused after batch ${batches}`)) child.kill('SIGKILL');
  });
  const signal = await exited;
  clearTimeout(timer);
  assert.ok(stderr.includes(`paused after batch ${batches}`), stderr);
  return signal;
}

test('index add killed halfway, then rerun, equals an uninterrupted run', async () => {
  const n = world.photos.length;
  const whole = join(root, 'whole');
  const killed = join(root, 'killed');
  run([...addArgs(whole), '--batch', '4']);

  assert.equal(await killAfter([...addArgs(killed), '--batch', '4'], 2), 'SIGKILL');
  const partial = lastJson(run(['index', 'info', '--index', killed, '--json']).stdout);
  assert.equal(partial.count, 8, 'two batches of four were committed before the kill');
  assert.ok(n > 8);

  const rerun = lastJson(run([...addArgs(killed), '--batch', '4', '--json']).stdout);
  assert.deepEqual([rerun.unchanged, rerun.added, rerun.count], [8, n - 8, n]);

  const a = await storedItems(whole);
  const b = await storedItems(killed);
  assert.deepEqual(b.ids, a.ids);
  a.items.forEach((item, i) => {
    const other = b.items[i];
    assert.equal(other.ad, item.ad);
    assert.equal(other.path, item.path);
    assert.deepEqual(other.vector, item.vector, `vector of ${item.imageId}`);
  });
  const query = ['--id', world.photos[n - 1].image, '--top', '5', '--json'];
  assert.deepEqual(
    lastJson(run(['search', '--index', killed, ...query]).stdout),
    lastJson(run(['search', '--index', whole, ...query]).stdout),
  );
});
