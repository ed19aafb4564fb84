import { execSync } from 'node:child_process';
import pg from 'pg';
import { DEFAULT_CHANGELOG, DEFAULT_CHANNEL } from '../../cache/invalidation/changelog-sql.ts';
import { installChangeLog } from '../../cache/invalidation/install-triggers.ts';
import { trackedTables } from '../../cache/invalidation/tracked-tables.ts';
import { loadConfig } from '../../src/config/load-config.ts';
import { createLabelPointIndexes } from '../../src/sources/postgis/label-point-indexes.ts';
import { generateBaseMap } from '../../tools/demo/generate.ts';
import { loadBaseMap } from '../../tools/demo/load-postgis.ts';

const ADMIN_URL = process.env.BENCH_ADMIN_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

/**
 * A database holding the demo base map at a given scale, created and loaded once and
 * reused while its recorded seed and size match (loading 1,000,000 buildings takes a while).
 */
export async function ensureBenchDatabase(name: string, data: { seed: number; buildings: number }): Promise<string> {
  execSync('node scripts/test-setup.mjs', { stdio: 'inherit' });
  const admin = new pg.Client({ connectionString: ADMIN_URL });
  await admin.connect();
  if ((await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [name])).rowCount === 0) await admin.query(`CREATE DATABASE "${name}"`);
  await admin.end();
  const url = new URL(ADMIN_URL);
  url.pathname = `/${name}`;
  const pool = new pg.Pool({ connectionString: url.toString(), max: 2 });
  try {
    await pool.query('CREATE EXTENSION IF NOT EXISTS postgis');
    await pool.query('CREATE TABLE IF NOT EXISTS bench_meta (seed int, buildings int)');
    const meta = await pool.query<{ seed: number; buildings: number }>('SELECT seed, buildings FROM bench_meta');
    const current = meta.rows[0];
    if (!current || current.seed !== data.seed || current.buildings !== data.buildings) {
      console.error(`[bench] loading the demo base map with ${data.buildings} buildings into ${name}…`);
      await loadBaseMap(pool, generateBaseMap(data), { schema: 'public' });
      await pool.query('DELETE FROM bench_meta');
      await pool.query('INSERT INTO bench_meta VALUES ($1, $2)', [data.seed, data.buildings]);
    }
    // As `load` does, also on a database loaded before the label point layers existed.
    await createLabelPointIndexes(pool, loadConfig({}).tilesets);
  } finally {
    await pool.end();
  }
  return url.toString();
}

/** Installs the change-log triggers on the shipped config's tables: without them the engine does not trust its cache. */
export async function ensureChangeLog(databaseUrl: string): Promise<void> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    await installChangeLog(client, { changelog: DEFAULT_CHANGELOG, channel: DEFAULT_CHANNEL, tables: trackedTables(loadConfig({}).tilesets) });
  } finally {
    await client.end();
  }
}
