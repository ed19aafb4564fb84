/**
 * Which layers' id columns are unique (a primary key or a unique index on that column
 * alone): their features are written in id order and nothing else, since no two share an
 * id. Other layers are ordered by id, geometry and attributes, which costs ~14 % more per
 * tile statement here (sort keys beyond the first are materialised for every row).
 */
import type { LayerConfig } from '../../config/schema.ts';
import { quoteTable } from '../../core/sql-quote.ts';

/** Runs one query: a pg.Pool, a pg.Client or the engine's Database adapted to this. */
export type QueryRows = (text: string, values: unknown[]) => Promise<{ rows: unknown[] }>;

const UNIQUE_COLUMN = `SELECT EXISTS (
  SELECT 1 FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = i.indkey[0]
  WHERE i.indrelid = to_regclass($1) AND i.indisunique AND i.indnatts = 1 AND i.indpred IS NULL AND a.attname = $2
) AS unique`;

/** The ids of the layers whose id column is unique in its table. */
export async function uniqueIdLayers(query: QueryRows, layers: readonly LayerConfig[]): Promise<Set<string>> {
  const unique = new Set<string>();
  for (const layer of layers) {
    if (!layer.idColumn) continue;
    const { rows } = await query(UNIQUE_COLUMN, [quoteTable(layer.table), layer.idColumn]);
    if ((rows[0] as { unique?: boolean } | undefined)?.unique) unique.add(layer.id);
  }
  return unique;
}
