/**
 * Styles for web maps, as TileServer GL serves them: the list at /styles, each style at
 * /styles/{id}/style.json with the engine's references rewritten to this server's public
 * URL, and its sprite at /styles/{id}/sprite[@2x].{json,png}. Strong ETags, 304 on a match.
 */
import { EngineError } from '../errors.ts';
import { styleForClients } from '../styles/client-style.ts';
import type { SpriteSet } from '../styles/sprite-builder.ts';
import type { LoadedStyle } from '../styles/style-store.ts';
import type { Handler } from './exchange.ts';
import { sendCacheable, sendJson } from './respond.ts';
import type { Route } from './router.ts';

/** Styles and sprites change only with a restart; short enough that an edit shows within minutes. */
const STYLE_CACHE_CONTROL = 'public, max-age=300';

export function styleRoutes(styles: readonly LoadedStyle[], sprites: ReadonlyMap<string, SpriteSet>): Route<Handler>[] {
  const byId = new Map(styles.map((s) => [s.id, s]));
  const styleOf = (id: string): LoadedStyle => {
    const style = byId.get(id);
    if (!style) throw new EngineError('UNKNOWN_STYLE', `no style "${id.slice(0, 64)}"; styles: ${[...byId.keys()].join(', ')}`, { detail: { styles: [...byId.keys()] } });
    return style;
  };
  return [
    {
      name: 'styles',
      pattern: /^\/styles(?:\.json|\/?)$/,
      handler: ({ res, baseUrl, headers }) =>
        sendJson(
          res,
          200,
          styles.map((s) => ({ version: 8, id: s.id, name: s.style.name ?? s.id, url: `${baseUrl}/styles/${encodeURIComponent(s.id)}/style.json` })),
          { ...headers, 'Cache-Control': STYLE_CACHE_CONTROL },
        ),
    },
    {
      name: 'style',
      pattern: /^\/styles\/(?<id>[^/]+)\/style\.json$/,
      handler: ({ req, res, params, baseUrl, headers }) => {
        const style = styleOf(params.id!);
        const body = Buffer.from(JSON.stringify(styleForClients(style.style, style.id, baseUrl)));
        sendCacheable(req, res, body, 'application/json; charset=utf-8', { ...headers, 'Cache-Control': STYLE_CACHE_CONTROL });
      },
    },
    {
      name: 'sprite',
      pattern: /^\/styles\/(?<id>[^/]+)\/sprite(?<scale>@2x)?\.(?<ext>json|png)$/,
      handler: ({ req, res, params, headers }) => {
        const style = styleOf(params.id!);
        const set = style.spriteFolder === undefined ? undefined : sprites.get(style.spriteFolder);
        if (!set) throw new EngineError('UNKNOWN_SPRITE', `style "${style.id}" has no sprite of the engine`);
        const sheet = set[params.scale ? 2 : 1];
        if (params.ext === 'png') sendCacheable(req, res, sheet.png, 'image/png', { ...headers, 'Cache-Control': STYLE_CACHE_CONTROL });
        else sendCacheable(req, res, Buffer.from(JSON.stringify(sheet.json)), 'application/json; charset=utf-8', { ...headers, 'Cache-Control': STYLE_CACHE_CONTROL });
      },
    },
  ];
}
