/**
 * Fakes at the engine's seams, to make races and faults happen on purpose: a tile source
 * and a cache tier whose calls wait at a gate the test opens, and a config for a tileset
 * over them. No database, no Redis: the pipelines themselves are what is tested.
 */
import { pino } from 'pino';
import type { CacheEntry, CacheTier } from '../../cache/tier.ts';
import { TieredCache } from '../../cache/tiered-cache.ts';
import { MemoryTier } from '../../cache/tiers/memory-tier.ts';
import type { LevelRange, TileKey } from '../../cache/tile-key.ts';
import { parseConfig } from '../../src/config/load-config.ts';
import type { TilesetConfig } from '../../src/config/schema.ts';
import type { Work } from '../../src/admission/work.ts';
import type { TileAddress, TileSource, TilesetInfo } from '../../src/sources/tile-source.ts';

export const silentLogger = pino({ level: 'silent' });

/** A gate: calls wait at it until the test opens it; `reached` resolves once something waits. */
export class Gate {
  private opened = true;
  private waiting: (() => void)[] = [];
  private arrivals: (() => void)[] = [];
  waiters = 0;

  close(): void {
    this.opened = false;
  }

  open(): void {
    this.opened = true;
    for (const go of this.waiting.splice(0)) go();
  }

  /** Resolves once `count` calls wait at the gate. */
  reached(count = 1): Promise<void> {
    if (this.waiters >= count) return Promise.resolve();
    return new Promise((resolve) => this.arrivals.push(() => this.waiters >= count && resolve()));
  }

  async pass(): Promise<void> {
    if (this.opened) return;
    this.waiters++;
    for (const arrived of this.arrivals) arrived();
    await new Promise<void>((resolve) => this.waiting.push(resolve));
    this.waiters--;
  }
}

/** A vector tile source whose tiles are `{z}/{x}/{y}@v{version}` as bytes, produced after its gate. */
export class FakeSource implements TileSource {
  readonly id: string;
  readonly gate = new Gate();
  version = 1;
  calls = 0;

  constructor(id = 'fake') {
    this.id = id;
  }

  supportsGrid(): boolean {
    return true;
  }

  async describe(): Promise<TilesetInfo> {
    return { id: this.id, name: this.id, minzoom: 0, maxzoom: 20, bounds: undefined, layers: [] };
  }

  async extentsBy(): Promise<never[]> {
    return [];
  }

  /** Clients whose queries ran, in order. */
  readonly clients: (string | undefined)[] = [];

  async getTile(tile: TileAddress, work: Work = {}): Promise<Uint8Array> {
    this.calls++;
    this.clients.push(work.client);
    const { signal } = work;
    const version = this.version; // the rows as they are when the query starts
    await this.gate.pass();
    signal?.throwIfAborted();
    return Buffer.from(`${tile.z}/${tile.x}/${tile.y}@v${version}`);
  }
}

/** A cache tier in memory whose reads wait at a gate: a stalled Redis, say. */
export class StalledTier implements CacheTier {
  readonly name = 'redis';
  readonly gate = new Gate();
  private readonly inner = new MemoryTier({ maxBytes: 1 << 20 });

  async get(key: TileKey): Promise<CacheEntry | undefined> {
    await this.gate.pass();
    return this.inner.get(key);
  }
  set(key: TileKey, entry: CacheEntry): Promise<void> {
    return this.inner.set(key, entry);
  }
  invalidate(ranges: readonly LevelRange[], seq: number): Promise<number> {
    return this.inner.invalidate(ranges, seq);
  }
  appliedSeq(): Promise<number | undefined> {
    return this.inner.appliedSeq();
  }
  setAppliedSeq(seq: number): Promise<void> {
    return this.inner.setAppliedSeq(seq);
  }
  clear(): Promise<void> {
    return this.inner.clear();
  }
  close(): Promise<void> {
    return this.inner.close();
  }
}

/** A cache over tiers, trusted, as an engine over PostGIS with its change log has. */
export function cacheOver(tiers: readonly CacheTier[], latestSeq = 0): Promise<TieredCache> {
  return TieredCache.open(tiers, latestSeq, { logger: silentLogger, retainMs: 120_000 });
}

/** A tileset config of one polygon layer, for pipelines over a fake source. */
export function fakeTilesetConfig(id = 'fake'): TilesetConfig {
  return parseConfig({ tilesets: [{ id, layers: [{ id: 'yta', table: 'yta', srid: 3006, attributes: [] }] }] }).tilesets[0]!;
}
