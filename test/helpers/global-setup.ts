import pg from 'pg';
import { DEFAULT_CHANGELOG, DEFAULT_CHANNEL } from '../../cache/invalidation/changelog-sql.ts';
import { installChangeLog } from '../../cache/invalidation/install-triggers.ts';
import { trackedTables } from '../../cache/invalidation/tracked-tables.ts';
import { loadConfig } from '../../src/config/load-config.ts';
import { createLabelPointIndexes } from '../../src/sources/postgis/label-point-indexes.ts';
import { generateBaseMap } from '../../tools/demo/generate.ts';
import { loadBaseMap } from '../../tools/demo/load-postgis.ts';
import { VIEW_SCHEMA_PREFIX } from './restricted-probes.ts';
import { TEST_DATA, TEST_DATABASE_URL } from './test-db.ts';

/**
 * Loads the demo base map into the test database once per run, so every integration
 * suite reads the same rows the committed demo files hold, and installs the change-log
 * triggers on its tables, so engines over it cache tiles and invalidate them.
 */
export default async function setup(): Promise<void> {
  const pool = new pg.Pool({ connectionString: TEST_DATABASE_URL, max: 2 });
  try {
    // Views over the demo tables a killed run of the access tests left behind would block reloading them.
    const { rows } = await pool.query<{ schema: string }>(`SELECT nspname AS schema FROM pg_namespace WHERE nspname LIKE '${VIEW_SCHEMA_PREFIX}%'`);
    for (const { schema } of rows) await pool.query(`DROP SCHEMA "${schema}" CASCADE`);
    await loadBaseMap(pool, generateBaseMap(TEST_DATA), { schema: 'public' });
    // As `load` does: the label point layers' indexes.
    const indexes = await createLabelPointIndexes(pool, loadConfig({}).tilesets);
    if (indexes.failed.length) throw new Error(indexes.failed.join('; '));
    const client = await pool.connect();
    try {
      await installChangeLog(client, { changelog: DEFAULT_CHANGELOG, channel: DEFAULT_CHANNEL, tables: trackedTables(loadConfig({}).tilesets) });
    } finally {
      client.release();
    }
  } finally {
    await pool.end();
  }
}
