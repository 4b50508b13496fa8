// Tests of the grouping outputs (src/group/output.ts): groups.csv and groups.json written into a
// temporary folder, each column set, and the checks on inconsistent rows.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { summariseGroups, toGroupRows, writeGroups } from '../src/group/output.js';
import { readCsv } from '../src/util/csv.js';

function withFolder(run: (folder: string) => void): void {
  const folder = mkdtempSync(join(tmpdir(), 'samebike-group-'));
  try {
    run(folder);
  } finally {
    rmSync(folder, { recursive: true, force: true });
  }
}

test('photo grouping without ads: image,group and members per group', () => {
  withFolder((folder) => {
    const rows = toGroupRows(['b.jpg', 'a, "quoted".jpg', 'c.jpg'], Int32Array.from([1, 0, 1]));
    const written = writeGroups(join(folder, 'out'), rows);
    assert.equal(written.csv, join(folder, 'out', 'groups.csv'));
    assert.equal(
      readFileSync(written.csv, 'utf8'),
      'image,group\nb.jpg,1\n"a, ""quoted"".jpg",0\nc.jpg,1\n',
    );
    assert.deepEqual(JSON.parse(readFileSync(written.json, 'utf8')), {
      photos: 3,
      groupCount: 2,
      groups: [
        { group: 0, size: 1, members: [{ image: 'a, "quoted".jpg' }] },
        { group: 1, size: 2, members: [{ image: 'b.jpg' }, { image: 'c.jpg' }] },
      ],
    });
    assert.deepEqual(readdirSync(join(folder, 'out')).sort(), ['groups.csv', 'groups.json']);
  });
});

test('within-ad results: image,group,ad,score,flag and per-group summaries', () => {
  withFolder((folder) => {
    const rows = toGroupRows(['p1', 'p2', 'p3'], Int32Array.from([0, 0, 1]), {
      ads: ['ad7', 'ad7', 'ad7'],
      check: { score: Float32Array.from([0.875, 0.75, 0.125]), flag: Uint8Array.from([0, 0, 1]) },
    });
    const ads = [{ ad: 'ad7', group: 0, photos: 3, score: 0.1234567891, match: 'ad9' }];
    const written = writeGroups(folder, rows, ads);
    const table = readCsv(written.csv);
    assert.deepEqual(table.header, ['image', 'group', 'ad', 'score', 'flag']);
    assert.deepEqual(
      table.rows.map((r) => r.cells),
      [
        ['p1', '0', 'ad7', '0.875', '0'],
        ['p2', '0', 'ad7', '0.75', '0'],
        ['p3', '1', 'ad7', '0.125', '1'],
      ],
    );
    const document = JSON.parse(readFileSync(written.json, 'utf8'));
    assert.deepEqual(document.groups[0], {
      group: 0,
      size: 2,
      ads: ['ad7'],
      meanScore: 0.8125,
      flagged: 0,
      members: [
        { image: 'p1', ad: 'ad7', score: 0.875, flag: false },
        { image: 'p2', ad: 'ad7', score: 0.75, flag: false },
      ],
    });
    assert.equal(document.groups[1].flagged, 1);
    assert.deepEqual(document.ads, [{ ...ads[0], score: 0.123457 }]);
  });
});

test('rows must agree on their columns; errors name the row', () => {
  assert.throws(() => summariseGroups([]), /groups: no photos to write/);
  assert.throws(
    () =>
      summariseGroups([
        { image: 'a', group: 0, ad: 'x' },
        { image: 'b', group: 0 },
      ]),
    /row 1 \(b\) lacks an ad id unlike row 0/,
  );
  assert.throws(
    () =>
      summariseGroups([
        { image: 'a', group: 0 },
        { image: 'b', group: 0, score: 1 },
      ]),
    /row 1 \(b\) has a score or flag unlike row 0/,
  );
  assert.throws(
    () => summariseGroups([{ image: 'a', group: -1 }]),
    /row 0 \(a\) has group -1; expected an integer ≥ 0/,
  );
  assert.throws(() => summariseGroups([{ image: '', group: 0 }]), /row 0 has no image name/);
  assert.throws(
    () => toGroupRows(['a', 'b'], Int32Array.from([0])),
    /groups: has 1 entries, but there are 2 images/,
  );
});
