/**
 * A small line-chart renderer that writes self-contained inline SVG for the HTML report: axes
 * with "nice" ticks (1, 2, 5 × 10ⁿ) and labels, horizontal grid lines, a legend, any number of
 * series (solid or dashed, optional point markers with hover tooltips), shaded x bands (epochs),
 * vertical and horizontal reference lines, and highlighted points.
 *
 * Long series (thousands of training steps) are reduced with min–max decimation per pixel
 * column before drawing, which keeps the outline of a noisy curve while the SVG stays small.
 * Non-finite y values leave a gap in the line. No scripts, no external fonts.
 */
import { escapeHtml } from './html.js';

/** One point of a series, in data units. */
export interface ChartPoint {
  x: number;
  y: number;
}

/** One line of a chart. */
export interface ChartSeries {
  /** Legend text and tooltip prefix. */
  name: string;
  /** Points in increasing x order; a non-finite y breaks the line. */
  points: ChartPoint[];
  /** CSS colour. Default: the next colour of the palette. */
  color?: string;
  /** Draw the line dashed (reference curves). Default false. */
  dashed?: boolean;
  /** Stroke width in pixels. Default 2. */
  width?: number;
  /** Stroke opacity, 0–1. Default 1. */
  opacity?: number;
  /** Draw a circle with a tooltip at every point (per-epoch series). Default false. */
  markers?: boolean;
}

/** A vertical (x) or horizontal (y) reference line across the plot. */
export interface ReferenceLine {
  /** Position in data units of the line's axis. */
  value: number;
  /** Text written next to the line. */
  label?: string;
  /** CSS colour. Default a dark grey. */
  color?: string;
  /** Dashed line. Default true. */
  dashed?: boolean;
  /** Where a horizontal line's label sits: at the plot's left or right end. Default 'end'. */
  labelAt?: 'start' | 'end';
}

/** A shaded x interval with a label at the top of the plot (e.g. one epoch on a step axis). */
export interface XBand {
  from: number;
  to: number;
  label?: string;
}

/** A point drawn with a ring and a label (the best epoch, the chosen threshold). */
export interface HighlightPoint {
  x: number;
  y: number;
  /** Text of the ring's tooltip, also written next to it unless `tooltipOnly`. */
  label: string;
  /** Show the label only as a tooltip (when the spot is crowded). Default false. */
  tooltipOnly?: boolean;
  /** CSS colour. Default a dark grey. */
  color?: string;
}

/** Everything `lineChart` needs. */
export interface LineChartOptions {
  /** A short id, unique on the page; written to `data-chart` and used for the clip path. */
  id: string;
  /** Accessible name of the chart (aria-label). */
  title: string;
  /** Text under the x axis. */
  xLabel: string;
  /** Text along the y axis. */
  yLabel: string;
  series: ChartSeries[];
  /** Width of the SVG's coordinate system in pixels (it scales to the page). Default 600. */
  width?: number;
  /** Height of the SVG's coordinate system in pixels. Default 300. */
  height?: number;
  /** Fixed x range; default: the data's range, widened to nice ticks. */
  xDomain?: [number, number];
  /** Fixed y range; default: the data's range, widened to nice ticks. */
  yDomain?: [number, number];
  /** Widen the default y range to include 0 (learning rate, loss). Default false. */
  yIncludeZero?: boolean;
  /** Only integer x ticks (epochs). Default false. */
  xIntegerTicks?: boolean;
  /** Formats an x tick; default `formatTick`. */
  xFormat?: (value: number, step: number) => string;
  /** Formats a y tick; default `formatTick`. */
  yFormat?: (value: number, step: number) => string;
  /** Vertical lines at x values. */
  xLines?: ReferenceLine[];
  /** Horizontal lines at y values. */
  yLines?: ReferenceLine[];
  /** Shaded x intervals; every other one is tinted. */
  xBands?: XBand[];
  highlights?: HighlightPoint[];
  /** Points per series above which min–max decimation applies. Default 2 × plot width. */
  maxPoints?: number;
}

/** Series colours: a colour-blind-friendly palette (Okabe–Ito, reordered). */
export const palette = ['#0072b2', '#e69f00', '#009e73', '#cc79a7', '#56b4e9', '#d55e00'];

const fontSize = 12;
/** Rough width of one character at 12 px in a sans-serif font, for layout only. */
const charWidth = 6.6;

/**
 * Evenly spaced round tick values covering [min, max]: the step is 1, 2 or 5 × 10ⁿ, chosen so
 * that about `count` ticks fit (default 5). Returns the ticks inside [min, max] and the step.
 * With `minStep`, the step is never smaller (1 for integer axes).
 */
export function niceTicks(
  min: number,
  max: number,
  count = 5,
  minStep = 0,
): { ticks: number[]; step: number } {
  if (!(max > min)) return { ticks: [min], step: Math.max(minStep, 1) };
  const step = Math.max(niceStep((max - min) / Math.max(1, count)), minStep);
  const decimals = Math.max(0, -Math.floor(Math.log10(step)) + 1);
  const ticks: number[] = [];
  const first = Math.ceil(min / step - 1e-9);
  const last = Math.floor(max / step + 1e-9);
  for (let i = first; i <= last; i++) ticks.push(Number((i * step).toFixed(decimals)));
  return { ticks, step };
}

/** The smallest of 1, 2, 5 × 10ⁿ that is at least `raw` (raw > 0). */
function niceStep(raw: number): number {
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const normalized = raw / magnitude;
  const factor = normalized <= 1 ? 1 : normalized <= 2 ? 2 : normalized <= 5 ? 5 : 10;
  return factor * magnitude;
}

/**
 * Widens [min, max] outwards to multiples of the nice tick step, so the axis starts and ends on
 * a tick. A zero-width range is widened around its value first.
 */
export function niceDomain(min: number, max: number, count = 5, minStep = 0): [number, number] {
  if (!Number.isFinite(min) || !Number.isFinite(max)) return [0, 1];
  if (max === min) {
    const pad = min === 0 ? 1 : Math.abs(min) * 0.1;
    min -= pad;
    max += pad;
  }
  const { step } = niceTicks(min, max, count, minStep);
  const decimals = Math.max(0, -Math.floor(Math.log10(step)) + 1);
  const low = Number((Math.floor(min / step + 1e-9) * step).toFixed(decimals));
  const high = Number((Math.ceil(max / step - 1e-9) * step).toFixed(decimals));
  return [low, high];
}

/**
 * Formats a tick value with just the decimals its step needs ("0.25" → step 0.05 → "0.25",
 * "0.0005"), thousands as "k" on large axes ("20k"), tiny steps in exponent form ("5e-6"),
 * and negative values with a true minus sign.
 */
export function formatTick(value: number, step: number): string {
  if (value === 0) return '0';
  const sign = value < 0 ? '\u2212' : '';
  const magnitude = Math.abs(value);
  if (step < 1e-4) {
    const digits = Math.max(0, Math.floor(Math.log10(magnitude)) - Math.floor(Math.log10(step)));
    return sign + magnitude.toExponential(Math.min(digits, 6)).replace('e+', 'e');
  }
  if (magnitude >= 1e6 && step >= 1e5) return sign + trimNumber(magnitude / 1e6, step / 1e6) + 'M';
  if (magnitude >= 1e4 && step >= 1e3) return sign + trimNumber(magnitude / 1e3, step / 1e3) + 'k';
  return sign + trimNumber(magnitude, step);
}

function trimNumber(value: number, step: number): string {
  const decimals = Math.max(0, -Math.floor(Math.log10(step) + 1e-9));
  return value.toFixed(Math.min(decimals, 12));
}

/**
 * Min–max decimation: splits the x range into `buckets` equal intervals and keeps, per interval,
 * the points with the lowest and the highest y (in x order; one point when they coincide). A
 * bucket that held a non-finite y also emits a `{x, y: NaN}` point after them so that the drawn
 * line keeps the gap. Series with at most 2 × buckets points are returned unchanged.
 */
export function decimate(points: ChartPoint[], buckets: number): ChartPoint[] {
  if (points.length <= 2 * buckets || buckets < 1) return points;
  const x0 = points[0].x;
  const span = points[points.length - 1].x - x0;
  if (!(span > 0)) return points;
  const low: (ChartPoint | undefined)[] = new Array(buckets);
  const high: (ChartPoint | undefined)[] = new Array(buckets);
  const gap: (ChartPoint | undefined)[] = new Array(buckets);
  for (const point of points) {
    const b = Math.min(buckets - 1, Math.max(0, Math.floor(((point.x - x0) / span) * buckets)));
    if (!Number.isFinite(point.y)) {
      if (!gap[b]) gap[b] = { x: point.x, y: NaN };
      continue;
    }
    const l = low[b];
    const h = high[b];
    if (!l || point.y < l.y) low[b] = point;
    if (!h || point.y > h.y) high[b] = point;
  }
  const out: ChartPoint[] = [];
  for (let b = 0; b < buckets; b++) {
    const l = low[b];
    const h = high[b];
    if (l && h) {
      if (l === h) out.push(l);
      else if (l.x <= h.x) out.push(l, h);
      else out.push(h, l);
    }
    const g = gap[b];
    if (g) out.push(g);
  }
  return out;
}

/** SVG path data for points already in pixels; a non-finite coordinate starts a new sub-path. */
export function pathData(points: ChartPoint[]): string {
  let d = '';
  let pen = false;
  for (const p of points) {
    if (!Number.isFinite(p.x) || !Number.isFinite(p.y)) {
      pen = false;
      continue;
    }
    d += `${pen ? 'L' : 'M'}${round1(p.x)} ${round1(p.y)}`;
    pen = true;
  }
  return d;
}

function round1(v: number): string {
  return String(Math.round(v * 10) / 10);
}

interface LegendItem {
  name: string;
  color: string;
  dashed: boolean;
  markers: boolean;
  x: number;
  row: number;
}

/** Lays legend entries left to right, wrapping into rows that fit `width`. */
function layoutLegend(
  series: { name: string; color: string; dashed: boolean; markers: boolean }[],
  left: number,
  width: number,
): { items: LegendItem[]; rows: number } {
  const items: LegendItem[] = [];
  let x = left;
  let row = 0;
  for (const s of series) {
    const itemWidth = 30 + s.name.length * charWidth + 18;
    if (x + itemWidth > left + width && x > left) {
      row++;
      x = left;
    }
    items.push({ ...s, x, row });
    x += itemWidth;
  }
  return { items, rows: series.length === 0 ? 0 : row + 1 };
}

/**
 * Renders a line chart as an inline `<svg>` element (a string). The SVG has `data-chart` = the
 * chart id; each series is one `<path class="series" data-series="NAME">`, markers are
 * `<circle class="marker">` with a `<title>` tooltip, highlights are `<circle class="highlight">`.
 */
export function lineChart(options: LineChartOptions): string {
  const width = options.width ?? 600;
  const height = options.height ?? 300;
  const series = options.series.map((s, i) => ({
    ...s,
    color: s.color ?? palette[i % palette.length],
    dashed: s.dashed ?? false,
    markers: s.markers ?? false,
  }));

  // Data ranges, then nice domains and ticks.
  let xMin = Infinity;
  let xMax = -Infinity;
  let yMin = Infinity;
  let yMax = -Infinity;
  for (const s of series) {
    for (const p of s.points) {
      if (!Number.isFinite(p.x) || !Number.isFinite(p.y)) continue;
      xMin = Math.min(xMin, p.x);
      xMax = Math.max(xMax, p.x);
      yMin = Math.min(yMin, p.y);
      yMax = Math.max(yMax, p.y);
    }
  }
  for (const h of options.highlights ?? []) {
    yMin = Math.min(yMin, h.y);
    yMax = Math.max(yMax, h.y);
  }
  for (const line of options.yLines ?? []) {
    yMin = Math.min(yMin, line.value);
    yMax = Math.max(yMax, line.value);
  }
  const hasData = Number.isFinite(xMin);
  if (options.yIncludeZero && Number.isFinite(yMin)) {
    yMin = Math.min(yMin, 0);
    yMax = Math.max(yMax, 0);
  }
  const xStepMin = options.xIntegerTicks ? 1 : 0;
  const xDomain = options.xDomain ?? (hasData ? niceDomain(xMin, xMax, 6, xStepMin) : [0, 1]);
  const yDomain = options.yDomain ?? (hasData ? niceDomain(yMin, yMax, 5) : [0, 1]);
  const xTicks = niceTicks(xDomain[0], xDomain[1], 6, xStepMin);
  const yTicks = niceTicks(yDomain[0], yDomain[1], 5);
  const xFormat = options.xFormat ?? formatTick;
  const yFormat = options.yFormat ?? formatTick;
  const yLabels = yTicks.ticks.map((t) => yFormat(t, yTicks.step));

  // Layout: legend rows on top, y labels on the left, x labels below.
  const longestY = Math.max(1, ...yLabels.map((l) => l.length));
  const left = Math.round(26 + longestY * charWidth + 8);
  const right = 16;
  const legend = layoutLegend(series, left, width - left - right);
  const top = 12 + legend.rows * 18 + (options.xBands?.some((b) => b.label) ? 16 : 4);
  const bottom = 46;
  const plotWidth = width - left - right;
  const plotHeight = height - top - bottom;
  const sx = (x: number) => left + ((x - xDomain[0]) / (xDomain[1] - xDomain[0] || 1)) * plotWidth;
  const sy = (y: number) =>
    top + plotHeight - ((y - yDomain[0]) / (yDomain[1] - yDomain[0] || 1)) * plotHeight;
  const clipId = `clip-${options.id.replace(/[^A-Za-z0-9_-]/g, '_')}`;

  const parts: string[] = [];
  parts.push(
    `<svg xmlns="http://www.w3.org/2000/svg" class="chart" data-chart="${escapeHtml(options.id)}"` +
      ` viewBox="0 0 ${width} ${height}" role="img" aria-label="${escapeHtml(options.title)}"` +
      ` font-family="system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif"` +
      ` font-size="${fontSize}">`,
  );
  parts.push(
    `<defs><clipPath id="${clipId}"><rect x="${left}" y="${top - 1}" width="${plotWidth}"` +
      ` height="${plotHeight + 2}"/></clipPath></defs>`,
  );

  // Shaded bands (epochs) behind everything.
  (options.xBands ?? []).forEach((band, i) => {
    const x1 = Math.max(left, sx(band.from));
    const x2 = Math.min(left + plotWidth, sx(band.to));
    if (x2 <= x1) return;
    if (i % 2 === 1) {
      parts.push(
        `<rect class="band" x="${round1(x1)}" y="${top}" width="${round1(x2 - x1)}"` +
          ` height="${plotHeight}" fill="#f1f3f6"/>`,
      );
    }
    if (band.label && x2 - x1 > band.label.length * charWidth * 0.85) {
      parts.push(
        `<text x="${round1((x1 + x2) / 2)}" y="${top - 5}" text-anchor="middle" fill="#6b7280"` +
          ` font-size="11">${escapeHtml(band.label)}</text>`,
      );
    }
  });

  // Grid and y ticks.
  yTicks.ticks.forEach((t, i) => {
    const y = round1(sy(t));
    parts.push(
      `<line x1="${left}" x2="${left + plotWidth}" y1="${y}" y2="${y}" stroke="#e5e7eb"/>` +
        `<text x="${left - 8}" y="${y}" dy="0.32em" text-anchor="end" fill="#4b5563">` +
        `${escapeHtml(yLabels[i])}</text>`,
    );
  });

  // X axis with ticks.
  const axisY = top + plotHeight;
  parts.push(
    `<line x1="${left}" x2="${left + plotWidth}" y1="${axisY}" y2="${axisY}" stroke="#6b7280"/>`,
  );
  for (const t of xTicks.ticks) {
    const x = round1(sx(t));
    parts.push(
      `<line x1="${x}" x2="${x}" y1="${axisY}" y2="${axisY + 5}" stroke="#6b7280"/>` +
        `<text x="${x}" y="${axisY + 18}" text-anchor="middle" fill="#4b5563">` +
        `${escapeHtml(xFormat(t, xTicks.step))}</text>`,
    );
  }
  parts.push(
    `<text x="${round1(left + plotWidth / 2)}" y="${height - 8}" text-anchor="middle"` +
      ` fill="#374151">${escapeHtml(options.xLabel)}</text>`,
    `<text transform="translate(14 ${round1(top + plotHeight / 2)}) rotate(-90)"` +
      ` text-anchor="middle" fill="#374151">${escapeHtml(options.yLabel)}</text>`,
  );

  // Reference lines.
  for (const line of options.yLines ?? []) {
    const y = round1(sy(line.value));
    const color = line.color ?? '#374151';
    parts.push(
      `<line class="annotation" x1="${left}" x2="${left + plotWidth}" y1="${y}" y2="${y}"` +
        ` stroke="${color}" stroke-width="1.2"${line.dashed === false ? '' : ' stroke-dasharray="4 3"'}/>`,
    );
    if (line.label) {
      const atStart = line.labelAt === 'start';
      parts.push(
        `<text x="${atStart ? left + 4 : left + plotWidth - 4}" y="${y}" dy="-0.45em"` +
          ` text-anchor="${atStart ? 'start' : 'end'}" fill="${color}" font-size="11">` +
          `${escapeHtml(line.label)}</text>`,
      );
    }
  }
  for (const line of options.xLines ?? []) {
    const x = round1(sx(line.value));
    const color = line.color ?? '#374151';
    parts.push(
      `<line class="annotation" x1="${x}" x2="${x}" y1="${top}" y2="${axisY}" stroke="${color}"` +
        ` stroke-width="1.2"${line.dashed === false ? '' : ' stroke-dasharray="4 3"'}/>`,
    );
    if (line.label) {
      const anchorEnd = sx(line.value) > left + plotWidth * 0.75;
      parts.push(
        `<text x="${anchorEnd ? Number(x) - 5 : Number(x) + 5}" y="${top + 12}"` +
          ` text-anchor="${anchorEnd ? 'end' : 'start'}" fill="${color}" font-size="11">` +
          `${escapeHtml(line.label)}</text>`,
      );
    }
  }

  // Series lines, clipped to the plot; then markers on top.
  const buckets = Math.max(1, Math.floor((options.maxPoints ?? 2 * plotWidth) / 2));
  parts.push(`<g clip-path="url(#${clipId})" fill="none" stroke-linejoin="round">`);
  for (const s of series) {
    const shown = decimate(s.points, buckets);
    const d = pathData(shown.map((p) => ({ x: sx(p.x), y: sy(p.y) })));
    parts.push(
      `<path class="series" data-series="${escapeHtml(s.name)}" d="${d}" stroke="${s.color}"` +
        ` stroke-width="${s.width ?? 2}"${s.opacity === undefined ? '' : ` stroke-opacity="${s.opacity}"`}` +
        `${s.dashed ? ' stroke-dasharray="7 4"' : ''}/>`,
    );
  }
  parts.push('</g>');
  for (const s of series) {
    if (!s.markers) continue;
    for (const p of s.points) {
      if (!Number.isFinite(p.x) || !Number.isFinite(p.y)) continue;
      parts.push(
        `<circle class="marker" cx="${round1(sx(p.x))}" cy="${round1(sy(p.y))}" r="3.5"` +
          ` fill="${s.color}" stroke="#fff" stroke-width="1.2"><title>` +
          `${escapeHtml(`${s.name} at ${options.xLabel} ${formatTick(p.x, xTicks.step)}: ${formatPrecise(p.y)}`)}` +
          `</title></circle>`,
      );
    }
  }
  for (const h of options.highlights ?? []) {
    const color = h.color ?? '#111827';
    const cx = sx(h.x);
    const cy = sy(h.y);
    const anchorEnd = cx > left + plotWidth * 0.7;
    parts.push(
      `<circle class="highlight" cx="${round1(cx)}" cy="${round1(cy)}" r="7" fill="none"` +
        ` stroke="${color}" stroke-width="2"><title>${escapeHtml(h.label)}</title></circle>`,
    );
    if (!h.tooltipOnly) {
      parts.push(
        `<text x="${round1(anchorEnd ? cx - 11 : cx + 11)}" y="${round1(cy)}" dy="1.1em"` +
          ` text-anchor="${anchorEnd ? 'end' : 'start'}" fill="${color}" font-size="11"` +
          ` font-weight="600">${escapeHtml(h.label)}</text>`,
      );
    }
  }

  // Legend.
  for (const item of legend.items) {
    const y = 14 + item.row * 18;
    parts.push(
      `<g class="legend-item"><line x1="${round1(item.x)}" x2="${round1(item.x + 22)}"` +
        ` y1="${y}" y2="${y}" stroke="${item.color}" stroke-width="2.5"` +
        `${item.dashed ? ' stroke-dasharray="5 3"' : ''}/>` +
        (item.markers
          ? `<circle cx="${round1(item.x + 11)}" cy="${y}" r="3" fill="${item.color}"/>`
          : '') +
        `<text x="${round1(item.x + 28)}" y="${y}" dy="0.32em" fill="#111827">` +
        `${escapeHtml(item.name)}</text></g>`,
    );
  }

  if (!hasData) {
    parts.push(
      `<text x="${round1(left + plotWidth / 2)}" y="${round1(top + plotHeight / 2)}"` +
        ` text-anchor="middle" fill="#9ca3af" font-size="14">no data</text>`,
    );
  }
  parts.push('</svg>');
  return parts.join('');
}

/** A value for a tooltip: 4 significant digits, exponent form for tiny or huge values. */
function formatPrecise(value: number): string {
  const magnitude = Math.abs(value);
  if (magnitude !== 0 && (magnitude < 1e-3 || magnitude >= 1e6)) return value.toExponential(3);
  return String(Number(value.toPrecision(4)));
}
