/**
 * Fonts for web maps, as TileServer GL serves them: the list at /fonts.json and SDF glyph
 * ranges at /fonts/{fontstack}/{start}-{end}.pbf, stacks combined on the fly.
 */
import type { FontLibrary } from '../fonts/font-library.ts';
import { parseGlyphRange } from '../fonts/fontstack.ts';
import type { Handler } from './exchange.ts';
import { sendJson } from './respond.ts';
import { tileHeaders, writeTile } from './tile-writer.ts';
import type { Route } from './router.ts';

/** Glyphs change only with the fonts folder, which needs a restart: let clients keep them a day. */
const GLYPH_CACHE_CONTROL = 'public, max-age=86400';

export function fontRoutes(fonts: FontLibrary): Route<Handler>[] {
  return [
    {
      name: 'fonts',
      pattern: /^\/fonts(?:\.json|\/?)$/,
      handler: ({ res, headers }) => sendJson(res, 200, fonts.names, { ...headers, 'Cache-Control': 'public, max-age=300' }),
    },
    {
      name: 'glyphs',
      pattern: /^\/fonts\/(?<fontstack>[^/]+)\/(?<range>[^/]+)\.pbf$/,
      handler: async ({ req, res, params, headers }) => {
        const start = parseGlyphRange(params.range!);
        const body = await fonts.glyphRange(params.fontstack!, start);
        writeTile(req, res, body, tileHeaders('application/x-protobuf', { ...headers, 'Cache-Control': GLYPH_CACHE_CONTROL }));
      },
    },
  ];
}
