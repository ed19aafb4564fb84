import type { TableCatalogue } from '../../access/data-restrictions.ts';
import type { Database } from './database.ts';
import { quoteTable } from '../../core/sql-quote.ts';

/**
 * The database's view of the named tables, for access control: each name resolved as
 * PostgreSQL resolves it (search path, quoting), and every table a view reads, through
 * views of views (pg_rewrite dependencies), so a view over a restricted table is as
 * restricted as the table.
 */
export async function readTableCatalogue(db: Database, tables: readonly string[]): Promise<TableCatalogue> {
  const names = [...new Set(tables)];
  const { rows: resolved } = await db.query<{ name: string; oid: string | null }>(
    { text: `SELECT n.name, to_regclass(n.quoted)::oid::text AS oid FROM unnest($1::text[], $2::text[]) AS n(name, quoted)`, values: [names, names.map(quoteTable)] },
    'resolving tables for access control',
  );
  const oidOf = new Map(resolved.flatMap((r) => (r.oid === null ? [] : [[r.name, r.oid] as const])));
  const { rows: reads } = await db.query<{ relation: string; reads: string }>(
    {
      text: `
        WITH RECURSIVE reads(relation, base) AS (
          SELECT r.ev_class, d.refobjid
            FROM pg_rewrite r JOIN pg_depend d ON d.classid = 'pg_rewrite'::regclass AND d.objid = r.oid AND d.refclassid = 'pg_class'::regclass
           WHERE r.ev_class = ANY($1::oid[]) AND d.refobjid <> r.ev_class
          UNION
          SELECT reads.relation, d.refobjid
            FROM reads JOIN pg_rewrite r ON r.ev_class = reads.base
            JOIN pg_depend d ON d.classid = 'pg_rewrite'::regclass AND d.objid = r.oid AND d.refclassid = 'pg_class'::regclass
           WHERE d.refobjid <> r.ev_class)
        SELECT relation::text, base::text AS reads FROM reads`,
      values: [[...new Set(oidOf.values())]],
    },
    'reading view dependencies for access control',
  );
  const through = new Map<string, string[]>();
  for (const r of reads) through.set(r.relation, [...(through.get(r.relation) ?? []), r.reads]);
  return {
    identify: (table) => oidOf.get(table),
    readsThrough: (oid) => through.get(oid) ?? [],
  };
}
