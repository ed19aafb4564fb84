/**
 * Tile content that follows the styles: at each level of a grid, a tileset's layer carries
 * only the features some served style can draw there (its style layers' zoom ranges and
 * filters) and only the attributes those style layers read. What cannot be compiled is
 * kept, so nothing a style draws is ever left out. Pure: built from the loaded styles.
 */
import { convertFilter, type FilterSpecification, type LayerSpecification } from '@maplibre/maplibre-gl-style-spec';
import { FALSE, not, or, type Predicate } from '../core/feature-predicate.ts';
import { fullContent, layersAtZoom, memoized, zoomFilterAt, type LayerContent, type TileContent } from '../core/tile-content.ts';
import type { TilesetConfig } from '../config/schema.ts';
import { zoomsDrawnFrom } from '../grids/metatile.ts';
import { levelRange, styleZoom } from '../grids/tile-grid.ts';
import { compileFilter } from './filter-predicate.ts';
import type { LoadedStyle } from './style-store.ts';

/** A style layer that draws one layer of the tileset, as the content rules need it. */
interface Drawing {
  readonly sourceLayer: string;
  /** fill and line draw merged features as they draw the parts; a symbol or circle is placed per feature. */
  readonly mergeable: boolean;
  readonly minzoom: number;
  readonly maxzoom: number;
  readonly keep: Predicate;
  /** Properties its filter, layout and paint read; undefined when it may read any. */
  readonly reads: ReadonlySet<string> | undefined;
}

/** `{name}` tokens of legacy text-field and icon-image strings. */
const TOKEN = /\{([^{}]+)\}/g;

/**
 * Adds the feature properties an expression, legacy function or token string reads;
 * false when it reads properties it does not name (`["get", expr]`, `["properties"]`).
 */
function collectReads(value: unknown, into: Set<string>): boolean {
  if (typeof value === 'string') {
    for (const m of value.matchAll(TOKEN)) into.add(m[1]!);
    return true;
  }
  if (Array.isArray(value)) {
    const [op] = value;
    if (op === 'literal') return true;
    if (op === 'properties') return false;
    if ((op === 'get' || op === 'has') && value.length === 2) {
      if (typeof value[1] !== 'string') return false;
      into.add(value[1]);
      return true;
    }
    return value.every((v) => collectReads(v, into));
  }
  if (value !== null && typeof value === 'object') {
    const property = (value as { property?: unknown }).property;
    if (typeof property === 'string') into.add(property);
    return Object.values(value).every((v) => collectReads(v, into));
  }
  return true;
}

/** The properties a style layer reads anywhere, plus its source's promoteId. */
function readsOf(layer: LayerSpecification, promoteId: unknown): ReadonlySet<string> | undefined {
  const reads = new Set<string>();
  const sourceLayer = 'source-layer' in layer ? layer['source-layer'] : undefined;
  const promoted = typeof promoteId === 'string' ? promoteId : promoteId && typeof promoteId === 'object' && sourceLayer ? (promoteId as Record<string, unknown>)[sourceLayer] : undefined;
  if (typeof promoted === 'string') reads.add(promoted);
  let filter: unknown;
  try {
    filter = 'filter' in layer && layer.filter !== undefined ? convertFilter(layer.filter as FilterSpecification) : undefined;
  } catch {
    return undefined;
  }
  const parts = [filter, ...Object.values(('layout' in layer ? layer.layout : undefined) ?? {}), ...Object.values(layer.paint ?? {})];
  return parts.every((p) => collectReads(p, reads)) ? reads : undefined;
}

/** Every style layer, of every style, that draws a layer of this tileset. */
function drawingsOf(tileset: TilesetConfig, styles: readonly LoadedStyle[]): Drawing[] {
  const drawings: Drawing[] = [];
  for (const { style, sources } of styles) {
    for (const layer of style.layers) {
      if (!('source' in layer) || sources.get(layer.source) !== tileset.id || !('source-layer' in layer) || !layer['source-layer']) continue;
      const source = style.sources[layer.source] as { promoteId?: unknown } | undefined;
      drawings.push({
        sourceLayer: layer['source-layer'],
        mergeable: layer.type === 'fill' || layer.type === 'line',
        minzoom: layer.minzoom ?? -Infinity,
        maxzoom: layer.maxzoom ?? Infinity,
        keep: compileFilter(layer.filter).predicate,
        reads: readsOf(layer, source?.promoteId),
      });
    }
  }
  return drawings;
}

/** What the styles draw: per level, each layer's features some style layer drawing there keeps, with the attributes they read. */
export function contentFromStyles(tileset: TilesetConfig, styles: readonly LoadedStyle[]): TileContent {
  return rulesOf(tileset, drawingsOf(tileset, styles));
}

function rulesOf(tileset: TilesetConfig, drawings: readonly Drawing[], mode: 'styles' | 'labels' = 'styles'): TileContent {
  return memoized(mode, (grid, z) => {
    const levels = levelRange(grid, tileset.minzoom, tileset.maxzoom);
    if (!levels) return [];
    const [from, to] = zoomsDrawnFrom(grid, z, levels);
    const contents: LayerContent[] = [];
    const zoom = styleZoom(grid, z);
    for (const layer of layersAtZoom(tileset.layers, zoom)) {
      const drawn = drawings.filter((d) => d.sourceLayer === layer.id && d.minzoom < to && d.maxzoom > from);
      if (drawn.length === 0) continue;
      const keep = or(drawn.map((d) => d.keep));
      const readsAll = drawn.some((d) => d.reads === undefined);
      const attributes = readsAll ? layer.attributes : layer.attributes.filter((a) => drawn.some((d) => d.reads!.has(a)));
      // Merged: what no symbol or circle layer keeps (a label is placed per feature, and along a merged line elsewhere).
      const merge = layer.merge !== undefined && zoom <= layer.merge.maxzoom ? not(or(drawn.filter((d) => !d.mergeable).map((d) => d.keep))) : FALSE;
      contents.push({ layer, attributes, ...(keep.op === 'true' ? {} : { keep }), ...(merge.op === 'false' ? {} : { merge }), ...zoomFilterAt(layer, zoom) });
    }
    return contents;
  });
}

/**
 * What the labels of a render need from a vector tile that lies only under the render's
 * buffer: the features symbol and circle layers draw (a label anchored there may reach into
 * the kept pixels, and takes room others would collide with), none that only fills and lines
 * draw, whose pixels there are thrown away. The same features, in the same order, as the
 * served tile holds for those layers, so labels are placed alike. Undefined when the tileset
 * is not cut by the styles (its tiles then carry everything anyway).
 */
export function labelContentOf(tileset: TilesetConfig, styles: readonly LoadedStyle[]): TileContent | undefined {
  const drawings = drawingsOf(tileset, styles);
  return modeOf(tileset, drawings) === 'styles' ? rulesOf(tileset, drawings.filter((d) => !d.mergeable), 'labels') : undefined;
}

/**
 * The content rules of a tileset: its `content` option, by default `styles` when a served
 * style draws it and `full` when none does (a tileset for others to style).
 */
export function tileContentOf(tileset: TilesetConfig, styles: readonly LoadedStyle[]): TileContent {
  const drawings = drawingsOf(tileset, styles);
  return modeOf(tileset, drawings) === 'styles' ? rulesOf(tileset, drawings) : fullContent(tileset);
}

/** The tileset's `content` option, by default `styles` when a served style draws it, `full` when none does. */
function modeOf(tileset: TilesetConfig, drawings: readonly Drawing[]): 'styles' | 'full' {
  return tileset.content ?? (drawings.length > 0 ? 'styles' : 'full');
}
