import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { planLevel, planSeed, ProgressTracker, remainingUnits, unitsOf, type LevelPlan, type SeedUnit } from '../../cache/seed/seed-plan.ts';
import { sweref99tm } from '../../src/grids/swedish-grids.ts';
import { halvingGrid, type TileRange } from '../../src/grids/tile-grid.ts';
import { webMercatorQuad } from '../../src/grids/web-mercator-quad.ts';

/** A small grid whose level 2 is 12 × 20 tiles: odd sizes, so metatiles are clamped at its edges. */
const grid = halvingGrid({ ...webMercatorQuad, id: 'small', cellSize0: 1000, matrixWidth0: 3, matrixHeight0: 5, levelCount: 3 });
const [W, H] = [12, 20];

const rangeArb = fc
  .tuple(fc.nat({ max: W - 1 }), fc.nat({ max: W - 1 }), fc.nat({ max: H - 1 }), fc.nat({ max: H - 1 }))
  .map(([a, b, c, d]): TileRange => ({ z: 2, minX: Math.min(a, b), maxX: Math.max(a, b), minY: Math.min(c, d), maxY: Math.max(c, d) }));
const levelArb = fc.tuple(fc.array(rangeArb, { minLength: 0, maxLength: 4 }), fc.integer({ min: 1, max: 5 })).map(([ranges, step]) => ({ ranges, step, level: planLevel(grid, 2, ranges, step) }));

/** The tiles a unit stores. */
function tilesOfUnit(unit: SeedUnit, step: number): string[] {
  const tiles: string[] = [];
  for (let y = unit.y; y < Math.min(unit.y + step, H); y++) for (let x = unit.x; x < Math.min(unit.x + step, W); x++) tiles.push(`${x},${y}`);
  return tiles;
}

const inRanges = (ranges: readonly TileRange[], key: string) => {
  const [x, y] = key.split(',').map(Number) as [number, number];
  return ranges.some((r) => x >= r.minX && x <= r.maxX && y >= r.minY && y <= r.maxY);
};

describe('seed plan', () => {
  it('covers every tile of the area exactly once, with units that each touch it', () => {
    fc.assert(
      fc.property(levelArb, ({ ranges, step, level }) => {
        const units = [...unitsOf(level)];
        const covered = units.flatMap((u) => tilesOfUnit(u, step));
        expect(new Set(covered).size).toBe(covered.length);
        for (const r of ranges) for (let y = r.minY; y <= r.maxY; y++) for (let x = r.minX; x <= r.maxX; x++) expect(covered).toContain(`${x},${y}`);
        for (const u of units) expect(tilesOfUnit(u, step).some((t) => inRanges(ranges, t))).toBe(true);
        expect(units).toHaveLength(level.units);
        expect(covered).toHaveLength(level.tiles);
        expect(units.map((u) => u.tiles)).toEqual(units.map((u) => tilesOfUnit(u, step).length));
      }),
      { numRuns: 200 },
    );
  });

  it('walks units row by row, left to right, numbered in that order; a walk from any index is the tail of the whole walk', () => {
    fc.assert(
      fc.property(levelArb, fc.nat(), ({ level }, from) => {
        const units = [...unitsOf(level)];
        expect(units.map((u) => u.index)).toEqual(units.map((_, i) => i));
        const order = units.map((u) => [u.y, u.x] as const);
        expect([...order].sort((a, b) => a[0] - b[0] || a[1] - b[1])).toEqual(order);
        const start = from % (units.length + 1);
        expect([...unitsOf(level, start)]).toEqual(units.slice(start));
      }),
      { numRuns: 200 },
    );
  });

  it('resumed from any progress, does the rest exactly once', () => {
    fc.assert(
      fc.property(
        levelArb.chain(({ level }) => fc.tuple(fc.constant(level), fc.subarray([...Array(level.units).keys()]), fc.boolean())),
        ([level, doneIndices, roundTrip]: [LevelPlan, number[], boolean]) => {
          const tracker = new ProgressTracker();
          for (const i of [...doneIndices].reverse()) tracker.markDone(i);
          const progress = roundTrip ? JSON.parse(JSON.stringify(tracker.snapshot())) : tracker.snapshot();
          const rest = [...remainingUnits(level, progress)].map((u) => u.index);
          expect(new Set([...rest, ...doneIndices]).size).toBe(level.units);
          expect(rest.length + doneIndices.length).toBe(level.units);
          expect(new ProgressTracker(progress).done).toBe(doneIndices.length);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('folds units done out of order into one count once the gaps close', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 60 }).chain((n) => fc.shuffledSubarray([...Array(n).keys()], { minLength: n, maxLength: n })), (order) => {
        const tracker = new ProgressTracker();
        for (const i of order) tracker.markDone(i);
        expect(tracker.snapshot()).toEqual({ next: order.length, extra: [] });
      }),
    );
  });

  it('maps a WGS84 area to the tiles of each grid level: Huddinge centre at XYZ 14', () => {
    const plan = planSeed([{ grid: webMercatorQuad, served: [0, 24] }], [14, 14], [[17.97, 59.23, 17.99, 59.24]], 1);
    const tiles = [...unitsOf(plan.levels[0]!)].map((u) => `${u.x}/${u.y}`);
    expect(tiles).toContain('9010/4826');
    expect(plan.units).toBe(tiles.length);
  });

  it('clamps levels to those served, says so, and skips a grid served at none of them', () => {
    const plan = planSeed(
      [
        { grid: webMercatorQuad, served: [0, 12] },
        { grid: sweref99tm, served: [9, 13] },
        { grid: { ...sweref99tm, id: 'none' }, served: undefined },
      ],
      [10, 14],
      [[17.9, 59.2, 18.0, 59.25]],
      4,
    );
    expect(plan.levels.map((l) => `${l.grid.id}/${l.z}`)).toEqual(['WebMercatorQuad/10', 'WebMercatorQuad/11', 'WebMercatorQuad/12', '3006/10', '3006/11', '3006/12', '3006/13']);
    expect(plan.notes).toEqual([
      'grid WebMercatorQuad: levels 10–14 clamped to 10–12 (served: 0–12)',
      'grid 3006: levels 10–14 clamped to 10–13 (served: 9–13)',
      'grid none: levels 10–14 are outside the served levels none; skipped',
    ]);
    expect(plan.tiles).toBe(plan.levels.reduce((s, l) => s + l.tiles, 0));
  });
});
