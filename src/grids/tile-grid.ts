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
  readonly description?: string;
  /** The CRS as an EPSG code, as PostGIS knows it. */
  readonly srid: number;
  /** The CRS as a proj4 definition, for WGS84 bounds in capabilities. */
  readonly proj4: string;
  /**
   * The CRS's own axis order. EPSG:3006 and 3011 are northing first, so a WMTS
   * TopLeftCorner and a TMS 2.0 pointOfOrigin are written (N, E) for them.
   */
  readonly axisOrder: 'EN' | 'NE';
  /** Top-left corner (minX, maxY) in CRS units, easting first. */
  readonly origin: readonly [number, number];
  readonly tileSizePx: number;
  readonly levels: readonly TileGridLevel[];
  /** OGC URI of a well-known scale set the grid follows, if any. */
  readonly wellKnownScaleSet?: string;
  /**
   * Latitude at which a level's ground resolution is compared with Web Mercator's to find
   * the equivalent XYZ zoom (layer and tileset zoom ranges are written in XYZ zooms).
   */
  readonly referenceLatitude: number;
  /** Metres of one CRS unit, for scales and equivalent zooms: 1 for projected grids, ~111 km for a degree. */
  readonly metresPerUnit?: number;
}

/** Metres per pixel of WebMercatorQuad at zoom 0 on the equator (256-px tiles). */
const MERCATOR_CELL_SIZE_Z0 = 156543.03392804097;

/**
 * The XYZ zoom whose ground resolution matches level z of the grid, e.g. 3006 level 10
 * (4 m/px) ≈ zoom 14.3 at 59° N, where a Mercator metre is 1/cos(59°) ground metres.
 */
export function equivalentZoom(grid: TileGrid, z: number): number {
  return zoomAtCellSize(grid, levelOf(grid, z).cellSize);
}

/** The (fractional) XYZ zoom whose ground resolution matches a cell size in the grid's CRS units. */
export function zoomAtCellSize(grid: TileGrid, cellSize: number): number {
  const groundCellSizeZ0 = MERCATOR_CELL_SIZE_Z0 * Math.cos((grid.referenceLatitude * Math.PI) / 180);
  return Math.log2(groundCellSizeZ0 / (cellSize * (grid.metresPerUnit ?? 1)));
}

/** The level of a grid whose cell size is nearest (in log scale) to a resolution, within [min, max]. */
export function levelAtCellSize(grid: TileGrid, cellSize: number, levels: readonly [number, number]): number {
  const z = Math.round(Math.log2(levelOf(grid, 0).cellSize / cellSize));
  return Math.min(Math.max(z, levels[0]), levels[1]);
}

/** The XYZ zoom used to choose layers and limits at grid level z (rounded equivalent zoom). */
export function styleZoom(grid: TileGrid, z: number): number {
  return Math.round(equivalentZoom(grid, z) + 1e-9);
}

/** The grid levels whose style zoom lies within [minzoom, maxzoom], or undefined if none. */
export function levelRange(grid: TileGrid, minzoom: number, maxzoom: number): [number, number] | undefined {
  const levels = grid.levels.map((_, z) => z).filter((z) => styleZoom(grid, z) >= minzoom && styleZoom(grid, z) <= maxzoom);
  return levels.length ? [levels[0]!, levels[levels.length - 1]!] : undefined;
}

/** OGC scale denominator of a level: cell size over the standardised 0.28 mm pixel. */
export function scaleDenominator(grid: TileGrid, level: TileGridLevel): number {
  return (level.cellSize * (grid.metresPerUnit ?? 1)) / 0.00028;
}

/** The full extent the grid's matrices cover at level 0, as a bbox in its CRS. */
export function gridExtent(grid: TileGrid): Bbox {
  const level0 = levelOf(grid, 0);
  const span = level0.cellSize * grid.tileSizePx;
  const [x, y] = grid.origin;
  return [x, y - level0.matrixHeight * span, x + level0.matrixWidth * span, y];
}

/** A point written in the CRS's own axis order (northing first for 'NE' grids). */
export function inAxisOrder(grid: TileGrid, x: number, y: number): [number, number] {
  return grid.axisOrder === 'NE' ? [y, x] : [x, y];
}

/**
 * Builds a grid whose cell size halves and whose matrix doubles per level from level 0:
 * a new grid is a definition, not code.
 */
export function halvingGrid(definition: Omit<TileGrid, 'levels'> & { cellSize0: number; matrixWidth0: number; matrixHeight0: number; levelCount: number }): TileGrid {
  const { cellSize0, matrixWidth0, matrixHeight0, levelCount, ...grid } = definition;
  return {
    ...grid,
    levels: Array.from({ length: levelCount }, (_, z) => ({
      cellSize: cellSize0 / 2 ** z,
      matrixWidth: matrixWidth0 * 2 ** z,
      matrixHeight: matrixHeight0 * 2 ** z,
    })),
  };
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

/** The level z of a grid; a RangeError outside its levels. */
export function levelOf(grid: TileGrid, z: number): TileGridLevel {
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
 * Tiles of level z that intersect the bbox, clamped to the grid; undefined when the bbox
 * lies outside the grid. A bbox edge that lies exactly on a tile edge does not pull in
 * the neighbour on the far side.
 */
export function bboxToTileRange(grid: TileGrid, bbox: Bbox, z: number): TileRange | undefined {
  const level = levelOf(grid, z);
  const span = tileSpan(grid, z);
  const [originX, originY] = grid.origin;
  // Edges are computed in floating point: within EDGE_EPSILON of a tile edge counts as on it.
  // A degenerate bbox (a point or a line) lying on an edge belongs to the tile after it.
  const span1 = (lo: number, hi: number, count: number): [number, number] | undefined => {
    if (hi < -EDGE_EPSILON || lo > count + EDGE_EPSILON) return undefined;
    const first = Math.min(Math.max(Math.floor(lo + EDGE_EPSILON), 0), count - 1);
    const last = Math.min(Math.max(first, Math.ceil(hi - EDGE_EPSILON) - 1), count - 1);
    return [first, last];
  };
  const xs = span1((bbox[0] - originX) / span, (bbox[2] - originX) / span, level.matrixWidth);
  const ys = span1((originY - bbox[3]) / span, (originY - bbox[1]) / span, level.matrixHeight);
  if (!xs || !ys) return undefined;
  const [minX, maxX] = xs;
  const [minY, maxY] = ys;
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
