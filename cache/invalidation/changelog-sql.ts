/**
 * SQL text of the change log: the log table, its trigger functions, the per-table statement
 * triggers, and the queries the listener and the prune command run. Pure: text only, run by
 * install-triggers.ts and changelog-query.ts.
 *
 * How a change travels:
 *
 *   UPDATE byggnad … (any number of rows)
 *     └► AFTER … FOR EACH STATEMENT trigger (transition tables OLD/NEW)
 *          └► one log row: ST_Extent(OLD ∪ NEW geometries), rows touched; pg_notify(channel, '')
 *   COMMIT
 *     └► deferred constraint trigger on the log row: advisory lock, final seq, commit time
 *          └► the lock is held until the commit completes, so seq order = commit order
 *
 * Why the seq is assigned at commit: a sequence value taken mid-transaction can become
 * visible after a larger one committed by a faster transaction, and a reader that already
 * moved past the larger one would never see it. Serialising the last step of each writing
 * transaction (microseconds) makes "every row with seq > n" a complete answer.
 */
import { quoteIdent, quoteLiteral } from '../../src/core/sql-quote.ts';
import type { TrackedTable } from './tracked-tables.ts';
import { splitTable } from './tracked-tables.ts';

/** Where the log lives unless configured otherwise: a schema of its own, apart from the data. */
export const DEFAULT_CHANGELOG = 'sodertorn_tiles.changelog';
/** NOTIFY channel of the triggers; the engine's config default (cache.channel) is the same. */
export const DEFAULT_CHANNEL = 'sodertorn_tiles_changes';

/** Statement triggers on each source table, by the operation they fire on. */
export const TRIGGER_NAMES = {
  INSERT: 'sodertorn_tiles_log_insert',
  UPDATE: 'sodertorn_tiles_log_update',
  DELETE: 'sodertorn_tiles_log_delete',
  TRUNCATE: 'sodertorn_tiles_log_truncate',
} as const;

// Names that go into function bodies must not be able to end a dollar quote or need
// case-folding rules: lower-case letters, digits and _, as the config's channel option.
const PLAIN_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

/** The change-log table, validated and quoted once. */
export interface ChangeLogName {
  /** `schema.table` as given. */
  readonly name: string;
  readonly schema: string;
  readonly table: string;
  /** Quoted `"schema"."table"`. */
  readonly sql: string;
}

/** Parses `schema.table` for the change log; both parts plain lower-case names. */
export function changeLogName(name: string): ChangeLogName {
  const { schema, name: table } = splitTable(name);
  for (const part of [schema, table]) {
    if (!PLAIN_NAME.test(part)) throw new Error(`change-log name "${name}": "${part}" must be 1–63 lower-case letters, digits or _, not starting with a digit`);
  }
  return { name, schema, table, sql: `${quoteIdent(schema)}.${quoteIdent(table)}` };
}

/** Checks a NOTIFY channel name (the same rule as the config option). */
export function checkChannel(channel: string): string {
  if (!PLAIN_NAME.test(channel)) throw new Error(`channel "${channel}" must be 1–63 lower-case letters, digits or _, not starting with a digit`);
  return channel;
}

/** Quoted `"schema"."table"` of a qualified source table name. */
export function quoteQualified(qualified: string): string {
  const { schema, name } = splitTable(qualified);
  return `${quoteIdent(schema)}.${quoteIdent(name)}`;
}

function functionName(log: ChangeLogName, suffix: 'record' | 'commit'): string {
  return `${quoteIdent(log.schema)}.${quoteIdent(`${log.table}_${suffix}`)}`;
}

/**
 * Statements that create (or update in place) the log table, its index for pruning by age,
 * and its two trigger functions. Idempotent. `postgisSchema` is where ST_Extent lives: the
 * functions run SECURITY DEFINER with a fixed search_path, so editors need no rights on the log.
 */
export function createChangeLogSql(log: ChangeLogName, options: { channel: string; postgisSchema: string }): string[] {
  const channel = quoteLiteral(checkChannel(options.channel));
  const record = functionName(log, 'record');
  const commit = functionName(log, 'commit');
  const commitTrigger = quoteIdent(`${log.table}_commit`);
  return [
    `CREATE SCHEMA IF NOT EXISTS ${quoteIdent(log.schema)}`,
    // Columns min_x… rather than xmin…: xmin and xmax are PostgreSQL system columns.
    `CREATE TABLE IF NOT EXISTS ${log.sql} (
  seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  table_name text NOT NULL,
  srid integer NOT NULL,
  min_x double precision,
  min_y double precision,
  max_x double precision,
  max_y double precision,
  rows integer,
  committed_at timestamptz NOT NULL DEFAULT clock_timestamp(),
  CHECK ((min_x IS NULL) = (max_y IS NULL))
)`,
    `COMMENT ON TABLE ${log.sql} IS ${quoteLiteral(
      'Tile invalidation log (sodertorn-tiles): one row per statement and geometry column; NULL bbox = the whole table (TRUNCATE). seq is assigned at commit, in commit order.',
    )}`,
    `CREATE INDEX IF NOT EXISTS ${quoteIdent(`${log.table}_committed_at_idx`)} ON ${log.sql} (committed_at)`,
    `CREATE OR REPLACE FUNCTION ${record}() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, ${quoteIdent(options.postgisSchema)}, pg_temp AS $record$
-- Arguments: 'schema.table', then pairs of geometry column and SRID.
DECLARE
  touched integer;
  extent box2d;
  source text;
BEGIN
  IF TG_OP = 'TRUNCATE' THEN
    -- No transition tables for TRUNCATE: a NULL bbox stands for the whole table.
    FOR i IN 0 .. (TG_NARGS - 3) / 2 LOOP
      INSERT INTO ${log.sql} (table_name, srid) VALUES (TG_ARGV[0], TG_ARGV[2 + 2 * i]::integer);
    END LOOP;
    PERFORM pg_notify(${channel}, '');
    RETURN NULL;
  END IF;
  IF TG_OP = 'DELETE' THEN
    SELECT count(*) INTO touched FROM old_rows;
  ELSE
    SELECT count(*) INTO touched FROM new_rows;
  END IF;
  IF touched = 0 THEN
    RETURN NULL; -- e.g. UPDATE … WHERE false: nothing changed
  END IF;
  FOR i IN 0 .. (TG_NARGS - 3) / 2 LOOP
    source := CASE TG_OP
      WHEN 'INSERT' THEN 'SELECT %1$I::geometry AS g FROM new_rows'
      WHEN 'DELETE' THEN 'SELECT %1$I::geometry AS g FROM old_rows'
      ELSE 'SELECT %1$I::geometry AS g FROM old_rows UNION ALL SELECT %1$I::geometry FROM new_rows'
    END;
    EXECUTE format('SELECT ST_Extent(g) FROM (' || source || ') AS changed', TG_ARGV[1 + 2 * i]) INTO extent;
    -- Rows without geometry before and after are drawn in no tile: nothing to log.
    IF extent IS NOT NULL THEN
      INSERT INTO ${log.sql} (table_name, srid, min_x, min_y, max_x, max_y, rows)
      VALUES (TG_ARGV[0], TG_ARGV[2 + 2 * i]::integer, ST_XMin(extent), ST_YMin(extent), ST_XMax(extent), ST_YMax(extent), touched);
      -- An empty payload: PostgreSQL folds identical notifications of a transaction into one.
      PERFORM pg_notify(${channel}, '');
    END IF;
  END LOOP;
  RETURN NULL;
END
$record$`,
    `CREATE OR REPLACE FUNCTION ${commit}() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $commit$
BEGIN
  -- Held until the transaction ends, so no later commit can take a smaller seq.
  PERFORM pg_advisory_xact_lock(TG_RELID::integer, 0);
  UPDATE ${log.sql} SET seq = DEFAULT, committed_at = clock_timestamp() WHERE seq = NEW.seq;
  RETURN NULL;
END
$commit$`,
    // Constraint triggers have no OR REPLACE.
    `DROP TRIGGER IF EXISTS ${commitTrigger} ON ${log.sql}`,
    `CREATE CONSTRAINT TRIGGER ${commitTrigger} AFTER INSERT ON ${log.sql} DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION ${commit}()`,
  ];
}

/** Statements that (re)create the four statement triggers on each table. Idempotent. */
export function installTriggersSql(log: ChangeLogName, tables: readonly TrackedTable[]): string[] {
  const record = functionName(log, 'record');
  return tables.flatMap((t) => {
    const target = quoteQualified(t.table);
    const args = [t.table, ...t.geometries.flatMap((g) => [g.column, String(g.srid)])].map(quoteLiteral).join(', ');
    const transition = { INSERT: 'REFERENCING NEW TABLE AS new_rows', UPDATE: 'REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows', DELETE: 'REFERENCING OLD TABLE AS old_rows', TRUNCATE: '' };
    return (Object.keys(TRIGGER_NAMES) as (keyof typeof TRIGGER_NAMES)[]).flatMap((op) => [
      `DROP TRIGGER IF EXISTS ${quoteIdent(TRIGGER_NAMES[op])} ON ${target}`,
      `CREATE TRIGGER ${quoteIdent(TRIGGER_NAMES[op])} AFTER ${op} ON ${target} ${transition[op]}${transition[op] ? ' ' : ''}FOR EACH STATEMENT EXECUTE FUNCTION ${record}(${args})`,
    ]);
  });
}

/** Statements that remove the triggers from each table (the log and its functions stay). */
export function uninstallTriggersSql(tables: readonly string[]): string[] {
  return tables.flatMap((table) => Object.values(TRIGGER_NAMES).map((name) => `DROP TRIGGER IF EXISTS ${quoteIdent(name)} ON ${quoteQualified(table)}`));
}

/** Log rows after seq $1, oldest first, at most $2. */
export function selectChangesSql(log: ChangeLogName): string {
  return `SELECT seq, table_name, srid, min_x, min_y, max_x, max_y, rows, committed_at FROM ${log.sql} WHERE seq > $1 ORDER BY seq LIMIT $2`;
}

/** The highest seq in the log, 0 when it is empty. */
export function latestSeqSql(log: ChangeLogName): string {
  return `SELECT coalesce(max(seq), 0) AS seq FROM ${log.sql}`;
}

/** What to prune: rows committed more than N days ago, or every row up to and including a seq. */
export type PruneBy = { readonly olderThanDays: number } | { readonly throughSeq: number };

/** A DELETE of old log rows; $1 is the number of days or the seq. */
export function pruneSql(log: ChangeLogName, by: PruneBy): { text: string; values: [number] } {
  return 'olderThanDays' in by
    ? { text: `DELETE FROM ${log.sql} WHERE committed_at < clock_timestamp() - make_interval(days => $1)`, values: [by.olderThanDays] }
    : { text: `DELETE FROM ${log.sql} WHERE seq <= $1`, values: [by.throughSeq] };
}

/** LISTEN on the channel (quoted: pg_notify's channel text is matched case-sensitively). */
export function listenSql(channel: string): string {
  return `LISTEN ${quoteIdent(checkChannel(channel))}`;
}
