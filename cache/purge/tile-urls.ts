/**
 * The public URLs of the tiles in a level range, in every shape the HTTP front serves them
 * (src/http/server.ts, wmts-routes.ts, ogcapi-routes.ts): XYZ with and without the grid,
 * every format and scale, WMTS RESTful under every style that yields the tile, OGC API
 * vector and map tiles.
 * Each shape is described once and turned either into the explicit list of paths (PURGE,
 * CDN purge by URL) or into one regular expression over them (Varnish BAN), so the two
 * cannot disagree. Pure.
 */
import type { LevelRange } from '../tile-key.ts';
import { webMercatorQuad } from '../../src/grids/web-mercator-quad.ts';
import { DEFAULT_STYLE, WMTS_RASTER_FORMATS, WMTS_VECTOR_FORMATS } from '../../src/core/tile-formats.ts';
import { VECTOR_FORMATS } from '../../src/core/tile-formats.ts';
import { OGC_MAP_FORMATS, RASTER_FORMATS } from '../../src/core/tile-formats.ts';
import { intRangePattern } from './int-range-pattern.ts';


/** What URLs exist, as far as purging needs to know (a subset of the invalidation's ServedModel). */
export interface UrlModel {
  readonly tilesets: readonly { readonly id: string }[];
  /** In the order the engine loaded them: the first style over a tileset draws its raster tiles by default. */
  readonly styles: readonly { readonly id: string; readonly tilesetIds: readonly string[] }[];
  /** config.render.defaultStyle: preferred over the first style for a tileset it draws. */
  readonly defaultStyle?: string | undefined;
}

/** A piece of a URL path: alternatives of decoded text, or the tile's column or row. */
type Part = readonly string[] | 'x' | 'y';
/** One URL shape, its parts in order. */
type Shape = readonly Part[];

const extensions = (formats: object) => Object.keys(formats).map((f) => `.${f}`);
const VECTOR_EXTS = extensions(VECTOR_FORMATS);
const RASTER_EXTS = extensions(RASTER_FORMATS);
const WMTS_VECTOR_EXTS = Object.values(WMTS_VECTOR_FORMATS).map((f) => `.${f}`);
const WMTS_RASTER_EXTS = Object.values(WMTS_RASTER_FORMATS).map((f) => `.${f}`);
/** The query of an OGC API map tile: none (PNG) or its format. */
const OGC_MAP_QUERIES = ['', ...Object.keys(OGC_MAP_FORMATS).map((f) => `?f=${f}`)];
/** Raster scales: none means 1×, and the router takes @1x too. */
const SCALES = ['', '@1x', '@2x'];

/** Styles drawing a tileset, the default style first (RasterPipeline.stylesOver). */
function stylesOver(model: UrlModel, tilesetId: string): string[] {
  const over = model.styles.filter((s) => s.tilesetIds.includes(tilesetId)).map((s) => s.id);
  const preferred = model.defaultStyle;
  return preferred !== undefined && over.includes(preferred) ? [preferred, ...over.filter((id) => id !== preferred)] : over;
}

/** The style a raster request naming `name` is drawn with (RasterPipeline.resolveStyle). */
function resolveStyle(model: UrlModel, name: string): string | undefined {
  return model.styles.some((s) => s.id === name) ? name : stylesOver(model, name)[0];
}

/** The shapes of one range's tiles. */
function shapesOf(r: LevelRange, model: UrlModel): Shape[] {
  const level = [r.grid === webMercatorQuad.id ? ['', `${r.grid}/`] : [`${r.grid}/`], [`${r.z}/`]];
  const wmtsTail = (exts: string[]): Part[] => [[`/${r.grid}/${r.z}/`], 'y', ['/'], 'x', exts];
  if (r.kind === 'vector') {
    return [
      [[`/tiles/${r.name}/`], ...level, 'x', ['/'], 'y', VECTOR_EXTS],
      [[`/wmts/1.0.0/${r.name}/`], [DEFAULT_STYLE, ...stylesOver(model, r.name)], ...wmtsTail(WMTS_VECTOR_EXTS)],
      [[`/ogcapi/collections/${r.name}/tiles/${r.grid}/${r.z}/`], 'y', ['/'], 'x'],
    ];
  }
  // A raster tile is asked for by its style's id, or by a tileset's id when the style is that tileset's default.
  const styleIds = new Set(model.styles.map((s) => s.id));
  const names = [r.name, ...model.tilesets.map((t) => t.id).filter((id) => !styleIds.has(id) && resolveStyle(model, id) === r.name)];
  const shapes: Shape[] = [
    [['/tiles/'], names, ['/'], ...level, 'x', ['/'], 'y', SCALES, RASTER_EXTS],
    // OGC API map tiles: row before column, the format in ?f= (PNG without it).
    [['/ogcapi/collections/'], names, [`/map/tiles/${r.grid}/${r.z}/`], 'y', ['/'], 'x', OGC_MAP_QUERIES],
  ];
  for (const { id } of model.tilesets) {
    const over = stylesOver(model, id);
    // WMTS: the style by its id, or "default" for the style the layer resolves to.
    const wmtsStyles = [...(over.includes(r.name) ? [r.name] : []), ...(over.length > 0 && resolveStyle(model, id) === r.name ? [DEFAULT_STYLE] : [])];
    if (wmtsStyles.length > 0) shapes.push([[`/wmts/1.0.0/${id}/`], wmtsStyles, ...wmtsTail(WMTS_RASTER_EXTS)]);
  }
  // WMTS: the style as a layer of its own (named as WMS names the map), with the style "default".
  if (!model.tilesets.some((t) => t.id === r.name)) shapes.push([[`/wmts/1.0.0/${r.name}/`], [DEFAULT_STYLE], ...wmtsTail(WMTS_RASTER_EXTS)]);
  return shapes;
}

/** Characters written as they are in a path; the rest are percent-encoded (names may hold å, ä, ö). `?` and `=` occur only in the shapes' own queries. */
const PLAIN = /^[A-Za-z0-9_.~/@?=-]$/;
const REGEX_SPECIAL = /[\\^$.*+?()[\]{}|]/g;

/** Decoded text as a client writes it in a URL. */
function encodePath(text: string): string {
  return [...text].map((c) => (PLAIN.test(c) ? c : encodeURIComponent(c))).join('');
}

/**
 * Decoded text as a pattern over the URL as Varnish sees it (bytes): a character outside
 * PLAIN matches percent-encoded in either hex case, or as raw UTF-8 bytes.
 */
function textPattern(text: string): string {
  return [...text]
    .map((c) => {
      if (PLAIN.test(c)) return c.replace(REGEX_SPECIAL, '\\$&');
      const bytes = [...new TextEncoder().encode(c)].map((b) => b.toString(16).toUpperCase().padStart(2, '0'));
      const encoded = bytes.map((h) => `%${h.replace(/[A-F]/g, (d) => `[${d}${d.toLowerCase()}]`)}`).join('');
      return `(?:${bytes.map((h) => `\\x${h}`).join('')}|${encoded})`;
    })
    .join('');
}

function partPattern(part: Part, r: LevelRange): string {
  if (part === 'x') return intRangePattern(r.minX, r.maxX);
  if (part === 'y') return intRangePattern(r.minY, r.maxY);
  return part.length === 1 ? textPattern(part[0]!) : `(?:${part.map(textPattern).join('|')})`;
}

/** How many URLs the range has: computed without listing them, to decide whether to. */
export function urlCount(r: LevelRange, model: UrlModel): number {
  const tiles = (r.maxX - r.minX + 1) * (r.maxY - r.minY + 1);
  return shapesOf(r, model).reduce((sum, shape) => sum + tiles * shape.reduce((n, p) => n * (typeof p === 'string' ? 1 : p.length), 1), 0);
}

/** Every path (from the base path on, percent-encoded) of every tile in the range. */
export function* tilePaths(r: LevelRange, model: UrlModel): Generator<string> {
  for (const shape of shapesOf(r, model)) {
    for (let y = r.minY; y <= r.maxY; y++) {
      for (let x = r.minX; x <= r.maxX; x++) {
        let paths = [''];
        for (const part of shape) {
          const texts = part === 'x' ? [String(x)] : part === 'y' ? [String(y)] : part.map(encodePath);
          paths = paths.flatMap((p) => texts.map((t) => p + t));
        }
        yield* paths;
      }
    }
  }
}

/**
 * A regular expression (PCRE and JavaScript alike) matching the path and query of
 * exactly the range's tile URLs under a base path ('' or '/api'), with any query string,
 * and as asked for with a key in the path (`/k/{key}/…`, see src/access/credentials.ts).
 */
export function tilePathPattern(r: LevelRange, model: UrlModel, basePath: string): string {
  const shapes = shapesOf(r, model).map((shape) => shape.map((part) => partPattern(part, r)).join(''));
  return `^${textPattern(basePath)}(?:/k/[^/]+)?(?:${shapes.join('|')})(?:\\?.*)?$`;
}
