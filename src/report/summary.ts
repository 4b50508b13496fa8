/**
 * The report's first section: headline metrics of the trained model against the zero-shot
 * backbone and the reference run, the full metric table, and what data the run used.
 */
import { escapeHtml, formatCount, formatDelta, formatMetric } from './html.js';
import type { History, Metrics, ReferenceRun, RunReport } from './types.js';

/** A metric row of the summary table: its key in Metrics, its display name and its meaning. */
interface MetricRow {
  key: keyof Metrics;
  name: (k: number) => string;
  doc: (k: number) => string;
}

const metricRows: MetricRow[] = [
  {
    key: 'map_at_k',
    name: (k) => `mAP@${k}`,
    doc: (k) => `Mean over queries of the average precision of the ${k} nearest gallery photos`,
  },
  {
    key: 'recall_at_1',
    name: () => 'Recall@1',
    doc: () => 'Share of queries whose nearest gallery photo shows the same ad',
  },
  {
    key: 'recall_at_5',
    name: () => 'Recall@5',
    doc: () => 'Share of queries with a photo of the same ad among the 5 nearest',
  },
  {
    key: 'recall_at_10',
    name: () => 'Recall@10',
    doc: () => 'Share of queries with a photo of the same ad among the 10 nearest',
  },
  {
    key: 'precision_at_k',
    name: (k) => `Precision@${k}`,
    doc: (k) => `Mean share of same-ad photos among the ${k} nearest`,
  },
  {
    key: 'map_at_r',
    name: () => 'MAP@R',
    doc: () =>
      'Average precision over the R nearest photos, R = number of same-ad photos ' +
      '(Musgrave et al. 2020, A Metric Learning Reality Check)',
  },
];

/** "up", "down" or "flat" for the colour of a delta. */
export function deltaClass(delta: number): string {
  if (!Number.isFinite(delta) || Math.round(delta * 1000) === 0) return 'flat';
  return delta > 0 ? 'up' : 'down';
}

/** The last finite value of the reference's curve, or undefined. */
export function referenceFinal(reference: ReferenceRun | undefined): number | undefined {
  if (!reference) return undefined;
  for (let i = reference.map_at_k_by_epoch.length - 1; i >= 0; i--) {
    if (Number.isFinite(reference.map_at_k_by_epoch[i])) return reference.map_at_k_by_epoch[i];
  }
  return undefined;
}

function delta(value: number, base: number | undefined): string {
  if (base === undefined || !Number.isFinite(base) || !Number.isFinite(value)) return '';
  const d = value - base;
  return `<span class="${deltaClass(d)}">${formatDelta(d)}</span>`;
}

function headlineCard(row: MetricRow, report: RunReport, reference?: number): string {
  const { zeroShot, trained } = report.metrics;
  const k = trained.k;
  const value = trained[row.key];
  const lines = [
    `<div class="compare">${delta(value, zeroShot[row.key])} vs zero-shot ` +
      `(${formatMetric(zeroShot[row.key])})</div>`,
  ];
  if (reference !== undefined && report.reference) {
    lines.push(
      `<div class="compare">${delta(value, reference)} vs reference ` +
        `(${formatMetric(reference)})</div>`,
    );
  }
  return (
    `<div class="card" data-metric="${row.key}"><div class="name">` +
    `<abbr title="${escapeHtml(row.doc(k))}">${escapeHtml(row.name(k))}</abbr> after training</div>` +
    `<div class="value">${formatMetric(value)}</div>${lines.join('')}</div>`
  );
}

function bestEpochText(history: History, k: number): string {
  const best = history.epochs.find((e) => e.epoch === history.bestEpoch);
  if (!best) return '';
  const map = best.metrics.map_at_k;
  return (
    `Best epoch: <b>${formatCount(best.epoch)}</b> of ${formatCount(history.epochs.length)}` +
    (map !== undefined ? ` (validation mAP@${k} ${formatMetric(map)})` : '') +
    '.'
  );
}

/** Renders the summary section: headline cards, the metric table and the data facts. */
export function renderSummary(report: RunReport): string {
  const { zeroShot, trained } = report.metrics;
  const k = trained.k;
  const reference = referenceFinal(report.reference);
  const referenceK = report.reference?.k ?? 50;

  const cards = [metricRows[0], metricRows[1], metricRows[5]]
    .map((row) => headlineCard(row, report, row.key === 'map_at_k' ? reference : undefined))
    .join('');

  const notes: string[] = [];
  if (report.reference && reference !== undefined) {
    notes.push(
      `Reference: ${escapeHtml(report.reference.name)}, final validation ` +
        `mAP@${referenceK} ${formatMetric(reference)}.`,
    );
    if (referenceK !== k) {
      notes.push(
        `The reference measured mAP@${referenceK} and this run mAP@${k}, so the two are not ` +
          'directly comparable.',
      );
    }
  }
  const best = bestEpochText(report.history, k);
  if (best) notes.push(best);
  if (zeroShot.queries !== trained.queries || zeroShot.gallery !== trained.gallery) {
    notes.push(
      `Zero-shot was evaluated on ${formatCount(zeroShot.queries)} queries and ` +
        `${formatCount(zeroShot.gallery)} gallery photos, the trained model on ` +
        `${formatCount(trained.queries)} and ${formatCount(trained.gallery)}.`,
    );
  }

  const rows = metricRows
    .map((row) => {
      const refCell =
        row.key === 'map_at_k' && reference !== undefined
          ? `${formatMetric(reference)} ${delta(trained.map_at_k, reference)}`
          : '';
      return (
        `<tr><td><abbr title="${escapeHtml(row.doc(k))}">${escapeHtml(row.name(k))}</abbr></td>` +
        `<td class="num">${formatMetric(zeroShot[row.key])}</td>` +
        `<td class="num"><b>${formatMetric(trained[row.key])}</b></td>` +
        `<td class="num">${delta(trained[row.key], zeroShot[row.key]) || '–'}</td>` +
        (report.reference ? `<td class="num">${refCell}</td>` : '') +
        '</tr>'
      );
    })
    .join('');

  const data = report.dataSummary;
  const facts: [string, string][] = [
    ['Photos', formatCount(data.photos)],
    ['Ads (labels)', formatCount(data.ads)],
    ['Photos per ad', data.ads > 0 ? (data.photos / data.ads).toFixed(1) : '–'],
    ['Training photos', formatCount(data.trainPhotos)],
    ['Queries', formatCount(data.queries)],
    ['Gallery photos', formatCount(data.gallery)],
    ['Protocol', escapeHtml(data.protocol)],
  ];

  return (
    '<section id="summary"><h2>Summary</h2>' +
    `<div class="cards">${cards}</div>` +
    notes.map((n) => `<p class="note">${n}</p>`).join('') +
    '<div class="columns"><div><h3>Data</h3><dl class="facts">' +
    facts.map(([name, value]) => `<dt>${name}</dt><dd>${value}</dd>`).join('') +
    '</dl></div><div><h3>Retrieval metrics on the validation queries</h3>' +
    '<table class="metrics"><thead><tr><th>Metric</th><th class="num">Zero-shot</th>' +
    '<th class="num">Trained</th><th class="num">Change</th>' +
    (report.reference ? `<th class="num">Reference (final)</th>` : '') +
    `</tr></thead><tbody>${rows}</tbody></table>` +
    '<p class="note">Zero-shot: the same evaluation before any training. ' +
    `${formatCount(trained.queries)} queries against ${formatCount(trained.gallery)} gallery ` +
    'photos.</p></div></div></section>'
  );
}
