import { publicPartOf, type DataRestriction, type TableCatalogue } from '../../access/data-restrictions.ts';
import type { TilesetConfig } from '../../config/schema.ts';
import type { Database } from './database.ts';
import { readTableCatalogue } from './table-catalogue.ts';

/** One geometry column as geometry_columns lists it, with the table's other columns. */
export interface GeometryTableRow {
  readonly schema: string;
  readonly table: string;
  readonly geometryColumn: string;
  readonly srid: number;
  /** Non-geometry columns with their type names. */
  readonly columns: readonly { name: string; type: string }[];
  /** Single-column integer primary key, if the table has one. */
  readonly integerKey: string | null;
}

const ID_SAFE = /[^\p{L}\p{N}_-]/gu;
/** Column types that make sense as MVT properties (others, e.g. json or bytea, are left out). */
const PROPERTY_TYPES = /^(text|character varying|character|varchar|smallint|integer|bigint|real|double precision|numeric|boolean|date|timestamp)/;

/**
 * Turns discovered geometry tables into tileset configs, one layer each, as pg_tileserv
 * and Martin publish tables. Ids are the table name, or schema-table when two schemas
 * share a name; ids already taken by configured tilesets are skipped.
 */
export function tilesetsFromTables(rows: readonly GeometryTableRow[], taken: ReadonlySet<string>): TilesetConfig[] {
  const schemasOf = new Map<string, Set<string>>();
  for (const r of rows) schemasOf.set(r.table, (schemasOf.get(r.table) ?? new Set()).add(r.schema));
  const result: TilesetConfig[] = [];
  const used = new Set(taken);
  for (const r of rows) {
    const base = (schemasOf.get(r.table)!.size > 1 ? `${r.schema}-${r.table}` : r.table).replace(ID_SAFE, '_').slice(0, 64);
    const id = r.geometryColumn === 'geom' ? base : `${base}-${r.geometryColumn}`.replace(ID_SAFE, '_').slice(0, 64);
    if (used.has(id) || id.length === 0) continue;
    used.add(id);
    result.push({
      id,
      name: `${r.schema}.${r.table}`,
      minzoom: 0,
      maxzoom: 22,
      layers: [
        {
          id: r.table.replace(ID_SAFE, '_').slice(0, 64) || 'layer',
          table: `${r.schema}.${r.table}`,
          geometryColumn: r.geometryColumn,
          srid: r.srid,
          ...(r.integerKey ? { idColumn: r.integerKey } : {}),
          attributes: r.columns.filter((c) => PROPERTY_TYPES.test(c.type) && c.name !== r.integerKey).map((c) => c.name),
          minzoom: 0,
          maxzoom: 22,
        },
      ],
    });
  }
  return result;
}

/** Reads every geometry column of the given schemas (tables with a known SRID only). */
export async function readGeometryTables(db: Database, schemas: readonly string[]): Promise<GeometryTableRow[]> {
  const { rows } = await db.query<GeometryTableRow>(
    {
      text: `
        SELECT g.f_table_schema AS schema, g.f_table_name AS table, g.f_geometry_column AS "geometryColumn", g.srid,
          (SELECT coalesce(json_agg(json_build_object('name', a.attname, 'type', format_type(a.atttypid, a.atttypmod)) ORDER BY a.attnum), '[]')
             FROM pg_attribute a
            WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
              AND format_type(a.atttypid, a.atttypmod) NOT LIKE 'geometry%') AS columns,
          (SELECT a.attname FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = i.indkey[0]
            WHERE i.indrelid = c.oid AND i.indisprimary AND i.indnatts = 1
              AND format_type(a.atttypid, a.atttypmod) IN ('integer', 'bigint', 'smallint')) AS "integerKey"
        FROM geometry_columns g
        JOIN pg_namespace n ON n.nspname = g.f_table_schema
        JOIN pg_class c ON c.relnamespace = n.oid AND c.relname = g.f_table_name
        WHERE g.f_table_schema = ANY($1) AND g.srid > 0
        ORDER BY g.f_table_schema, g.f_table_name, g.f_geometry_column`,
      values: [schemas],
    },
    'discovering tables',
  );
  return rows;
}

/**
 * The tilesets discovery publishes, with the database's view of every table involved:
 * restricted columns are left out of their layers, and a layer that still reads restricted
 * data (a whole table, a view over one) makes its tileset restricted through its data.
 */
export async function discoverTilesets(
  db: Database,
  schemas: readonly string[],
  taken: ReadonlySet<string>,
  restrictions: readonly DataRestriction[],
  tableNames: (found: readonly TilesetConfig[]) => string[],
): Promise<{ tilesets: TilesetConfig[]; catalogue: TableCatalogue }> {
  const found = tilesetsFromTables(await readGeometryTables(db, schemas), taken);
  const catalogue = await readTableCatalogue(db, tableNames(found));
  return { tilesets: found.map((ts) => ({ ...ts, layers: ts.layers.map((l) => publicPartOf(l, restrictions, catalogue)) })), catalogue };
}
