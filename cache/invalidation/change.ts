/**
 * A committed change to a source table, as the change log records it: the bounding box of
 * the old and new geometries of the rows a statement touched, in the table's own SRID.
 */
export interface TableChange {
  /** Change-log sequence: strictly increasing in commit order of the log rows. */
  readonly seq: number;
  /** `schema.table`, as the tileset configuration names it (`public.byggnad` for `byggnad`). */
  readonly table: string;
  /** [minX, minY, maxX, maxY] of OLD ∪ NEW geometries in `srid`, or undefined for the whole table (TRUNCATE). Statements touching only rows without geometry are not logged. */
  readonly bbox: readonly [number, number, number, number] | undefined;
  readonly srid: number;
  /** Rows the statement touched. */
  readonly rows: number;
  /** Commit time as PostgreSQL recorded it (for the commit-to-invalidation lag). */
  readonly committedAt: Date;
}
