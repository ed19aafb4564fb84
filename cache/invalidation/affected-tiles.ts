/**
 * Which cached tiles a committed change touches: for every tileset with a layer over the
 * table, every grid and level where that layer is drawn, the tiles whose extent plus
 * their buffer meets the change; for every style drawing such a tileset, the raster tiles
 * whose metatile (with its label margin) meets it, rounded to whole metatiles because
 * labels are placed once per metatile. Many changes are coalesced per level. Pure.
 */
import proj4 from 'proj4';
import type { LayerConfig } from '../../src/config/schema.ts';
import { bboxToTileRange, levelOf, styleZoom, tileSpan, type Bbox, type TileGrid } from '../../src/grids/tile-grid.ts';
import { dataLevel, rasterLevels } from '../../src/grids/metatile.ts';
import type { LevelRange } from '../tile-key.ts';
import type { TableChange } from './change.ts';
import { qualifyTable } from './tracked-tables.ts';

/** What the engine serves, as far as invalidation needs to know. */
export interface ServedModel {
  readonly grids: readonly TileGrid[];
  readonly tilesets: readonly {
    readonly id: string;
    readonly layers: readonly LayerConfig[];
    /** Grid levels the tileset is served at, per grid id (absent: not served in that grid). */
    readonly levels: ReadonlyMap<string, readonly [number, number]>;
  }[];
  readonly styles: readonly { readonly id: string; readonly tilesetIds: readonly string[] }[];
  /** MVT geometry buffer as a fraction of the tile (buffer / extent). */
  readonly vectorBufferFraction: number;
  /** Raster tiles drawn n × n with a margin of bufferPx CSS pixels. */
  readonly metatile: { readonly size: number; readonly bufferPx: number };
}

/** Above this many changes in one batch, ranges of a level are merged into one (fewer, larger deletions). */
const COALESCE_ABOVE = 32;

/** A proj4 definition by EPSG code, for the grids' CRSs and WGS84. */
function projectionOf(srid: number, grids: readonly TileGrid[]): string | undefined {
  if (srid === 4326) return 'WGS84';
  return grids.find((g) => g.srid === srid)?.proj4;
}

/** The change's bbox in a grid's CRS (its outline reprojected), or undefined when it cannot be told: then every tile counts. */
function bboxInGrid(change: TableChange, grid: TileGrid, grids: readonly TileGrid[]): Bbox | undefined {
  if (!change.bbox) return undefined;
  if (change.srid === grid.srid) return change.bbox;
  const from = projectionOf(change.srid, grids);
  if (!from) return undefined;
  const forward = proj4(from, grid.proj4);
  const [x0, y0, x1, y1] = change.bbox;
  const xs: number[] = [];
  const ys: number[] = [];
  const steps = 8;
  for (let i = 0; i <= steps; i++) {
    const t = i / steps;
    for (const [x, y] of [[x0 + (x1 - x0) * t, y0], [x0 + (x1 - x0) * t, y1], [x0, y0 + (y1 - y0) * t], [x1, y0 + (y1 - y0) * t]] as const) {
      const [px, py] = forward.forward([x, y]);
      xs.push(px!);
      ys.push(py!);
    }
  }
  // A sliver for curvature between the sampled points and rounding.
  const pad = 1e-6 * Math.max(Math.abs(Math.max(...xs)), Math.abs(Math.max(...ys)), 1);
  return [Math.min(...xs) - pad, Math.min(...ys) - pad, Math.max(...xs) + pad, Math.max(...ys) + pad];
}

function grow(bbox: Bbox, by: number): Bbox {
  return [bbox[0] - by, bbox[1] - by, bbox[2] + by, bbox[3] + by];
}

/** The whole level of a grid, clamped: what "everything" means when the bbox is unknown. */
function wholeLevel(grid: TileGrid, z: number): { minX: number; minY: number; maxX: number; maxY: number } {
  const level = levelOf(grid, z);
  return { minX: 0, minY: 0, maxX: level.matrixWidth - 1, maxY: level.matrixHeight - 1 };
}

/** The tile ranges one change touches. */
export function affectedRanges(change: TableChange, model: ServedModel): LevelRange[] {
  const ranges: LevelRange[] = [];
  const table = qualifyTable(change.table);
  const touched = model.tilesets.filter((t) => t.layers.some((l) => qualifyTable(l.table) === table));
  for (const grid of model.grids) {
    const bbox = bboxInGrid(change, grid, model.grids);
    const rangeAt = (z: number, margin: number) => (bbox ? bboxToTileRange(grid, grow(bbox, margin), z) : { z, ...wholeLevel(grid, z) });
    for (const tileset of touched) {
      const levels = tileset.levels.get(grid.id);
      if (!levels) continue;
      const layers = tileset.layers.filter((l) => qualifyTable(l.table) === table);
      const drawnAt = (z: number) => layers.some((l) => styleZoom(grid, z) >= l.minzoom && styleZoom(grid, z) <= l.maxzoom);
      for (let z = levels[0]; z <= levels[1]; z++) {
        if (!drawnAt(z)) continue;
        const range = rangeAt(z, tileSpan(grid, z) * model.vectorBufferFraction);
        if (range) ranges.push({ kind: 'vector', name: tileset.id, grid: grid.id, ...range, z });
      }
      const drawn = rasterLevels(grid, levels);
      for (const style of model.styles.filter((s) => s.tilesetIds.includes(tileset.id))) {
        for (let z = drawn[0]; z <= drawn[1]; z++) {
          // A raster tile of level z is drawn from the data of level dataLevel(z): the layer must be drawn there.
          const from = dataLevel(grid, z, levels);
          if (!drawnAt(from)) continue;
          const margin = tileSpan(grid, from) * model.vectorBufferFraction + model.metatile.bufferPx * levelOf(grid, z).cellSize;
          const range = rangeAt(z, margin);
          if (range) ranges.push({ kind: 'raster', name: style.id, grid: grid.id, z, ...roundToMetatiles(range, model.metatile.size, grid, z) });
        }
      }
    }
  }
  return ranges;
}

/** A range grown to whole metatiles (aligned to multiples of the size, clamped to the level). */
function roundToMetatiles(r: { minX: number; minY: number; maxX: number; maxY: number }, size: number, grid: TileGrid, z: number) {
  const level = levelOf(grid, z);
  return {
    minX: r.minX - (r.minX % size),
    minY: r.minY - (r.minY % size),
    maxX: Math.min(r.maxX - (r.maxX % size) + size - 1, level.matrixWidth - 1),
    maxY: Math.min(r.maxY - (r.maxY % size) + size - 1, level.matrixHeight - 1),
  };
}

/**
 * The ranges of a batch of changes. Beyond COALESCE_ABOVE changes, the ranges of each
 * level are merged into their bounding range: a bulk edit costs one deletion per level.
 */
export function affectedRangesOf(changes: readonly TableChange[], model: ServedModel): LevelRange[] {
  const all = changes.flatMap((c) => affectedRanges(c, model));
  if (changes.length <= COALESCE_ABOVE) return all;
  const merged = new Map<string, LevelRange>();
  for (const r of all) {
    const key = `${r.kind}/${r.name}/${r.grid}/${r.z}`;
    const m = merged.get(key);
    merged.set(key, m ? { ...m, minX: Math.min(m.minX, r.minX), minY: Math.min(m.minY, r.minY), maxX: Math.max(m.maxX, r.maxX), maxY: Math.max(m.maxY, r.maxY) } : r);
  }
  return [...merged.values()];
}
