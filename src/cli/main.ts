/** The `samebike` command line: dispatches to one module per command in ./commands. */
import { formatHelp, parseOptions, type Command } from './command.js';
import { commands } from './commands/index.js';
import { SamebikeError } from '../util/errors.js';
import { output, setDebug } from '../util/log.js';

function usage(): string {
  const width = Math.max(...commands.map((c) => c.name.length));
  const list = commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`);
  return [
    'samebike — find the photos that show the same bicycle',
    '',
    'Usage: samebike COMMAND [options]    (samebike COMMAND --help for its options)',
    '',
    'Commands:',
    ...list,
    '',
    'Set SAMEBIKE_DEBUG=1 (or pass --verbose) for debug output.',
  ].join('\n');
}

/** Runs the CLI with `argv` (without node and script); returns the process exit code. */
export async function main(argv: string[]): Promise<number> {
  const verbose = argv.indexOf('--verbose');
  if (verbose >= 0) {
    setDebug(true);
    argv = argv.filter((_, i) => i !== verbose);
  }
  const [name, subcommand] = argv;
  if (!name || name === '--help' || name === 'help' || name === '-h') {
    output(usage());
    return name ? 0 : 1;
  }
  const command: Command | undefined =
    commands.find((c) => c.name === `${name} ${subcommand}`) ??
    commands.find((c) => c.name === name);
  if (!command) {
    const family = commands.filter((c) => c.name.startsWith(`${name} `));
    if (family.length > 0) {
      const names = family.map((c) => c.name.slice(name.length + 1)).join(', ');
      const got = subcommand === undefined ? 'nothing' : `"${subcommand}"`;
      process.stderr.write(
        `samebike ${name}: expected a subcommand (${names}), got ${got}\n` +
          `  see samebike ${family[0].name} --help\n`,
      );
      return 2;
    }
    process.stderr.write(`samebike: unknown command "${name}"\n\n${usage()}\n`);
    return 2;
  }
  const rest = argv.slice(command.name.split(' ').length);
  if (rest.includes('--help') || rest.includes('-h')) {
    output(formatHelp(command));
    return 0;
  }
  try {
    return await command.run(parseOptions(command, rest));
  } catch (error) {
    if (error instanceof SamebikeError) {
      process.stderr.write(`error: ${error.message}\n`);
      if (error.hint) process.stderr.write(`  ${error.hint}\n`);
      return 1;
    }
    throw error;
  }
}
