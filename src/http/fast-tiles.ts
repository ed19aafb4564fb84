/**
 * The fast path for hot tiles: a URL the router has already resolved to a cache key is
 * answered straight from the memory tier, in the same tick, before any routing, parsing
 * or promise. Everything the slow path guarantees still holds: the memory tier is read
 * through the tiered cache's own freshness checks (trusted change feed, recent changes),
 * and ETag, 304, gzip, HEAD, CORS and Cache-Control are the same.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { gzipSync } from 'node:zlib';
import { LRUCache } from 'lru-cache';
import type { TieredCache } from '../../cache/tiered-cache.ts';
import type { TileKey } from '../../cache/tile-key.ts';
import { acceptsGzip, clientHas, etagOf, mergeVary } from './respond.ts';

/** What a restricted tile needs the caller to be granted. */
export interface TileGuard {
  readonly kind: 'tileset' | 'style';
  readonly id: string;
}

/** Whether the caller of a request may read a guarded tile; false sends it down the slow path, which explains why. */
export type GuardCheck = (req: IncomingMessage, url: string, guard: TileGuard) => boolean;

interface Remembered {
  readonly key: TileKey;
  /** Set for restricted tiles: checked on every request before the tile is sent. */
  readonly guard: TileGuard | undefined;
  /** Full 200 headers of the last body served for this URL (ETag, length), reused while it stays the same body. */
  last?: { readonly body: Uint8Array; readonly gzip: boolean; readonly headers: Readonly<Record<string, string>> };
  /** Protobuf is gzipped for clients that accept it; images are compressed already. */
  readonly compressible: boolean;
  readonly headers: Readonly<Record<string, string>>;
}

/** URLs remembered; a URL costs ~200 B, so 100,000 hot URLs cost ~20 MB. */
const MAX_URLS = 100_000;

/** gzipped bodies, by body: a hot tile is compressed once. */
const gzipped = new WeakMap<Uint8Array, Buffer>();

export class FastTiles {
  private readonly cache: TieredCache;
  private readonly urls = new LRUCache<string, Remembered>({ max: MAX_URLS });
  private readonly mayServe: GuardCheck;

  constructor(cache: TieredCache, mayServe: GuardCheck) {
    this.cache = cache;
    this.mayServe = mayServe;
  }

  /** Records what a URL (path without query) resolved to, once the slow path has served it. */
  remember(url: string, key: TileKey, contentType: string, headers: Record<string, string>, guard?: TileGuard): void {
    if (url.includes('?')) return;
    const compressible = contentType.startsWith('application/');
    this.urls.set(url, { key, guard, compressible, headers: { ...headers, 'Content-Type': contentType, ...(compressible ? { Vary: mergeVary(headers.Vary, 'Accept-Encoding') } : {}) } });
  }

  /** Answers the request from the memory tier and returns true, or returns false to take the slow path. */
  serve(req: IncomingMessage, res: ServerResponse, url: string): boolean {
    const remembered = this.urls.get(url);
    if (!remembered) return false;
    if (remembered.guard && !this.mayServe(req, url, remembered.guard)) return false;
    const body = this.cache.peekMemory(remembered.key);
    if (!body) return false;
    if (body.length === 0) {
      res.writeHead(204, remembered.headers);
      res.end();
      return true;
    }
    const etag = etagOf(body);
    if (clientHas(req, etag)) {
      res.writeHead(304, { ...remembered.headers, ETag: etag });
      res.end();
      return true;
    }
    let payload: Uint8Array = body;
    const compress = remembered.compressible && acceptsGzip(req);
    if (compress) {
      let zipped = gzipped.get(body);
      if (!zipped) gzipped.set(body, (zipped = gzipSync(body, { level: 6 })));
      payload = zipped;
    }
    let last = remembered.last;
    if (!last || last.body !== body || last.gzip !== compress) {
      last = { body, gzip: compress, headers: { ...remembered.headers, ETag: etag, 'Content-Length': String(payload.length), ...(compress ? { 'Content-Encoding': 'gzip' } : {}) } };
      remembered.last = last;
    }
    res.writeHead(200, last.headers);
    res.end(req.method === 'HEAD' ? undefined : payload);
    return true;
  }
}
