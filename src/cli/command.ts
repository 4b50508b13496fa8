/**
 * How a CLI command is declared: its options carry their own documentation (meaning, unit,
 * default, usual range), and both `--help` and the README's command reference are generated from
 * these declarations, so they cannot drift apart.
 */
import { SamebikeError, describeValue } from '../util/errors.js';

export type OptionKind = 'string' | 'path' | 'integer' | 'number' | 'boolean' | 'choice';

export interface OptionSpec {
  /** Long name without dashes, e.g. "on-bad-image". */
  name: string;
  kind: OptionKind;
  /** One or two sentences: what it does, unit, usual range. */
  doc: string;
  /** Allowed values for kind "choice". */
  choices?: readonly string[];
  default?: string | number | boolean;
  required?: boolean;
  /** Placeholder in the usage line, e.g. "DIR". */
  placeholder?: string;
  /** Smallest allowed value for integer and number options. */
  min?: number;
  /** Largest allowed value for integer and number options. */
  max?: number;
  /** The option may be given several times; its value is then the list of values given. */
  repeatable?: boolean;
}

export type OptionValues = Record<string, string | number | boolean | string[] | undefined>;

export interface Command {
  /** One word, or two for a subcommand ("index add": run as `samebike index add`). */
  name: string;
  /** One line for the command list. */
  summary: string;
  /** A paragraph for `samebike NAME --help`: what it does, what it writes, known limits. */
  description: string;
  options: OptionSpec[];
  /** Examples shown in --help and the README. */
  examples?: string[];
  /** Runs the command; returns the exit code. */
  run(values: OptionValues): Promise<number>;
}

/** Parses `--name value`, `--name=value` and `--flag` against the command's option specs. */
export function parseOptions(command: Command, argv: string[]): OptionValues {
  const specs = new Map(command.options.map((o) => [o.name, o]));
  const values: OptionValues = {};
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (!arg.startsWith('--')) {
      throw new SamebikeError(
        `samebike ${command.name}: unexpected argument "${arg}"`,
        `options start with --; see samebike ${command.name} --help`,
      );
    }
    const eq = arg.indexOf('=');
    const name = eq > 0 ? arg.slice(2, eq) : arg.slice(2);
    const spec = specs.get(name);
    if (!spec) {
      throw new SamebikeError(
        `samebike ${command.name}: unknown option --${name}`,
        `known options: ${command.options.map((o) => `--${o.name}`).join(', ')}`,
      );
    }
    let raw: string | undefined;
    if (eq > 0) raw = arg.slice(eq + 1);
    else if (spec.kind !== 'boolean') {
      raw = argv[i + 1];
      if (raw === undefined || raw.startsWith('--')) {
        throw new SamebikeError(`--${name}: expected ${expectation(spec)}, got nothing`);
      }
      i++;
    }
    const value = convert(spec, raw);
    if (spec.repeatable) values[name] = [...((values[name] as string[]) ?? []), String(value)];
    else values[name] = value;
  }
  for (const spec of command.options) {
    if (values[spec.name] === undefined && spec.default !== undefined) {
      values[spec.name] = spec.default;
    }
    if (spec.required && values[spec.name] === undefined) {
      throw new SamebikeError(
        `samebike ${command.name}: --${spec.name} is required (${spec.doc})`,
        `see samebike ${command.name} --help`,
      );
    }
  }
  return values;
}

function expectation(spec: OptionSpec): string {
  switch (spec.kind) {
    case 'choice':
      return `one of ${spec.choices?.join(', ')}`;
    case 'integer':
      return `an integer${range(spec)}`;
    case 'number':
      return `a number${range(spec)}`;
    case 'boolean':
      return 'true or false';
    default:
      return `a ${spec.placeholder ?? 'value'}`;
  }
}

function range(spec: OptionSpec): string {
  if (spec.min !== undefined && spec.max !== undefined) return ` from ${spec.min} to ${spec.max}`;
  if (spec.min !== undefined) return ` ≥ ${spec.min}`;
  if (spec.max !== undefined) return ` ≤ ${spec.max}`;
  return '';
}

function convert(spec: OptionSpec, raw: string | undefined): string | number | boolean {
  const fail = (): never => {
    throw new SamebikeError(
      `--${spec.name}: expected ${expectation(spec)}, got ${describeValue(raw)}`,
    );
  };
  switch (spec.kind) {
    case 'boolean':
      if (raw === undefined || raw === 'true') return true;
      if (raw === 'false') return false;
      return fail();
    case 'integer':
    case 'number': {
      const n = Number(raw);
      if (raw === '' || !Number.isFinite(n)) return fail();
      if (spec.kind === 'integer' && !Number.isInteger(n)) return fail();
      if (spec.min !== undefined && n < spec.min) return fail();
      if (spec.max !== undefined && n > spec.max) return fail();
      return n;
    }
    case 'choice':
      if (!spec.choices?.includes(raw as string)) return fail();
      return raw as string;
    default:
      if (!raw) return fail();
      return raw;
  }
}

/** The text of `samebike NAME --help`. */
export function formatHelp(command: Command): string {
  const lines = [
    `samebike ${command.name} — ${command.summary}`,
    '',
    wrap(command.description, 0),
    '',
  ];
  lines.push('Options:');
  for (const o of command.options) {
    const value =
      o.kind === 'boolean'
        ? ''
        : ` ${o.placeholder ?? (o.choices ? o.choices.join('|') : 'VALUE')}`;
    const extra: string[] = [];
    if (o.required) extra.push('required');
    if (o.default !== undefined) extra.push(`default: ${o.default}`);
    lines.push(`  --${o.name}${value}`);
    lines.push(wrap(`${o.doc}${extra.length ? ` (${extra.join('; ')})` : ''}`, 6));
  }
  if (command.examples?.length) {
    lines.push('', 'Examples:');
    for (const e of command.examples) lines.push(`  ${e}`);
  }
  return lines.join('\n');
}

function wrap(text: string, indent: number, width = 100): string {
  const out: string[] = [];
  for (const paragraph of text.split('\n')) {
    let line = ' '.repeat(indent);
    for (const word of paragraph.split(/\s+/).filter(Boolean)) {
      if (line.trim() && line.length + word.length + 1 > width) {
        out.push(line.trimEnd());
        line = ' '.repeat(indent);
      }
      line += (line.trim() ? ' ' : '') + word;
    }
    out.push(line.trimEnd());
  }
  return out.join('\n');
}
