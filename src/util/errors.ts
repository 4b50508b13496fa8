/**
 * User-facing errors. Every error that reaches the CLI names the file, row, field or option that
 * is wrong, what was expected, what arrived, and what to do about it.
 */

/** An error caused by the user's input (a file, an option, a config key), not by a bug. */
export class SamebikeError extends Error {
  /** What the user can do to fix it, printed after the message. */
  readonly hint?: string;

  constructor(message: string, hint?: string) {
    super(message);
    this.name = 'SamebikeError';
    this.hint = hint;
  }
}

/** Describes a received value for an error message: its JSON form and its type. */
export function describeValue(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  const kind = Array.isArray(value) ? 'array' : typeof value;
  let shown: string;
  try {
    shown = JSON.stringify(value) ?? String(value);
  } catch {
    shown = String(value);
  }
  if (shown.length > 60) shown = `${shown.slice(0, 57)}...`;
  return `${shown} (${kind})`;
}

/** Throws a SamebikeError saying which parameter had which wrong value and what was expected. */
export function invalidParameter(name: string, expected: string, value: unknown): never {
  throw new SamebikeError(`${name}: expected ${expected}, got ${describeValue(value)}`);
}
