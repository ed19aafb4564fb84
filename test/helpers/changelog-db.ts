import pg from 'pg';
import { installChangeLog } from '../../cache/invalidation/install-triggers.ts';
import type { TrackedTable } from '../../cache/invalidation/tracked-tables.ts';
import { TEST_DATABASE_URL } from './test-db.ts';

/**
 * A change-log fixture of its own in the test database: a schema with a point and a polygon
 * table, a log in another schema and a channel no one else uses, so the suites on the shared
 * demo tables are not disturbed. Names carry the process id: another session may run the same
 * suite against the same database at the same time.
 */
export interface ChangeLogFixture {
  readonly db: pg.Pool;
  /** Schema of the data tables. */
  readonly data: string;
  readonly changelog: string;
  readonly channel: string;
  readonly points: string;
  readonly areas: string;
  readonly tables: readonly TrackedTable[];
  close(): Promise<void>;
}

export async function createChangeLogFixture(name: string): Promise<ChangeLogFixture> {
  const db = new pg.Pool({ connectionString: TEST_DATABASE_URL, max: 4 });
  const prefix = `${name}_${process.pid}`;
  const [data, logSchema] = [`${prefix}_data`, `${prefix}_log`];
  await db.query(`DROP SCHEMA IF EXISTS ${data} CASCADE; DROP SCHEMA IF EXISTS ${logSchema} CASCADE; CREATE SCHEMA ${data}`);
  await db.query(`CREATE TABLE ${data}.punkt (id serial PRIMARY KEY, namn text, geom geometry(Point, 3006))`);
  await db.query(`CREATE TABLE ${data}.yta (id serial PRIMARY KEY, klass text, geom geometry(Polygon, 3006))`);
  const tables: TrackedTable[] = [
    { table: `${data}.punkt`, geometries: [{ column: 'geom', srid: 3006 }], usedBy: ['test/punkt'] },
    { table: `${data}.yta`, geometries: [{ column: 'geom', srid: 3006 }], usedBy: ['test/yta'] },
  ];
  const fixture = { db, data, changelog: `${logSchema}.changelog`, channel: `${prefix}_changes`, points: `${data}.punkt`, areas: `${data}.yta`, tables };
  const client = await db.connect();
  try {
    await installChangeLog(client, fixture);
  } finally {
    client.release();
  }
  return {
    ...fixture,
    async close() {
      await db.query(`DROP SCHEMA IF EXISTS ${data} CASCADE; DROP SCHEMA IF EXISTS ${logSchema} CASCADE`);
      await db.end();
    },
  };
}

/** SQL for a SWEREF 99 TM point. */
export function pointSql(x: number, y: number): string {
  return `ST_SetSRID(ST_MakePoint(${x}, ${y}), 3006)`;
}
