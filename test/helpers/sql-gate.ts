import pg from 'pg';
import { TEST_DATABASE_URL } from './test-db.ts';

/**
 * A gate inside PostgreSQL: a SQL function for a layer's filter that waits while the gate
 * is closed, so a test holds tile queries where they are (connection taken, snapshot
 * taken, rows being read) for as long as it likes, and lets them go when it says.
 */
export interface SqlGate {
  /** The filter expression that waits at the gate: `{schema}.gate()`. */
  readonly filter: string;
  close(): Promise<void>;
  open(): Promise<void>;
  /** Waits until `count` queries wait at the gate. */
  held(count: number): Promise<void>;
  /** Opens the gate and drops its schema. */
  drop(): Promise<void>;
}

export async function createSqlGate(schema: string): Promise<SqlGate> {
  const db = new pg.Pool({ connectionString: TEST_DATABASE_URL, max: 2 });
  await db.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE; CREATE SCHEMA ${schema};
    CREATE TABLE ${schema}.gate_state (closed boolean NOT NULL); INSERT INTO ${schema}.gate_state VALUES (false);
    CREATE FUNCTION ${schema}.gate() RETURNS boolean LANGUAGE plpgsql VOLATILE AS $$
    BEGIN
      WHILE (SELECT closed FROM ${schema}.gate_state) LOOP PERFORM pg_sleep(0.005); END LOOP;
      RETURN true;
    END $$`);
  const set = (closed: boolean) => db.query(`UPDATE ${schema}.gate_state SET closed = $1`, [closed]).then(() => undefined);
  const waiting = async () => (await db.query(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE wait_event = 'PgSleep' AND query LIKE '%${schema}.gate()%'`)).rows[0].n as number;
  return {
    filter: `${schema}.gate()`,
    close: () => set(true),
    open: () => set(false),
    held: async (count) => {
      for (let attempt = 0; (await waiting()) < count; attempt++) {
        if (attempt > 2000) throw new Error(`${count} queries did not reach the gate ${schema}.gate()`);
        await new Promise((r) => setTimeout(r, 20));
      }
    },
    drop: async () => {
      await set(false);
      await db.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      await db.end();
    },
  };
}
