/** `samebike search`: the stored photos most similar to a query photo, or to many. */
import { existsSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { loadImageFolder } from '../../data/dataset.js';
import type { OnBadImage } from '../../image/bad-images.js';
import { loadModel } from '../../pipeline/model.js';
import { loadPhotos } from '../../pipeline/photos.js';
import { resolveSettings } from '../../pipeline/settings.js';
import {
  runSearch,
  writeSearchCsv,
  type SearchQuery,
  type SearchResult,
} from '../../pipeline/search.js';
import { SamebikeError } from '../../util/errors.js';
import { info, output } from '../../util/log.js';
import type { Command, OptionValues } from '../command.js';
import {
  configOption,
  dataOption,
  imagesOption,
  indexOption,
  jsonOption,
  modelOption,
  onBadImageOption,
  workersOption,
} from '../common.js';

/** The queries the options name: exactly one of --image, --id, --queries, --images (+ --data). */
function queriesOf(v: OptionValues): { queries: SearchQuery[]; batch: boolean } {
  const given = ['image', 'id', 'queries', 'images'].filter((name) => v[name] !== undefined);
  if (given.length !== 1) {
    const got = given.length === 0 ? 'none' : given.map((name) => `--${name}`).join(' and ');
    throw new SamebikeError(
      `samebike search: expected one query source (--image, --id, --queries or --data with ` +
        `--images), got ${got}`,
      'see samebike search --help',
    );
  }
  if (v.data !== undefined && v.images === undefined) {
    throw new SamebikeError(
      'samebike search: --data names its photos relative to --images, which is missing',
      'pass --images DIR with the folder the CSV paths start from',
    );
  }
  if (v.image !== undefined) {
    const file = v.image as string;
    if (!existsSync(file) || !statSync(file).isFile()) {
      throw new SamebikeError(`--image ${file}: no such file`, 'pass the path of a photo file');
    }
    return { queries: [{ photo: { image: file, path: resolve(file) } }], batch: false };
  }
  if (v.id !== undefined) return { queries: [{ imageId: v.id as string }], batch: false };
  if (v.queries !== undefined) {
    const photos = loadImageFolder(v.queries as string);
    return { queries: photos.map((photo) => ({ photo })), batch: true };
  }
  const settings = resolveSettings(v.config as string | undefined).settings;
  const photos = loadPhotos({ data: v.data as string, images: v.images as string }, settings);
  return { queries: photos.map((photo) => ({ photo })), batch: true };
}

/** The results of one query as an aligned table. */
function formatTable(result: SearchResult): string[] {
  const lines = [`query ${result.query}${result.ad !== undefined ? ` (ad ${result.ad})` : ''}`];
  if (result.matches.length === 0) return [...lines, '(no matches)'];
  const width = Math.max(5, ...result.matches.map((m) => m.imageId.length));
  lines.push(`${'rank'.padStart(4)}  similarity  ${'image'.padEnd(width)}  ad`);
  for (const m of result.matches) {
    lines.push(
      `${String(m.rank).padStart(4)}  ${m.similarity.toFixed(6).padStart(10)}  ` +
        `${m.imageId.padEnd(width)}  ${m.ad ?? ''}`,
    );
  }
  return lines;
}

export const searchCommand: Command = {
  name: 'search',
  summary: 'find the stored photos most similar to a query photo (or to a folder or CSV of them)',
  description:
    'Embeds the query photo with the model the index records (or --model, which must have the same id) and returns the K most similar stored photos, best first, with their cosine similarity, image id and ad. ' +
    'A stored photo can be the query too (--id): its stored embedding is used and it is left out of its own results. ' +
    'One query prints a table (or JSON with --json); the batch forms (--queries DIR, or --data CSV with --images DIR) write a CSV with one row per query and rank: query,rank,image,ad,similarity. ' +
    'The HNSW graph finds slightly fewer than all true neighbours; --exact compares with every stored photo.',
  options: [
    indexOption,
    {
      name: 'image',
      kind: 'path',
      placeholder: 'FILE',
      doc: 'A query photo file; it need not be stored in the index.',
    },
    {
      name: 'id',
      kind: 'string',
      placeholder: 'IMAGE_ID',
      doc: 'The image id of a stored photo to query with (its path relative to the --images folder of index add, e.g. ad-0001/1.jpg).',
    },
    {
      name: 'queries',
      kind: 'path',
      placeholder: 'DIR',
      doc: 'Batch form: every photo under this folder (subfolders too) is a query; needs --out.',
    },
    {
      ...dataOption,
      doc: 'Batch form: a labels CSV of query photos (image column relative to --images, label column = the ad, which --only-other-ads leaves out); needs --images and --out.',
    },
    {
      ...imagesOption,
      required: false,
      doc: 'Folder the --data image paths start from (batch form).',
    },
    {
      name: 'out',
      kind: 'path',
      placeholder: 'FILE.csv',
      doc: 'Write the results to this CSV (query,rank,image,ad,similarity); required by the batch forms.',
    },
    {
      name: 'top',
      kind: 'integer',
      placeholder: 'K',
      min: 1,
      max: 10000,
      default: 10,
      doc: 'Results per query, best first.',
    },
    {
      name: 'exclude-ad',
      kind: 'string',
      placeholder: 'AD',
      doc: 'Leave out every stored photo of this ad (e.g. the ad the query comes from).',
    },
    {
      name: 'only-other-ads',
      kind: 'boolean',
      doc: "Leave out the photos of the query's own ad: for --id queries (the stored ad) and --data queries (the CSV label).",
    },
    {
      name: 'exact',
      kind: 'boolean',
      doc: 'Compare with every stored photo instead of walking the HNSW graph: recall 1, time proportional to the index size.',
    },
    {
      name: 'ef',
      kind: 'integer',
      placeholder: 'N',
      min: 1,
      max: 65536,
      doc: 'Candidates the HNSW graph walk keeps (ef; at least --top are used): higher finds more of the true neighbours and takes longer. Default 128; usual range 32–512 (at one million photos ef 64 answers in about 1 ms, ef 256 in about 3 ms).',
    },
    {
      ...modelOption,
      required: false,
      doc: 'The model to embed query photos with (a run folder or "pretrained"); default the one the index records. Its id must match the index.',
    },
    {
      ...configOption,
      doc: 'YAML settings for a "pretrained" model (image size, pooling), as given to index add; also names the --data CSV columns.',
    },
    workersOption,
    onBadImageOption,
    {
      ...jsonOption,
      doc: 'Print the result as one JSON object on the last line of stdout (one query: its matches; batch: a summary).',
    },
  ],
  examples: [
    'samebike search --index photos.index/ --image new.jpg --top 5',
    'samebike search --index photos.index/ --id ad-0001/1.jpg --only-other-ads --json',
    'samebike search --index photos.index/ --data new.csv --images new/ --only-other-ads --out matches.csv',
  ],
  async run(v) {
    const { queries, batch } = queriesOf(v);
    const out = v.out as string | undefined;
    if (batch && out === undefined) {
      throw new SamebikeError(
        'samebike search: the batch forms write a CSV, but --out is missing',
        'pass --out FILE.csv',
      );
    }
    const config = v.config as string | undefined;
    const results = await runSearch({
      index: v.index as string,
      queries,
      top: v.top as number,
      excludeAd: v['exclude-ad'] as string | undefined,
      onlyOtherAds: Boolean(v['only-other-ads']),
      exact: Boolean(v.exact),
      expansionSearch: v.ef as number | undefined,
      model: v.model ? loadModel(v.model as string, config) : undefined,
      configPath: config,
      workers: v.workers as number | undefined,
      // Without a CSV there is nowhere to list skipped photos: an undecodable query fails.
      onBadImage: out ? (v['on-bad-image'] as OnBadImage) : 'fail',
      reportDir: out ? dirname(resolve(out)) : undefined,
    });
    if (out !== undefined) {
      writeSearchCsv(out, results);
      const rows = results.reduce((sum, r) => sum + r.matches.length, 0);
      info(`wrote ${rows} results of ${results.length} queries to ${out}`);
      if (v.json) output(JSON.stringify({ out: resolve(out), queries: results.length, rows }));
      return 0;
    }
    const [result] = results;
    if (v.json) {
      const { query, ad, ef, matches } = result;
      output(JSON.stringify({ query, ad, ef, matches }));
    } else {
      for (const line of formatTable(result)) output(line);
    }
    return 0;
  },
};
