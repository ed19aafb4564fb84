/**
 * The one writer of tile bytes, for the slow path and the fast path alike: 204 when the
 * tile is empty (consistently, so clients skip empty tiles), 304 when the client's
 * If-None-Match holds the content's ETag, else 200, protobuf gzipped for clients that
 * accept it. Synchronous: a body is gzipped once and kept with it (the memory tier hands
 * out the same bytes object on every hit).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { gzipSync } from 'node:zlib';
import { acceptsGzip, clientHas, etagOf, mergeVary } from './respond.ts';

/** gzipped bodies, by body: a hot tile is compressed once. */
const gzipped = new WeakMap<Uint8Array, Buffer>();

/** Images are compressed already; only protobuf (vector tiles, glyphs) is gzipped. */
export const isCompressible = (contentType: string): boolean => contentType.startsWith('application/');

/** The headers of every answer for a tile of this type: Content-Type, and Vary when the body depends on Accept-Encoding. */
export function tileHeaders(contentType: string, headers: Readonly<Record<string, string>>): Record<string, string> {
  return { ...headers, 'Content-Type': contentType, ...(isCompressible(contentType) ? { Vary: mergeVary(headers.Vary, 'Accept-Encoding') } : {}) };
}

/** The full 200 headers of the last body written for one URL, reused while the body stays the same (the fast path keeps one per URL). */
export interface LastAnswer {
  last?: { readonly body: Uint8Array; readonly gzip: boolean; readonly headers: Readonly<Record<string, string>> };
}

/** Writes a tile; `headers` from tileHeaders. */
export function writeTile(req: IncomingMessage, res: ServerResponse, body: Uint8Array, headers: Readonly<Record<string, string>>, memo?: LastAnswer): void {
  if (body.length === 0) {
    res.writeHead(204, headers);
    res.end();
    return;
  }
  const etag = etagOf(body);
  if (clientHas(req, etag)) {
    res.writeHead(304, { ...headers, ETag: etag });
    res.end();
    return;
  }
  const gzip = isCompressible(headers['Content-Type'] ?? '') && acceptsGzip(req);
  let payload: Uint8Array = body;
  if (gzip) {
    let zipped = gzipped.get(body);
    if (!zipped) gzipped.set(body, (zipped = gzipSync(body, { level: 6 })));
    payload = zipped;
  }
  let full = memo?.last && memo.last.body === body && memo.last.gzip === gzip ? memo.last.headers : undefined;
  if (!full) {
    full = { ...headers, ETag: etag, 'Content-Length': String(payload.length), ...(gzip ? { 'Content-Encoding': 'gzip' } : {}) };
    if (memo) memo.last = { body, gzip, headers: full };
  }
  res.writeHead(200, full);
  res.end(req.method === 'HEAD' ? undefined : payload);
}
