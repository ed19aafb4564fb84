/**
 * The tile statements the engine runs for a tileset, built the way it builds them (content
 * rules from the served styles, options read from the catalogue): the direct-SQL baseline
 * of the benchmarks runs exactly the engine's SQL. `full` builds the statements of every
 * feature and attribute instead, the content before it followed the styles.
 */
import type pg from 'pg';
import type { EngineConfig, TilesetConfig } from '../../src/config/schema.ts';
import { fullContent } from '../../src/core/tile-content.ts';
import type { TileGrid } from '../../src/grids/tile-grid.ts';
import { tileStatement, type TileStatement } from '../../src/sources/postgis/mvt-query.ts';
import { readQueryOptions } from '../../src/sources/postgis/query-options.ts';
import { loadStyles } from '../../src/styles/style-store.ts';
import { tileContentOf } from '../../src/styles/tile-content-rules.ts';

export async function engineStatements(pool: pg.Pool, config: EngineConfig, tileset: TilesetConfig, grid: TileGrid, content: 'engine' | 'full' = 'engine'): Promise<(z: number) => TileStatement | null> {
  const options = await readQueryOptions((text, values) => pool.query(text, values), tileset.layers, config.tiles);
  const rules = content === 'full' ? fullContent(tileset) : tileContentOf(tileset, loadStyles(config.render.stylesDir, new Set(config.tilesets.map((t) => t.id))));
  return (z) => tileStatement(rules.layersAt(grid, z), grid, options);
}
