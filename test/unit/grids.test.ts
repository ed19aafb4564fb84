import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { GRIDS } from '../../src/grids/grids.ts';
import { sweref991800, sweref99tm } from '../../src/grids/swedish-grids.ts';
import { tileMatrixSetJson } from '../../src/grids/tile-matrix-set-json.ts';
import {
  bboxToTileRange,
  equivalentZoom,
  gridExtent,
  levelRange,
  scaleDenominator,
  styleZoom,
  tileSpan,
  tileToBbox,
  type TileGrid,
} from '../../src/grids/tile-grid.ts';
import { webMercatorQuad } from '../../src/grids/web-mercator-quad.ts';

/** A random tile (z, x, y) of a grid. */
const tileOf = (grid: TileGrid) =>
  fc.integer({ min: 0, max: grid.levels.length - 1 }).chain((z) =>
    fc.record({
      z: fc.constant(z),
      x: fc.integer({ min: 0, max: grid.levels[z]!.matrixWidth - 1 }),
      y: fc.integer({ min: 0, max: grid.levels[z]!.matrixHeight - 1 }),
    }),
  );

describe.each(GRIDS.map((g) => [g.id, g] as const))('grid %s: properties of the tile math', (_id, grid) => {
  it('round-trips tile → bbox → tile at every level', () => {
    fc.assert(
      fc.property(tileOf(grid), ({ z, x, y }) => {
        expect(bboxToTileRange(grid, tileToBbox(grid, z, x, y), z)).toEqual({ z, minX: x, minY: y, maxX: x, maxY: y });
      }),
      { numRuns: 2000 },
    );
  });

  it('gives neighbouring tiles exactly shared edges', () => {
    fc.assert(
      fc.property(tileOf(grid), ({ z, x, y }) => {
        const bbox = tileToBbox(grid, z, x, y);
        if (x + 1 < grid.levels[z]!.matrixWidth) expect(tileToBbox(grid, z, x + 1, y)[0]).toBe(bbox[2]);
        if (y + 1 < grid.levels[z]!.matrixHeight) expect(tileToBbox(grid, z, x, y + 1)[3]).toBe(bbox[1]);
        expect(bbox[2] - bbox[0]).toBeCloseTo(tileSpan(grid, z), 6);
      }),
      { numRuns: 2000 },
    );
  });

  it('covers a bbox with a tile range and reaches no tile that misses it', () => {
    const [ex0, ey0, ex1, ey1] = gridExtent(grid);
    const coord = (lo: number, hi: number) => fc.double({ min: lo, max: hi, noNaN: true });
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: grid.levels.length - 1 }),
        coord(ex0, ex1),
        coord(ex0, ex1),
        coord(ey0, ey1),
        coord(ey0, ey1),
        (z, xa, xb, ya, yb) => {
          const bbox = [Math.min(xa, xb), Math.min(ya, yb), Math.max(xa, xb), Math.max(ya, yb)] as const;
          const range = bboxToTileRange(grid, bbox, z)!;
          const first = tileToBbox(grid, z, range.minX, range.minY);
          const last = tileToBbox(grid, z, range.maxX, range.maxY);
          const eps = tileSpan(grid, z) * 1e-6;
          // covers: the union of the range holds the bbox
          expect(first[0]).toBeLessThanOrEqual(bbox[0] + eps);
          expect(first[3]).toBeGreaterThanOrEqual(bbox[3] - eps);
          expect(last[2]).toBeGreaterThanOrEqual(bbox[2] - eps);
          expect(last[1]).toBeLessThanOrEqual(bbox[1] + eps);
          // and nothing more: the outermost tiles still reach into the bbox (or it is degenerate)
          expect(first[2]).toBeGreaterThanOrEqual(bbox[0] - eps);
          expect(first[1]).toBeLessThanOrEqual(bbox[3] + eps);
          expect(last[0]).toBeLessThanOrEqual(bbox[2] + eps);
          expect(last[3]).toBeGreaterThanOrEqual(bbox[1] - eps);
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('halves the cell size and doubles the matrix per level', () => {
    for (let z = 1; z < grid.levels.length; z++) {
      expect(grid.levels[z]!.cellSize).toBe(grid.levels[z - 1]!.cellSize / 2);
      expect(grid.levels[z]!.matrixWidth).toBe(grid.levels[z - 1]!.matrixWidth * 2);
    }
  });
});

describe('the Swedish grids', () => {
  it('EPSG:3006 follows Lantmäteriet: origin, 4096 → 0.5 m/px, scale denominators', () => {
    expect(sweref99tm.origin).toEqual([-1_200_000, 8_500_000]);
    expect(sweref99tm.levels[0]!.cellSize).toBe(4096);
    expect(sweref99tm.levels.at(-1)!.cellSize).toBe(0.5);
    expect(sweref99tm.levels).toHaveLength(14);
    expect(scaleDenominator(sweref99tm, sweref99tm.levels[0]!)).toBeCloseTo(14_628_571.428571, 5);
    expect(scaleDenominator(sweref99tm, sweref99tm.levels[13]!)).toBeCloseTo(1785.714286, 5);
  });

  it('covers all of Sweden in 3006 and Stockholm County in 3011', () => {
    const inside = (grid: TileGrid, [x0, y0, x1, y1]: number[]) => {
      const [gx0, gy0, gx1, gy1] = gridExtent(grid);
      return x0! >= gx0 && y0! >= gy0 && x1! <= gx1 && y1! <= gy1;
    };
    expect(inside(sweref99tm, [181_896, 6_090_353, 1_086_312, 7_689_478])).toBe(true);
    expect(inside(sweref991800, [100_000, 6_510_000, 235_000, 6_700_000])).toBe(true);
  });

  it('writes northing first in TMS 2.0 JSON for 3006 and 3011, easting first for Web Mercator', () => {
    const tms = tileMatrixSetJson(sweref99tm);
    expect(tms.orderedAxes).toEqual(['N', 'E']);
    expect(tms.crs).toBe('http://www.opengis.net/def/crs/EPSG/0/3006');
    expect(tms.tileMatrices[0]).toMatchObject({ id: '0', pointOfOrigin: [8_500_000, -1_200_000], cellSize: 4096, matrixWidth: 4, matrixHeight: 4, tileWidth: 256 });
    expect(tileMatrixSetJson(sweref991800).tileMatrices[0]!.pointOfOrigin).toEqual([6_800_000, 0]);
    const wmq = tileMatrixSetJson(webMercatorQuad);
    expect(wmq.orderedAxes).toEqual(['X', 'Y']);
    expect(wmq.wellKnownScaleSet).toBe('http://www.opengis.net/def/wkss/OGC/1.0/GoogleMapsCompatible');
    expect(wmq.tileMatrices[0]!.scaleDenominator).toBeCloseTo(559_082_264.0287178, 3);
  });

  it('maps grid levels to XYZ zooms by ground resolution', () => {
    for (let z = 0; z <= 24; z++) expect(equivalentZoom(webMercatorQuad, z)).toBeCloseTo(z, 9);
    // 4 m/px at 59.2° N shows what Web Mercator shows at zoom ≈ 14.3
    expect(equivalentZoom(sweref99tm, 10)).toBeCloseTo(14.29, 2);
    expect(styleZoom(sweref99tm, 13)).toBe(17);
    expect(levelRange(sweref99tm, 0, 18)).toEqual([0, 13]);
    expect(levelRange(sweref99tm, 12, 16)).toEqual([8, 12]);
    expect(levelRange(webMercatorQuad, 3, 5)).toEqual([3, 5]);
    expect(levelRange(sweref99tm, 23, 24)).toBeUndefined();
  });
});
