import { halvingGrid, type TileGrid } from './tile-grid.ts';

/**
 * WGS 84 (EPSG:4326) in degrees, as OGC's WorldCRS84Quad and GeoServer's EPSG:4326 grid
 * tile it: origin (−180, 90), 2 × 1 tiles at level 0 (0.703125°/px), halving per level.
 * EPSG:4326 is latitude first, so TopLeftCorner and WMS 1.3.0 BBOX are written (lat, lon);
 * WMS's CRS:84 is the same grid in longitude-first order. Prints and WMS clients that
 * want geographic coordinates use it; at 59° N its pixels are about twice as tall as wide
 * on the ground, as any plate carrée map there.
 */
export const wgs84Grid: TileGrid = halvingGrid({
  id: '4326',
  title: 'WGS 84 (EPSG:4326), geographic grid',
  srid: 4326,
  proj4: '+proj=longlat +datum=WGS84 +no_defs',
  axisOrder: 'NE',
  origin: [-180, 90],
  tileSizePx: 256,
  cellSize0: 0.703125,
  matrixWidth0: 2,
  matrixHeight0: 1,
  levelCount: 22,
  referenceLatitude: 0,
  // One degree along the equator: equivalent zooms and scale denominators compare ground metres.
  metresPerUnit: 111_319.490_793_273_58,
});
