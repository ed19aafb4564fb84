/**
 * What a tile carries of each layer: which features (a predicate on their properties) and
 * which of their attributes. Rules built from the styles (src/styles/tile-content-rules.ts)
 * or "everything" decide it per grid level; the sources apply it (PostGIS in the tile SQL,
 * the embedded mode in JavaScript). Pure types.
 */
import type { LayerConfig, TilesetConfig } from '../config/schema.ts';
import { styleZoom, type TileGrid } from '../grids/tile-grid.ts';
import type { Predicate } from './feature-predicate.ts';
import { hashText } from './hash-text.ts';

/** One layer of a tile: the features passing `keep` (all when absent), with these attributes. */
export interface LayerContent {
  readonly layer: LayerConfig;
  /** The layer's attributes kept, in configuration order. */
  readonly attributes: readonly string[];
  readonly keep?: Predicate;
  /**
   * Features passing it, with the same kept attributes, merged into one (the layer's `merge`
   * zooms): land cover by class, streets by class and name. Those a symbol draws stay apart.
   */
  readonly merge?: Predicate;
  /** The layer's zoomFilters at this level, as one SQL condition. */
  readonly where?: string;
}

/** The SQL of a layer's zoomFilters that apply at style zoom z, if any. */
export function zoomFilterAt(layer: LayerConfig, z: number): { where: string } | Record<string, never> {
  const filters = (layer.zoomFilters ?? []).filter((f) => z >= f.minzoom && z <= f.maxzoom).map((f) => `(${f.filter})`);
  return filters.length ? { where: filters.join(' AND ') } : {};
}

/** `styles`: what the served styles draw at a level; `full`: every feature and attribute of the configured layers. */
export type ContentMode = 'styles' | 'full' | 'labels';

export interface TileContent {
  readonly mode: ContentMode;
  /** The layers a tile of level z of a grid carries, in configuration order; those left out are absent. */
  layersAt(grid: TileGrid, z: number): readonly LayerContent[];
  /**
   * 8 hex digits that change whenever what a level's tiles carry does (a style or the layer
   * configuration changed): part of the cache key, so a deploy never serves a tile cut by the
   * old rules from the disk or Redis tier.
   */
  fingerprint(grid: TileGrid, z: number): string;
}

/** The configured layers served at style zoom z (their own minzoom/maxzoom). */
export function layersAtZoom(layers: readonly LayerConfig[], z: number): LayerConfig[] {
  return layers.filter((l) => z >= l.minzoom && z <= l.maxzoom);
}

/** Rules that cache what they decide per grid level. */
export function memoized(mode: ContentMode, decide: (grid: TileGrid, z: number) => LayerContent[]): TileContent {
  const decided = new Map<string, { layers: readonly LayerContent[]; fingerprint: string }>();
  const at = (grid: TileGrid, z: number) => {
    const key = `${grid.id}/${z}`;
    let entry = decided.get(key);
    if (!entry) {
      const layers = decide(grid, z);
      decided.set(key, (entry = { layers, fingerprint: hashText(JSON.stringify(layers)).slice(0, 8) }));
    }
    return entry;
  };
  return { mode, layersAt: (grid, z) => at(grid, z).layers, fingerprint: (grid, z) => at(grid, z).fingerprint };
}

/** Every feature and attribute of the layers configured at a level. */
export function fullContent(tileset: TilesetConfig): TileContent {
  return memoized('full', (grid, z) => {
    const zoom = styleZoom(grid, z);
    return layersAtZoom(tileset.layers, zoom).map((layer) => ({ layer, attributes: layer.attributes, ...zoomFilterAt(layer, zoom) }));
  });
}

