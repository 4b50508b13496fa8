/** `samebike index info`: what a search index holds. */
import { readIndexInfo } from '../../pipeline/index.js';
import { output } from '../../util/log.js';
import type { Command } from '../command.js';
import { indexOption, jsonOption } from '../common.js';

/** 1234567 → "1.2 MB". */
function formatBytes(bytes: number): string {
  if (bytes < 1000) return `${bytes} B`;
  const units = ['kB', 'MB', 'GB', 'TB'];
  let value = bytes / 1000;
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit++;
  }
  return `${value.toFixed(1)} ${units[unit]}`;
}

export const indexInfoCommand: Command = {
  name: 'index info',
  summary: 'show what a search index holds: photos, dimensions, model, files',
  description:
    'Prints the number of stored photos, the vector dimensions and graph scalar kind, the model the embeddings come from (its id and folder), the write generation and the file sizes. Reads only; nothing is loaded but the metadata.',
  options: [
    indexOption,
    { ...jsonOption, doc: 'Print the metadata as one JSON object instead of the table.' },
  ],
  examples: [
    'samebike index info --index photos.index/',
    'samebike index info --index photos.index/ --json',
  ],
  async run(v) {
    const info = await readIndexInfo(v.index as string);
    if (v.json) {
      output(JSON.stringify(info));
      return 0;
    }
    const rows: [string, string | number][] = [
      ['index', info.location],
      ['photos', info.count],
      ['dimensions', info.dimensions],
      ['scalar', info.scalar],
      ['model id', info.modelId ?? '(not recorded)'],
      ['model', info.modelSource ?? '(not recorded)'],
      ['generation', info.generation],
      ['database', formatBytes(info.files.database)],
      [
        'graph file',
        `${formatBytes(info.files.ann)}${info.annGeneration < info.generation ? ' (behind: replayed on the next open)' : ''}`,
      ],
    ];
    for (const [name, value] of rows) output(`${name.padEnd(11)} ${value}`);
    return 0;
  },
};
