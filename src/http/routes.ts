/**
 * Every route of the engine, in matching order: tiles (XYZ here; WMTS, OGC API in their
 * modules, all over the one tile answer), documents, styles, fonts, the viewer, and the
 * operations endpoints. Routes adapt HTTP to the engine's parts and nothing more.
 */
import type { FontLibrary } from '../fonts/font-library.ts';
import type { RasterPipeline } from '../pipeline/raster-pipeline.ts';
import type { TilePipeline } from '../pipeline/tile-pipeline.ts';
import type { PrintService } from '../print/print-service.ts';
import type { EngineConfig } from '../config/schema.ts';
import type { SpriteSet } from '../styles/sprite-builder.ts';
import type { LoadedStyle } from '../styles/style-store.ts';
import type { Handler } from './exchange.ts';
import { fontRoutes } from './font-routes.ts';
import type { HttpMetrics } from './metrics.ts';
import { ogcApiRoutes } from './ogcapi-routes.ts';
import { printRoutes } from './print-routes.ts';
import { mergeVary, sendJson } from './respond.ts';
import type { Route } from './router.ts';
import { styleRoutes } from './style-routes.ts';
import type { TileEndpoint } from './tile-endpoint.ts';
import { wantsHtml, type Viewer } from './viewer-routes.ts';
import { wmsRoutes } from './wms-routes.ts';
import { wmtsRoutes } from './wmts-routes.ts';

/** What the routes answer from. */
export interface RouteDeps {
  readonly pipeline: TilePipeline;
  readonly raster: RasterPipeline;
  readonly fonts: FontLibrary;
  readonly styles: readonly LoadedStyle[];
  readonly sprites: ReadonlyMap<string, SpriteSet>;
  readonly viewer: Viewer;
  /** maxPixelsOf: the largest print or WMS map of a style (print.maxPixels, or less for a tileset that says so). */
  readonly prints: { service: PrintService; maxPixelsOf: (styleId: string) => number };
  readonly metrics: HttpMetrics;
  /** /ready: whether the engine can do its work now (database, threads, change feed). */
  readonly readiness: () => Promise<{ ready: boolean } & Record<string, unknown>>;
  /** /health: what it reports beyond "alive". */
  readonly health: () => Promise<Record<string, unknown>>;
  readonly tiles: TileEndpoint;
  readonly service: EngineConfig['service'];
  /** Fonts for text the HTTP layer draws itself (WMS legends). */
  readonly fontsDir: string;
}

export function engineRoutes({ pipeline, raster, fonts, styles, sprites, viewer, prints, metrics, readiness, health, tiles, service, fontsDir }: RouteDeps): Route<Handler>[] {
  // XYZ, with or without a grid: the path is the ask.
  const tileHandler: Handler = (exchange) => {
    const { tileset, grid, z, x, y, scale, format } = exchange.params as Record<string, string>;
    return tiles.answer(exchange, { name: tileset!, gridId: grid, z: z!, x: x!, y: y!, format: format!, scale });
  };


  return [
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
    ...ogcApiRoutes(pipeline, raster, service, tiles),
    ...wmtsRoutes(pipeline, raster, service, tiles),
    ...wmsRoutes(pipeline, raster, styles, service, fontsDir, prints.maxPixelsOf),
    ...printRoutes(prints.service, raster, [...pipeline.grids.values()], prints.maxPixelsOf),
    {
      name: 'tilejson',
      pattern: /^\/tiles\/(?<tileset>[^/]+)\.json$/,
      handler: async ({ res, params, baseUrl, headers, access }) => {
        const cacheControl = access.requireTileset(params.tileset!) ? 'public, max-age=60' : 'private, max-age=60';
        sendJson(res, 200, await pipeline.getTileJson(params.tileset!, baseUrl), { ...headers, 'Cache-Control': cacheControl, Vary: mergeVary(headers.Vary, 'Authorization, X-Api-Key') });
      },
    },
    {
      name: 'tilesets',
      pattern: /^\/tiles\/?$/,
      handler: ({ res, baseUrl, headers, access }) =>
        sendJson(res, 200, { tilesets: pipeline.listTilesets(baseUrl).filter((t) => access.mayTileset(t.id)) }, { ...headers, 'Cache-Control': 'private, no-cache' }),
    },
    ...fontRoutes(fonts),
    ...styleRoutes(styles, sprites, pipeline),
    ...viewer.routes,
    {
      name: 'metrics',
      pattern: /^\/metrics$/,
      handler: async ({ req, res, headers, access }) => {
        // Names every tileset, restricted ones included: for the operators' own key (grant "metrics").
        access.requireGrant('metrics');
        const body = await metrics.text();
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
        // HTML or JSON by Accept: a shared cache must keep the two apart.
        headers.Vary = mergeVary(headers.Vary, 'Accept');
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
}
