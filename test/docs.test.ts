import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { readmeReference, referenceMarkdown } from '../src/cli/docs.js';
import { formatHelp } from '../src/cli/command.js';
import { commands } from '../src/cli/commands/index.js';

const readme = fileURLToPath(new URL('../../README.md', import.meta.url));

test('the README reference matches the command and setting declarations', () => {
  assert.equal(readmeReference(readme), referenceMarkdown(), 'README is stale: run npm run docs');
});

test('every command documents every option in --help', () => {
  for (const command of commands) {
    const help = formatHelp(command);
    for (const option of command.options) {
      assert.ok(help.includes(`--${option.name}`), `${command.name} --help lacks --${option.name}`);
      assert.ok(
        option.doc.length > 20,
        `${command.name} --${option.name} needs a real description`,
      );
    }
  }
});
