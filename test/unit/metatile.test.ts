import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { sweref99tm, sweref991800 } from '../../src/grids/swedish-grids.ts';
import { levelOf, tileToBbox } from '../../src/grids/tile-grid.ts';
import { webMercatorQuad } from '../../src/grids/web-mercator-quad.ts';
import { metatileOf, metatileView, pieceIndex, tilesOf } from '../../src/grids/metatile.ts';

describe('metatiles', () => {
  it('are aligned to multiples of their size and hold the tile', () => {
    fc.assert(
      fc.property(fc.integer({ min: 4, max: 18 }), fc.nat(), fc.nat(), fc.integer({ min: 1, max: 8 }), (z, xs, ys, size) => {
        const n = 2 ** z;
        const [x, y] = [xs % n, ys % n];
        const meta = metatileOf(webMercatorQuad, z, x, y, size);
        expect(meta.x0 % size).toBe(0);
        expect(meta.y0 % size).toBe(0);
        const tiles = tilesOf(meta);
        expect(tiles[pieceIndex(meta, x, y)]).toEqual({ x, y });
        expect(tiles).toHaveLength(meta.cols * meta.rows);
      }),
    );
  });

  it('are clamped to the grid where a level has fewer tiles than the metatile', () => {
    expect(metatileOf(webMercatorQuad, 1, 1, 0, 4)).toEqual({ z: 1, x0: 0, y0: 0, cols: 2, rows: 2 });
    // EPSG:3011 level 0 is 4 × 5 tiles: the second row of metatiles holds one row.
    expect(metatileOf(sweref991800, 0, 2, 4, 4)).toEqual({ z: 0, x0: 0, y0: 4, cols: 4, rows: 1 });
  });

  it('draw their tiles plus a buffer, and cut each tile at its own place', () => {
    const meta = metatileOf(sweref99tm, 9, 913, 942, 4);
    const view = metatileView(sweref99tm, meta, 128, 2);
    const cell = levelOf(sweref99tm, 9).cellSize;
    const first = tileToBbox(sweref99tm, 9, meta.x0, meta.y0);
    expect(view.bbox[0]).toBeCloseTo(first[0] - 128 * cell, 6);
    expect(view.bbox[3]).toBeCloseTo(first[3] + 128 * cell, 6);
    expect(view.widthPx).toBe(4 * sweref99tm.tileSizePx + 256);
    // Tile (913, 942) is column 1, row 2 of the metatile 912/940: device pixels at ratio 2.
    expect(view.pieces[pieceIndex(meta, 913, 942)]).toEqual({ left: (128 + 256) * 2, top: (128 + 512) * 2, width: 512, height: 512 });
    // The canvas spans the view's bbox at the level's resolution, so pixels and metres agree.
    expect((view.bbox[2] - view.bbox[0]) / cell).toBeCloseTo(view.widthPx, 6);
  });
});
