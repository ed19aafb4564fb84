/**
 * A style as web clients load it: the engine's own references (tileset://, fonts://,
 * sprite://) rewritten to this server's URLs under its public base URL, so the same style
 * works on loopback, behind a proxy and in the render threads. Pure.
 */
import type { StyleSpecification } from '@maplibre/maplibre-gl-style-spec';
import { ENGINE_GLYPHS, SPRITE_SCHEME, TILESET_SCHEME } from './compose.ts';

export function styleForClients(style: StyleSpecification, styleId: string, baseUrl: string): StyleSpecification {
  const sources = Object.fromEntries(
    Object.entries(style.sources).map(([id, source]) => {
      const url = 'url' in source && typeof source.url === 'string' ? source.url : undefined;
      if (!url?.startsWith(TILESET_SCHEME)) return [id, source];
      return [id, { ...source, url: `${baseUrl}/tiles/${encodeURIComponent(url.slice(TILESET_SCHEME.length))}.json` }];
    }),
  );
  const sprite = typeof style.sprite === 'string' && style.sprite.startsWith(SPRITE_SCHEME) ? `${baseUrl}/styles/${encodeURIComponent(styleId)}/sprite` : style.sprite;
  const glyphs = style.glyphs === ENGINE_GLYPHS ? `${baseUrl}/fonts/{fontstack}/{range}.pbf` : style.glyphs;
  return { ...style, sources, ...(sprite === undefined ? {} : { sprite }), ...(glyphs === undefined ? {} : { glyphs }) } as StyleSpecification;
}
