import proj4 from 'proj4';
import type { Bbox, TileGrid } from './tile-grid.ts';

/** Points along each edge when a box is reprojected, so curved edges stay inside the result. */
const EDGE_SAMPLES = 16;

/** Points along the outline of a bbox, for reprojecting it. */
function outline([x0, y0, x1, y1]: Bbox): [number, number][] {
  const points: [number, number][] = [];
  for (let i = 0; i <= EDGE_SAMPLES; i++) {
    const t = i / EDGE_SAMPLES;
    points.push([x0 + (x1 - x0) * t, y0], [x0 + (x1 - x0) * t, y1], [x0, y0 + (y1 - y0) * t], [x1, y0 + (y1 - y0) * t]);
  }
  return points;
}

function boundsOf(points: [number, number][]): Bbox {
  const xs = points.map((p) => p[0]);
  const ys = points.map((p) => p[1]);
  return [Math.min(...xs), Math.min(...ys), Math.max(...xs), Math.max(...ys)];
}

/** A WGS84 bbox (lon/lat) as the bbox of its outline in the grid's CRS. */
export function wgs84ToGridBbox(grid: TileGrid, bbox: Bbox): Bbox {
  const forward = proj4('WGS84', grid.proj4);
  return boundsOf(outline(bbox).map((p) => forward.forward(p) as [number, number]));
}

/** A bbox in the grid's CRS as the WGS84 bbox of its outline. */
export function gridToWgs84Bbox(grid: TileGrid, bbox: Bbox): Bbox {
  const inverse = proj4(grid.proj4, 'WGS84');
  return boundsOf(outline(bbox).map((p) => inverse.forward(p) as [number, number]));
}
