import { setMaxListeners } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import type { EngineConfig } from '../config/schema.ts';
import { EngineError, toEngineError } from '../errors.ts';
import { exceptionReportXml, OwsException } from '../ows/ows-exception.ts';
import { isRasterFormat, type RasterPipeline } from '../pipeline/raster-pipeline.ts';
import { VECTOR_FORMATS, type TilePipeline } from '../pipeline/tile-pipeline.ts';
import { RASTER_FORMATS } from '../render/render-task.ts';
import type { FontLibrary } from '../fonts/font-library.ts';
import type { Exchange, Handler } from './exchange.ts';
import type { TieredCache } from '../../cache/tiered-cache.ts';
import { FastTiles } from './fast-tiles.ts';
import type { HttpMetrics } from './metrics.ts';
import { fontRoutes } from './font-routes.ts';
import type { SpriteSet } from '../styles/sprite-builder.ts';
import type { LoadedStyle } from '../styles/style-store.ts';
import { styleRoutes } from './style-routes.ts';
import { wantsHtml, type Viewer } from './viewer-routes.ts';
import { ogcApiRoutes } from './ogcapi-routes.ts';
import { baseHeaders, sendError, sendJson, sendTile } from './respond.ts';
import { matchRoute, type Route } from './router.ts';
import type { PrintService } from '../print/print-service.ts';
import { printRoutes } from './print-routes.ts';
import { wmsRoutes } from './wms-routes.ts';
import { wmtsRoutes } from './wmts-routes.ts';

export interface HttpOptions {
  /** Base URL clients see; when unset it is derived from the Host header. */
  readonly publicUrl?: string | undefined;
  readonly corsOrigin: string;
  readonly tileMaxAgeS: number;
  /** Fonts for text the HTTP layer draws itself (WMS legends). */
  readonly fontsDir: string;
}

/** What /health reports beyond "alive". */
export type HealthCheck = () => Promise<Record<string, unknown>>;

const HOST_HEADER = /^[A-Za-z0-9.\-]+(:\d{1,5})?$|^\[[0-9A-Fa-f:.]+\](:\d{1,5})?$/;

/** The base URL for links in answers: configured, else from a well-formed Host header. */
function baseUrlOf(req: IncomingMessage, publicUrl: string | undefined): string {
  if (publicUrl) return publicUrl.replace(/\/+$/, '');
  const host = req.headers.host;
  if (host && HOST_HEADER.test(host)) return `http://${host}`;
  const address = req.socket.localAddress ?? '127.0.0.1';
  return `http://${address.includes(':') ? `[${address}]` : address}:${req.socket.localPort ?? 80}`;
}

/**
 * Builds the HTTP front: routes adapt requests to the pipelines; errors become JSON
 * answers (OWS exception reports on the WMTS routes).
 */
export function createHttpServer(
  {
    pipeline,
    raster,
    fonts,
    styles,
    sprites,
    viewer,
    cache,
    prints,
    metrics,
    readiness,
  }: {
    pipeline: TilePipeline;
    raster: RasterPipeline;
    fonts: FontLibrary;
    styles: readonly LoadedStyle[];
    sprites: ReadonlyMap<string, SpriteSet>;
    viewer: Viewer;
    cache?: TieredCache | undefined;
    prints: { service: PrintService; maxPixels: number };
    metrics: HttpMetrics;
    /** /ready: whether the engine can do its work now (database, threads, change feed). */
    readiness: () => Promise<{ ready: boolean } & Record<string, unknown>>;
  },
  options: HttpOptions,
  service: EngineConfig['service'],
  logger: Logger,
  health: HealthCheck,
): Server {
  // Per tileset: its own max-age (and stale-while-revalidate) or the server's.
  const cacheControls = new Map<string, string>();
  const tileCacheControl = (tilesetId: string): string => {
    let header = cacheControls.get(tilesetId);
    if (header === undefined) {
      const config = pipeline.all().find((t) => t.config.id === tilesetId)?.config;
      const swr = config?.staleWhileRevalidateS;
      header = `public, max-age=${config?.maxAgeS ?? options.tileMaxAgeS}${swr === undefined ? '' : `, stale-while-revalidate=${swr}`}`;
      cacheControls.set(tilesetId, header);
    }
    return header;
  };

  const tileFormats = [...Object.keys(VECTOR_FORMATS), ...Object.keys(RASTER_FORMATS)];
  const tileHandler: Handler = async (exchange) => {
    const { req, res, params, headers } = exchange;
    const { tileset, grid, z, x, y, scale, format } = params as Record<string, string>;
    // The signal is read only if the tile must be produced (not on a cache hit).
    // Never spread: that would read the getter.
    const request = {
      tilesetId: tileset!,
      name: tileset!,
      ...(grid === undefined ? {} : { gridId: grid }),
      ...(scale === undefined ? {} : { scale }),
      z: z!,
      x: x!,
      y: y!,
      format: format!,
      get signal() {
        return exchange.signal;
      },
    };
    let tile;
    if (isRasterFormat(format!)) {
      tile = await raster.getTile(request);
    } else if (Object.hasOwn(VECTOR_FORMATS, format!) && scale === undefined) {
      tile = await pipeline.getTile(request);
    } else {
      throw new EngineError('UNKNOWN_FORMAT', `format "${format!.slice(0, 16)}${scale ? ` @${scale.slice(0, 4)}x` : ''}" is not served; use one of ${tileFormats.join(', ')} (@2x for raster)`, {
        detail: { formats: tileFormats },
      });
    }
    const tileHeaders = { ...headers, 'Cache-Control': tileCacheControl(tile.tilesetId) };
    if (fast && tile.key && req.url) fast.remember(req.url, tile.key, tile.contentType, tileHeaders);
    await sendTile(req, res, tile, tileHeaders);
  };

  const routes: Route<Handler>[] = [
    {
      name: 'grid-tile',
      pattern: /^\/tiles\/(?<tileset>[^/]+)\/(?<grid>[^/]+)\/(?<z>[^/]+)\/(?<x>[^/]+)\/(?<y>[^/.@]+)(?:@(?<scale>[^/.]+)x)?\.(?<format>[^/.]+)$/,
      handler: tileHandler,
    },
    {
      name: 'tile',
      pattern: /^\/tiles\/(?<tileset>[^/]+)\/(?<z>[^/]+)\/(?<x>[^/]+)\/(?<y>[^/.@]+)(?:@(?<scale>[^/.]+)x)?\.(?<format>[^/.]+)$/,
      handler: tileHandler,
    },
    ...ogcApiRoutes(pipeline, service, tileCacheControl),
    ...wmtsRoutes(pipeline, raster, service, tileCacheControl),
    ...wmsRoutes(pipeline, raster, styles, service, options.fontsDir),
    ...printRoutes(prints.service, [...pipeline.grids.values()], { maxPixels: prints.maxPixels }),
    {
      name: 'tilejson',
      pattern: /^\/tiles\/(?<tileset>[^/]+)\.json$/,
      handler: async ({ res, params, baseUrl, headers }) => {
        sendJson(res, 200, await pipeline.getTileJson(params.tileset!, baseUrl), { ...headers, 'Cache-Control': 'public, max-age=60' });
      },
    },
    {
      name: 'tilesets',
      pattern: /^\/tiles\/?$/,
      handler: ({ res, baseUrl, headers }) => sendJson(res, 200, { tilesets: pipeline.listTilesets(baseUrl) }, headers),
    },
    ...fontRoutes(fonts),
    ...styleRoutes(styles, sprites, pipeline),
    ...viewer.routes,
    {
      name: 'metrics',
      pattern: /^\/metrics$/,
      handler: async ({ req, res, headers }) => {
        const body = Buffer.from(await metrics.registry.metrics());
        res.writeHead(200, { ...headers, 'Content-Type': metrics.registry.contentType, 'Content-Length': body.length, 'Cache-Control': 'no-store' });
        res.end(req.method === 'HEAD' ? undefined : body);
      },
    },
    {
      name: 'ready',
      pattern: /^\/ready$/,
      handler: async ({ res, headers }) => {
        const state = await readiness();
        sendJson(res, state.ready ? 200 : 503, state, { ...headers, 'Cache-Control': 'no-store' });
      },
    },
    {
      name: 'health',
      pattern: /^\/health$/,
      handler: async ({ res, headers }) => sendJson(res, 200, { status: 'ok', ...(await health()) }, { ...headers, 'Cache-Control': 'no-store' }),
    },
    {
      name: 'index',
      pattern: /^\/$/,
      // A browser gets the map viewer; API clients the list of what is served.
      handler: (exchange) => {
        const { req, res, baseUrl, headers } = exchange;
        if (wantsHtml(req)) return viewer.page(exchange);
        sendJson(res, 200, {
          viewer: `${baseUrl}/viewer`,
          tilesets: `${baseUrl}/tiles`,
          wmts: `${baseUrl}/wmts/1.0.0/WMTSCapabilities.xml`,
          ogcapi: `${baseUrl}/ogcapi`,
          tileMatrixSets: `${baseUrl}/tileMatrixSets`,
          styles: `${baseUrl}/styles`,
          fonts: `${baseUrl}/fonts.json`,
          health: `${baseUrl}/health`,
        }, headers);
      },
    },
  ];

  /**
   * The exchange a handler sees. Query, base URL and the disconnect signal are made on first
   * use: a cached tile needs none of them, and every allocation counts at 10,000s of requests/s.
   */
  function exchangeOf(req: IncomingMessage, res: ServerResponse, params: Record<string, string>, rawQuery: string, headers: Record<string, string>): Exchange {
    let query: URLSearchParams | undefined;
    let baseUrl: string | undefined;
    let signal: AbortSignal | undefined;
    return {
      req,
      res,
      params,
      headers,
      get query() {
        return (query ??= new URLSearchParams(rawQuery));
      },
      get baseUrl() {
        return (baseUrl ??= baseUrlOf(req, options.publicUrl));
      },
      get signal() {
        if (!signal) {
          // Aborted when the client goes away before the answer is complete.
          const disconnect = new AbortController();
          // A print hands one signal to every piece it renders, each listening.
          setMaxListeners(0, disconnect.signal);
          if (res.destroyed && !res.writableFinished) disconnect.abort(new EngineError('REQUEST_ABORTED', 'the client went away'));
          else res.once('close', () => !res.writableFinished && disconnect.abort(new EngineError('REQUEST_ABORTED', 'the client went away')));
          signal = disconnect.signal;
        }
        return signal;
      },
    };
  }

  const fast = cache ? new FastTiles(cache) : undefined;

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (fast && (req.method === 'GET' || req.method === 'HEAD') && req.url && fast.serve(req, res, req.url)) return metrics.countFastHit();
    const headers = baseHeaders(options.corsOrigin);
    const started = performance.now();
    let routeName = 'none';
    res.once('finish', () => metrics.observe(routeName, res.statusCode, (performance.now() - started) / 1000));
    try {
      if (req.method === 'OPTIONS') {
        res.writeHead(204, { ...headers, 'Access-Control-Allow-Methods': 'GET, HEAD, OPTIONS', 'Access-Control-Allow-Headers': '*', 'Access-Control-Max-Age': '86400' });
        res.end();
        return;
      }
      if (req.method !== 'GET' && req.method !== 'HEAD') {
        throw new EngineError('METHOD_NOT_ALLOWED', `method ${req.method} is not allowed; use GET`);
      }
      const url = req.url ?? '/';
      const q = url.indexOf('?');
      const rawPath = q < 0 ? url : url.slice(0, q);
      const rawQuery = q < 0 ? '' : url.slice(q + 1);
      let path: string;
      try {
        path = decodeURIComponent(rawPath);
      } catch {
        throw new EngineError('NOT_FOUND', 'the path is not valid percent-encoding');
      }
      const match = matchRoute(routes, path);
      if (!match) throw new EngineError('NOT_FOUND', `no route for ${path.slice(0, 200)}`);
      routeName = match.route.name;
      await match.route.handler(exchangeOf(req, res, match.params, rawQuery, headers));
    } catch (thrown) {
      if (thrown instanceof OwsException) {
        sendOwsException(res, thrown, headers);
        return;
      }
      const error = toEngineError(thrown);
      if (error.code === 'REQUEST_ABORTED') return; // nobody is listening any more
      if (error.status >= 500) {
        logger.error({ err: error.cause ?? error, code: error.code, url: req.url }, error.message);
      }
      if (res.headersSent) {
        res.destroy();
        return;
      }
      if (error.code === 'METHOD_NOT_ALLOWED') headers.Allow = 'GET, HEAD, OPTIONS';
      sendError(res, error, headers);
    }
  }

  function sendOwsException(res: ServerResponse, error: OwsException, headers: Record<string, string>): void {
    if (error.status >= 500) logger.warn({ code: error.code }, error.message);
    if (res.headersSent) return void res.destroy();
    const body = Buffer.from(exceptionReportXml(error));
    res.writeHead(error.status, {
      ...headers,
      'Content-Type': 'application/xml; charset=utf-8',
      'Content-Length': body.length,
      'Cache-Control': 'no-store',
      ...(error.retryAfterS === undefined ? {} : { 'Retry-After': String(error.retryAfterS) }),
    });
    res.end(body);
  }

  const server = createServer((req, res) => void handle(req, res));
  // Bounded so a slow or stalled client cannot hold a socket forever.
  server.requestTimeout = 30_000;
  server.headersTimeout = 10_000;
  return server;
}
