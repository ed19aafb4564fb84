/**
 * The one tile answer. Every tile route (XYZ with and without a grid, WMTS KVP and REST,
 * OGC API – Tiles) parses its URL into a TileAsk and hands it here:
 *
 *   ask ─► kind (vector / raster, by format) ─► access guard ─► pipeline (cache, single
 *   flight, source, render; aborted when the client leaves) ─► Cache-Control ─► the fast
 *   path remembers the URL ─► ETag / 304 / 204 / gzip (tile-writer.ts, shared with the fast path)
 *
 * Routes differ only in how they parse and in the dialect of their errors.
 */
import type { AccessPolicy } from '../access/access-policy.ts';
import { EngineError } from '../errors.ts';
import { isRasterFormat, type RasterPipeline } from '../pipeline/raster-pipeline.ts';
import { VECTOR_FORMATS } from '../core/tile-formats.ts';
import { type TilePipeline, type TileResult } from '../pipeline/tile-pipeline.ts';
import { RASTER_FORMATS } from '../core/tile-formats.ts';
import type { Exchange } from './exchange.ts';
import type { FastTiles, TileGuard } from './fast-tiles.ts';
import { tileHeaders as headersOf, writeTile } from './tile-writer.ts';

/** A tile as a route names it, before anything is resolved. */
export interface TileAsk {
  /** A tileset id; for raster formats also a style id (XYZ) or a tileset's default style. */
  readonly name: string;
  /** Tile matrix set; XYZ paths leave it out and mean WebMercatorQuad. */
  readonly gridId?: string | undefined;
  readonly z: string;
  readonly x: string;
  readonly y: string;
  /** A key of VECTOR_FORMATS or RASTER_FORMATS. */
  readonly format: string;
  /** Device pixel ratio of a raster tile ('2' for @2x). */
  readonly scale?: string | undefined;
}

const TILE_FORMATS = [...Object.keys(VECTOR_FORMATS), ...Object.keys(RASTER_FORMATS)];

export interface TileEndpointOptions {
  readonly pipeline: TilePipeline;
  readonly raster: RasterPipeline;
  readonly policy: AccessPolicy;
  /** The memory tier's fast path (absent without a cache). */
  readonly fast: FastTiles | undefined;
  /** max-age of tiles without one of their own. */
  readonly tileMaxAgeS: number;
}

export interface TileEndpoint {
  /** Answers a tile request, vector or raster; errors are thrown for the route to answer in its dialect. */
  answer(exchange: Exchange, ask: TileAsk): Promise<void>;
}

export function createTileEndpoint({ pipeline, raster, policy, fast, tileMaxAgeS }: TileEndpointOptions): TileEndpoint {
  // Cache-Control of a tileset's tiles: its own max-age (and stale-while-revalidate) or the
  // server's; private when restricted. Built once per tileset: asked on every tile.
  const cacheControls = new Map<string, string>();
  const cacheControl = (tilesetId: string, isPublic: boolean): string => {
    const id = `${isPublic ? '' : '!'}${tilesetId}`;
    let header = cacheControls.get(id);
    if (header === undefined) {
      const config = pipeline.all().find((t) => t.config.id === tilesetId)?.config;
      const swr = config?.staleWhileRevalidateS;
      // Restricted tiles are private: a shared cache must not hand them to someone without a key.
      header = `${isPublic ? 'public' : 'private'}, max-age=${config?.maxAgeS ?? tileMaxAgeS}${swr === undefined ? '' : `, stale-while-revalidate=${swr}`}`;
      cacheControls.set(id, header);
    }
    return header;
  };

  const answer = async (exchange: Exchange, ask: TileAsk): Promise<void> => {
    const { req, res, headers } = exchange;
    // The signal and client are read only if the tile must be produced (not on a cache hit).
    // Never spread: that would read the getters.
    const request = {
      tilesetId: ask.name,
      name: ask.name,
      ...(ask.gridId === undefined ? {} : { gridId: ask.gridId }),
      ...(ask.scale === undefined ? {} : { scale: ask.scale }),
      z: ask.z,
      x: ask.x,
      y: ask.y,
      format: ask.format,
      get signal() {
        return exchange.signal;
      },
      get client() {
        return exchange.client;
      },
    };
    let tile: TileResult;
    let isPublic: boolean;
    let guard: TileGuard;
    if (isRasterFormat(ask.format)) {
      guard = { kind: 'style', id: raster.resolveStyle(ask.name).id };
      // Public data asks nothing of the request (no per-request access object on the hot path).
      isPublic = policy.isPublicStyle(guard.id) || exchange.access.requireStyle(guard.id, ask.name);
      tile = await raster.getTile(request);
    } else if (Object.hasOwn(VECTOR_FORMATS, ask.format) && ask.scale === undefined) {
      guard = { kind: 'tileset', id: ask.name };
      isPublic = policy.isPublicTileset(guard.id) || exchange.access.requireTileset(guard.id);
      tile = await pipeline.getTile(request);
    } else {
      throw new EngineError('UNKNOWN_FORMAT', `format "${ask.format.slice(0, 16)}${ask.scale ? ` @${ask.scale.slice(0, 4)}x` : ''}" is not served; use one of ${TILE_FORMATS.join(', ')} (@2x for raster)`, {
        detail: { formats: TILE_FORMATS },
      });
    }
    const answerHeaders = headersOf(tile.contentType, { ...headers, 'Cache-Control': cacheControl(tile.tilesetId, isPublic) });
    // A restricted tile takes the fast path only with its guard: the caller is checked on every request.
    // URLs with a query are never remembered: no copy of the headers for them.
    if (fast && tile.key && req.url && !req.url.includes('?')) {
      const { 'X-Request-Id': _ownId, ...shared } = answerHeaders; // each slow-path answer has its own
      fast.remember(req.url, tile.key, shared, isPublic ? undefined : guard);
    }
    writeTile(req, res, tile.body, answerHeaders);
  };

  return { answer };
}
