/**
 * Grouping outputs: `groups.csv` with one row per photo, and `groups.json` with each group's
 * members and scores. Both are written atomically (a reader never sees half a file).
 *
 * groups.csv columns: `image,group`, then `ad` when ad ids were given, then `score,flag` for the
 * within-ad check (flag: 1 = the photo does not fit its ad, 0 = it does).
 */
import { join } from 'node:path';
import { SamebikeError } from '../util/errors.js';
import { writeFileAtomic } from '../util/fs.js';
import { formatCsv } from '../util/csv.js';
import type { AdGroup } from './ads.js';
import type { WithinAdCheck } from './within-ad.js';

/** One photo's grouping result, a row of groups.csv. */
export interface GroupRow {
  /** The photo's path or name as given in the input. */
  image: string;
  /** Its group id. */
  group: number;
  /** Its ad id, when ad ids were given (all rows or none). */
  ad?: string;
  /** Within-ad score (similarity to the ad's other photos), with `flag` (all rows or none). */
  score?: number;
  /** Within-ad flag: true when the photo does not fit its ad. */
  flag?: boolean;
}

/** One group in groups.json. */
export interface GroupSummary {
  group: number;
  /** Number of photos. */
  size: number;
  /** Distinct ads among the members, when ad ids were given. */
  ads?: string[];
  /** Mean within-ad score of the members, when scores were given. */
  meanScore?: number;
  /** Flagged members, when flags were given. */
  flagged?: number;
  members: { image: string; ad?: string; score?: number; flag?: boolean }[];
}

/** The content of groups.json. */
export interface GroupsDocument {
  photos: number;
  groupCount: number;
  groups: GroupSummary[];
  /** Per-ad results of the across-ads grouping, when given. */
  ads?: AdGroup[];
}

/** Where `writeGroups` put its files. */
export interface WrittenGroups {
  csv: string;
  json: string;
}

/** Rounds a score for the files: 6 decimals are far below any meaningful difference. */
function round(value: number): number {
  return Math.round(value * 1e6) / 1e6;
}

function checkRows(rows: readonly GroupRow[]): { hasAd: boolean; hasScore: boolean } {
  if (rows.length === 0) {
    throw new SamebikeError('groups: no photos to write', 'check that the input had photos');
  }
  const hasAd = rows[0].ad !== undefined;
  const hasScore = rows[0].score !== undefined;
  rows.forEach((row, i) => {
    if (typeof row.image !== 'string' || row.image === '') {
      throw new SamebikeError(`groups: row ${i} has no image name`);
    }
    if (!Number.isInteger(row.group) || row.group < 0) {
      throw new SamebikeError(
        `groups: row ${i} (${row.image}) has group ${String(row.group)}; expected an integer ≥ 0`,
      );
    }
    if ((row.ad !== undefined) !== hasAd) {
      throw new SamebikeError(
        `groups: row ${i} (${row.image}) ${hasAd ? 'lacks' : 'has'} an ad id unlike row 0`,
        'give ad ids for every photo or for none',
      );
    }
    if ((row.score !== undefined) !== hasScore || (row.flag !== undefined) !== hasScore) {
      throw new SamebikeError(
        `groups: row ${i} (${row.image}) ${hasScore ? 'lacks' : 'has'} a score or flag unlike row 0`,
        'give score and flag for every photo or for none',
      );
    }
  });
  return { hasAd, hasScore };
}

/** Builds the groups.json document: groups in id order, members in input order. */
export function summariseGroups(
  rows: readonly GroupRow[],
  ads?: readonly AdGroup[],
): GroupsDocument {
  const { hasAd, hasScore } = checkRows(rows);
  const byGroup = new Map<number, GroupRow[]>();
  for (const row of rows) {
    const members = byGroup.get(row.group);
    if (members) members.push(row);
    else byGroup.set(row.group, [row]);
  }
  const groups: GroupSummary[] = [];
  for (const group of [...byGroup.keys()].sort((a, b) => a - b)) {
    const members = byGroup.get(group) as GroupRow[];
    const summary: GroupSummary = { group, size: members.length, members: [] };
    if (hasAd) summary.ads = [...new Set(members.map((m) => m.ad as string))];
    if (hasScore) {
      let sum = 0;
      let flagged = 0;
      for (const m of members) {
        sum += m.score as number;
        if (m.flag) flagged++;
      }
      summary.meanScore = round(sum / members.length);
      summary.flagged = flagged;
    }
    for (const m of members) {
      const member: GroupSummary['members'][number] = { image: m.image };
      if (hasAd) member.ad = m.ad;
      if (hasScore) {
        member.score = round(m.score as number);
        member.flag = Boolean(m.flag);
      }
      summary.members.push(member);
    }
    groups.push(summary);
  }
  const document: GroupsDocument = { photos: rows.length, groupCount: groups.length, groups };
  if (ads) {
    document.ads = ads.map((a) => ({ ...a, score: a.score === null ? null : round(a.score) }));
  }
  return document;
}

/**
 * Writes `groups.csv` and `groups.json` into `directory` (created if missing), atomically.
 *
 * @param rows one per photo, in input order.
 * @param ads the per-ad results of `groupAds`, added to groups.json when given.
 * @returns the two paths written.
 */
export function writeGroups(
  directory: string,
  rows: readonly GroupRow[],
  ads?: readonly AdGroup[],
): WrittenGroups {
  const document = summariseGroups(rows, ads);
  const hasAd = rows[0].ad !== undefined;
  const hasScore = rows[0].score !== undefined;
  const header = ['image', 'group'];
  if (hasAd) header.push('ad');
  if (hasScore) header.push('score', 'flag');
  const table = rows.map((row) => {
    const cells: (string | number)[] = [row.image, row.group];
    if (hasAd) cells.push(row.ad as string);
    if (hasScore) cells.push(round(row.score as number), row.flag ? 1 : 0);
    return cells;
  });
  const csv = join(directory, 'groups.csv');
  const json = join(directory, 'groups.json');
  writeFileAtomic(csv, formatCsv(header, table));
  writeFileAtomic(json, `${JSON.stringify(document, null, 2)}\n`);
  return { csv, json };
}

/**
 * Builds groups.csv rows from a grouping: one row per photo with its group, and its ad and
 * within-ad score and flag when given.
 *
 * @param images photo names, in the order of the embeddings.
 * @param groups group of each photo (a Clustering's labels, AdGrouping.photoGroups or
 *   WithinAdCheck.group).
 */
export function toGroupRows(
  images: readonly string[],
  groups: Int32Array,
  extra: { ads?: readonly string[]; check?: Pick<WithinAdCheck, 'score' | 'flag'> } = {},
): GroupRow[] {
  const n = images.length;
  const lengths: [string, number][] = [['groups', groups.length]];
  if (extra.ads) lengths.push(['ads', extra.ads.length]);
  if (extra.check) lengths.push(['scores', extra.check.score.length]);
  for (const [name, length] of lengths) {
    if (length !== n) {
      throw new SamebikeError(`${name}: has ${length} entries, but there are ${n} images`);
    }
  }
  const rows: GroupRow[] = [];
  for (let i = 0; i < n; i++) {
    const row: GroupRow = { image: images[i], group: groups[i] };
    if (extra.ads) row.ad = extra.ads[i];
    if (extra.check) {
      row.score = extra.check.score[i];
      row.flag = extra.check.flag[i] === 1;
    }
    rows.push(row);
  }
  return rows;
}
