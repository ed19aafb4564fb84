import { wgs84ToGridBbox } from '../../src/grids/grid-projection.ts';
import { sweref991800, sweref99tm } from '../../src/grids/swedish-grids.ts';
import { bboxToTileRange, type TileGrid } from '../../src/grids/tile-grid.ts';
import { lonLatToMercator, webMercatorQuad } from '../../src/grids/web-mercator-quad.ts';

/** The XYZ tile holding a WGS84 point at zoom z. */
export function tileAt(lon: number, lat: number, z: number): { z: number; x: number; y: number } {
  const [mx, my] = lonLatToMercator(lon, lat);
  const range = bboxToTileRange(webMercatorQuad, [mx, my, mx, my], z)!;
  return { z, x: range.minX, y: range.minY };
}

/** Tiles over the demo data at zooms 8–16: town centres and the country between them. */
export const SAMPLE_TILES = [
  tileAt(17.982, 59.237, 8), // the whole region
  tileAt(17.982, 59.237, 10), // Huddinge
  tileAt(17.833, 59.199, 12), // Tumba
  tileAt(17.626, 59.196, 13), // Södertälje
  tileAt(17.982, 59.237, 14), // Huddinge centre
  tileAt(18.138, 59.168, 15), // Handen
  tileAt(17.947, 58.903, 16), // Nynäshamn
  tileAt(17.75, 59.193, 14), // Rönninge
];

/** The tile of a grid holding a WGS84 point at level z. */
export function gridTileAt(grid: TileGrid, lon: number, lat: number, z: number): { grid: TileGrid; z: number; x: number; y: number } {
  const range = bboxToTileRange(grid, wgs84ToGridBbox(grid, [lon, lat, lon, lat]), z)!;
  return { grid, z, x: range.minX, y: range.minY };
}

/** Tiles of the Swedish grids over the demo data, at overview and detail levels. */
export const SWEDISH_GRID_TILES = [
  gridTileAt(sweref99tm, 17.982, 59.237, 6),
  gridTileAt(sweref99tm, 17.833, 59.199, 10),
  gridTileAt(sweref99tm, 17.982, 59.237, 12),
  gridTileAt(sweref991800, 18.138, 59.168, 3),
  gridTileAt(sweref991800, 17.626, 59.196, 8),
  gridTileAt(sweref991800, 17.982, 59.237, 10),
];
