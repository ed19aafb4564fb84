import { describe, expect, it } from 'vitest';
import { bboxToTileRange, bufferBbox, tileExists, tileToBbox, unionBbox } from '../../src/grids/tile-grid.ts';
import { lonLatToMercator, MERCATOR_HALF_EXTENT, mercatorToLonLat, webMercatorQuad as grid } from '../../src/grids/web-mercator-quad.ts';

describe('WebMercatorQuad tile math', () => {
  it('level 0 is the whole Mercator square', () => {
    expect(tileToBbox(grid, 0, 0, 0)).toEqual([-MERCATOR_HALF_EXTENT, -MERCATOR_HALF_EXTENT, MERCATOR_HALF_EXTENT, MERCATOR_HALF_EXTENT]);
  });

  it('matches the XYZ tile of a known place (Huddinge at z14)', () => {
    // Huddinge centre 17.982 E, 59.237 N lies in XYZ tile 14/9010/4826 (slippy-map formula: y = (1 - asinh(tan φ)/π)/2 · 2^z).
    const [x, y] = lonLatToMercator(17.982, 59.237);
    const range = bboxToTileRange(grid, [x, y, x, y], 14)!;
    expect([range.minX, range.minY]).toEqual([9010, 4826]);
  });

  it('round-trips tile → bbox → tile and neighbours share edges exactly, at every level', () => {
    for (let z = 0; z <= 24; z++) {
      const n = 2 ** z;
      for (const [x, y] of [[0, 0], [n - 1, n - 1], [Math.floor(n / 3), Math.floor((2 * n) / 3)]] as const) {
        const bbox = tileToBbox(grid, z, x, y);
        expect(bboxToTileRange(grid, bbox, z)).toEqual({ z, minX: x, minY: y, maxX: x, maxY: y });
        if (x + 1 < n) expect(tileToBbox(grid, z, x + 1, y)[0]).toBe(bbox[2]);
        if (y + 1 < n) expect(tileToBbox(grid, z, x, y + 1)[3]).toBe(bbox[1]);
      }
    }
  });

  it('bbox → range covers the bbox and clamps to the grid', () => {
    expect(bboxToTileRange(grid, [-1e9, -1e9, 1e9, 1e9], 2)).toEqual({ z: 2, minX: 0, minY: 0, maxX: 3, maxY: 3 });
    const inner = bufferBbox(tileToBbox(grid, 5, 10, 10), 0.01);
    expect(bboxToTileRange(grid, inner, 5)).toEqual({ z: 5, minX: 9, minY: 9, maxX: 11, maxY: 11 });
  });

  it('knows which tiles exist', () => {
    expect(tileExists(grid, 3, 7, 7)).toBe(true);
    expect(tileExists(grid, 3, 8, 0)).toBe(false);
    expect(tileExists(grid, 25, 0, 0)).toBe(false);
    expect(tileExists(grid, 3, -1, 0)).toBe(false);
  });

  it('projects lon/lat both ways', () => {
    const [lon, lat] = mercatorToLonLat(...lonLatToMercator(17.9, 59.2));
    expect(lon).toBeCloseTo(17.9, 9);
    expect(lat).toBeCloseTo(59.2, 9);
  });

  it('unions boxes', () => {
    expect(unionBbox([[0, 0, 1, 1], undefined, [-1, 0.5, 0.5, 2]])).toEqual([-1, 0, 1, 2]);
    expect(unionBbox([])).toBeUndefined();
  });
});

describe('bboxToTileRange edge cases', () => {
  it('puts a point on a tile edge in the tile after it, and answers undefined outside the grid', () => {
    const [x0, , , y1] = tileToBbox(grid, 3, 2, 2);
    expect(bboxToTileRange(grid, [x0, y1, x0, y1], 3)).toEqual({ z: 3, minX: 2, minY: 2, maxX: 2, maxY: 2 });
    expect(bboxToTileRange(grid, [-3e7, 0, -2.5e7, 1], 3)).toBeUndefined();
    expect(bboxToTileRange(grid, [0, 3e7, 1, 4e7], 3)).toBeUndefined();
  });
});
