/**
 * The map viewer a person opens at /: a page, its script and stylesheet from the viewer
 * folder, MapLibre GL JS and proj4 from node_modules (no CDN: it works offline on loopback), and
 * /viewer/config.json with where to open and the places (municipalities) to zoom to.
 */
import { readFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import type { EngineConfig } from '../config/schema.ts';
import { EngineError } from '../errors.ts';
import { sweref99tm } from '../grids/swedish-grids.ts';
import type { TilePipeline } from '../pipeline/tile-pipeline.ts';
import type { GroupExtent } from '../sources/tile-source.ts';
import type { Handler } from './exchange.ts';
import { acceptsGzip, clientHas, etagOf, mergeVary, sendJson } from './respond.ts';
import type { Route } from './router.ts';

/** A file served as is, read once at start: its bytes, gzipped bytes and validator. */
interface StaticFile {
  readonly body: Buffer;
  readonly gzipped: Buffer;
  readonly etag: string;
  readonly contentType: string;
}

function staticFile(path: string, contentType: string): StaticFile {
  let body: Buffer;
  try {
    body = readFileSync(path);
  } catch (error) {
    throw new Error(`viewer file ${path} cannot be read: ${(error as Error).message}`);
  }
  return { body, gzipped: gzipSync(body), etag: etagOf(body), contentType };
}

function sendStatic(req: IncomingMessage, res: ServerResponse, file: StaticFile, headers: Record<string, string>): void {
  const common = { ...headers, ETag: file.etag, Vary: mergeVary(headers.Vary, 'Accept-Encoding'), 'Cache-Control': 'public, max-age=300' };
  if (clientHas(req, file.etag)) {
    res.writeHead(304, common);
    res.end();
    return;
  }
  const gzip = acceptsGzip(req);
  const body = gzip ? file.gzipped : file.body;
  res.writeHead(200, { ...common, 'Content-Type': file.contentType, 'Content-Length': body.length, ...(gzip ? { 'Content-Encoding': 'gzip' } : {}) });
  res.end(req.method === 'HEAD' ? undefined : body);
}

/**
 * The viewer page's Content-Security-Policy: the page runs only this server's scripts and
 * styles, with no inline script and no eval, so data that slipped into the page as markup
 * could still run nothing. Beyond 'self', each source is what MapLibre GL JS needs:
 * - worker-src blob: its web workers start from a blob: URL made from its own bundle
 *   (maplibre-gl.js; only the separate CSP build loads its worker from a URL);
 * - child-src blob: the same for browsers that predate worker-src (CSP level 2);
 * - img-src data: blob: the control icons in maplibre-gl.css are data: SVGs, and images
 *   decoded without createImageBitmap go through blob: URLs.
 * style-src needs no 'unsafe-inline': MapLibre places its elements through the CSSOM
 * (element.style), which CSP does not govern. connect-src adds the origin of the links in
 * answers when they point elsewhere (server.publicUrl): tiles, styles and glyphs come from there.
 */
export function viewerCsp(linkBase?: string): string {
  let links = '';
  try {
    const origin = linkBase === undefined ? undefined : new URL(linkBase).origin;
    // A host-source cannot name an IPv6 literal; 'self' covers loopback anyway.
    if (origin && /^https?:\/\/[\w.-]+(:\d+)?$/.test(origin)) links = ` ${origin}`;
  } catch {
    // Not a URL: 'self' alone.
  }
  return [
    "default-src 'self'",
    "script-src 'self'",
    'worker-src blob:',
    'child-src blob:',
    "img-src 'self' data: blob:",
    "style-src 'self'",
    `connect-src 'self'${links}`,
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'self'",
  ].join('; ');
}

/** True when the client asks for a web page (a browser), not JSON. */
export function wantsHtml(req: IncomingMessage): boolean {
  return /\btext\/html\b/.test(req.headers.accept ?? '');
}

export interface Viewer {
  readonly routes: Route<Handler>[];
  /** Answers / for a browser. */
  readonly page: Handler;
}

export function createViewer(pipeline: TilePipeline, config: EngineConfig['viewer'], defaultStyle: string | undefined): Viewer {
  const maplibre = join(createRequire(import.meta.url).resolve('maplibre-gl/package.json'), '..', 'dist');
  const files: Record<string, StaticFile> = {
    'viewer.js': staticFile(join(config.dir, 'viewer.js'), 'text/javascript; charset=utf-8'),
    'viewer.css': staticFile(join(config.dir, 'viewer.css'), 'text/css; charset=utf-8'),
    'maplibre-gl.js': staticFile(join(maplibre, 'maplibre-gl.js'), 'text/javascript; charset=utf-8'),
    'maplibre-gl.css': staticFile(join(maplibre, 'maplibre-gl.css'), 'text/css; charset=utf-8'),
    'proj4.js': staticFile(join(createRequire(import.meta.url).resolve('proj4/package.json'), '..', 'dist', 'proj4.js'), 'text/javascript; charset=utf-8'),
  };
  const index = staticFile(join(config.dir, 'index.html'), 'text/html; charset=utf-8');

  // Read once and kept; a failure (database down) is retried on the next request.
  let places: Promise<GroupExtent[]> | undefined;
  const readPlaces = (): Promise<GroupExtent[]> => {
    const p = config.places;
    if (!p) return Promise.resolve([]);
    places ??= pipeline
      .resolve(p.tileset)
      .source.extentsBy(p.layer, p.key, p.label)
      .catch((error: unknown) => {
        places = undefined;
        throw error;
      });
    return places;
  };

  // baseUrl is read before headers are copied: it may add Host to their Vary.
  const page: Handler = (exchange) => {
    const csp = viewerCsp(exchange.baseUrl);
    sendStatic(exchange.req, exchange.res, index, { ...exchange.headers, 'Content-Security-Policy': csp });
  };
  const routes: Route<Handler>[] = [
    {
      name: 'viewer-config',
      pattern: /^\/viewer\/config\.json$/,
      handler: async ({ res, headers, access }) => {
        // Places read from a restricted tileset are listed only to callers who may read it, and never kept by a shared cache.
        const placesPublic = !config.places || access.isPublicTileset(config.places.tileset);
        const placesShown = placesPublic || access.mayTileset(config.places!.tileset);
        const primary = config.places ? pipeline.resolve(config.places.tileset).config : pipeline.all()[0]?.config;
        sendJson(
          res,
          200,
          {
            defaultStyle,
            center: config.center,
            zoom: config.zoom,
            sweref99tm: sweref99tm.proj4,
            maxzoom: primary?.maxzoom ?? 18,
            attribution: primary?.attribution ?? '',
            municipalities: (placesShown ? await readPlaces() : []).map((g) => ({ kommunkod: g.key, namn: g.label, bounds: [[g.bounds[0], g.bounds[1]], [g.bounds[2], g.bounds[3]]] })),
          },
          { ...headers, 'Cache-Control': placesPublic ? 'public, max-age=60' : 'private, max-age=60' },
        );
      },
    },
    { name: 'viewer-page', pattern: /^\/viewer\/?$/, handler: page },
    {
      name: 'viewer-file',
      pattern: /^\/viewer\/(?<file>[\w.-]+)$/,
      handler: ({ req, res, params, headers }) => {
        const file = Object.hasOwn(files, params.file!) ? files[params.file!] : undefined;
        if (!file) throw new EngineError('NOT_FOUND', `the viewer has no file ${params.file!.slice(0, 64)}`, { detail: { files: Object.keys(files) } });
        sendStatic(req, res, file, headers);
      },
    },
  ];
  return { routes, page };
}
