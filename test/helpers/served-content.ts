import type { EngineConfig } from '../../src/config/schema.ts';
import type { TileContent } from '../../src/core/tile-content.ts';
import { loadStyles } from '../../src/styles/style-store.ts';
import { tileContentOf } from '../../src/styles/tile-content-rules.ts';

/** The content rules the engine applies to a tileset of this configuration, from its styles folder. */
export function servedContent(config: EngineConfig, tilesetId: string): TileContent {
  const styles = loadStyles(config.render.stylesDir, new Set(config.tilesets.map((t) => t.id)));
  return tileContentOf(config.tilesets.find((t) => t.id === tilesetId)!, styles);
}
