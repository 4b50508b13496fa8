/**
 * The SQLite side of the embedded index: the source of truth. `index.sqlite` (WAL journal) holds
 *
 * - `meta`: format version, dimensions, model id and source, scalar kind, graph settings, the
 *   write `generation` (one more per committed change), the stored `count`, and which generation
 *   the saved ANN file reflects (`ann_generation`, `ann_bytes`);
 * - `items`: one row per image: integer `key` (never reused, so the ANN graph can use it), unique
 *   `image_id`, `ad`, `path`, and the `generation` that last wrote the row;
 * - `vectors`: the float32 vector of each key (kept apart from `items` so that looking up the
 *   ids of search results touches small rows only);
 * - `removed`: the key and generation of every removed or replaced row, so that an ANN file that
 *   is behind can be brought up to date by replaying the changes instead of a rebuild.
 *
 * With WAL and `synchronous = NORMAL`, a transaction that committed survives a crash of the
 * process; one that had not committed leaves no trace.
 */
import Database from 'better-sqlite3';
import { SamebikeError } from '../util/errors.js';

/** The on-disk format this code writes and reads. */
export const FORMAT_VERSION = 1;

/** Page size of new databases: a 32 KiB page packs fifteen 512-d float32 vectors with 3% waste. */
const PAGE_SIZE = 32768;

/** The metadata of an index as stored in `meta`. */
export interface IndexMeta {
  format: number;
  dimensions: number;
  modelId?: string;
  /** Where the embedding model can be found again (a run folder, or "pretrained"). */
  modelSource?: string;
  scalar: string;
  connectivity: number;
  expansionAdd: number;
  generation: number;
  count: number;
  annGeneration: number;
  annBytes: number;
}

/** An `items` row. */
export interface ItemRow {
  key: number;
  imageId: string;
  ad?: string;
  path?: string;
}

/** A row with its vector blob, as replayed into the ANN graph or the exact table. */
export interface VectorRow {
  key: number;
  ad?: string;
  vector: Buffer;
}

interface RawItem {
  key: number;
  image_id: string;
  ad: string | null;
  path: string | null;
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS items (
  key INTEGER PRIMARY KEY AUTOINCREMENT,
  image_id TEXT NOT NULL UNIQUE,
  ad TEXT,
  path TEXT,
  generation INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS items_generation ON items (generation);
CREATE TABLE IF NOT EXISTS vectors (key INTEGER PRIMARY KEY, vector BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS removed (key INTEGER PRIMARY KEY, generation INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS removed_generation ON removed (generation);
`;

/** Prepared statements over one connection; every method is synchronous. */
export class IndexDatabase {
  private readonly statements;

  private constructor(
    readonly db: Database.Database,
    readonly file: string,
    readonly readOnly: boolean,
  ) {
    this.statements = {
      meta: db.prepare('SELECT name, value FROM meta'),
      metaValue: db.prepare('SELECT value FROM meta WHERE name = ?').pluck(),
      setMeta: db.prepare('INSERT OR REPLACE INTO meta (name, value) VALUES (?, ?)'),
      byImageId: db.prepare('SELECT key, image_id, ad, path FROM items WHERE image_id = ?'),
      byKey: db.prepare('SELECT key, image_id, ad, path FROM items WHERE key = ?'),
      vector: db.prepare('SELECT vector FROM vectors WHERE key = ?').pluck(),
      byKeys: db.prepare(
        'SELECT i.key AS key, i.image_id AS image_id, i.ad AS ad, i.path AS path ' +
          'FROM json_each(?) j JOIN items i ON i.key = j.value',
      ),
      vectorsByKeys: db.prepare(
        'SELECT v.key AS key, v.vector AS vector FROM json_each(?) j JOIN vectors v ON v.key = j.value',
      ),
      insertItem: db.prepare(
        'INSERT INTO items (image_id, ad, path, generation) VALUES (?, ?, ?, ?)',
      ),
      updateItem: db.prepare('UPDATE items SET ad = ?, path = ?, generation = ? WHERE key = ?'),
      insertVector: db.prepare('INSERT INTO vectors (key, vector) VALUES (?, ?)'),
      deleteItem: db.prepare('DELETE FROM items WHERE key = ?'),
      deleteVector: db.prepare('DELETE FROM vectors WHERE key = ?'),
      insertRemoved: db.prepare('INSERT OR REPLACE INTO removed (key, generation) VALUES (?, ?)'),
      removedSince: db.prepare('SELECT key FROM removed WHERE generation > ? ORDER BY key').pluck(),
      changedSince: db.prepare(
        'SELECT i.key AS key, i.ad AS ad, v.vector AS vector FROM items i ' +
          'JOIN vectors v ON v.key = i.key WHERE i.generation > ? ORDER BY i.key',
      ),
      countChangedSince: db.prepare('SELECT count(*) FROM items WHERE generation > ?').pluck(),
      allItems: db.prepare('SELECT key, image_id, ad, path FROM items ORDER BY key'),
      allVectors: db.prepare(
        'SELECT i.key AS key, i.ad AS ad, v.vector AS vector FROM items i ' +
          'JOIN vectors v ON v.key = i.key ORDER BY i.key',
      ),
    };
  }

  /**
   * Opens `file`. With `create`, a missing database is created with empty metadata (the caller
   * fills it in with `initialise`). Read-only connections never write.
   */
  static open(file: string, options: { create: boolean; readOnly: boolean }): IndexDatabase {
    const db = new Database(file, {
      readonly: options.readOnly,
      fileMustExist: !options.create || options.readOnly,
    });
    try {
      if (!options.readOnly) {
        db.pragma(`page_size = ${PAGE_SIZE}`);
        db.pragma('journal_mode = WAL');
        db.pragma('synchronous = NORMAL');
        // Truncate the write-ahead log back to 64 MiB after checkpoints (a 50k-vector batch
        // writes about 100 MiB to it).
        db.pragma('journal_size_limit = 67108864');
        db.exec(SCHEMA);
      }
      db.pragma('busy_timeout = 10000');
      const hasMeta = db
        .prepare("SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'meta'")
        .pluck()
        .get() as number;
      if (hasMeta === 0) {
        throw new SamebikeError(
          `${file} is an SQLite database but not a samebike index (it has no meta table)`,
          'point to the folder that holds the index, or to an empty folder to create one',
        );
      }
      return new IndexDatabase(db, file, options.readOnly);
    } catch (error) {
      db.close();
      throw error;
    }
  }

  /** Whether the metadata has been filled in (false right after creating the file). */
  isInitialised(): boolean {
    return this.statements.metaValue.get('format') !== undefined;
  }

  /** Writes the metadata of a new index. Does nothing if another process did it first. */
  initialise(meta: Omit<IndexMeta, 'generation' | 'count' | 'annGeneration' | 'annBytes'>): void {
    this.transaction(() => {
      if (this.isInitialised()) return;
      this.setMeta('format', meta.format);
      this.setMeta('dimensions', meta.dimensions);
      this.setMeta('model_id', meta.modelId ?? null);
      this.setMeta('scalar', meta.scalar);
      this.setMeta('connectivity', meta.connectivity);
      this.setMeta('expansion_add', meta.expansionAdd);
      this.setMeta('generation', 0);
      this.setMeta('count', 0);
      this.setMeta('ann_generation', -1);
      this.setMeta('ann_bytes', 0);
    });
  }

  /** Reads all metadata. */
  readMeta(): IndexMeta {
    const values = new Map<string, unknown>();
    for (const row of this.statements.meta.all() as { name: string; value: unknown }[]) {
      values.set(row.name, row.value);
    }
    const number = (name: string): number => {
      const value = values.get(name);
      if (typeof value !== 'number' && typeof value !== 'bigint') {
        throw new SamebikeError(
          `${this.file}: metadata "${name}" is missing or not a number (found ${String(value)})`,
          'the index is damaged; rebuild it from the embeddings',
        );
      }
      return Number(value);
    };
    const modelId = values.get('model_id');
    const modelSource = values.get('model_source');
    return {
      format: number('format'),
      dimensions: number('dimensions'),
      modelId: typeof modelId === 'string' ? modelId : undefined,
      modelSource: typeof modelSource === 'string' ? modelSource : undefined,
      scalar: String(values.get('scalar')),
      connectivity: number('connectivity'),
      expansionAdd: number('expansion_add'),
      generation: number('generation'),
      count: number('count'),
      annGeneration: number('ann_generation'),
      annBytes: number('ann_bytes'),
    };
  }

  /** The current write generation (one cheap lookup). */
  generation(): number {
    return Number(this.statements.metaValue.get('generation'));
  }

  /** Sets one metadata value (inside the caller's transaction when there is one). */
  setMeta(name: string, value: string | number | null): void {
    this.statements.setMeta.run(name, value);
  }

  /** Runs `body` in one IMMEDIATE transaction (takes the write lock first) and returns its value. */
  transaction<T>(body: () => T): T {
    return this.db.transaction(body).immediate();
  }

  /** The row of an image id. */
  itemByImageId(imageId: string): ItemRow | undefined {
    return toItem(this.statements.byImageId.get(imageId) as RawItem | undefined);
  }

  /** The row of a key. */
  itemByKey(key: number): ItemRow | undefined {
    return toItem(this.statements.byKey.get(key) as RawItem | undefined);
  }

  /** The rows of many keys at once (one query), by key; keys without a row are absent. */
  itemsByKeys(keys: readonly number[]): Map<number, ItemRow> {
    const rows = new Map<number, ItemRow>();
    if (keys.length === 0) return rows;
    for (const raw of this.statements.byKeys.all(JSON.stringify(keys)) as RawItem[]) {
      const item = toItem(raw) as ItemRow;
      rows.set(item.key, item);
    }
    return rows;
  }

  /** The vector blobs of many keys at once, by key. */
  vectorBlobs(keys: readonly number[]): Map<number, Buffer> {
    const blobs = new Map<number, Buffer>();
    if (keys.length === 0) return blobs;
    const rows = this.statements.vectorsByKeys.all(JSON.stringify(keys)) as {
      key: number;
      vector: Buffer;
    }[];
    for (const row of rows) blobs.set(Number(row.key), row.vector);
    return blobs;
  }

  /** The vector blob of a key. */
  vectorBlob(key: number): Buffer | undefined {
    return this.statements.vector.get(key) as Buffer | undefined;
  }

  /** Inserts a row and its vector; returns the new key. */
  insert(
    imageId: string,
    ad: string | undefined,
    path: string | undefined,
    vector: Buffer,
    generation: number,
  ): number {
    const key = Number(
      this.statements.insertItem.run(imageId, ad ?? null, path ?? null, generation).lastInsertRowid,
    );
    this.statements.insertVector.run(key, vector);
    return key;
  }

  /** Changes the ad and path of a row (its vector stays). */
  update(key: number, ad: string | undefined, path: string | undefined, generation: number): void {
    this.statements.updateItem.run(ad ?? null, path ?? null, generation, key);
  }

  /** Deletes a row and its vector, and records the removal for replay. */
  delete(key: number, generation: number): void {
    this.statements.deleteItem.run(key);
    this.statements.deleteVector.run(key);
    this.statements.insertRemoved.run(key, generation);
  }

  /** Keys removed after `generation`. */
  removedSince(generation: number): number[] {
    return (this.statements.removedSince.all(generation) as (number | bigint)[]).map(Number);
  }

  /** How many rows were written after `generation`. */
  countChangedSince(generation: number): number {
    return Number(this.statements.countChangedSince.get(generation));
  }

  /** Rows (with vectors) written after `generation`, in key order. */
  *changedSince(generation: number): Generator<VectorRow> {
    for (const row of this.statements.changedSince.iterate(generation) as Iterable<RawVector>) {
      yield toVectorRow(row);
    }
  }

  /** Every row with its vector, in key order. */
  *allVectors(): Generator<VectorRow> {
    for (const row of this.statements.allVectors.iterate() as Iterable<RawVector>) {
      yield toVectorRow(row);
    }
  }

  /** Every row without vectors, in key order. */
  *allItems(): Generator<ItemRow> {
    for (const row of this.statements.allItems.iterate() as Iterable<RawItem>) {
      yield toItem(row) as ItemRow;
    }
  }

  /** Closes the connection. */
  close(): void {
    this.db.close();
  }
}

interface RawVector {
  key: number;
  ad: string | null;
  vector: Buffer;
}

function toItem(row: RawItem | undefined): ItemRow | undefined {
  if (!row) return undefined;
  const item: ItemRow = { key: Number(row.key), imageId: row.image_id };
  if (row.ad !== null) item.ad = row.ad;
  if (row.path !== null) item.path = row.path;
  return item;
}

function toVectorRow(row: RawVector): VectorRow {
  const result: VectorRow = { key: Number(row.key), vector: row.vector };
  if (row.ad !== null) result.ad = row.ad;
  return result;
}
