/**
 * Where tile freshness is owned: the cache lookup, the single flight of productions and the
 * change-log sequences behind each result, in one place for every kind of tile.
 *
 * - A production stamps what it reads with the sequence the cache knows when it starts
 *   (the data read after it reflects every change up to it); a production built on other
 *   tiles (a raster metatile over vector tiles) carries the oldest sequence among them.
 * - Its result is stored only if no change after that sequence touches the tile (the
 *   tiered cache and then each tier check, the tier as the write takes effect).
 * - A caller joins a production already running only if no change the cache knows of
 *   touched the tile since that production started; otherwise it starts a new one (later
 *   callers join the new one), so nobody who arrives after a change is handed data from
 *   before it.
 */
import { SingleFlight } from './single-flight.ts';
import type { TieredCache } from './tiered-cache.ts';
import type { TileKey } from './tile-key.ts';

/** Tile bytes with the change-log sequence their data is fresh at. */
export interface FreshTile {
  readonly body: Uint8Array;
  readonly dataSeq: number;
}

/** What a production made, and the oldest sequence of the data behind it. */
export interface Produced<T> {
  readonly value: T;
  readonly dataSeq: number;
}

/** How to make a tile that is not cached. */
export interface Production<T> {
  /** Callers with the same flight key share one production: a tile's key string, or its metatile's. */
  readonly flightKey: string;
  /** Makes the value from data read from now on; startSeq is the sequence the cache knows now. */
  produce(signal: AbortSignal, startSeq: number): Promise<Produced<T>>;
  /** The tiles in the value, each stored in the cache (a metatile stores all of its tiles). */
  tiles(value: T): Iterable<readonly [TileKey, Uint8Array]>;
  /** The asked-for tile in the value. */
  pick(value: T): Uint8Array;
}

export class CachedProducer<T> {
  private readonly cache: TieredCache | undefined;
  private readonly flights = new SingleFlight<Produced<T>, number>();

  constructor(cache: TieredCache | undefined) {
    this.cache = cache;
  }

  /** The tile from the cache, else from a production (joined or started); the signal is the caller's. */
  async get(key: TileKey, production: Production<T>, signal?: AbortSignal): Promise<FreshTile> {
    const cache = this.cache;
    const hit = await cache?.get(key);
    if (hit) return hit;
    const startSeq = cache?.seq ?? 0;
    const produced = await this.flights.run(
      production.flightKey,
      async (flightSignal) => {
        const made = await production.produce(flightSignal, startSeq);
        if (cache) await Promise.all([...production.tiles(made.value)].map(([tile, body]) => cache.set(tile, body, made.dataSeq)));
        return made;
      },
      { signal, tag: startSeq, mayJoin: (startedAt) => !cache || (startedAt !== undefined && !cache.isStale(key, startedAt)) },
    );
    return { body: production.pick(produced.value), dataSeq: produced.dataSeq };
  }

  /** Productions running now. */
  get inFlight(): number {
    return this.flights.size;
  }
}
