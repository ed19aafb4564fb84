import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { copyRow, toEwkt } from './copy-text.ts';
import { LAYER_NAMES, LAYER_TABLES, type BaseMap, type DemoFeature, type LayerColumn, type LayerName } from './layers.ts';
import { DEMO_SRID } from './projection.ts';

/** Options of loadBaseMap. */
export interface LoadOptions {
  /** Schema for the tables (created if missing); default `public`. */
  schema?: string;
  /** Only these layers (default: all, in LAYER_NAMES order). */
  layers?: readonly LayerName[];
  /** Called after each layer is committed (progress output). */
  onLayer?: (layer: LayerLoadReport) => void;
  /** Stops the load between rows; the layer being loaded is rolled back. */
  signal?: AbortSignal;
}

/** What happened to one layer. */
export interface LayerLoadReport {
  readonly layer: LayerName;
  /** Schema-qualified, quoted table name. */
  readonly table: string;
  readonly rows: number;
  /** Wall time for drop, create, copy, key, index and analyze. */
  readonly seconds: number;
}

/** What loadBaseMap did. */
export interface LoadReport {
  readonly schema: string;
  readonly layers: readonly LayerLoadReport[];
  readonly rows: number;
  readonly seconds: number;
}

/** Rows are sent to COPY in chunks of about this many characters: few stream writes, bounded memory. */
const CHUNK_CHARS = 1 << 16;

/** Quotes an SQL identifier ("my ""odd"" name"). */
export function quoteIdent(name: string): string {
  if (name.length === 0 || name.length > 63 || name.includes('\u0000')) throw new RangeError(`invalid SQL identifier ${JSON.stringify(name)}`);
  return `"${name.replace(/"/g, '""')}"`;
}

/** CREATE TABLE statement of a layer (without key and index, which are added after COPY). */
export function createTableSql(table: string, layer: LayerName): string {
  const def = LAYER_TABLES[layer];
  const columns = [
    'id bigint NOT NULL',
    ...def.columns.map((c: LayerColumn) => `${quoteIdent(c.name)} ${c.sqlType}${c.nullable ? '' : ' NOT NULL'}`),
    `geom geometry(${def.geometryType}, ${DEMO_SRID}) NOT NULL`,
  ];
  return `CREATE TABLE ${table} (${columns.join(', ')})`;
}

/** COPY rows of a layer's features, batched; counts rows into `counter`. */
function* copyChunks(layer: LayerName, features: Iterable<DemoFeature>, counter: { rows: number }): Generator<string> {
  const columns = LAYER_TABLES[layer].columns;
  let chunk = '';
  for (const f of features) {
    const values: (string | number | null)[] = [f.id];
    for (const c of columns) {
      const v = f.properties[c.name];
      if (v === undefined) throw new TypeError(`${layer} feature ${f.id} has no ${c.name}`);
      values.push(v);
    }
    values.push(toEwkt(f.geometry, DEMO_SRID));
    chunk += copyRow(values);
    counter.rows++;
    if (chunk.length >= CHUNK_CHARS) {
      yield chunk;
      chunk = '';
    }
  }
  if (chunk) yield chunk;
}

/**
 * Loads the base map into PostGIS, one table per layer (`<schema>.<layer>`: id bigint primary
 * key, the layer's columns, geom in EPSG:3006 with a GiST index). Each table is dropped and
 * rebuilt in its own transaction: readers see the old rows until the commit, but wait for the
 * lock while the layer loads. Rows stream through COPY with backpressure, so millions of
 * buildings never sit in memory. Triggers or grants on the old tables are gone afterwards.
 */
export async function loadBaseMap(pool: pg.Pool, map: BaseMap, opts: LoadOptions = {}): Promise<LoadReport> {
  const schema = opts.schema ?? 'public';
  const started = performance.now();
  const client = await pool.connect();
  let broken: Error | undefined;
  const layers: LayerLoadReport[] = [];
  try {
    await client.query('CREATE EXTENSION IF NOT EXISTS postgis');
    await client.query(`CREATE SCHEMA IF NOT EXISTS ${quoteIdent(schema)}`);
    // GiST builds of a million polygons run several times faster with room to sort in memory.
    await client.query("SET maintenance_work_mem = '256MB'");
    for (const layer of opts.layers ?? LAYER_NAMES) {
      opts.signal?.throwIfAborted();
      const layerStarted = performance.now();
      const table = `${quoteIdent(schema)}.${quoteIdent(layer)}`;
      const columns = ['id', ...LAYER_TABLES[layer].columns.map((c: LayerColumn) => quoteIdent(c.name)), 'geom'];
      const counter = { rows: 0 };
      await client.query('BEGIN');
      try {
        await client.query(`DROP TABLE IF EXISTS ${table}`);
        await client.query(createTableSql(table, layer));
        const copy = client.query(copyFrom(`COPY ${table} (${columns.join(', ')}) FROM STDIN`));
        await pipeline(Readable.from(copyChunks(layer, map[layer](), counter), { objectMode: false }), copy, opts.signal ? { signal: opts.signal } : {});
        await client.query(`ALTER TABLE ${table} ADD PRIMARY KEY (id)`);
        await client.query(`CREATE INDEX ${quoteIdent(`${layer}_geom_idx`)} ON ${table} USING gist (geom)`);
        await client.query(`COMMENT ON TABLE ${table} IS ${client.escapeLiteral(`Synthetic demo data: ${LAYER_TABLES[layer].description}`)}`);
        await client.query('COMMIT');
      } catch (error) {
        await client.query('ROLLBACK').catch((rollbackError: Error) => (broken = rollbackError));
        throw new Error(`loading ${layer} into ${table} failed: ${(error as Error).message}`, { cause: error });
      }
      await client.query(`ANALYZE ${table}`);
      const report = { layer, table, rows: counter.rows, seconds: (performance.now() - layerStarted) / 1000 };
      layers.push(report);
      opts.onLayer?.(report);
    }
  } finally {
    // A connection whose rollback failed is in an unknown state: destroy it rather than reuse it.
    client.release(broken);
  }
  return { schema, layers, rows: layers.reduce((s, l) => s + l.rows, 0), seconds: (performance.now() - started) / 1000 };
}
