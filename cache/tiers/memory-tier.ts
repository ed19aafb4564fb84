/**
 * The in-process tier: an LRU bounded in bytes, plus an index of its keys per level so an
 * invalidation visits only the entries of the levels it names (tens of thousands of
 * entries go in milliseconds). Bodies are stored and returned as given, never copied.
 */
import { LRUCache } from 'lru-cache';
import { RecentChanges } from '../recent-changes.ts';
import type { CacheEntry, CacheTier } from '../tier.ts';
import { keyString, levelString, type LevelRange, type TileKey } from '../tile-key.ts';
import { anyHoldsTile, rangesByLevel } from './level-ranges.ts';

export interface MemoryTierOptions {
  /** Upper bound of the bodies held plus ENTRY_OVERHEAD_BYTES each. */
  readonly maxBytes: number;
  /** How long invalidations are remembered to refuse older writes (cache.raceWindowS); older writes are refused. Default 120 s. */
  readonly retainMs?: number;
}

/** What an entry costs beside its body: the key string, the LRU's slots and the index's map entries (measured roughly, ~150–250 B). */
export const ENTRY_OVERHEAD_BYTES = 256;

interface Held {
  readonly entry: CacheEntry;
  readonly key: TileKey;
}

export class MemoryTier implements CacheTier {
  readonly name = 'memory';
  /** keyString → entry, with the tile key kept so invalidation needs no parsing. */
  private readonly lru: LRUCache<string, Held>;
  /** levelString → keyString → tile key, of every entry the LRU holds. */
  private readonly byLevel = new Map<string, Map<string, TileKey>>();
  private applied: number | undefined;
  /** Invalidations recorded, so a write of older data in their ranges is refused. */
  private readonly changes: RecentChanges;

  constructor(options: MemoryTierOptions) {
    this.changes = new RecentChanges({ retainMs: options.retainMs ?? 120_000 });
    this.lru = new LRUCache<string, Held>({
      maxSize: options.maxBytes,
      sizeCalculation: (held, k) => held.entry.body.byteLength + k.length + ENTRY_OVERHEAD_BYTES,
      // Evictions and deletions leave the index here; an overwrite keeps the key, and set() checks what stayed.
      dispose: (held, k, reason) => {
        if (reason !== 'set') this.unindex(held.key, k);
      },
    });
  }

  async get(key: TileKey): Promise<CacheEntry | undefined> {
    return this.peek(key);
  }

  /** get without a promise: the HTTP fast path answers a cached tile in the same tick. */
  peek(key: TileKey): CacheEntry | undefined {
    return this.lru.get(keyString(key))?.entry;
  }

  /** Checked and stored in the turn it is called (no await), so no invalidation can come between. */
  async set(key: TileKey, entry: CacheEntry): Promise<void> {
    if (this.changes.mayHaveChangedSince(key, entry.dataSeq)) return;
    const k = keyString(key);
    this.lru.set(k, { entry, key });
    // An entry larger than the whole bound is refused (and an older one under its key dropped).
    if (this.lru.has(k)) this.index(key, k);
    else this.unindex(key, k);
  }

  async invalidate(ranges: readonly LevelRange[], seq: number): Promise<number> {
    this.changes.add(seq, ranges);
    let removed = 0;
    for (const [level, levelRanges] of rangesByLevel(ranges)) {
      const keys = this.byLevel.get(level);
      if (!keys) continue;
      const doomed = [...keys].filter(([, key]) => anyHoldsTile(levelRanges, key.x, key.y));
      for (const [k] of doomed) if (this.lru.delete(k)) removed++;
    }
    return removed;
  }

  /** The keys of the `limit` most recently used entries, most recent first. */
  recentKeys(limit: number): TileKey[] {
    const keys: TileKey[] = [];
    for (const held of this.lru.values()) {
      if (keys.length >= limit) break;
      keys.push(held.key);
    }
    return keys;
  }

  async appliedSeq(): Promise<number | undefined> {
    return this.applied;
  }

  async setAppliedSeq(seq: number): Promise<void> {
    if (this.applied === undefined || seq > this.applied) this.applied = seq;
  }

  /** Empties the tier; like a fresh one it then holds nothing from before, so appliedSeq is undefined again. */
  async clear(): Promise<void> {
    this.lru.clear();
    this.byLevel.clear();
    this.applied = undefined;
  }

  async close(): Promise<void> {
    await this.clear();
  }

  /** Bytes held, as the bound counts them (for metrics and tests). */
  get sizeBytes(): number {
    return this.lru.calculatedSize;
  }

  private index(key: TileKey, k: string): void {
    const level = levelString(key);
    let keys = this.byLevel.get(level);
    if (!keys) this.byLevel.set(level, (keys = new Map()));
    keys.set(k, key);
  }

  private unindex(key: TileKey, k: string): void {
    const level = levelString(key);
    const keys = this.byLevel.get(level);
    if (!keys) return;
    keys.delete(k);
    if (keys.size === 0) this.byLevel.delete(level);
  }
}
