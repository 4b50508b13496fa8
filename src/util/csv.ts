/**
 * CSV reading and writing (RFC 4180: comma separator, double-quote quoting, CRLF or LF line ends).
 * Rows keep their 1-based line number in the file so that errors can point at them.
 */
import { readFileSync } from 'node:fs';
import { SamebikeError } from './errors.js';
import { writeFileAtomic } from './fs.js';

export interface CsvTable {
  header: string[];
  /** Data rows; `line` is the 1-based line in the file where the row starts. */
  rows: { line: number; cells: string[] }[];
}

/** Parses CSV text. `source` names the file in errors. */
export function parseCsv(text: string, source: string): CsvTable {
  const records: { line: number; cells: string[] }[] = [];
  let cells: string[] = [];
  let cell = '';
  let quoted = false;
  let line = 1;
  let recordLine = 1;
  let i = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  for (; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"') {
        if (text[i + 1] === '"') {
          cell += '"';
          i++;
        } else quoted = false;
      } else {
        if (c === '\n') line++;
        cell += c;
      }
    } else if (c === '"' && cell === '') {
      quoted = true;
    } else if (c === ',') {
      cells.push(cell);
      cell = '';
    } else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') i++;
      cells.push(cell);
      if (cells.length > 1 || cells[0] !== '') records.push({ line: recordLine, cells });
      cells = [];
      cell = '';
      line++;
      recordLine = line;
    } else {
      cell += c;
    }
  }
  if (quoted) {
    throw new SamebikeError(`${source}: line ${recordLine}: a quoted field is never closed`);
  }
  cells.push(cell);
  if (cells.length > 1 || cells[0] !== '') records.push({ line: recordLine, cells });
  if (records.length === 0) {
    throw new SamebikeError(`${source}: the file is empty; expected a header row`);
  }
  const [head, ...rows] = records;
  return { header: head.cells.map((h) => h.trim()), rows };
}

export function readCsv(path: string): CsvTable {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new SamebikeError(`${path}: cannot read the CSV file (${(error as Error).message})`);
  }
  return parseCsv(text, path);
}

function quote(value: string | number): string {
  const s = String(value);
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** Formats rows as CSV text with a header line. */
export function formatCsv(header: string[], rows: (string | number)[][]): string {
  const lines = [header.map(quote).join(',')];
  for (const row of rows) lines.push(row.map(quote).join(','));
  return `${lines.join('\n')}\n`;
}

export function writeCsv(path: string, header: string[], rows: (string | number)[][]): void {
  writeFileAtomic(path, formatCsv(header, rows));
}
