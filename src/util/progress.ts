/**
 * A progress bar on stderr with count, rate and ETA. On a terminal it redraws one line; elsewhere
 * (CI, pipes) it prints a line every 10% so logs stay short.
 */
import { isQuiet } from './log.js';

export class Progress {
  private done = 0;
  private readonly started = Date.now();
  private lastDraw = 0;
  private lastDecile = -1;
  private readonly tty = Boolean(process.stderr.isTTY);

  /**
   * @param label what is being counted, e.g. "embed"
   * @param total how many units the job has
   * @param unit the unit's name for the rate, e.g. "img"
   */
  constructor(
    private readonly label: string,
    private readonly total: number,
    private readonly unit = 'it',
  ) {}

  /** Adds `n` finished units and redraws at most 10 times a second. */
  tick(n = 1, note = ''): void {
    this.done += n;
    if (isQuiet() || this.total === 0) return;
    const now = Date.now();
    if (this.tty) {
      if (now - this.lastDraw < 100 && this.done < this.total) return;
      this.lastDraw = now;
      process.stderr.write(`\r${this.line(note)}\x1b[K`);
      if (this.done >= this.total) process.stderr.write('\n');
      return;
    }
    const decile = Math.floor((10 * this.done) / this.total);
    if (decile !== this.lastDecile) {
      this.lastDecile = decile;
      process.stderr.write(`${this.line(note)}\n`);
    }
  }

  /** Units per second so far. */
  rate(): number {
    const seconds = (Date.now() - this.started) / 1000;
    return seconds > 0 ? this.done / seconds : 0;
  }

  private line(note: string): string {
    const fraction = Math.min(1, this.done / this.total);
    const width = 24;
    const filled = Math.round(fraction * width);
    const bar = '#'.repeat(filled) + '-'.repeat(width - filled);
    const rate = this.rate();
    const eta = rate > 0 ? (this.total - this.done) / rate : 0;
    const tail = note ? ` ${note}` : '';
    return (
      `${this.label} [${bar}] ${this.done}/${this.total} ` +
      `${rate.toFixed(1)} ${this.unit}/s ETA ${formatSeconds(eta)}${tail}`
    );
  }
}

/** 75 -> "1m15s", 3.2 -> "3s". */
export function formatSeconds(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m`;
}
