import { bboxToTileRange } from '../../src/grids/tile-grid.ts';
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
