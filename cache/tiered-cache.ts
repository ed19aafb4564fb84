/**
 * The tiered tile cache: tiers tried in order (memory, disk, Redis), a hit copied into the
 * tiers above it, a production stored in every tier. Changes from the PostgreSQL change
 * log remove the tiles they touch from every tier before anything else is served from it;
 * a tier that cannot be invalidated is not used until it is cleared. While the change
 * feed is down the cache is not read at all: a tile served then could be stale.
 */
import type { Logger } from 'pino';
import { RecentChanges } from './recent-changes.ts';
import type { CacheEntry, CacheTier } from './tier.ts';
import { MemoryTier } from './tiers/memory-tier.ts';
import { inRange, type LevelRange, type TileKey } from './tile-key.ts';

/** Counts for metrics and /health. */
export interface CacheStats {
  readonly hits: Record<string, number>;
  misses: number;
  /** Entries stored: one per vector production (whatever the number of requests that waited for it), one per tile of a rendered metatile. */
  stored: number;
  /** Entries found but refused because a change after their production touches them. */
  stale: number;
  /** Productions not stored: a change after their data was read touches them (or they are older than the changes remembered). */
  refused: number;
  /** Reads that skipped the cache because the change feed was down. */
  bypassed: number;
  invalidations: number;
  removed: number;
  /** Hot tiles produced again right after a change removed them. */
  rewarmed: number;
  /** Commit-to-invalidation lag of the last change applied, ms. */
  lastLagMs: number | undefined;
}

export interface TieredCacheOptions {
  readonly logger: Logger;
  /** How long applied changes are remembered for the production race (longer than any production). */
  readonly retainMs: number;
  /** False while the change feed cannot be trusted (listener disconnected or replaying): reads bypass the cache. */
  readonly trusted?: () => boolean;
  /** Hot tiles a change removes are produced again at once (see onRewarm): which count as hot, and how many per change. */
  readonly rewarm?: { readonly window: number; readonly maxTiles: number };
}

/** Produces tiles again, in the background; errors are its own to log. */
export type Rewarmer = (keys: readonly TileKey[]) => void;

export class TieredCache {
  readonly stats: CacheStats;
  private readonly tiers: readonly CacheTier[];
  private readonly usable: Set<CacheTier>;
  private readonly recent: RecentChanges;
  private readonly logger: Logger;
  private readonly trusted: () => boolean;
  private readonly rewarm: { readonly window: number; readonly maxTiles: number } | undefined;
  private rewarmer: Rewarmer | undefined;
  private applied: number;

  private constructor(tiers: readonly CacheTier[], applied: number, options: TieredCacheOptions) {
    this.tiers = tiers;
    this.usable = new Set(tiers);
    this.recent = new RecentChanges({ retainMs: options.retainMs });
    this.logger = options.logger;
    this.trusted = options.trusted ?? (() => true);
    this.rewarm = options.rewarm && options.rewarm.maxTiles > 0 ? options.rewarm : undefined;
    this.applied = applied;
    this.stats = { hits: Object.fromEntries(tiers.map((t) => [t.name, 0])), misses: 0, stored: 0, stale: 0, refused: 0, bypassed: 0, invalidations: 0, removed: 0, rewarmed: 0, lastLagMs: undefined };
  }

  /**
   * A cache over tiers. `latestSeq` is the newest change-log sequence now: a tier holding
   * nothing from before starts there; a persistent tier that is behind replays from its own
   * sequence (see replayFrom).
   */
  static async open(tiers: readonly CacheTier[], latestSeq: number, options: TieredCacheOptions): Promise<TieredCache> {
    const seqs = await Promise.all(
      tiers.map(async (t) => {
        const seq = await t.appliedSeq();
        if (seq !== undefined) return seq;
        await t.setAppliedSeq(latestSeq);
        return latestSeq;
      }),
    );
    return new TieredCache(tiers, Math.min(latestSeq, ...seqs), options);
  }

  /** The sequence to replay the change log from: every change after it must still be applied to some tier. */
  replayFrom(): number {
    return this.applied;
  }

  /**
   * The newest change the cache knows of: data read from now on reflects every change up to
   * it (each was committed before it reached the cache). A production stamps what it reads
   * with it. It runs ahead of what every tier has applied while an invalidation is under
   * way; reads and writes meanwhile are checked against the change itself.
   */
  get seq(): number {
    return Math.max(this.applied, this.recent.latestSeq);
  }

  /**
   * True when data read at `dataSeq` may no longer be fresh for the tile: a change the
   * cache knows of after it touches the tile, or dataSeq is older than the changes still
   * remembered. A production of such data is not stored, and nobody who must see those
   * changes joins it.
   */
  isStale(key: TileKey, dataSeq: number): boolean {
    return this.recent.mayHaveChangedSince(key, dataSeq);
  }

  get tierNames(): string[] {
    return this.tiers.map((t) => t.name);
  }

  /**
   * The tile from the memory tier without a promise, or undefined (not there, or anything
   * that would make get() look further or refuse it): the HTTP fast path for hot tiles.
   */
  peekMemory(key: TileKey): Uint8Array | undefined {
    const tier = this.tiers[0];
    if (!(tier instanceof MemoryTier) || !this.usable.has(tier) || !this.trusted()) return undefined;
    const entry = tier.peek(key);
    if (!entry || this.recent.touchedSince(key, entry.dataSeq)) return undefined;
    this.stats.hits[tier.name] = (this.stats.hits[tier.name] ?? 0) + 1;
    return entry.body;
  }

  /**
   * The cached tile, and the sequence it is known fresh at: every change the cache knew of
   * when it was checked (a change still being invalidated refuses it). Undefined on a miss.
   */
  async get(key: TileKey): Promise<CacheEntry | undefined> {
    if (!this.trusted()) {
      this.stats.bypassed++;
      return undefined;
    }
    for (let i = 0; i < this.tiers.length; i++) {
      const tier = this.tiers[i]!;
      if (!this.usable.has(tier)) continue;
      const entry = await tier.get(key);
      if (!entry) continue;
      if (this.recent.touchedSince(key, entry.dataSeq)) {
        this.stats.stale++;
        continue;
      }
      this.stats.hits[tier.name] = (this.stats.hits[tier.name] ?? 0) + 1;
      // No change the cache knows of touched it since its data was read: it is fresh as of now.
      const fresh = { body: entry.body, dataSeq: Math.max(entry.dataSeq, this.seq) };
      // Copied up so the next read is served by a faster tier; not awaited by the reader (tiers never reject a set).
      for (const upper of this.tiers.slice(0, i)) if (this.usable.has(upper)) void upper.set(key, fresh);
      return fresh;
    }
    this.stats.misses++;
    return undefined;
  }

  /**
   * Stores a tile whose data was read at `dataSeq` (the oldest read behind it), unless a
   * change after it touches the tile; each tier checks again as the write takes effect.
   * Resolves to whether it was stored.
   */
  async set(key: TileKey, body: Uint8Array, dataSeq: number): Promise<boolean> {
    if (!this.trusted() || this.isStale(key, dataSeq)) {
      this.stats.refused++;
      return false;
    }
    const entry = { body, dataSeq };
    this.stats.stored++;
    await Promise.all(this.tiers.filter((t) => this.usable.has(t)).map((t) => t.set(key, entry)));
    return true;
  }

  /**
   * Applies changes up to `seq`: their ranges are recorded first (so a racing production is
   * not stored), then removed from every tier. A tier that fails is taken out of use; it is
   * cleared and taken back on a later apply.
   */
  async apply(seq: number, ranges: readonly LevelRange[], committedAt?: Date): Promise<void> {
    if (seq <= this.applied && ranges.length === 0) return;
    this.recent.add(seq, ranges);
    const hot = this.hotTilesIn(ranges);
    await Promise.all(
      this.tiers.map(async (tier) => {
        try {
          if (!this.usable.has(tier)) {
            await tier.clear();
            this.logger.warn({ tier: tier.name }, 'cache tier cleared after a failed invalidation; back in use');
          } else {
            this.stats.removed += await tier.invalidate(ranges, seq);
          }
          await tier.setAppliedSeq(seq);
          this.usable.add(tier);
        } catch (error) {
          if (this.usable.delete(tier)) this.logger.error({ tier: tier.name, err: (error as Error).message }, 'cache tier could not be invalidated; not used until it can be cleared');
        }
      }),
    );
    this.applied = Math.max(this.applied, seq);
    this.stats.invalidations++;
    if (committedAt) this.stats.lastLagMs = Date.now() - committedAt.getTime();
    // Produced after the change is applied, so what is stored is the new content.
    if (hot.length > 0 && this.rewarmer) {
      this.stats.rewarmed += hot.length;
      this.rewarmer(hot);
    }
  }

  /** Sets who produces the hot tiles a change removes (the pipelines, made after the cache). */
  onRewarm(rewarmer: Rewarmer): void {
    this.rewarmer = rewarmer;
  }

  /** The most recently used memory-tier tiles the ranges touch: the ones someone is looking at now. */
  private hotTilesIn(ranges: readonly LevelRange[]): TileKey[] {
    const memory = this.tiers.find((t): t is MemoryTier => t instanceof MemoryTier);
    if (!this.rewarm || !this.rewarmer || !memory || ranges.length === 0) return [];
    return memory.recentKeys(this.rewarm.window).filter((k) => ranges.some((r) => inRange(k, r))).slice(0, this.rewarm.maxTiles);
  }

  async close(): Promise<void> {
    await Promise.all(this.tiers.map((t) => t.close()));
  }
}
