/**
 * Checks a RunReport and the render options at the report's boundary, so a malformed report
 * (for example one read back from report.json) fails with the field's path, what was expected and
 * what arrived, instead of drawing a broken page.
 *
 * Numbers must be numbers; NaN is accepted for measured values (a metric that could not be
 * computed, a diverged loss) and shown as "–" or a gap. Where a value is finite it must lie in its
 * range (rates 0–1, counts non-negative integers).
 */
import { SamebikeError, invalidParameter } from '../util/errors.js';
import type { Metrics, RenderOptions, RunReport } from './types.js';

type Json = Record<string, unknown>;

/** Like invalidParameter, but shows NaN and ±Infinity as themselves (JSON would say null). */
function refuse(path: string, expected: string, value: unknown): never {
  if (typeof value === 'number' && !Number.isFinite(value)) {
    throw new SamebikeError(`${path}: expected ${expected}, got ${value} (number)`);
  }
  invalidParameter(path, expected, value);
}

function object(value: unknown, path: string): Json {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    refuse(path, 'an object', value);
  }
  return value as Json;
}

function array(value: unknown, path: string): unknown[] {
  if (!Array.isArray(value)) refuse(path, 'an array', value);
  return value;
}

function string(value: unknown, path: string): string {
  if (typeof value !== 'string') refuse(path, 'a string', value);
  return value;
}

function boolean(value: unknown, path: string): boolean {
  if (typeof value !== 'boolean') refuse(path, 'true or false', value);
  return value;
}

/** A measured number: NaN and ±Infinity pass, a finite value must lie in [min, max]. */
function measured(value: unknown, path: string, min = -Infinity, max = Infinity): number {
  const range = rangeText(min, max);
  if (typeof value !== 'number') refuse(path, `a number${range}`, value);
  if (Number.isFinite(value) && (value < min || value > max)) {
    refuse(path, `a number${range}`, value);
  }
  return value;
}

/** A finite number in [min, max]. */
function finite(value: unknown, path: string, min = -Infinity, max = Infinity): number {
  const range = rangeText(min, max);
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > max) {
    refuse(path, `a finite number${range}`, value);
  }
  return value;
}

/** An integer in [min, max]. */
function integer(value: unknown, path: string, min = 0, max = Number.MAX_SAFE_INTEGER): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    refuse(path, `an integer${rangeText(min, max)}`, value);
  }
  return value;
}

function rangeText(min: number, max: number): string {
  if (min === -Infinity && max === Infinity) return '';
  if (max === Infinity || max === Number.MAX_SAFE_INTEGER) return ` ≥ ${min}`;
  if (min === -Infinity) return ` ≤ ${max}`;
  return ` from ${min} to ${max}`;
}

const rateKeys = [
  'map_at_k',
  'recall_at_1',
  'recall_at_5',
  'recall_at_10',
  'precision_at_k',
  'map_at_r',
] as const satisfies readonly (keyof Metrics)[];

function checkMetrics(value: unknown, path: string): void {
  const metrics = object(value, path);
  for (const key of rateKeys) measured(metrics[key], `${path}.${key}`, 0, 1);
  integer(metrics.k, `${path}.k`, 1);
  integer(metrics.queries, `${path}.queries`);
  integer(metrics.gallery, `${path}.gallery`);
}

function checkPoint(value: unknown, path: string): void {
  const point = object(value, path);
  finite(point.threshold, `${path}.threshold`);
  measured(point.precision, `${path}.precision`, 0, 1);
  measured(point.recall, `${path}.recall`, 0, 1);
}

function checkChosen(value: unknown, path: string): void {
  checkPoint(value, path);
  const chosen = object(value, path);
  if (chosen.predictedPairs !== undefined) {
    finite(chosen.predictedPairs, `${path}.predictedPairs`, 0);
  }
  if (chosen.precisionInterval !== undefined) {
    const interval = array(chosen.precisionInterval, `${path}.precisionInterval`);
    interval.forEach((v, i) => finite(v, `${path}.precisionInterval[${i}]`, 0, 1));
  }
  if (chosen.fewPairs !== undefined) boolean(chosen.fewPairs, `${path}.fewPairs`);
}

/**
 * Throws a SamebikeError naming the first field of `report` that does not have the shape of a
 * RunReport (e.g. "report.gallery.queries[2].ap: expected a number from 0 to 1, got 1.5").
 */
export function validateReport(report: unknown): asserts report is RunReport {
  const r = object(report, 'report');
  string(r.title, 'report.title');
  string(r.createdAt, 'report.createdAt');

  const data = object(r.dataSummary, 'report.dataSummary');
  for (const key of ['photos', 'ads', 'trainPhotos', 'queries', 'gallery']) {
    integer(data[key], `report.dataSummary.${key}`);
  }
  string(data.protocol, 'report.dataSummary.protocol');

  object(r.config, 'report.config');

  const metrics = object(r.metrics, 'report.metrics');
  checkMetrics(metrics.zeroShot, 'report.metrics.zeroShot');
  checkMetrics(metrics.trained, 'report.metrics.trained');

  if (r.reference !== undefined) {
    const reference = object(r.reference, 'report.reference');
    string(reference.name, 'report.reference.name');
    array(reference.map_at_k_by_epoch, 'report.reference.map_at_k_by_epoch').forEach((v, i) =>
      measured(v, `report.reference.map_at_k_by_epoch[${i}]`, 0, 1),
    );
    if (reference.k !== undefined) integer(reference.k, 'report.reference.k', 1);
  }

  const history = object(r.history, 'report.history');
  array(history.steps, 'report.history.steps').forEach((value, i) => {
    const path = `report.history.steps[${i}]`;
    const step = object(value, path);
    finite(step.step, `${path}.step`);
    finite(step.epoch, `${path}.epoch`);
    measured(step.lr, `${path}.lr`);
    measured(step.loss, `${path}.loss`);
  });
  array(history.epochs, 'report.history.epochs').forEach((value, i) => {
    const path = `report.history.epochs[${i}]`;
    const epoch = object(value, path);
    finite(epoch.epoch, `${path}.epoch`);
    measured(epoch.loss, `${path}.loss`);
    measured(epoch.lr, `${path}.lr`);
    measured(epoch.seconds, `${path}.seconds`, 0);
    const values = object(epoch.metrics, `${path}.metrics`);
    for (const [key, metric] of Object.entries(values)) measured(metric, `${path}.metrics.${key}`);
  });
  finite(history.bestEpoch, 'report.history.bestEpoch');

  const gallery = object(r.gallery, 'report.gallery');
  array(gallery.queries, 'report.gallery.queries').forEach((value, i) => {
    const path = `report.gallery.queries[${i}]`;
    const query = object(value, path);
    string(query.image, `${path}.image`);
    string(query.label, `${path}.label`);
    measured(query.ap, `${path}.ap`, 0, 1);
    integer(query.relevant, `${path}.relevant`);
    array(query.matches, `${path}.matches`).forEach((m, j) => {
      const matchPath = `${path}.matches[${j}]`;
      const match = object(m, matchPath);
      string(match.image, `${matchPath}.image`);
      string(match.label, `${matchPath}.label`);
      measured(match.similarity, `${matchPath}.similarity`);
      boolean(match.match, `${matchPath}.match`);
    });
  });
  if (gallery.maxMatches !== undefined) integer(gallery.maxMatches, 'report.gallery.maxMatches', 1);

  if (r.grouping !== undefined) {
    const grouping = object(r.grouping, 'report.grouping');
    array(grouping.curve, 'report.grouping.curve').forEach((p, i) =>
      checkPoint(p, `report.grouping.curve[${i}]`),
    );
    checkChosen(grouping.chosen, 'report.grouping.chosen');
    finite(grouping.target, 'report.grouping.target', 0, 1);
    if (grouping.ads !== undefined) {
      const ads = object(grouping.ads, 'report.grouping.ads');
      array(ads.curve, 'report.grouping.ads.curve').forEach((p, i) =>
        checkPoint(p, `report.grouping.ads.curve[${i}]`),
      );
      checkChosen(ads.chosen, 'report.grouping.ads.chosen');
    }
  }

  if (r.timings !== undefined) {
    const timings = object(r.timings, 'report.timings');
    for (const [key, seconds] of Object.entries(timings)) {
      finite(seconds, `report.timings.${key}`, 0);
    }
  }
}

/** Throws a SamebikeError naming the first render option that is out of range. */
export function validateRenderOptions(options: RenderOptions): void {
  const o = object(options, 'render options') as RenderOptions;
  if (o.maxQueries !== undefined) integer(o.maxQueries, 'maxQueries', 1);
  if (o.maxMatches !== undefined) integer(o.maxMatches, 'maxMatches', 1, 100);
  if (o.thumbnailSize !== undefined) integer(o.thumbnailSize, 'thumbnailSize', 32, 1024);
  if (o.jpegQuality !== undefined) integer(o.jpegQuality, 'jpegQuality', 1, 100);
}
