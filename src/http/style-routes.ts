/**
 * Styles for web maps, as TileServer GL serves them: the list at /styles, each style at
 * /styles/{id}/style.json with the engine's references rewritten to this server's public
 * URL, and its sprite at /styles/{id}/sprite[@2x].{json,png}. Strong ETags, 304 on a match.
 */
import { unknownStyle } from '../access/unknown-ids.ts';
import { EngineError } from '../errors.ts';
import { styleForClients } from '../styles/client-style.ts';
import type { SpriteSet } from '../styles/sprite-builder.ts';
import type { LoadedStyle } from '../styles/style-store.ts';
import type { TilePipeline } from '../pipeline/tile-pipeline.ts';
import type { RequestAccess } from '../access/access-policy.ts';
import type { Handler } from './exchange.ts';
import { sendCacheable, sendJson } from './respond.ts';
import type { Route } from './router.ts';

/** Styles and sprites change only with a restart; short enough that an edit shows within minutes. */
const STYLE_CACHE_CONTROL = 'public, max-age=300';

export function styleRoutes(styles: readonly LoadedStyle[], sprites: ReadonlyMap<string, SpriteSet>, pipeline: TilePipeline): Route<Handler>[] {
  const byId = new Map(styles.map((s) => [s.id, s]));
  const styleOf = (id: string, access: RequestAccess): LoadedStyle => {
    const style = byId.get(id);
    if (!style) throw unknownStyle(id, access.publicStyleIds());
    access.requireStyle(style.id);
    return style;
  };
  const cacheControlOf = (style: LoadedStyle, access: RequestAccess): string => (access.requireStyle(style.id) ? STYLE_CACHE_CONTROL : 'private, max-age=300');
  return [
    {
      name: 'styles',
      pattern: /^\/styles(?:\.json|\/?)$/,
      handler: ({ res, baseUrl, headers, access }) =>
        sendJson(
          res,
          200,
          styles.filter((s) => access.mayStyle(s.id)).map((s) => ({ version: 8, id: s.id, name: s.style.name ?? s.id, url: `${baseUrl}/styles/${encodeURIComponent(s.id)}/style.json` })),
          { ...headers, 'Cache-Control': 'private, no-cache' },
        ),
    },
    {
      // The style as raster tiles, for clients that take a raster TileJSON (QGIS, Leaflet, MapLibre raster sources).
      name: 'style-tilejson',
      pattern: /^\/styles\/(?<id>[^/]+)\.json$/,
      handler: async ({ res, params, baseUrl, headers, access }) => {
        const style = styleOf(params.id!, access);
        const tilesetId = [...style.sources.values()][0];
        const data = tilesetId === undefined ? undefined : await pipeline.getTileJson(tilesetId, baseUrl);
        const id = encodeURIComponent(style.id);
        sendJson(
          res,
          200,
          {
            tilejson: '3.0.0',
            name: style.style.name ?? style.id,
            tiles: [`${baseUrl}/tiles/${id}/{z}/{x}/{y}.png`],
            scheme: 'xyz',
            format: 'png',
            minzoom: data?.minzoom ?? 0,
            maxzoom: data?.maxzoom ?? 18,
            ...(data ? { bounds: data.bounds, center: data.center } : {}),
            ...(data?.attribution ? { attribution: data.attribution } : {}),
          },
          { ...headers, 'Cache-Control': cacheControlOf(style, access) },
        );
      },
    },
    {
      name: 'style',
      pattern: /^\/styles\/(?<id>[^/]+)\/style\.json$/,
      handler: ({ req, res, params, baseUrl, headers, access }) => {
        const style = styleOf(params.id!, access);
        const body = Buffer.from(JSON.stringify(styleForClients(style.style, style.id, baseUrl)));
        // Links carry a key given in the URL: a shared cache must keep each caller's copy apart.
        sendCacheable(req, res, body, 'application/json; charset=utf-8', { ...headers, 'Cache-Control': cacheControlOf(style, access) });
      },
    },
    {
      name: 'sprite',
      pattern: /^\/styles\/(?<id>[^/]+)\/sprite(?<scale>@2x)?\.(?<ext>json|png)$/,
      handler: ({ req, res, params, headers, access }) => {
        const style = styleOf(params.id!, access);
        const set = style.spriteFolder === undefined ? undefined : sprites.get(style.spriteFolder);
        if (!set) throw new EngineError('UNKNOWN_SPRITE', `style "${style.id}" has no sprite of the engine`);
        const sheet = set[params.scale ? 2 : 1];
        const cacheControl = cacheControlOf(style, access);
        if (params.ext === 'png') sendCacheable(req, res, sheet.png, 'image/png', { ...headers, 'Cache-Control': cacheControl });
        else sendCacheable(req, res, Buffer.from(JSON.stringify(sheet.json)), 'application/json; charset=utf-8', { ...headers, 'Cache-Control': cacheControl });
      },
    },
  ];
}
