import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import GeoJSONVT from 'geojson-vt';
import { fromGeojsonVt } from 'vt-pbf';
import type { LegacyTile } from 'geojson-vt';
import type { EngineConfig, TilesetConfig } from '../../config/schema.ts';
import type { Bbox, TileGrid } from '../../grids/tile-grid.ts';
import { layersAtZoom } from '../postgis/mvt-query.ts';
import type { FieldType, TileAddress, TileSource, TilesetInfo } from '../tile-source.ts';
import { tilesetInfo, type DescribedLayer } from '../tileset-info.ts';

interface Feature {
  type: 'Feature';
  id?: number | string;
  geometry: { type: string; coordinates: unknown };
  properties: Record<string, unknown> | null;
}

interface LoadedLayer extends DescribedLayer {
  readonly index: GeoJSONVT;
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
 * demo mode that runs without a database. Only the WebMercatorQuad grid, as geojson-vt
 * tiles the Web Mercator plane.
 */
export class GeojsonSource implements TileSource {
  readonly id: string;
  private readonly tileset: TilesetConfig;
  private readonly layers: Map<string, LoadedLayer>;
  private readonly extent: number;

  private constructor(tileset: TilesetConfig, layers: Map<string, LoadedLayer>, extent: number) {
    this.id = tileset.id;
    this.tileset = tileset;
    this.layers = layers;
    this.extent = extent;
  }

  /** Reads and indexes every layer file of a tileset. */
  static async load(tileset: TilesetConfig, dir: string, tiles: EngineConfig['tiles']): Promise<GeojsonSource> {
    const layers = new Map<string, LoadedLayer>();
    for (const config of tileset.layers) {
      const path = demoFileOf(dir, config.table);
      const collection = JSON.parse(await readFile(path, 'utf8')) as { features: Feature[] };
      const features = pickAttributes(collection.features, config.attributes);
      const index = new GeoJSONVT(
        { type: 'FeatureCollection', features } as never,
        // tolerance 0: the PostGIS path does not simplify either, so both modes serve the same features.
        { maxZoom: Math.min(config.maxzoom, 24), indexMaxZoom: 5, extent: tiles.extent, buffer: tiles.buffer, tolerance: 0 },
      );
      const fields: Record<string, FieldType> = {};
      const bounds = [Infinity, Infinity, -Infinity, -Infinity];
      for (const f of features) {
        for (const [k, v] of Object.entries(f.properties ?? {})) fields[k] ??= fieldTypeOfValue(v);
        extendBounds(bounds, f.geometry.coordinates);
      }
      layers.set(config.id, { config, index, fields, bounds: Number.isFinite(bounds[0]) ? (bounds as unknown as Bbox) : undefined });
    }
    return new GeojsonSource(tileset, layers, tiles.extent);
  }

  supportsGrid(grid: TileGrid): boolean {
    return grid.id === 'WebMercatorQuad';
  }

  async describe(): Promise<TilesetInfo> {
    return tilesetInfo(this.tileset, [...this.layers.values()]);
  }

  async getTile(tile: TileAddress): Promise<Uint8Array> {
    const tiles: Record<string, LegacyTile> = {};
    for (const config of layersAtZoom(this.tileset.layers, tile.z)) {
      const layerTile = this.layers.get(config.id)?.index.getTile(tile.z, tile.x, tile.y);
      if (layerTile && layerTile.features.length > 0) tiles[config.id] = layerTile;
    }
    if (Object.keys(tiles).length === 0) return new Uint8Array(0);
    return fromGeojsonVt(tiles, { version: 2, extent: this.extent });
  }
}
