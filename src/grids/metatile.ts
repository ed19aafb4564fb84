/**
 * Metatiles: N×N tiles of a grid level drawn as one image with a pixel buffer around it,
 * then cut. Labels are placed once for the whole block, so they are neither cut nor
 * duplicated at the edges of its tiles, and the buffer lets a label that starts in the
 * next block be drawn here too. Pure: tile arithmetic only.
 */
import { equivalentZoom, levelOf, tileToBbox, type Bbox, type TileGrid } from './tile-grid.ts';

/** A block of tiles of one level, aligned to multiples of the metatile size and clamped to the grid. */
export interface Metatile {
  readonly z: number;
  readonly x0: number;
  readonly y0: number;
  readonly cols: number;
  readonly rows: number;
}

/** A rectangle of an image in device pixels. */
export interface PixelRect {
  readonly left: number;
  readonly top: number;
  readonly width: number;
  readonly height: number;
}

/** The metatile of size N that holds tile (z, x, y). */
export function metatileOf(grid: TileGrid, z: number, x: number, y: number, size: number): Metatile {
  const level = levelOf(grid, z);
  const x0 = x - (x % size);
  const y0 = y - (y % size);
  return { z, x0, y0, cols: Math.min(size, level.matrixWidth - x0), rows: Math.min(size, level.matrixHeight - y0) };
}

/** Index of tile (x, y) among the metatile's tiles, row by row. */
export function pieceIndex(meta: Metatile, x: number, y: number): number {
  return (y - meta.y0) * meta.cols + (x - meta.x0);
}

/** Tiles of a metatile, row by row (the order of its pieces). */
export function tilesOf(meta: Metatile): { x: number; y: number }[] {
  const tiles: { x: number; y: number }[] = [];
  for (let y = meta.y0; y < meta.y0 + meta.rows; y++) for (let x = meta.x0; x < meta.x0 + meta.cols; x++) tiles.push({ x, y });
  return tiles;
}

/**
 * What to draw for a metatile: its extent grown by bufferPx CSS pixels on every side,
 * the canvas size in CSS pixels, and where each tile lies on the canvas in device pixels.
 */
export function metatileView(grid: TileGrid, meta: Metatile, bufferPx: number, pixelRatio: number): { bbox: Bbox; widthPx: number; heightPx: number; pieces: PixelRect[] } {
  const first = tileToBbox(grid, meta.z, meta.x0, meta.y0);
  const last = tileToBbox(grid, meta.z, meta.x0 + meta.cols - 1, meta.y0 + meta.rows - 1);
  const margin = bufferPx * levelOf(grid, meta.z).cellSize;
  const bbox: Bbox = [first[0] - margin, last[1] - margin, last[2] + margin, first[3] + margin];
  const tile = grid.tileSizePx * pixelRatio;
  const pieces = tilesOf(meta).map(({ x, y }) => ({
    left: (bufferPx + (x - meta.x0) * grid.tileSizePx) * pixelRatio,
    top: (bufferPx + (y - meta.y0) * grid.tileSizePx) * pixelRatio,
    width: tile,
    height: tile,
  }));
  return { bbox, widthPx: meta.cols * grid.tileSizePx + 2 * bufferPx, heightPx: meta.rows * grid.tileSizePx + 2 * bufferPx, pieces };
}

/** The rectangle round some rectangles (a metatile's pieces: the pixels a render keeps), or undefined for none. */
export function boxAround(rects: readonly PixelRect[]): PixelRect | undefined {
  if (rects.length === 0) return undefined;
  const left = Math.min(...rects.map((p) => p.left));
  const top = Math.min(...rects.map((p) => p.top));
  const right = Math.max(...rects.map((p) => p.left + p.width));
  const bottom = Math.max(...rects.map((p) => p.top + p.height));
  return { left, top, width: right - left, height: bottom - top };
}

/** Pixels of a vector tile as MapLibre draws it: the scale at which a level's data is meant to be seen. */
export const VECTOR_TILE_PX = 512;

/**
 * The level whose vector tiles a raster tile of level z is drawn from: the level MapLibre
 * would load at the same scale (its vector tiles are 512 px, so z − 1 for 256-px grids),
 * within the levels the tileset serves (overzoomed above them).
 */
export function dataLevel(grid: TileGrid, z: number, levels: readonly [number, number]): number {
  return Math.min(Math.max(z - Math.log2(VECTOR_TILE_PX / grid.tileSizePx), levels[0]), levels[1]);
}

/**
 * Levels finer than a tileset's data that its raster tiles are still drawn at, from its
 * deepest vector tiles (overzoomed, as MapLibre draws beyond a source's maxzoom): one
 * level, so 3011 reaches 0.125 m/px (1:500 prints) over data served to XYZ 18.
 */
export const RASTER_OVERZOOM_LEVELS = 1;

/** The levels a grid's raster tiles are served at, given the levels of the data they are drawn from. */
export function rasterLevels(grid: TileGrid, levels: readonly [number, number]): [number, number] {
  return [levels[0], Math.min(levels[1] + RASTER_OVERZOOM_LEVELS, grid.levels.length - 1)];
}

/** The MapLibre zoom of a raster tile of level z (512-px worlds: a 256-px tile of XYZ zoom z is zoom z − 1). */
export function styleZoomOf(grid: TileGrid, z: number): number {
  return equivalentZoom(grid, z) + Math.log2(grid.tileSizePx / VECTOR_TILE_PX);
}

/**
 * The style zooms at which the vector tiles of level z may be drawn, [from, to): MapLibre
 * draws a level over [e, e + 1) (e its equivalent zoom, 512-px tiles), the raster tiles at
 * e, a WMS map or print from the nearest level over [e − 1.5, e − 0.5], QGIS about e ± 0.5.
 * The first and last levels a tileset serves are also drawn at every zoom beyond them
 * (a view zoomed out past the data, or overzoomed). What a tile must carry is what a style
 * draws anywhere in this range.
 */
export function zoomsDrawnFrom(grid: TileGrid, z: number, levels: readonly [number, number]): [number, number] {
  const e = equivalentZoom(grid, z);
  return [z <= levels[0] ? -Infinity : e - 1.5, z >= levels[1] ? Infinity : e + 1];
}
