/**
 * A suite test's view as the renderer's RenderView, and the tiles that cover it, the way
 * MapLibre picks them (512-px world at zoom 0; vector tiles at floor(zoom), rasters
 * rounded; overzoomed past the source's maxzoom, nothing below its minzoom).
 */
import type { Bbox } from '../../src/grids/tile-grid.ts';
import { lonLatToMercator, MERCATOR_HALF_EXTENT } from '../../src/grids/web-mercator-quad.ts';
import type { RenderView } from '../../src/render/renderer.ts';
import type { CaseSpec } from './load-case.ts';

/** MapLibre's latitude limit: the square Web Mercator world. */
const MAX_LATITUDE = 85.051129;
const WORLD = 2 * MERCATOR_HALF_EXTENT;

/** A tile of the XYZ pyramid; `x` may run off the world (a world copy), `wrappedX` is inside it. */
export interface TileAddress {
  readonly z: number;
  readonly x: number;
  readonly y: number;
  readonly wrappedX: number;
}

/** The EPSG:3857 view of a test: its centre at the middle of a width × height canvas. */
export function viewOf(spec: CaseSpec): RenderView {
  const lat = Math.max(-MAX_LATITUDE, Math.min(MAX_LATITUDE, spec.center[1]));
  const [cx, cy] = lonLatToMercator(spec.center[0], lat);
  const metresPerPx = WORLD / (512 * 2 ** spec.zoom);
  const halfW = (spec.width / 2) * metresPerPx;
  const halfH = (spec.height / 2) * metresPerPx;
  return {
    bbox: [cx - halfW, cy - halfH, cx + halfW, cy + halfH],
    widthPx: spec.width,
    heightPx: spec.height,
    pixelRatio: spec.pixelRatio,
    zoom: spec.zoom,
    bearing: spec.bearing,
  };
}

/** The tile zoom MapLibre loads for a source, or undefined below its minzoom. */
export function tileZoomFor(
  zoom: number,
  source: { tileSize?: number; minzoom?: number; maxzoom?: number },
  round: boolean,
): number | undefined {
  const tileSize = source.tileSize ?? 512;
  const ideal = zoom + Math.log2(512 / tileSize);
  const z = Math.max(0, round ? Math.round(ideal) : Math.floor(ideal));
  if (z < (source.minzoom ?? 0)) return undefined;
  return Math.min(z, source.maxzoom ?? 22);
}

/** The tiles of zoom level z that overlap a bbox, world copies included. */
export function coveringTiles(bbox: Bbox, z: number): TileAddress[] {
  const n = 2 ** z;
  const span = WORLD / n;
  // A hair inside the right and bottom edges: a tile that only touches the view is not needed.
  const eps = span * 1e-9;
  const x0 = Math.floor((bbox[0] + MERCATOR_HALF_EXTENT) / span);
  const x1 = Math.floor((bbox[2] + MERCATOR_HALF_EXTENT - eps) / span);
  const y0 = Math.max(0, Math.floor((MERCATOR_HALF_EXTENT - bbox[3]) / span));
  const y1 = Math.min(n - 1, Math.floor((MERCATOR_HALF_EXTENT - bbox[1] - eps) / span));
  const tiles: TileAddress[] = [];
  for (let y = y0; y <= y1; y++) {
    for (let x = x0; x <= x1; x++) tiles.push({ z, x, y, wrappedX: ((x % n) + n) % n });
  }
  return tiles;
}

/** A tile's EPSG:3857 extent, placed in its world copy. */
export function tileBbox(tile: TileAddress): Bbox {
  const span = WORLD / 2 ** tile.z;
  const minX = -MERCATOR_HALF_EXTENT + tile.x * span;
  const maxY = MERCATOR_HALF_EXTENT - tile.y * span;
  return [minX, maxY - span, minX + span, maxY];
}
