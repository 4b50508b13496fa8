/**
 * Small HTML helpers for the report: escaping user text, and formatting metrics, deltas, counts
 * and durations the same way everywhere on the page.
 */

const entities: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

/**
 * Escapes text for HTML element content and quoted attribute values (also inside inline SVG).
 * Every string that comes from data (labels, paths, config values) goes through it.
 */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => entities[c]);
}

/** A metric in [0, 1] with three decimals ("0.769"); "–" when not a finite number. */
export function formatMetric(value: number | undefined): string {
  return value !== undefined && Number.isFinite(value) ? value.toFixed(3) : '–';
}

/** A signed difference with three decimals and a true minus sign ("+0.129", "−0.004"). */
export function formatDelta(value: number): string {
  if (!Number.isFinite(value)) return '–';
  const rounded = Math.round(value * 1000) / 1000;
  if (rounded === 0) return '±0.000';
  return rounded > 0 ? `+${rounded.toFixed(3)}` : `\u2212${Math.abs(rounded).toFixed(3)}`;
}

/** An integer with thin-space thousands groups ("8 313"), independent of the machine's locale. */
export function formatCount(value: number): string {
  if (!Number.isFinite(value)) return '–';
  const sign = value < 0 ? '\u2212' : '';
  const digits = String(Math.round(Math.abs(value)));
  return sign + digits.replace(/\B(?=(\d{3})+(?!\d))/g, '\u2009');
}

/** A duration given in seconds, e.g. "0.42 s", "12.3 s", "4 min 05 s", "2 h 03 min". */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '–';
  if (seconds < 10) return `${seconds.toFixed(2)} s`;
  if (seconds < 60) return `${seconds.toFixed(1)} s`;
  const total = Math.round(seconds);
  if (total < 3600) {
    const minutes = Math.floor(total / 60);
    return `${minutes} min ${String(total % 60).padStart(2, '0')} s`;
  }
  const totalMinutes = Math.round(seconds / 60);
  const hours = Math.floor(totalMinutes / 60);
  return `${hours} h ${String(totalMinutes % 60).padStart(2, '0')} min`;
}

/** The last segment of a path ("/a/b/c.jpg" → "c.jpg"), for placeholders and captions. */
export function baseName(path: string): string {
  const parts = path.split(/[\\/]/);
  return parts[parts.length - 1] || path;
}
