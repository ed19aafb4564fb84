import type { Work } from '../admission/work.ts';
import type { Bbox, TileGrid } from '../grids/tile-grid.ts';
import type { TileContent } from '../core/tile-content.ts';

/** Field types as TileJSON's vector_layers describes them. */
export type FieldType = 'String' | 'Number' | 'Boolean';

/** What a client needs to know about one layer of a tileset. */
export interface LayerInfo {
  readonly id: string;
  readonly fields: Readonly<Record<string, FieldType>>;
  readonly minzoom: number;
  readonly maxzoom: number;
  readonly description?: string;
}

/** Metadata of a tileset: its layers and the WGS84 bounds of its data. */
export interface TilesetInfo {
  readonly id: string;
  readonly name: string;
  readonly description?: string;
  readonly attribution?: string;
  readonly minzoom: number;
  readonly maxzoom: number;
  /** [west, south, east, north] in WGS84 degrees, or undefined when no data. */
  readonly bounds: Bbox | undefined;
  readonly layers: readonly LayerInfo[];
}

/** The WGS84 extent of the features that share a value of a field (a municipality by its code). */
export interface GroupExtent {
  readonly key: string;
  /** The value of the label field of the group's first feature. */
  readonly label: string;
  /** [west, south, east, north] in WGS84 degrees. */
  readonly bounds: Bbox;
}

/** At most this many groups are read: an extent list is for a place picker, not an export. */
export const MAX_GROUP_EXTENTS = 1000;

/** One tile to produce: a level and column/row of a grid. */
export interface TileAddress {
  readonly grid: TileGrid;
  readonly z: number;
  readonly x: number;
  readonly y: number;
  /**
   * Rules other than the source's own: every feature and attribute (feature info), or only
   * what labels need (the vector tiles under a render's buffer).
   */
  readonly content?: TileContent;
}

/**
 * Produces the vector tile of one tileset. Implemented by PostGIS (ST_AsMVT) and the
 * embedded GeoJSON files (geojson-vt); tests and benchmarks plug in fakes here.
 */
export interface TileSource {
  readonly id: string;
  /** What its tiles carry at each level (absent: everything, as for `full`). */
  readonly content?: TileContent;
  /** True when the source can tile in this grid (PostGIS: every grid; GeoJSON: Web Mercator). */
  supportsGrid(grid: TileGrid): boolean;
  /** Layers and bounds; may reject with DATABASE_UNAVAILABLE and succeed later. */
  describe(): Promise<TilesetInfo>;
  /** Extents of a layer's features grouped by a field, ordered by key; the fields must be attributes of the layer. */
  extentsBy(layerId: string, keyField: string, labelField: string): Promise<GroupExtent[]>;
  /** Uncompressed MVT bytes; an empty array when the tile has no features. `work`: whose query it is, and what cancels it. */
  getTile(tile: TileAddress, work?: Work): Promise<Uint8Array>;
}
