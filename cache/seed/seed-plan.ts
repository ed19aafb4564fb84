/**
 * What a seed job produces and in what order: per grid and level, the tiles (vector) or
 * metatiles (raster) that touch the area, walked row by row, so a unit's index within its
 * level is stable and a resumed job can skip the ones already done. Pure: tile arithmetic.
 *
 *   area rectangles (tiles)        units, metatile size 2, row-major
 *   . . . . . .                    0 1 .
 *   . ■ ■ . . .                    2 3 4     a unit is any block that touches
 *   . ■ ■ ■ ■ .                    . . .     one tile of the area, listed once
 *   . . . ■ ■ .                              even where rectangles overlap
 */
import { wgs84ToGridBbox } from '../../src/grids/grid-projection.ts';
import { bboxToTileRange, levelOf, type Bbox, type TileGrid, type TileRange } from '../../src/grids/tile-grid.ts';

/** One piece of work: a tile to ask for (the top-left one of its metatile for raster) and the tiles that request stores. */
export interface SeedUnit {
  readonly gridId: string;
  readonly z: number;
  /** Position of the unit within its level, in walking order. */
  readonly index: number;
  readonly x: number;
  readonly y: number;
  readonly tiles: number;
}

/** Merged, sorted column spans [first, last] of units in one row of units. */
interface UnitRow {
  readonly row: number;
  readonly spans: readonly (readonly [number, number])[];
}

/** The units of one level of one grid. */
export interface LevelPlan {
  readonly grid: TileGrid;
  readonly z: number;
  /** Tiles per side of a unit: 1 for vector tiles, the metatile size for raster. */
  readonly step: number;
  readonly rows: readonly UnitRow[];
  readonly units: number;
  readonly tiles: number;
}

/** The state key of a level: `3006/9`. */
export function levelKey(level: Pick<LevelPlan, 'grid' | 'z'>): string {
  return `${level.grid.id}/${level.z}`;
}

/** Sorted, merged copies of inclusive spans. */
function mergeSpans(spans: (readonly [number, number])[]): [number, number][] {
  const sorted = [...spans].sort((a, b) => a[0] - b[0]);
  const merged: [number, number][] = [];
  for (const [a, b] of sorted) {
    const last = merged.at(-1);
    if (last && a <= last[1] + 1) last[1] = Math.max(last[1], b);
    else merged.push([a, b]);
  }
  return merged;
}

/** Tiles a unit at (column, row) of units holds: step × step, less where the grid ends. */
function unitTiles(grid: TileGrid, z: number, step: number, ux: number, uy: number): number {
  const { matrixWidth, matrixHeight } = levelOf(grid, z);
  return Math.min(step, matrixWidth - ux * step) * Math.min(step, matrixHeight - uy * step);
}

/** The units of a level covering the union of tile ranges, each touched unit once. */
export function planLevel(grid: TileGrid, z: number, ranges: readonly TileRange[], step: number): LevelPlan {
  // Tile ranges become ranges of units (metatiles are aligned to multiples of step).
  const units = ranges.map((r) => ({ minX: Math.floor(r.minX / step), maxX: Math.floor(r.maxX / step), minY: Math.floor(r.minY / step), maxY: Math.floor(r.maxY / step) }));
  const rowSet = [...new Set(units.flatMap((u) => Array.from({ length: u.maxY - u.minY + 1 }, (_, i) => u.minY + i)))].sort((a, b) => a - b);
  const rows = rowSet.map((row) => ({ row, spans: mergeSpans(units.filter((u) => u.minY <= row && row <= u.maxY).map((u) => [u.minX, u.maxX] as const)) }));
  let count = 0;
  let tiles = 0;
  for (const { row, spans } of rows) {
    for (const [a, b] of spans) {
      count += b - a + 1;
      for (let ux = a; ux <= b; ux++) tiles += unitTiles(grid, z, step, ux, row);
    }
  }
  return { grid, z, step, rows, units: count, tiles };
}

/** The units of a level from index `from` on, in walking order (rows top-down, columns left to right). */
export function* unitsOf(level: LevelPlan, from = 0): Generator<SeedUnit> {
  let index = 0;
  for (const { row, spans } of level.rows) {
    for (const [a, b] of spans) {
      const width = b - a + 1;
      // Whole spans before `from` are skipped by arithmetic, not walked.
      if (index + width <= from) {
        index += width;
        continue;
      }
      for (let ux = a + Math.max(0, from - index); ux <= b; ux++) {
        const i = index + (ux - a);
        yield { gridId: level.grid.id, z: level.z, index: i, x: ux * level.step, y: row * level.step, tiles: unitTiles(level.grid, level.z, level.step, ux, row) };
      }
      index += width;
    }
  }
}

/**
 * How far a level got: every unit below `next` is done, and so are those in `extra`
 * (finished ahead of a slower one before it; concurrent work completes out of order).
 */
export interface LevelProgress {
  readonly next: number;
  readonly extra: readonly number[];
}

/** Marks units done and keeps the progress compact: `extra` folds into `next` as gaps close. */
export class ProgressTracker {
  next: number;
  private readonly extra: Set<number>;

  constructor(progress: LevelProgress = { next: 0, extra: [] }) {
    this.next = progress.next;
    this.extra = new Set(progress.extra.filter((i) => i >= progress.next));
    this.fold();
  }

  markDone(index: number): void {
    if (index >= this.next) this.extra.add(index);
    this.fold();
  }

  /** Units done ahead of `next`: how far the work runs ahead of the slowest unit. */
  get ahead(): number {
    return this.extra.size;
  }

  isDone(index: number): boolean {
    return index < this.next || this.extra.has(index);
  }

  /** Units done in all. */
  get done(): number {
    return this.next + this.extra.size;
  }

  snapshot(): LevelProgress {
    return { next: this.next, extra: [...this.extra].sort((a, b) => a - b) };
  }

  private fold(): void {
    while (this.extra.delete(this.next)) this.next++;
  }
}

/** The units of a level not done yet, in walking order. */
export function* remainingUnits(level: LevelPlan, progress: LevelProgress): Generator<SeedUnit> {
  const done = new Set(progress.extra);
  for (const unit of unitsOf(level, progress.next)) if (!done.has(unit.index)) yield unit;
}

/** A grid to seed and the levels in which the tileset (or the style's first tileset) is served there. */
export interface GridLevels {
  readonly grid: TileGrid;
  readonly served: readonly [number, number] | undefined;
}

/** A whole job: its levels in order (grid by grid, level by level) and what was clamped or left out. */
export interface SeedPlan {
  readonly levels: readonly LevelPlan[];
  readonly notes: readonly string[];
  readonly units: number;
  readonly tiles: number;
}

/**
 * Plans the levels `zoom` (each grid's own levels, clamped to what is served) of every grid
 * over the areas (WGS84 bboxes), in units of `step` tiles a side.
 */
export function planSeed(grids: readonly GridLevels[], zoom: readonly [number, number], areas: readonly Bbox[], step: number): SeedPlan {
  const levels: LevelPlan[] = [];
  const notes: string[] = [];
  for (const { grid, served } of grids) {
    const lo = Math.max(zoom[0], served?.[0] ?? Infinity);
    const hi = Math.min(zoom[1], served?.[1] ?? -Infinity, grid.levels.length - 1);
    const servedText = served ? `${served[0]}–${served[1]}` : 'none';
    if (lo > hi) {
      notes.push(`grid ${grid.id}: levels ${zoom[0]}–${zoom[1]} are outside the served levels ${servedText}; skipped`);
      continue;
    }
    if (lo !== zoom[0] || hi !== zoom[1]) notes.push(`grid ${grid.id}: levels ${zoom[0]}–${zoom[1]} clamped to ${lo}–${hi} (served: ${servedText})`);
    const boxes = areas.map((a) => wgs84ToGridBbox(grid, a));
    for (let z = lo; z <= hi; z++) {
      const ranges = boxes.map((b) => bboxToTileRange(grid, b, z)).filter((r): r is TileRange => r !== undefined);
      const level = planLevel(grid, z, ranges, step);
      if (level.units > 0) levels.push(level);
    }
  }
  return { levels, notes, units: levels.reduce((s, l) => s + l.units, 0), tiles: levels.reduce((s, l) => s + l.tiles, 0) };
}
