import type { TilesetConfig } from '../../config/schema.ts';
import type { Database } from './database.ts';
import { quoteTable } from '../../core/sql-quote.ts';

/**
 * Checks every configured layer against the database: the table exists and has the
 * geometry, id and attribute columns named. Returns one line per problem, naming the
 * option path, so a typo fails start-up instead of becoming a 500 on every tile.
 */
export async function checkLayers(db: Database, tilesets: readonly TilesetConfig[]): Promise<string[]> {
  const problems: string[] = [];
  for (const [t, tileset] of tilesets.entries()) {
    for (const [l, layer] of tileset.layers.entries()) {
      const path = `tilesets[${t}].layers[${l}]`;
      const { rows } = await db.query<{ name: string }>(
        {
          text: `SELECT a.attname AS name FROM pg_attribute a
                 WHERE a.attrelid = to_regclass($1) AND a.attnum > 0 AND NOT a.attisdropped`,
          values: [quoteTable(layer.table)],
        },
        `checking ${layer.table}`,
      );
      if (rows.length === 0) {
        problems.push(`${path}.table: table ${layer.table} does not exist (or has no columns)`);
        continue;
      }
      const columns = new Set(rows.map((r) => r.name));
      const wanted: [string, string][] = [
        ['geometryColumn', layer.geometryColumn],
        ...(layer.idColumn ? [['idColumn', layer.idColumn] as [string, string]] : []),
        ...layer.attributes.map((a, i) => [`attributes[${i}]`, a] as [string, string]),
      ];
      for (const [option, column] of wanted) {
        if (!columns.has(column)) problems.push(`${path}.${option}: table ${layer.table} has no column "${column}"`);
      }
    }
  }
  return problems;
}
