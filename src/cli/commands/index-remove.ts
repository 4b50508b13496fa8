/** `samebike index remove`: photos out of a search index, by image id. */
import { readCsv } from '../../util/csv.js';
import { SamebikeError } from '../../util/errors.js';
import { runIndexRemove } from '../../pipeline/index.js';
import { resolveSettings } from '../../pipeline/settings.js';
import { output } from '../../util/log.js';
import type { Command } from '../command.js';
import { configOption, indexOption, jsonOption } from '../common.js';

/** The image ids listed in a CSV's image column (the files need not exist any more). */
function imageIdsOf(csv: string, column: string): string[] {
  const table = readCsv(csv);
  const at = table.header.indexOf(column);
  if (at < 0) {
    throw new SamebikeError(
      `${csv}: line 1: no image column "${column}"; the header has columns ` +
        table.header.map((h) => `"${h}"`).join(', '),
      'name the image column in the first line, or choose it with data.image_column in --config',
    );
  }
  return table.rows.map((row) => row.cells[at]?.trim() ?? '').filter((id) => id !== '');
}

export const indexRemoveCommand: Command = {
  name: 'index remove',
  summary: 'remove photos from a search index by image id',
  description:
    'Removes the photos with the given image ids (paths relative to the --images folder of index add) in one atomic write. ' +
    'Ids that are not stored are listed in a warning and otherwise ignored.',
  options: [
    indexOption,
    {
      name: 'image-id',
      kind: 'string',
      placeholder: 'ID',
      repeatable: true,
      doc: 'Image id of a photo to remove, e.g. ad-0001/1.jpg; repeat the option for several.',
    },
    {
      name: 'data',
      kind: 'path',
      placeholder: 'CSV',
      doc: 'A CSV whose image column (data.image_column, default "image") lists the image ids to remove; the photo files need not exist.',
    },
    {
      ...configOption,
      doc: 'YAML settings naming the CSV image column (data.image_column) for --data.',
    },
    jsonOption,
  ],
  examples: [
    'samebike index remove --index photos.index/ --image-id ad-0001/1.jpg --image-id ad-0001/2.jpg',
    'samebike index remove --index photos.index/ --data sold.csv',
  ],
  async run(v) {
    const ids = [...((v['image-id'] as string[] | undefined) ?? [])];
    if (v.data) {
      const settings = resolveSettings(v.config as string | undefined).settings;
      ids.push(...imageIdsOf(v.data as string, settings['data.image_column'] ?? 'image'));
    }
    if (ids.length === 0) {
      throw new SamebikeError(
        'samebike index remove: no photos named',
        'pass --image-id ID (repeatable) or --data CSV',
      );
    }
    const result = await runIndexRemove(v.index as string, ids);
    if (v.json) output(JSON.stringify(result));
    return 0;
  },
};
