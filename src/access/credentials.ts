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

const REDACTED = '[redacted]';

/**
 * Parameter names whose value is a secret, compared once decoded, lower-cased and stripped
 * of all but letters and digits: `key`, `%6Bey`, `Api-Key`, `x_api_key`, `key[]`, `access_token`.
 */
const SECRET_NAMES = new Set(['key', 'apikey', 'xapikey', 'token', 'accesstoken', 'authorization']);

/**
 * Percent-decoding that never throws: each valid %XX becomes its byte as a character (enough
 * to compare ASCII names), malformed escapes stay as they are. Decoded up to three times so
 * that a double-encoded `%256B` (a proxy decodes once more) is still read as `k`.
 */
function decodeLoosely(text: string): string {
  let decoded = text;
  for (let i = 0; i < 3 && decoded.includes('%'); i++) {
    const next = decoded.replace(/%([0-9A-Fa-f]{2})/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));
    if (next === decoded) break;
    decoded = next;
  }
  return decoded;
}

function isSecretName(rawName: string): boolean {
  return SECRET_NAMES.has(decodeLoosely(rawName.replace(/\+/g, ' ')).toLowerCase().replace(/[^a-z0-9]/g, ''));
}

/** True when `name=value` parts (split on & ; ?) of decoded text give a secret name a value not yet blanked. */
function holdsSecret(decoded: string): boolean {
  return decoded.split(/[&;?]/).some((part) => {
    const eq = part.indexOf('=');
    return eq > 0 && part.slice(eq + 1) !== REDACTED && isSecretName(part.slice(0, eq));
  });
}

/**
 * `name=value` parts (split on & ; and ?) with the values of secret names blanked, and the
 * value of any part that still holds one once decoded (`x=1%26key%3D…`).
 */
function redactParams(params: string): string {
  return params
    .split(/([&;?])/)
    .map((part) => {
      const eq = part.indexOf('=');
      if (eq > 0 && isSecretName(part.slice(0, eq))) return `${part.slice(0, eq)}=${REDACTED}`;
      if (!holdsSecret(decodeLoosely(part))) return part;
      return eq > 0 ? `${part.slice(0, eq)}=${REDACTED}` : REDACTED;
    })
    .join('');
}

/**
 * A path with every segment that follows a `k` segment blanked (`/k/{key}`, `/K/`, `/%6b/`,
 * nested `/k/x/k/{key}`, `/k//{key}`, `/k/k/{key}`), and secret matrix parameters (`;key=`)
 * blanked. A segment runs to the next `/`, as the engine reads a key; once decoded, `\`,
 * `%2F` and `%5C` inside it count as slashes too (a proxy may read them so): a segment
 * holding `k/…` is blanked whole, one ending in `/k` blanks the next.
 */
function redactPath(path: string): string {
  const segments = path.split('/');
  let afterK = false;
  for (let i = 0; i < segments.length; i++) {
    const raw = segments[i]!;
    if (raw === '') continue;
    const decoded = decodeLoosely(raw);
    const inner = decoded.split(/[/\\]/).map((part) => part.trim().toLowerCase());
    if (afterK || inner.slice(0, -1).includes('k')) {
      segments[i] = REDACTED;
    } else if (holdsSecret(decoded)) {
      const partly = redactParams(raw);
      segments[i] = holdsSecret(decodeLoosely(partly)) ? REDACTED : partly;
    }
    // A segment after a `k` may itself be `k`: `/k/k/{key}` blanks both.
    afterK = inner.at(-1) === 'k';
  }
  return segments.join('/');
}

/**
 * A URL with any key or token in it blanked, for logs: in every spelling the engine accepts
 * or nearly accepts (see redactPath and SECRET_NAMES), in the query, in the path, in user
 * info of an absolute URL; a fragment (never sent by browsers) is blanked whole. Never throws.
 */
export function redactUrl(url: string): string {
  const hash = url.indexOf('#');
  const beforeHash = hash < 0 ? url : url.slice(0, hash);
  const fragment = hash < 0 ? '' : `#${REDACTED}`;
  const q = beforeHash.indexOf('?');
  let path = q < 0 ? beforeHash : beforeHash.slice(0, q);
  const query = q < 0 ? '' : `?${redactParams(beforeHash.slice(q + 1))}`;
  // Absolute form (`GET http://user:secret@host/…`): user info is a credential.
  path = path.replace(/^([A-Za-z][A-Za-z0-9+.-]*:\/\/)[^/?#@]*@/, `$1${REDACTED}@`);
  return `${redactPath(path)}${query}${fragment}`;
}
