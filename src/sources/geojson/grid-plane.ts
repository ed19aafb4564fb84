import proj4 from 'proj4';
import type { TileGrid } from '../../grids/tile-grid.ts';

/**
 * geojson-vt tiles one square plane: it maps longitude/latitude to [0, 1]² with the Web
 * Mercator formulas and cuts 2^z × 2^z tiles at zoom z. To tile in another grid, each
 * coordinate is projected into the grid's CRS, placed in a square of 2^k level-0 tiles
 * from the grid's origin, and handed to geojson-vt as the longitude/latitude that its
 * Mercator formulas map to that spot. Grid level z is then geojson-vt zoom z + k, with
 * the same column and row.
 *
 *   grid CRS (x, y) ──► plane (u, v) = ((x − x0) / D, (y0 − y) / D) ──► "lon/lat" for geojson-vt
 */
export interface GridPlane {
  /** geojson-vt zoom = grid level + zoomOffset. */
  readonly zoomOffset: number;
  /** WGS84 lon/lat → the pseudo lon/lat geojson-vt turns into this grid's plane position. */
  toPlaneLonLat(lon: number, lat: number): [number, number];
}

/** The plane of a grid whose level 0 is at most 2^k tiles a side. */
export function gridPlane(grid: TileGrid): GridPlane {
  const level0 = grid.levels[0]!;
  const zoomOffset = Math.ceil(Math.log2(Math.max(level0.matrixWidth, level0.matrixHeight)));
  const side = level0.cellSize * grid.tileSizePx * 2 ** zoomOffset;
  const [x0, y0] = grid.origin;
  const project = proj4('WGS84', grid.proj4);
  return {
    zoomOffset,
    toPlaneLonLat(lon, lat) {
      const [x, y] = project.forward([lon, lat]) as [number, number];
      const u = (x - x0) / side;
      const v = (y0 - y) / side;
      // Inverse of geojson-vt's projectX/projectY (convert.js).
      const planeLon = (u - 0.5) * 360;
      const planeLat = (360 / Math.PI) * Math.atan(Math.exp((0.5 - v) * 2 * Math.PI)) - 90;
      return [planeLon, planeLat];
    },
  };
}
