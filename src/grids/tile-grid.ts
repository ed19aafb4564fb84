/**
 * Tile grids as data, after OGC Two Dimensional Tile Matrix Set 2.0: a grid is a CRS,
 * a top-left origin and a cell size per level. Pure: no I/O, no node: imports.
 *
 *   origin (minX, maxY)
 *     ┌──────┬──────┐   x grows east (column), y row grows south
 *     │ 0,0  │ 1,0  │   tile span = cellSize × tileSize
 *     ├──────┼──────┤
 *     │ 0,1  │ 1,1  │
 *     └──────┴──────┘
 */

/** [minX, minY, maxX, maxY] in the grid's CRS units. */
export type Bbox = readonly [number, number, number, number];

export interface TileGridLevel {
  /** Size of one pixel in CRS units (metres for every grid here). */
  readonly cellSize: number;
  readonly matrixWidth: number;
  readonly matrixHeight: number;
}

export interface TileGrid {
  readonly id: string;
  readonly title: string;
  /** The CRS as an EPSG code, as PostGIS knows it. */
  readonly srid: number;
  /** Top-left corner (minX, maxY) in CRS units, easting first. */
  readonly origin: readonly [number, number];
  readonly tileSizePx: number;
  readonly levels: readonly TileGridLevel[];
}

/** Inclusive range of tile columns and rows at one level. */
export interface TileRange {
  readonly z: number;
  readonly minX: number;
  readonly minY: number;
  readonly maxX: number;
  readonly maxY: number;
}

/** Fraction of a tile within which a coordinate counts as lying on the tile edge. */
const EDGE_EPSILON = 1e-9;

/** The levels a grid defines, as [min, max]. */
export function zoomRange(grid: TileGrid): [number, number] {
  return [0, grid.levels.length - 1];
}

function levelOf(grid: TileGrid, z: number): TileGridLevel {
  const level = grid.levels[z];
  if (level === undefined) throw new RangeError(`level ${z} is outside 0–${grid.levels.length - 1} of grid ${grid.id}`);
  return level;
}

/** Width of one tile in CRS units at level z. */
export function tileSpan(grid: TileGrid, z: number): number {
  return levelOf(grid, z).cellSize * grid.tileSizePx;
}

/** True when (x, y) is a tile of level z. */
export function tileExists(grid: TileGrid, z: number, x: number, y: number): boolean {
  const level = grid.levels[z];
  return level !== undefined && x >= 0 && y >= 0 && x < level.matrixWidth && y < level.matrixHeight;
}

/** Bounding box of tile (z, x, y) in the grid's CRS. */
export function tileToBbox(grid: TileGrid, z: number, x: number, y: number): Bbox {
  const span = tileSpan(grid, z);
  const [originX, originY] = grid.origin;
  return [originX + x * span, originY - (y + 1) * span, originX + (x + 1) * span, originY - y * span];
}

/** The bbox grown on every side by a fraction of the tile span (a tile buffer). */
export function bufferBbox(bbox: Bbox, fraction: number): Bbox {
  const dx = (bbox[2] - bbox[0]) * fraction;
  const dy = (bbox[3] - bbox[1]) * fraction;
  return [bbox[0] - dx, bbox[1] - dy, bbox[2] + dx, bbox[3] + dy];
}

/**
 * Tiles of level z that intersect the bbox, clamped to the grid. A bbox edge that lies
 * exactly on a tile edge does not pull in the neighbour on the far side.
 */
export function bboxToTileRange(grid: TileGrid, bbox: Bbox, z: number): TileRange | undefined {
  const level = levelOf(grid, z);
  const span = tileSpan(grid, z);
  const [originX, originY] = grid.origin;
  const clamp = (v: number, max: number) => Math.min(Math.max(v, 0), max);
  // Edges are computed in floating point: within EDGE_EPSILON of a tile edge counts as on it.
  const first = (v: number) => Math.floor(v + EDGE_EPSILON);
  const last = (v: number) => Math.ceil(v - EDGE_EPSILON) - 1;
  const minX = clamp(first((bbox[0] - originX) / span), level.matrixWidth - 1);
  const maxX = clamp(last((bbox[2] - originX) / span), level.matrixWidth - 1);
  const minY = clamp(first((originY - bbox[3]) / span), level.matrixHeight - 1);
  const maxY = clamp(last((originY - bbox[1]) / span), level.matrixHeight - 1);
  if (maxX < minX || maxY < minY) return undefined;
  return { z, minX, minY, maxX, maxY };
}

/** The smallest bbox holding all given ones; undefined when none is given. */
export function unionBbox(boxes: readonly (Bbox | undefined)[]): Bbox | undefined {
  const present = boxes.filter((b): b is Bbox => b !== undefined);
  if (present.length === 0) return undefined;
  return [
    Math.min(...present.map((b) => b[0])),
    Math.min(...present.map((b) => b[1])),
    Math.max(...present.map((b) => b[2])),
    Math.max(...present.map((b) => b[3])),
  ];
}
