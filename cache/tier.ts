/**
 * One cache tier (memory, disk, Redis) behind the tiered cache. A tier stores entries by
 * tile key, removes every entry of the tiles in level ranges when data changes, and
 * remembers up to which change-log sequence it has applied changes, so a persistent tier
 * can replay what it missed while the engine was down.
 */
import type { LevelRange, TileKey } from './tile-key.ts';

export interface CacheEntry {
  readonly body: Uint8Array;
  /**
   * The change-log sequence the producing engine had applied when the production started.
   * A reader that knows of a later change touching this tile treats the entry as stale.
   */
  readonly producedAtSeq: number;
}

export interface CacheTier {
  /** `memory`, `disk` or `redis`: for logs and metrics. */
  readonly name: string;
  /** The entry, or undefined on a miss. A corrupt entry is a miss (and is removed). */
  get(key: TileKey): Promise<CacheEntry | undefined>;
  /** Stores an entry, evicting others to stay within the tier's size bound. */
  set(key: TileKey, entry: CacheEntry): Promise<void>;
  /**
   * Removes every entry, in every variant, of every tile in the ranges; resolves to the
   * number removed. Throws when it cannot be sure they are gone (the tier is then not
   * used until an invalidation succeeds).
   */
  invalidate(ranges: readonly LevelRange[]): Promise<number>;
  /**
   * The change-log sequence up to which this tier has applied every change, or undefined
   * for a tier that holds nothing from before (a new disk folder, memory at start).
   */
  appliedSeq(): Promise<number | undefined>;
  /** Records that every change up to seq is applied (never moves backwards). */
  setAppliedSeq(seq: number): Promise<void>;
  /** Removes everything (tests, and a tier too far behind the change log to replay). */
  clear(): Promise<void>;
  close(): Promise<void>;
}
