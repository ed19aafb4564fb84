/**
 * Where a request carries its API key or token: the Authorization (Bearer) or X-Api-Key
 * header, a `/k/{key}/` prefix of the path, or the `key` query parameter. Desktop GIS
 * clients follow the links in capabilities documents, so a key that came in the URL is
 * put into every link the answer holds (as the path prefix).
 */
import type { IncomingMessage } from 'node:http';

const KEY_PREFIX = /^\/k\/([^/]{1,2048})(\/.*)$/;

/** Splits `/k/{key}/rest` into the key and `/rest`; other paths are returned as they are. */
export function splitKeyPrefix(rawPath: string): { key: string | undefined; path: string } {
  const m = KEY_PREFIX.exec(rawPath);
  if (!m) return { key: undefined, path: rawPath };
  let key: string;
  try {
    key = decodeURIComponent(m[1]!);
  } catch {
    key = m[1]!;
  }
  return { key, path: m[2]! };
}

export function headerCredential(req: IncomingMessage): string | undefined {
  const authorization = req.headers.authorization;
  if (authorization !== undefined) {
    const m = /^Bearer\s+(\S{1,4096})\s*$/i.exec(authorization);
    if (m) return m[1];
  }
  const apiKey = req.headers['x-api-key'];
  return typeof apiKey === 'string' && apiKey.length > 0 && apiKey.length <= 4096 ? apiKey : undefined;
}

/** A request's key or token: headers first, then the URL's /k/{key}/ prefix, then ?key=. */
export function requestCredential(req: IncomingMessage, urlKey: string | undefined, rawQuery: string): string | undefined {
  return headerCredential(req) ?? urlKey ?? (rawQuery.includes('key=') ? (new URLSearchParams(rawQuery).get('key') ?? undefined) : undefined);
}

/** The link prefix that carries a key given in the URL into the links of an answer. */
export const keyLinkPrefix = (key: string): string => `/k/${encodeURIComponent(key)}`;

/** A URL with any key or token in it blanked, for logs. */
export function redactUrl(url: string): string {
  return url.replace(/^\/k\/[^/]*/, '/k/[redacted]').replace(/([?&](?:key|token|access_token)=)[^&#]*/gi, '$1[redacted]');
}
