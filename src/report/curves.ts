/**
 * The report's training charts: learning rate per step, training loss per step with the mean of
 * each epoch, and the validation metrics per epoch (epoch 0 = zero-shot) with the best epoch
 * marked and the reference run's mAP curve dashed. Step charts shade every other epoch.
 */
import { lineChart, palette, type ChartPoint, type ChartSeries, type XBand } from './chart.js';
import { escapeHtml } from './html.js';
import type { RunReport, StepRecord } from './types.js';

/**
 * The (fractional) step at which training reached `epoch`, by linear interpolation between the
 * recorded steps, with step 0 at epoch 0. `steps` must be sorted by step with non-decreasing
 * epochs. Beyond the last step it returns the last step.
 */
export function epochToStep(steps: StepRecord[], epoch: number): number {
  let previous = { step: 0, epoch: 0 };
  for (const s of steps) {
    if (s.epoch >= epoch) {
      const span = s.epoch - previous.epoch;
      if (span <= 0) return s.step;
      const t = Math.max(0, (epoch - previous.epoch) / span);
      return previous.step + t * (s.step - previous.step);
    }
    previous = s;
  }
  return previous.step;
}

/** One shaded band per epoch on a step axis, labelled "epoch N" (the chart drops labels that
 *  do not fit). */
export function epochBands(steps: StepRecord[]): XBand[] {
  if (steps.length === 0) return [];
  const lastEpoch = Math.ceil(steps[steps.length - 1].epoch - 1e-9);
  const bands: XBand[] = [];
  for (let e = 1; e <= lastEpoch; e++) {
    bands.push({
      from: epochToStep(steps, e - 1),
      to: epochToStep(steps, e),
      label: `epoch ${e}`,
    });
  }
  return bands;
}

/** Width of each chart's coordinate system: three charts share a row on a wide page. */
const chartWidth = 400;
const chartHeight = 280;

function figure(caption: string, svg: string, note: string): string {
  return (
    `<figure class="chart-box"><figcaption>${escapeHtml(caption)}</figcaption>${svg}` +
    `<p class="note">${note}</p></figure>`
  );
}

/** Renders the charts section (three SVG charts: learning rate, loss, validation). */
export function renderCurves(report: RunReport): string {
  const steps = [...report.history.steps].sort((a, b) => a.step - b.step);
  const epochs = [...report.history.epochs].sort((a, b) => a.epoch - b.epoch);
  const bands = epochBands(steps);
  const k = report.metrics.trained.k;
  const stepDomain: [number, number] | undefined =
    steps.length > 0 ? [0, steps[steps.length - 1].step] : undefined;

  const lrChart = lineChart({
    id: 'learning-rate',
    title: 'Learning rate per step',
    xLabel: 'step',
    yLabel: 'learning rate',
    width: chartWidth,
    height: chartHeight,
    yIncludeZero: true,
    xDomain: stepDomain,
    xBands: bands,
    series: [{ name: 'learning rate', points: steps.map((s) => ({ x: s.step, y: s.lr })) }],
  });

  const epochMeans: ChartPoint[] = epochs.map((e) => ({
    x: epochToStep(steps, e.epoch - 0.5),
    y: e.loss,
  }));
  const lossChart = lineChart({
    id: 'train-loss',
    title: 'Training loss per step and epoch mean',
    xLabel: 'step',
    yLabel: 'loss',
    width: chartWidth,
    height: chartHeight,
    yIncludeZero: true,
    xDomain: stepDomain,
    xBands: bands,
    series: [
      {
        name: 'loss per step',
        points: steps.map((s) => ({ x: s.step, y: s.loss })),
        color: '#7fb2d9',
        width: 1,
      },
      { name: 'epoch mean', points: epochMeans, color: palette[5], width: 2.5, markers: true },
    ],
  });

  const { zeroShot } = report.metrics;
  const perEpoch = (key: string, zero: number): ChartPoint[] => [
    { x: 0, y: zero },
    ...epochs.map((e) => ({ x: e.epoch, y: e.metrics[key] ?? NaN })),
  ];
  const series: ChartSeries[] = [
    { name: `mAP@${k}`, points: perEpoch('map_at_k', zeroShot.map_at_k), markers: true },
    { name: 'Recall@1', points: perEpoch('recall_at_1', zeroShot.recall_at_1), markers: true },
    { name: 'MAP@R', points: perEpoch('map_at_r', zeroShot.map_at_r), markers: true },
  ];
  if (report.reference) {
    series.push({
      name: `reference mAP@${report.reference.k ?? 50}`,
      points: report.reference.map_at_k_by_epoch.map((y, i) => ({ x: i + 1, y })),
      color: '#4b5563',
      dashed: true,
    });
  }
  const best = epochs.find((e) => e.epoch === report.history.bestEpoch);
  const bestMap = best?.metrics.map_at_k;
  const lastEpoch = Math.max(
    epochs.length > 0 ? epochs[epochs.length - 1].epoch : 1,
    report.reference?.map_at_k_by_epoch.length ?? 0,
    1,
  );
  const validationChart = lineChart({
    id: 'validation',
    title: 'Validation metrics per epoch',
    xLabel: 'epoch (0 = zero-shot, before training)',
    yLabel: 'metric',
    width: chartWidth,
    height: chartHeight,
    xDomain: [0, lastEpoch],
    xIntegerTicks: true,
    series,
    xLines: best
      ? [{ value: best.epoch, label: `best epoch ${best.epoch}`, color: '#111827' }]
      : [],
    highlights:
      best && bestMap !== undefined && Number.isFinite(bestMap)
        ? [{ x: best.epoch, y: bestMap, label: bestMap.toFixed(3), color: '#111827' }]
        : [],
  });

  return (
    '<section id="charts"><h2>Training</h2><div class="charts">' +
    figure(
      'Learning rate',
      lrChart,
      'Learning rate of every optimizer step; shaded bands are alternate epochs.',
    ) +
    figure(
      'Training loss',
      lossChart,
      'Loss of every training batch (thin) and its mean over each epoch (dots, drawn at the ' +
        'middle of the epoch).',
    ) +
    figure(
      'Validation',
      validationChart,
      `Retrieval metrics on the validation queries after each epoch; epoch 0 is the zero-shot ` +
        `model. The ring marks the best epoch's mAP@${k}` +
        (report.reference ? '; the dashed line is the reference run.' : '.'),
    ) +
    '</div></section>'
  );
}
