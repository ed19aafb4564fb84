/**
 * The tile ranges of the changes applied in the last minutes, by sequence. A production
 * that started before a change and finished after it may have read the old rows: its
 * result must not be stored, nor a copy of it taken from a shared tier. Both check here
 * whether a change later than the one the production had seen touches the tile. Pure.
 */
import { inRange, type LevelRange, type TileKey } from './tile-key.ts';

interface Applied {
  readonly seq: number;
  readonly at: number;
  readonly ranges: readonly LevelRange[];
}

export class RecentChanges {
  private readonly retainMs: number;
  private readonly entries: Applied[] = [];

  /** retainMs must exceed the longest production (query + render timeouts) and the spread between nodes. */
  constructor(retainMs: number) {
    this.retainMs = retainMs;
  }

  add(seq: number, ranges: readonly LevelRange[], now = Date.now()): void {
    this.entries.push({ seq, at: now, ranges });
    this.prune(now);
  }

  /** True when a change after `sinceSeq` touches the tile: an entry produced at sinceSeq may be stale. */
  touchedSince(key: TileKey, sinceSeq: number, now = Date.now()): boolean {
    this.prune(now);
    for (let i = this.entries.length - 1; i >= 0; i--) {
      const e = this.entries[i]!;
      if (e.seq <= sinceSeq) break; // entries are in sequence order
      if (e.ranges.some((r) => inRange(key, r))) return true;
    }
    return false;
  }

  private prune(now: number): void {
    let drop = 0;
    while (drop < this.entries.length && now - this.entries[drop]!.at > this.retainMs) drop++;
    if (drop > 0) this.entries.splice(0, drop);
  }
}
