/**
 * Installs (or removes) the change log and the statement triggers on the source tables, in
 * one transaction: either every table is covered or nothing changed.
 */
import type pg from 'pg';
import { changeLogName, createChangeLogSql, installTriggersSql, uninstallTriggersSql } from './changelog-sql.ts';
import { splitTable, type TrackedTable } from './tracked-tables.ts';

/** The database cannot take the triggers as configured; the message says what is missing. */
export class ChangeLogSetupError extends Error {
  override name = 'ChangeLogSetupError';
}

export interface InstallOptions {
  /** `schema.table` of the log (DEFAULT_CHANGELOG). */
  readonly changelog: string;
  /** NOTIFY channel the listener LISTENs on (DEFAULT_CHANNEL). */
  readonly channel: string;
  readonly tables: readonly TrackedTable[];
}

async function inTransaction(client: pg.ClientBase, statements: readonly string[]): Promise<void> {
  await client.query('BEGIN');
  try {
    for (const sql of statements) await client.query(sql);
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  }
}

/** Every table and geometry column that is not there, as one line each. */
async function findMissing(client: pg.ClientBase, tables: readonly TrackedTable[]): Promise<string[]> {
  const wanted = tables.flatMap((t) => t.geometries.map((g) => ({ ...splitTable(t.table), column: g.column, t })));
  const { rows } = await client.query<{ table_found: boolean; column_found: boolean }>(
    `SELECT c.oid IS NOT NULL AS table_found, a.attnum IS NOT NULL AS column_found
       FROM unnest($1::text[], $2::text[], $3::text[]) WITH ORDINALITY AS w(schema_name, table_name, column_name, i)
       LEFT JOIN pg_namespace n ON n.nspname = w.schema_name
       LEFT JOIN pg_class c ON c.relnamespace = n.oid AND c.relname = w.table_name AND c.relkind IN ('r', 'p')
       LEFT JOIN pg_attribute a ON a.attrelid = c.oid AND a.attname = w.column_name AND a.attnum > 0 AND NOT a.attisdropped
      ORDER BY w.i`,
    [wanted.map((w) => w.schema), wanted.map((w) => w.name), wanted.map((w) => w.column)],
  );
  const missing = new Set<string>();
  rows.forEach((row, i) => {
    const w = wanted[i]!;
    const usedBy = `used by ${w.t.usedBy.join(', ')}`;
    if (!row.table_found) missing.add(`table ${w.t.table} does not exist (${usedBy})`);
    else if (!row.column_found) missing.add(`table ${w.t.table} has no column "${w.column}" (${usedBy}; set geometryColumn)`);
  });
  return [...missing];
}

async function postgisSchema(client: pg.ClientBase): Promise<string> {
  const { rows } = await client.query<{ nspname: string }>(
    "SELECT n.nspname FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace WHERE e.extname = 'postgis'",
  );
  if (!rows[0]) throw new ChangeLogSetupError('PostGIS is not installed in this database (CREATE EXTENSION postgis); the triggers need ST_Extent');
  return rows[0].nspname;
}

/**
 * Creates the log (if missing) and (re)creates the triggers on every table. Idempotent:
 * running it again replaces the functions and triggers and keeps the logged rows.
 */
export async function installChangeLog(client: pg.ClientBase, options: InstallOptions): Promise<void> {
  const log = changeLogName(options.changelog);
  const missing = await findMissing(client, options.tables);
  if (missing.length > 0) throw new ChangeLogSetupError(`cannot install the change-log triggers:\n  ${missing.join('\n  ')}`);
  const schema = await postgisSchema(client);
  await inTransaction(client, [...createChangeLogSql(log, { channel: options.channel, postgisSchema: schema }), ...installTriggersSql(log, options.tables)]);
}

/** Removes the triggers from the tables (missing tables are skipped); the log and its rows stay. */
export async function uninstallChangeLog(client: pg.ClientBase, tables: readonly string[]): Promise<void> {
  await inTransaction(client, uninstallTriggersSql(tables));
}
