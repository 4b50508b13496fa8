/**
 * The report's last sections: the run's configuration as a table of dotted keys
 * ("training.learning_rate  0.001") and the time spent per stage with its share of the total.
 */
import { escapeHtml, formatDuration } from './html.js';

/**
 * Flattens a nested configuration into [dotted key, shown value] rows, in insertion order:
 * objects recurse ("a.b"), arrays of plain values show inline as JSON ("[1, 2]"), arrays with
 * objects recurse with an index ("a[0].b"), strings show as they are, undefined is left out.
 */
export function flattenConfig(config: Record<string, unknown>, prefix = ''): [string, string][] {
  const rows: [string, string][] = [];
  for (const [key, value] of Object.entries(config)) {
    const name = prefix ? `${prefix}.${key}` : key;
    flattenValue(name, value, rows);
  }
  return rows;
}

function flattenValue(name: string, value: unknown, rows: [string, string][]): void {
  if (value === undefined) return;
  if (Array.isArray(value)) {
    if (value.some((v) => typeof v === 'object' && v !== null)) {
      value.forEach((v, i) => flattenValue(`${name}[${i}]`, v, rows));
    } else {
      rows.push([name, `[${value.map((v) => shown(v)).join(', ')}]`]);
    }
    return;
  }
  if (typeof value === 'object' && value !== null) {
    const entries = Object.entries(value);
    if (entries.length === 0) rows.push([name, '{}']);
    else rows.push(...flattenConfig(value as Record<string, unknown>, name));
    return;
  }
  rows.push([name, typeof value === 'string' ? value : shown(value)]);
}

function shown(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') {
    return String(value);
  }
  if (value === null) return 'null';
  return String(value);
}

/** Renders the configuration section; a table split over two columns on wide screens. */
export function renderConfig(config: Record<string, unknown>): string {
  const rows = flattenConfig(config);
  const body =
    rows.length === 0
      ? '<p class="empty">The run recorded no configuration.</p>'
      : '<div class="config-columns"><table class="config"><tbody>' +
        rows
          .map(
            ([key, value]) => `<tr><td>${escapeHtml(key)}</td><td>${escapeHtml(value)}</td></tr>`,
          )
          .join('') +
        '</tbody></table></div>';
  return `<section id="config"><h2>Configuration</h2>${body}</section>`;
}

/** Renders the timings section: each stage's duration and share of the total, in order. */
export function renderTimings(timings: Record<string, number>): string {
  const entries = Object.entries(timings);
  const total = entries.reduce((sum, [, seconds]) => sum + seconds, 0);
  const longest = Math.max(0, ...entries.map(([, seconds]) => seconds));
  const rows = entries
    .map(([stage, seconds]) => {
      const share = total > 0 ? (seconds / total) * 100 : 0;
      const barWidth = longest > 0 ? (seconds / longest) * 100 : 0;
      return (
        `<tr><td>${escapeHtml(stage)}</td><td class="num">${formatDuration(seconds)}</td>` +
        `<td class="num">${share.toFixed(1)}%</td><td class="bar-cell">` +
        `<div class="bar" style="width: ${barWidth.toFixed(1)}%"></div></td></tr>`
      );
    })
    .join('');
  return (
    '<section id="timings"><h2>Timings</h2><table class="timings"><thead><tr><th>Stage</th>' +
    '<th class="num">Time</th><th class="num">Share</th><th></th></tr></thead>' +
    `<tbody>${rows}<tr><td><b>total</b></td><td class="num"><b>${formatDuration(total)}</b>` +
    '</td><td></td><td></td></tr></tbody></table></section>'
  );
}
