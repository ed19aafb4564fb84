import { createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { EngineError } from '../errors.ts';


/**
 * Headers every answer carries: open CORS for GET (web maps on other hosts load our tiles),
 * and nosniff, so a browser never runs a JSON, XML or text answer holding data (a feature
 * attribute, an echoed path) as a script or page. The fast path reuses these headers.
 */
export function baseHeaders(corsOrigin: string): Record<string, string> {
  return { 'Access-Control-Allow-Origin': corsOrigin, 'X-Content-Type-Options': 'nosniff' };
}

/** A Vary value with `names` added to `current`: a route's own Vary is merged, never overwritten. */
export function mergeVary(current: string | undefined, names: string): string {
  if (!current) return names;
  const have = new Set(current.split(',').map((n) => n.trim().toLowerCase()));
  const added = names.split(',').map((n) => n.trim()).filter((n) => n && !have.has(n.toLowerCase()));
  return added.length === 0 ? current : `${current}, ${added.join(', ')}`;
}

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const payload = Buffer.from(JSON.stringify(body));
  res.writeHead(status, { ...headers, 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': payload.length });
  res.end(res.req.method === 'HEAD' ? undefined : payload);
}

/** The JSON error body: a stable code, a message and any detail (valid ranges, known ids). */
export function sendError(res: ServerResponse, error: EngineError, headers: Record<string, string>): void {
  const extra: Record<string, string> = { ...headers, 'Cache-Control': 'no-store' };
  if (error.retryAfterS !== undefined) extra['Retry-After'] = String(error.retryAfterS);
  sendJson(res, error.status, { error: { code: error.code, message: error.message, ...error.detail } }, extra);
}

/** True when the client lists gzip in Accept-Encoding with a non-zero quality. */
export function acceptsGzip(req: IncomingMessage): boolean {
  const header = req.headers['accept-encoding'];
  if (typeof header !== 'string') return false;
  return header.split(',').some((part) => {
    const [coding, ...params] = part.trim().split(';');
    if (coding?.trim().toLowerCase() !== 'gzip' && coding?.trim() !== '*') return false;
    const q = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
    return q === undefined || Number(q.slice(2)) > 0;
  });
}

/** Tags of bodies already hashed: a cached tile is the same object on every hit. */
const etags = new WeakMap<Uint8Array, string>();

/** A strong validator from the content: equal bytes, equal tag, on every node. */
export function etagOf(body: Uint8Array): string {
  let etag = etags.get(body);
  if (etag === undefined) {
    etag = `"${createHash('sha1').update(body).digest('base64url')}"`;
    etags.set(body, etag);
  }
  return etag;
}

/** True when the client's If-None-Match holds this tag (or *): it has these bytes already. */
export function clientHas(req: IncomingMessage, etag: string): boolean {
  const header = req.headers['if-none-match'];
  if (typeof header !== 'string') return false;
  return header.split(',').some((t) => {
    const tag = t.trim().replace(/^W\//, '');
    return tag === '*' || tag === etag;
  });
}

/** Sends bytes with a strong ETag, or 304 Not Modified when the client already has them. */
export function sendCacheable(req: IncomingMessage, res: ServerResponse, body: Uint8Array, contentType: string, headers: Record<string, string>): void {
  const etag = etagOf(body);
  if (clientHas(req, etag)) {
    res.writeHead(304, { ...headers, ETag: etag });
    res.end();
    return;
  }
  res.writeHead(200, { ...headers, ETag: etag, 'Content-Type': contentType, 'Content-Length': body.length });
  res.end(req.method === 'HEAD' ? undefined : body);
}
