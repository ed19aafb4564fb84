/**
 * The tile ranges of the changes applied in the last minutes, by change-log sequence and
 * by level: the memory of what the cache (or one tier) has been told to invalidate. Two
 * questions are asked of it:
 *
 * - reads: has a change after `sinceSeq` touched the tile? An entry read while that
 *   change's invalidation is still under way must not be served (touchedSince).
 * - writes and joins: might a change after `sinceSeq` have touched it? Like the first,
 *   and also true when sinceSeq is older than what the level still remembers (its floor),
 *   so data too old to check is refused rather than stored stale (mayHaveChangedSince).
 *
 *   level v/sodertorn/3006/9:  floor 40 │ 41 ── 42 ── 45 ── 46   (kept retainMs, at most MAX_PER_LEVEL)
 *   write of data read at 39: below the floor → refused
 *   write of data read at 43: does 45 or 46 cover its tile? → refused if so
 *
 * Pure: the clock is an argument.
 */
import { levelString, type LevelRange, type TileKey } from './tile-key.ts';

interface Tombstone {
  readonly seq: number;
  readonly at: number;
  readonly minX: number;
  readonly minY: number;
  readonly maxX: number;
  readonly maxY: number;
}

interface Level {
  /** In sequence order (a replay may add an older sequence late: inserted in its place). */
  readonly tombstones: Tombstone[];
  /** Changes at or below it may be forgotten here. */
  floor: number;
}

export interface RecentChangesOptions {
  /** How long a change is remembered: longer than any production (query + render timeouts) and the spread between nodes. */
  readonly retainMs: number;
  /** Changes up to this sequence are not remembered (e.g. a tier that recorded nothing before it opened). */
  readonly floor?: number;
}

/**
 * Ranges remembered per level whatever their age: bounds memory (~60 B each) and the cost
 * of a check under a flood of edits; beyond it the level's floor rises.
 */
export const MAX_PER_LEVEL = 512;

export class RecentChanges {
  private readonly retainMs: number;
  private readonly baseFloor: number;
  private readonly levels = new Map<string, Level>();
  private latest: number;

  constructor(options: RecentChangesOptions) {
    this.retainMs = options.retainMs;
    this.baseFloor = options.floor ?? 0;
    this.latest = this.baseFloor;
  }

  /** The newest sequence ever added (or the starting floor). */
  get latestSeq(): number {
    return this.latest;
  }

  add(seq: number, ranges: readonly LevelRange[], now = Date.now()): void {
    this.latest = Math.max(this.latest, seq);
    for (const r of ranges) {
      const id = levelString(r);
      let level = this.levels.get(id);
      if (!level) this.levels.set(id, (level = { tombstones: [], floor: this.baseFloor }));
      const list = level.tombstones;
      let at = list.length;
      while (at > 0 && list[at - 1]!.seq > seq) at--;
      list.splice(at, 0, { seq, at: now, minX: r.minX, minY: r.minY, maxX: r.maxX, maxY: r.maxY });
      this.prune(id, level, now);
    }
  }

  /** True when a remembered change after `sinceSeq` touches the tile: an entry of data read at sinceSeq may be stale. */
  touchedSince(key: TileKey, sinceSeq: number, now = Date.now()): boolean {
    const level = this.level(key, now);
    return level !== undefined && covered(level, key, sinceSeq);
  }

  /** touchedSince, or sinceSeq older than the level remembers: data read then cannot be shown fresh. */
  mayHaveChangedSince(key: TileKey, sinceSeq: number, now = Date.now()): boolean {
    const level = this.level(key, now);
    if (!level) return sinceSeq < this.baseFloor;
    return sinceSeq < level.floor || covered(level, key, sinceSeq);
  }

  private level(key: TileKey, now: number): Level | undefined {
    const id = levelString(key);
    const level = this.levels.get(id);
    if (level) this.prune(id, level, now);
    return level;
  }

  private prune(id: string, level: Level, now: number): void {
    const list = level.tombstones;
    let drop = 0;
    while (drop < list.length && (list.length - drop > MAX_PER_LEVEL || now - list[drop]!.at > this.retainMs)) {
      level.floor = Math.max(level.floor, list[drop]!.seq);
      drop++;
    }
    if (drop > 0) list.splice(0, drop);
    // An empty level keeps its floor only if it rose: else it is as if never seen.
    if (list.length === 0 && level.floor === this.baseFloor) this.levels.delete(id);
  }
}

function covered(level: Level, key: TileKey, sinceSeq: number): boolean {
  const list = level.tombstones;
  for (let i = list.length - 1; i >= 0; i--) {
    const t = list[i]!;
    if (t.seq <= sinceSeq) break;
    if (key.x >= t.minX && key.x <= t.maxX && key.y >= t.minY && key.y <= t.maxY) return true;
  }
  return false;
}
