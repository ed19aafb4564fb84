import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import pg from 'pg';
import { TEST_DATA, TEST_DATABASE_URL } from './test-db.ts';

/** A database of a suite's own, dropped when the suite is done. */
export interface DemoDatabase {
  readonly url: string;
  drop(): Promise<void>;
}

function withDatabase(url: string, name: string): string {
  const u = new URL(url);
  u.pathname = `/${name}`;
  return u.toString();
}

async function admin<T>(work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: withDatabase(TEST_DATABASE_URL, 'postgres') });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/**
 * A fresh database named `name` (dropped first if a killed run left it), with PostGIS, the demo
 * base map of the test data and the change-log triggers, loaded by the command line as compose's
 * load-demo service does (`sodertorn-tiles load`). Its edits and NOTIFYs reach no other suite's engines.
 */
export async function createDemoDatabase(name: string): Promise<DemoDatabase> {
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(name)) throw new Error(`database name ${name} must be a lower-case SQL identifier`);
  await admin(async (c) => {
    await c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    await c.query(`CREATE DATABASE "${name}"`);
  });
  const url = withDatabase(TEST_DATABASE_URL, name);
  const db = new pg.Client({ connectionString: url });
  await db.connect();
  try {
    await db.query('CREATE EXTENSION postgis');
  } finally {
    await db.end();
  }
  await promisify(execFile)(process.execPath, ['--import', 'tsx', 'src/cli.ts', 'load', '--seed', String(TEST_DATA.seed), '--buildings', String(TEST_DATA.buildings)], {
    env: { ...process.env, DATABASE_URL: url },
  });
  return { url, drop: () => admin(async (c) => void (await c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`))) };
}
