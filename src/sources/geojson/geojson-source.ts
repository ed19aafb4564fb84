import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import GeoJSONVT from 'geojson-vt';
import { fromGeojsonVt } from 'vt-pbf';
import type { LegacyTile } from 'geojson-vt';
import type { EngineConfig, TilesetConfig } from '../../config/schema.ts';
import type { Bbox, TileGrid } from '../../grids/tile-grid.ts';
import { evaluatePredicate } from '../../core/feature-predicate.ts';
import { fullContent, type LayerContent, type TileContent } from '../../core/tile-content.ts';
import { webMercatorQuad } from '../../grids/web-mercator-quad.ts';
import { gridPlane } from './grid-plane.ts';
import { labelPointOf } from './label-point.ts';
import { MAX_GROUP_EXTENTS, type FieldType, type GroupExtent, type TileAddress, type TileSource, type TilesetInfo } from '../tile-source.ts';
import { tilesetInfo, type DescribedLayer } from '../tileset-info.ts';

interface Feature {
  type: 'Feature';
  id?: number | string;
  geometry: { type: string; coordinates: unknown };
  properties: Record<string, unknown> | null;
}

interface LoadedLayer extends DescribedLayer {
  /** Features in WGS84 with the configured attributes only. */
  readonly features: Feature[];
}

/** Maps every coordinate pair nested in a geometry's coordinates. */
function mapCoordinates(coordinates: unknown, fn: (lon: number, lat: number) => [number, number]): unknown {
  if (!Array.isArray(coordinates)) return coordinates;
  if (typeof coordinates[0] === 'number') return fn(coordinates[0] as number, coordinates[1] as number);
  return coordinates.map((c) => mapCoordinates(c, fn));
}

/** The file holding a table's features: `<dir>/<table without schema>.geojson`. */
export function demoFileOf(dir: string, table: string): string {
  return join(dir, `${table.slice(table.lastIndexOf('.') + 1)}.geojson`);
}

function fieldTypeOfValue(value: unknown): FieldType {
  if (typeof value === 'number') return 'Number';
  if (typeof value === 'boolean') return 'Boolean';
  return 'String';
}

/** Bounds of every coordinate pair nested in a geometry, folded into acc. */
function extendBounds(acc: number[], coordinates: unknown): void {
  if (!Array.isArray(coordinates)) return;
  if (typeof coordinates[0] === 'number') {
    const [x, y] = coordinates as number[];
    acc[0] = Math.min(acc[0]!, x!);
    acc[1] = Math.min(acc[1]!, y!);
    acc[2] = Math.max(acc[2]!, x!);
    acc[3] = Math.max(acc[3]!, y!);
    return;
  }
  for (const c of coordinates) extendBounds(acc, c);
}

/** Keeps only the configured attributes, as the PostGIS query does. */
function pickAttributes(features: Feature[], attributes: readonly string[]): Feature[] {
  return features.map((f) => ({
    ...f,
    properties: Object.fromEntries(attributes.filter((a) => f.properties?.[a] != null).map((a) => [a, f.properties![a]])),
  }));
}

/**
 * A tileset served from GeoJSON files (WGS84) through geojson-vt and vt-pbf: the embedded
 * demo mode that runs without a database. Every grid is served: for grids other than Web
 * Mercator the features are projected into the grid's CRS first (grid-plane.ts), so a
 * 3006 tile is cut in SWEREF 99 TM, never resampled from Mercator.
 */
export class GeojsonSource implements TileSource {
  readonly id: string;
  private readonly tileset: TilesetConfig;
  private readonly layers: Map<string, LoadedLayer>;
  private readonly tiles: EngineConfig['tiles'];
  /** What a tile carries at each level: what the styles draw, or everything. */
  readonly content: TileContent;
  /** geojson-vt indexes per grid and layer, built on the first tile of a grid. */
  private readonly indexes = new Map<string, { zoomOffset: number; byLayer: Map<string, GeoJSONVT> }>();

  private constructor(tileset: TilesetConfig, layers: Map<string, LoadedLayer>, tiles: EngineConfig['tiles'], content: TileContent | undefined) {
    this.id = tileset.id;
    this.content = content ?? fullContent(tileset);
    this.tileset = tileset;
    this.layers = layers;
    this.tiles = tiles;
  }

  private indexFor(grid: TileGrid): { zoomOffset: number; byLayer: Map<string, GeoJSONVT> } {
    let entry = this.indexes.get(grid.id);
    if (!entry) {
      const plane = grid.srid === 3857 ? undefined : gridPlane(grid);
      const zoomOffset = plane?.zoomOffset ?? 0;
      const byLayer = new Map<string, GeoJSONVT>();
      for (const [id, layer] of this.layers) {
        const features = plane
          ? layer.features.map((f) => ({ ...f, geometry: { ...f.geometry, coordinates: mapCoordinates(f.geometry.coordinates, plane.toPlaneLonLat) } }))
          : layer.features;
        const maxZoom = Math.min(grid.levels.length - 1 + zoomOffset, 24);
        byLayer.set(
          id,
          // tolerance 0: the PostGIS path does not simplify either, so both modes serve the same features.
          new GeoJSONVT({ type: 'FeatureCollection', features } as never, { maxZoom, indexMaxZoom: 5, extent: this.tiles.extent, buffer: this.tiles.buffer, tolerance: 0 }),
        );
      }
      entry = { zoomOffset, byLayer };
      this.indexes.set(grid.id, entry);
    }
    return entry;
  }

  /** Reads and indexes every layer file of a tileset. */
  static async load(tileset: TilesetConfig, dir: string, tiles: EngineConfig['tiles'], content?: TileContent): Promise<GeojsonSource> {
    const layers = new Map<string, LoadedLayer>();
    for (const config of tileset.layers) {
      const path = demoFileOf(dir, config.table);
      const collection = JSON.parse(await readFile(path, 'utf8')) as { features: Feature[] };
      const picked = pickAttributes(collection.features, config.attributes);
      const features = config.labelPoint ? picked.map((f) => ({ ...f, geometry: labelPointOf(f.geometry) })) : picked;
      const fields: Record<string, FieldType> = {};
      const bounds = [Infinity, Infinity, -Infinity, -Infinity];
      for (const f of features) {
        for (const [k, v] of Object.entries(f.properties ?? {})) fields[k] ??= fieldTypeOfValue(v);
        extendBounds(bounds, f.geometry.coordinates);
      }
      layers.set(config.id, { config, features, fields, bounds: Number.isFinite(bounds[0]) ? (bounds as unknown as Bbox) : undefined });
    }
    const source = new GeojsonSource(tileset, layers, tiles, content);
    source.indexFor(webMercatorQuad); // the XYZ grid is ready before the first request
    return source;
  }

  supportsGrid(grid: TileGrid): boolean {
    return grid.proj4.length > 0;
  }

  async describe(): Promise<TilesetInfo> {
    return tilesetInfo(this.tileset, [...this.layers.values()]);
  }

  async extentsBy(layerId: string, keyField: string, labelField: string): Promise<GroupExtent[]> {
    const layer = this.layers.get(layerId);
    if (!layer) return [];
    const groups = new Map<string, { label: string; bounds: number[] }>();
    for (const f of layer.features) {
      const key = f.properties?.[keyField];
      if (key === undefined || key === null) continue;
      let group = groups.get(String(key));
      if (!group) {
        if (groups.size >= MAX_GROUP_EXTENTS) continue;
        groups.set(String(key), (group = { label: String(f.properties?.[labelField] ?? key), bounds: [Infinity, Infinity, -Infinity, -Infinity] }));
      }
      extendBounds(group.bounds, f.geometry.coordinates);
    }
    return [...groups.entries()]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([key, g]) => ({ key, label: g.label, bounds: g.bounds as unknown as Bbox }));
  }

  async getTile(tile: TileAddress): Promise<Uint8Array> {
    const { zoomOffset, byLayer } = this.indexFor(tile.grid);
    const tiles: Record<string, LegacyTile> = {};
    for (const content of (tile.content ?? this.content).layersAt(tile.grid, tile.z)) {
      const layerTile = byLayer.get(content.layer.id)?.getTile(tile.z + zoomOffset, tile.x, tile.y);
      const kept = layerTile && contentOf(layerTile, content);
      if (kept && kept.features.length > 0) tiles[content.layer.id] = kept;
    }
    if (Object.keys(tiles).length === 0) return new Uint8Array(0);
    return fromGeojsonVt(tiles, { version: 2, extent: this.tiles.extent });
  }
}

/** A layer's tile with the features and attributes its content rules keep (geojson-vt's own tile is left as it is: it caches it). */
function contentOf(tile: LegacyTile, content: LayerContent): LegacyTile {
  const all = content.attributes.length === content.layer.attributes.length;
  if (!content.keep && all) return tile;
  const features = tile.features
    .filter((f) => !content.keep || evaluatePredicate(content.keep, f.tags ?? {}))
    .map((f) => (all ? f : { ...f, tags: Object.fromEntries(content.attributes.filter((a) => f.tags?.[a] !== undefined).map((a) => [a, f.tags![a]])) }));
  return { ...tile, features };
}
