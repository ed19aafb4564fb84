import pg from 'pg';
import { generateBaseMap } from '../../src/demo/generate.ts';
import { loadBaseMap } from '../../src/demo/load-postgis.ts';
import { TEST_DATA, TEST_DATABASE_URL } from './test-db.ts';

/**
 * Loads the demo base map into the test database once per run, so every integration
 * suite reads the same rows the committed demo files hold.
 */
export default async function setup(): Promise<void> {
  const pool = new pg.Pool({ connectionString: TEST_DATABASE_URL, max: 2 });
  try {
    await loadBaseMap(pool, generateBaseMap(TEST_DATA), { schema: 'public' });
  } finally {
    await pool.end();
  }
}
