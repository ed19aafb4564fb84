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
import { acceptsGzip, clientHas, etagOf, sendJson } from './respond.ts';
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
  const common = { ...headers, ETag: file.etag, Vary: 'Accept-Encoding', 'Cache-Control': 'public, max-age=300' };
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

  const page: Handler = ({ req, res, headers }) => sendStatic(req, res, index, headers);
  const routes: Route<Handler>[] = [
    {
      name: 'viewer-config',
      pattern: /^\/viewer\/config\.json$/,
      handler: async ({ res, headers }) => {
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
            municipalities: (await readPlaces()).map((g) => ({ kommunkod: g.key, namn: g.label, bounds: [[g.bounds[0], g.bounds[1]], [g.bounds[2], g.bounds[3]]] })),
          },
          { ...headers, 'Cache-Control': 'public, max-age=60' },
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
