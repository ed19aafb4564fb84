/**
 * One cache tier (memory, disk, Redis) behind the tiered cache. A tier stores entries by
 * tile key, removes every entry of the tiles in level ranges when data changes, and
 * remembers up to which change-log sequence it has applied changes, so a persistent tier
 * can replay what it missed while the engine was down.
 *
 * The freshness contract every tier keeps: once invalidate(ranges, seq) has begun, no
 * entry whose data was read before seq (dataSeq < seq) can be left in those ranges — not
 * one whose write was in flight (a file being renamed into place, a Redis write that
 * timed out and runs later), not one written afterwards. Each tier checks a write against
 * the invalidations it has recorded at the moment the write takes effect.
 */
import type { LevelRange, TileKey } from './tile-key.ts';

export interface CacheEntry {
  readonly body: Uint8Array;
  /**
   * The change-log sequence the entry's data is fresh at: every change up to it is in the
   * body (for a raster tile, the oldest read behind it, its vector tiles included).
   */
  readonly dataSeq: number;
}

export interface CacheTier {
  /** `memory`, `disk` or `redis`: for logs and metrics. */
  readonly name: string;
  /** The entry, or undefined on a miss. A corrupt entry is a miss (and is removed). */
  get(key: TileKey): Promise<CacheEntry | undefined>;
  /**
   * Stores an entry, evicting others to stay within the tier's size bound; refused (a
   * no-op) when an invalidation recorded after entry.dataSeq covers the key, or when the
   * tier no longer remembers that far back.
   */
  set(key: TileKey, entry: CacheEntry): Promise<void>;
  /**
   * Records that the change at `seq` touched the ranges (from now on older writes there are
   * refused), then removes every entry, in every variant, of every tile in the ranges;
   * resolves to the number removed. Throws when it cannot be sure they are gone (the tier
   * is then not used until an invalidation succeeds).
   */
  invalidate(ranges: readonly LevelRange[], seq: number): Promise<number>;
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
