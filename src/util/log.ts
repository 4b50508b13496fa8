/**
 * Logging for the user. `info` and `warn` go to stderr so that stdout stays clean for results
 * (`--json`). `debug` prints only when SAMEBIKE_DEBUG=1 or `--verbose` turned it on.
 */

let debugEnabled = process.env.SAMEBIKE_DEBUG === '1';
let quiet = false;

/** Turns the debug channel on or off (the CLI's `--verbose`). */
export function setDebug(enabled: boolean): void {
  debugEnabled = enabled;
}

/** Silences info lines and progress bars (tests, `--quiet`); warnings still print. */
export function setQuiet(enabled: boolean): void {
  quiet = enabled;
}

export function isQuiet(): boolean {
  return quiet;
}

export function info(message: string): void {
  if (!quiet) process.stderr.write(`${message}\n`);
}

export function warn(message: string): void {
  process.stderr.write(`warning: ${message}\n`);
}

export function debug(message: string | (() => string)): void {
  if (!debugEnabled) return;
  process.stderr.write(`debug: ${typeof message === 'function' ? message() : message}\n`);
}

/** Writes a result line to stdout (tables, JSON); the only place the library touches stdout. */
export function output(line: string): void {
  process.stdout.write(`${line}\n`);
}
