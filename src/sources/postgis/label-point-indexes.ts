import type { TilesetConfig } from '../../config/schema.ts';
import { labelPointIndexSql } from './mvt-query.ts';

/** Anything that runs a statement: a pg Pool or Client. */
interface Queryable {
  query(text: string): Promise<unknown>;
}

/**
 * Creates the label point index (labelPointIndexSql) of every label point layer of the
 * tilesets, once per table and geometry column; a table that is not there is reported, not
 * fatal (a tile query works without the index, only slower).
 */
export async function createLabelPointIndexes(db: Queryable, tilesets: readonly TilesetConfig[]): Promise<{ created: number; failed: string[] }> {
  const statements = [...new Set(tilesets.flatMap((t) => t.layers.filter((l) => l.labelPoint).map(labelPointIndexSql)))];
  const failed: string[] = [];
  for (const statement of statements) {
    try {
      await db.query(statement);
    } catch (error) {
      failed.push(`${(error as Error).message}: ${statement}`);
    }
  }
  return { created: statements.length - failed.length, failed };
}
