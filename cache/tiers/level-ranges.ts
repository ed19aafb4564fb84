/** Range lookups the tiers share when they invalidate level by level. Pure. */
import { levelString, type LevelRange } from '../tile-key.ts';

/** The ranges grouped by the level they belong to (`levelString`), so each level is listed once. */
export function rangesByLevel(ranges: readonly LevelRange[]): Map<string, LevelRange[]> {
  const byLevel = new Map<string, LevelRange[]>();
  for (const r of ranges) {
    const level = levelString(r);
    const list = byLevel.get(level);
    if (list) list.push(r);
    else byLevel.set(level, [r]);
  }
  return byLevel;
}

/** True when column x lies in any of the ranges (ranges of one level). */
export function anyHoldsColumn(ranges: readonly LevelRange[], x: number): boolean {
  return ranges.some((r) => x >= r.minX && x <= r.maxX);
}

/** True when tile (x, y) lies in any of the ranges (ranges of one level). */
export function anyHoldsTile(ranges: readonly LevelRange[], x: number, y: number): boolean {
  return ranges.some((r) => x >= r.minX && x <= r.maxX && y >= r.minY && y <= r.maxY);
}
