/**
 * The report's grouping section: how precision and recall of linking photos into ads change with
 * the similarity threshold, the target precision, and the threshold that was chosen. Two charts:
 * precision and recall against the threshold, and the precision–recall curve.
 */
import { lineChart, type ReferenceLine } from './chart.js';
import { escapeHtml, formatMetric } from './html.js';
import type { GroupingSummary } from './types.js';

/** Renders the grouping section (two SVG charts and a sentence about the chosen threshold). */
export function renderGrouping(grouping: GroupingSummary): string {
  const curve = [...grouping.curve].sort((a, b) => a.threshold - b.threshold);
  const { chosen, target } = grouping;
  const markers = curve.length <= 40;
  // Precision rises with the threshold (label clear on the left) and falls with recall (right).
  const targetLine = (labelAt: 'start' | 'end'): ReferenceLine => ({
    value: target,
    label: `target precision ${formatMetric(target)}`,
    color: '#c81e1e',
    labelAt,
  });
  const chosenLabel = `chosen ${formatMetric(chosen.threshold)}`;

  const byThreshold = lineChart({
    id: 'grouping-threshold',
    title: 'Grouping precision and recall against the similarity threshold',
    xLabel: 'cosine similarity threshold',
    yLabel: 'share of photo pairs',
    width: 560,
    yDomain: [0, 1],
    series: [
      {
        name: 'precision',
        points: curve.map((p) => ({ x: p.threshold, y: p.precision })),
        markers,
      },
      { name: 'recall', points: curve.map((p) => ({ x: p.threshold, y: p.recall })), markers },
    ],
    yLines: [targetLine('start')],
    xLines: [{ value: chosen.threshold, label: chosenLabel, color: '#111827' }],
    highlights: [
      {
        x: chosen.threshold,
        y: chosen.precision,
        label: `precision ${formatMetric(chosen.precision)} at the chosen threshold`,
        color: '#111827',
        tooltipOnly: true,
      },
    ],
  });

  const byRecall = [...curve]
    .filter((p) => Number.isFinite(p.recall) && Number.isFinite(p.precision))
    .sort((a, b) => a.recall - b.recall || a.threshold - b.threshold);
  const precisionRecall = lineChart({
    id: 'grouping-pr',
    title: 'Grouping precision–recall curve',
    xLabel: 'recall',
    yLabel: 'precision',
    width: 560,
    xDomain: [0, 1],
    yDomain: [0, 1],
    series: [
      {
        name: 'precision–recall over thresholds',
        points: byRecall.map((p) => ({ x: p.recall, y: p.precision })),
        markers,
      },
    ],
    yLines: [targetLine('end')],
    highlights: [{ x: chosen.recall, y: chosen.precision, label: chosenLabel, color: '#111827' }],
  });

  const reached = chosen.precision >= target;
  const sentence =
    `Chosen threshold <b>${formatMetric(chosen.threshold)}</b>: photos at least this similar ` +
    `are linked into one group. Precision ${formatMetric(chosen.precision)}, recall ` +
    `${formatMetric(chosen.recall)}, target precision ${formatMetric(target)}` +
    (reached ? ' (reached).' : ' <span class="down">(not reached)</span>.');

  return (
    '<section id="grouping"><h2>Grouping threshold</h2>' +
    `<p class="note">${sentence}</p><div class="charts">` +
    `<figure class="chart-box"><figcaption>${escapeHtml('Precision and recall by threshold')}` +
    `</figcaption>${byThreshold}</figure>` +
    `<figure class="chart-box"><figcaption>${escapeHtml('Precision–recall curve')}` +
    `</figcaption>${precisionRecall}</figure></div></section>`
  );
}
