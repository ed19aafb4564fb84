/**
 * The SourceTiles of a suite test, read from the suite folder: `local://` URLs (and the
 * suite's old `http://localhost:2900/` tile server) resolve to files beside the README.
 * Vector sources read MVT files (directly or through a TileJSON); GeoJSON sources, inline
 * or from a file, are cut with geojson-vt using MapLibre's settings and encoded as MVT.
 * A source whose data is missing or broken gives no tiles, as MapLibre then draws nothing.
 */
import { existsSync, readFileSync } from 'node:fs';
import { isAbsolute, relative, resolve } from 'node:path';
import type { StyleSpecification } from '@maplibre/maplibre-gl-style-spec';
import GeoJSONVT from 'geojson-vt';
import { fromGeojsonVt } from 'vt-pbf';
import { viewCoverage, type RenderView, type SourceTile } from '../../src/render/renderer.ts';
import { coveringTiles, tileBbox, tileZoomFor, type TileAddress } from './view.ts';

/** MapLibre's tile extent for GeoJSON tiles, and its 512-px tile size. */
const GEOJSON_EXTENT = 8192;
const GEOJSON_TILE_SIZE = 512;

/** The address the original suite served its fixtures from. */
const LEGACY_SERVER = 'http://localhost:2900/';

/**
 * The file a suite URL names, or undefined when it is not a suite URL (or would leave the
 * folder). `local://tiles/a.mvt` → `<folder>/tiles/a.mvt`.
 */
export function resolveLocalUrl(url: string, folder: string): string | undefined {
  let rest: string;
  if (url.startsWith('local://')) rest = url.slice('local://'.length);
  else if (url.startsWith(LEGACY_SERVER)) rest = url.slice(LEGACY_SERVER.length);
  else return undefined;
  rest = rest.split(/[?#]/)[0] ?? '';
  const root = resolve(folder);
  const path = resolve(root, rest);
  const inside = relative(root, path);
  if (inside === '' || inside.startsWith('..') || isAbsolute(inside)) return undefined;
  return path;
}

/** A tile URL template filled in for one tile (`{z}/{x}/{y}`, TMS rows when asked). */
export function fillTileUrl(template: string, tile: { z: number; x: number; y: number }, scheme?: string): string {
  const y = scheme === 'tms' ? 2 ** tile.z - 1 - tile.y : tile.y;
  return template.replaceAll('{z}', String(tile.z)).replaceAll('{x}', String(tile.x)).replaceAll('{y}', String(y));
}

/** What building a test's tiles found worth telling (missing files, unreadable data). */
export interface SourceTilesResult {
  readonly tiles: SourceTile[];
  readonly notes: string[];
}

/** The source fields the suite runner reads. */
export interface SourceLike {
  type?: string;
  url?: string;
  tiles?: string[];
  scheme?: string;
  tileSize?: number;
  minzoom?: number;
  maxzoom?: number;
  data?: unknown;
  buffer?: number;
  tolerance?: number;
}

/** The tiles covering the view for every vector and GeoJSON source of the style. */
export function buildSourceTiles(style: StyleSpecification, view: RenderView, folder: string): SourceTilesResult {
  const tiles: SourceTile[] = [];
  const notes: string[] = [];
  for (const [sourceId, spec] of Object.entries(style.sources ?? {})) {
    const source = spec as SourceLike;
    if (source.type === 'vector') vectorTiles(sourceId, source, view, folder, tiles, notes);
    else if (source.type === 'geojson') geojsonTiles(sourceId, source, view, folder, tiles, notes);
  }
  return { tiles, notes };
}

function vectorTiles(id: string, source: SourceLike, view: RenderView, folder: string, out: SourceTile[], notes: string[]): void {
  for (const { tile, path } of tileFiles(id, source, view, folder, notes, false)) {
    out.push({ sourceId: id, bbox: tileBbox(tile), mvt: new Uint8Array(readFileSync(path)) });
  }
}

/**
 * The files of a tiled source's tiles covering the view, at the zoom MapLibre loads
 * (rounded for rasters, floored for vector tiles), through its TileJSON when it has one.
 * Tiles the suite does not hold are left out: empty, as a 404 is.
 */
export function tileFiles(
  id: string,
  source: SourceLike,
  view: RenderView,
  folder: string,
  notes: string[],
  roundZoom: boolean,
): { tile: TileAddress; path: string }[] {
  let resolved = source;
  if (source.url) {
    const path = resolveLocalUrl(source.url, folder);
    try {
      if (!path) throw new Error(`not a suite URL`);
      // As in MapLibre, the TileJSON's tiles and zoom range win over the style's.
      resolved = { ...source, ...(JSON.parse(readFileSync(path, 'utf8')) as SourceLike) };
    } catch (error) {
      notes.push(`source ${id}: TileJSON ${source.url}: ${(error as Error).message}`);
      return [];
    }
  }
  const template = resolved.tiles?.[0];
  if (!template) return [];
  const z = tileZoomFor(view.zoom, resolved, roundZoom);
  if (z === undefined) return [];
  const files: { tile: TileAddress; path: string }[] = [];
  for (const tile of coveringTiles(viewCoverage(view), z)) {
    const path = resolveLocalUrl(fillTileUrl(template, { z, x: tile.wrappedX, y: tile.y }, resolved.scheme), folder);
    if (path && existsSync(path)) files.push({ tile, path });
  }
  return files;
}

function geojsonTiles(id: string, source: SourceLike, view: RenderView, folder: string, out: SourceTile[], notes: string[]): void {
  const maxzoom = source.maxzoom ?? 18;
  const z = tileZoomFor(view.zoom, { tileSize: GEOJSON_TILE_SIZE, minzoom: source.minzoom ?? 0, maxzoom }, false);
  if (z === undefined) return;
  let index: GeoJSONVT;
  try {
    const data = geojsonData(source.data, folder);
    if (data === undefined) return; // a source without data draws nothing
    const scale = GEOJSON_EXTENT / GEOJSON_TILE_SIZE;
    // MapLibre's geojson-vt settings (geojson_source.ts): buffer and tolerance in 512-px tile pixels.
    index = new GeoJSONVT(data as ConstructorParameters<typeof GeoJSONVT>[0], {
      maxZoom: maxzoom,
      extent: GEOJSON_EXTENT,
      buffer: (source.buffer ?? 128) * scale,
      tolerance: (source.tolerance ?? 0.375) * scale,
    });
  } catch (error) {
    notes.push(`source ${id}: ${(error as Error).message}`);
    return;
  }
  for (const tile of coveringTiles(viewCoverage(view), z)) {
    const mvt = geojsonTile(index, tile);
    if (mvt) out.push({ sourceId: id, bbox: tileBbox(tile), mvt });
  }
}

function geojsonTile(index: GeoJSONVT, tile: TileAddress): Uint8Array | undefined {
  const vt = index.getTile(tile.z, tile.wrappedX, tile.y);
  if (!vt || vt.features.length === 0) return undefined;
  return fromGeojsonVt({ _geojsonTileLayer: vt }, { version: 2, extent: GEOJSON_EXTENT });
}

/** Inline GeoJSON, or the parsed file a suite URL names; undefined when there is none. */
function geojsonData(data: unknown, folder: string): unknown {
  if (data === undefined || data === null) return undefined;
  if (typeof data === 'string') {
    const path = resolveLocalUrl(data, folder);
    if (!path) throw new Error(`GeoJSON ${data} is not a suite URL`);
    return JSON.parse(readFileSync(path, 'utf8'));
  }
  if (typeof data !== 'object') throw new Error(`GeoJSON data is a ${typeof data}`);
  return data;
}

