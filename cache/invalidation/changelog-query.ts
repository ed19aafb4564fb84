/**
 * Reading and trimming the change log: the queries the listener and the prune command run,
 * and the mapping of a log row to a TableChange.
 */
import type pg from 'pg';
import type { TableChange } from './change.ts';
import { changeLogName, DEFAULT_CHANGELOG, latestSeqSql, pruneSql, selectChangesSql, type ChangeLogName, type PruneBy } from './changelog-sql.ts';

/** A client or a pool: whatever can run one query. */
export type Queryable = pg.ClientBase | pg.Pool;

interface LogRow {
  seq: string; // bigint: pg returns it as text
  table_name: string;
  srid: number;
  min_x: number | null;
  min_y: number | null;
  max_x: number | null;
  max_y: number | null;
  rows: number | null;
  committed_at: Date;
}

/** A log row as a TableChange; a NULL bbox (TRUNCATE) becomes undefined, "the whole table". */
export function toTableChange(row: LogRow): TableChange {
  const bbox = row.min_x === null || row.min_y === null || row.max_x === null || row.max_y === null ? undefined : ([row.min_x, row.min_y, row.max_x, row.max_y] as const);
  return { seq: Number(row.seq), table: row.table_name, bbox, srid: row.srid, rows: row.rows ?? 0, committedAt: row.committed_at };
}

/** Up to `limit` changes with seq > afterSeq, in seq order. */
export async function fetchChanges(db: Queryable, log: ChangeLogName, afterSeq: number, limit: number): Promise<TableChange[]> {
  const result = await db.query<LogRow>(selectChangesSql(log), [afterSeq, limit]);
  return result.rows.map(toTableChange);
}

/** The highest seq in the change log, 0 when it is empty: where a fresh cache starts. */
export async function latestSeq(db: Queryable, changelog: string = DEFAULT_CHANGELOG): Promise<number> {
  const result = await db.query<{ seq: string }>(latestSeqSql(changeLogName(changelog)));
  return Number(result.rows[0]?.seq ?? 0);
}

/**
 * Deletes old log rows; resolves to how many. A persistent tier (disk, Redis) whose applied
 * seq is below what was pruned can no longer replay what it missed and must be cleared, so
 * keep rows well beyond the longest time an engine may be down (days, not minutes).
 */
export async function pruneChangeLog(db: Queryable, by: PruneBy, changelog: string = DEFAULT_CHANGELOG): Promise<number> {
  const { text, values } = pruneSql(changeLogName(changelog), by);
  const result = await db.query(text, values);
  return result.rowCount ?? 0;
}
