import pg from 'pg';
import { loadConfig } from '../../src/config/load-config.ts';
import type { EngineConfig } from '../../src/config/schema.ts';
import { propertyRegister, startEngine } from './engine.ts';
import { TEST_DATABASE_URL } from './test-db.ts';

/** An engine with a tileset whose query sleeps, and a way to count such queries running in PostgreSQL. */
export async function startWithSlowTileset(sleepS: number, database: Partial<EngineConfig['database']>, overrides: { limits?: Partial<EngineConfig['limits']>; tiles?: Partial<EngineConfig['tiles']> } = {}) {
  const base = loadConfig({}).tilesets.find((t) => t.id === 'sodertorn')!;
  const slow = { ...base, id: 'slow', layers: [{ ...base.layers[0]!, filter: `(SELECT pg_sleep(${sleepS})) IS NOT NULL` }] };
  const engine = await startEngine({ overrides: { tilesets: [base, slow, propertyRegister()], database, ...overrides } });
  const watcher = new pg.Client({ connectionString: TEST_DATABASE_URL });
  await watcher.connect();
  const sleeping = async () =>
    (
      await watcher.query(
        `SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = 'sodertorn-tiles' AND state = 'active' AND query LIKE '%pg_sleep(${sleepS})%'`,
      )
    ).rows[0].n as number;
  return {
    engine,
    sleeping,
    close: async () => {
      await watcher.end();
      await engine.close();
    },
  };
}

