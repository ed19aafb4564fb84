/**
 * The fast path for hot tiles: a URL the router has already resolved to a cache key is
 * answered straight from the memory tier, in the same tick, before any routing, parsing
 * or promise. Everything the slow path guarantees still holds: the memory tier is read
 * through the tiered cache's own freshness checks (trusted change feed, recent changes),
 * and the answer is written by the slow path's own writer (tile-writer.ts).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { LRUCache } from 'lru-cache';
import type { TieredCache } from '../../cache/tiered-cache.ts';
import type { TileKey } from '../../cache/tile-key.ts';
import { writeTile, type LastAnswer } from './tile-writer.ts';

/** What a restricted tile needs the caller to be granted. */
export interface TileGuard {
  readonly kind: 'tileset' | 'style';
  readonly id: string;
}

/** Whether the caller of a request may read a guarded tile; false sends it down the slow path, which explains why. */
export type GuardCheck = (req: IncomingMessage, url: string, guard: TileGuard) => boolean;

interface Remembered extends LastAnswer {
  readonly key: TileKey;
  /** Set for restricted tiles: checked on every request before the tile is sent. */
  readonly guard: TileGuard | undefined;
  /** The answer's headers without ETag and length (tileHeaders: Content-Type, Vary, Cache-Control, CORS). */
  readonly headers: Readonly<Record<string, string>>;
}

/** URLs remembered; a URL costs ~200 B, so 100,000 hot URLs cost ~20 MB. */
const MAX_URLS = 100_000;

export class FastTiles {
  private readonly cache: TieredCache;
  private readonly urls = new LRUCache<string, Remembered>({ max: MAX_URLS });
  private readonly mayServe: GuardCheck;

  constructor(cache: TieredCache, mayServe: GuardCheck) {
    this.cache = cache;
    this.mayServe = mayServe;
  }

  /** Records what a URL (path without query) resolved to, once the slow path has served it; `headers` from tileHeaders. */
  remember(url: string, key: TileKey, headers: Readonly<Record<string, string>>, guard?: TileGuard): void {
    if (url.includes('?')) return;
    this.urls.set(url, { key, guard, headers });
  }

  /** Answers the request from the memory tier and returns true, or returns false to take the slow path. */
  serve(req: IncomingMessage, res: ServerResponse, url: string): boolean {
    const remembered = this.urls.get(url);
    if (!remembered) return false;
    if (remembered.guard && !this.mayServe(req, url, remembered.guard)) return false;
    const body = this.cache.peekMemory(remembered.key);
    if (!body) return false;
    writeTile(req, res, body, remembered.headers, remembered);
    return true;
  }
}
