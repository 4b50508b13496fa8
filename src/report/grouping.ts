/**
 * The report's grouping section: how precision and recall of linking photos into ads change with
 * the similarity threshold, the target precision, and the threshold that was chosen. Two charts:
 * precision and recall against the threshold, and the precision–recall curve; the same two again
 * for grouping ads (reposts) when the run calibrated an ad threshold.
 */
import { lineChart, type ReferenceLine } from './chart.js';
import { escapeHtml, formatMetric } from './html.js';
import type { ChosenThreshold, GroupingSummary, ThresholdPoint } from './types.js';

/** What differs between the photo and the ad charts. */
interface Level {
  /** Prefix of the chart ids, e.g. "grouping" → grouping-threshold, grouping-pr. */
  id: string;
  /** What is grouped, for titles: "Grouping" or "Ad grouping". */
  title: string;
  /** What the shares count: "photo pairs" or "ad pairs". */
  pairs: string;
  /** The sentence's subject: "photos" or "ads". */
  items: string;
}

const PHOTOS: Level = { id: 'grouping', title: 'Grouping', pairs: 'photo pairs', items: 'photos' };
const ADS: Level = { id: 'grouping-ads', title: 'Ad grouping', pairs: 'ad pairs', items: 'ads' };

/** The two charts and the sentence of one level (photos or ads). */
function renderLevel(
  level: Level,
  points: ThresholdPoint[],
  chosen: ChosenThreshold,
  target: number,
): string {
  const curve = [...points].sort((a, b) => a.threshold - b.threshold);
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
    id: `${level.id}-threshold`,
    title: `${level.title} precision and recall against the similarity threshold`,
    xLabel: 'cosine similarity threshold',
    yLabel: `share of ${level.pairs}`,
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
    id: `${level.id}-pr`,
    title: `${level.title} precision–recall curve`,
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
  const interval = chosen.precisionInterval;
  const sample =
    interval && chosen.predictedPairs !== undefined
      ? ` (90 % interval ${formatMetric(interval[0])}–${formatMetric(interval[1])} over ` +
        `${chosen.predictedPairs} ${level.pairs})`
      : '';
  const unsteady = chosen.fewPairs
    ? ` <span class="down">Too few held-out ${level.pairs} to hold the target within 0.05 on ` +
      'other photos: hold out more ads for a steadier threshold.</span>'
    : '';
  const sentence =
    `Chosen threshold <b>${formatMetric(chosen.threshold)}</b>: ${level.items} at least this ` +
    `similar are linked into one group. Precision ${formatMetric(chosen.precision)}${sample}, ` +
    `recall ${formatMetric(chosen.recall)}, target precision ${formatMetric(target)}` +
    (reached ? ' (reached).' : ' <span class="down">(not reached)</span>.') +
    unsteady;
  const caption = (text: string): string => `<figcaption>${escapeHtml(text)}</figcaption>`;
  return (
    `<p class="note">${sentence}</p><div class="charts">` +
    `<figure class="chart-box">${caption('Precision and recall by threshold')}${byThreshold}` +
    `</figure><figure class="chart-box">${caption('Precision–recall curve')}${precisionRecall}` +
    '</figure></div>'
  );
}

/** Renders the grouping section (SVG charts and a sentence about each chosen threshold). */
export function renderGrouping(grouping: GroupingSummary): string {
  const photos = renderLevel(PHOTOS, grouping.curve, grouping.chosen, grouping.target);
  const ads = grouping.ads
    ? '<h3>Ads (reposts)</h3><p class="note">Calibrated on held-out ads, each split into two ' +
      'made-up reposts; pairs of ads show the same bike when they come from one ad.</p>' +
      renderLevel(ADS, grouping.ads.curve, grouping.ads.chosen, grouping.target)
    : '';
  return (
    '<section id="grouping"><h2>Grouping threshold</h2>' +
    (grouping.ads ? '<h3>Photos</h3>' : '') +
    `${photos}${ads}</section>`
  );
}
