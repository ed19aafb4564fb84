import { bboxToTileRange } from '../../src/grids/tile-grid.ts';
import { lonLatToMercator, webMercatorQuad } from '../../src/grids/web-mercator-quad.ts';
import { MUNICIPALITIES } from '../../tools/demo/places.ts';

export interface BenchTile {
  readonly z: number;
  readonly x: number;
  readonly y: number;
}

/**
 * A fixed list of tiles over the data: for each zoom 10–16 and each town centre, the
 * `block`×`block` tiles around it. Deterministic, so runs compare.
 */
export function benchTiles(block = 2, zooms: readonly number[] = [10, 11, 12, 13, 14, 15, 16]): BenchTile[] {
  const tiles = new Map<string, BenchTile>();
  for (const z of zooms) {
    for (const m of MUNICIPALITIES) {
      const [mx, my] = lonLatToMercator(m.center[0], m.center[1]);
      const r = bboxToTileRange(webMercatorQuad, [mx, my, mx, my], z)!;
      for (let dx = 0; dx < block; dx++) for (let dy = 0; dy < block; dy++) tiles.set(`${z}/${r.minX + dx}/${r.minY + dy}`, { z, x: r.minX + dx, y: r.minY + dy });
    }
  }
  return [...tiles.values()];
}
