import type { LayerConfig, TilesetConfig } from '../config/schema.ts';
import { unionBbox, type Bbox } from '../grids/tile-grid.ts';
import type { FieldType, TilesetInfo } from './tile-source.ts';

/** What a source learned about one layer: its field types and WGS84 bounds. */
export interface DescribedLayer {
  readonly config: LayerConfig;
  readonly fields: Readonly<Record<string, FieldType>>;
  readonly bounds: Bbox | undefined;
}

/** Combines a tileset's configuration with what its source read from the data. */
export function tilesetInfo(tileset: TilesetConfig, layers: readonly DescribedLayer[]): TilesetInfo {
  return {
    id: tileset.id,
    name: tileset.name ?? tileset.id,
    ...(tileset.description === undefined ? {} : { description: tileset.description }),
    ...(tileset.attribution === undefined ? {} : { attribution: tileset.attribution }),
    minzoom: tileset.minzoom,
    maxzoom: tileset.maxzoom,
    bounds: unionBbox(layers.map((l) => l.bounds)),
    layers: layers.map((l) => ({ id: l.config.id, fields: l.fields, minzoom: l.config.minzoom, maxzoom: l.config.maxzoom })),
  };
}
