import { pino, type DestinationStream, type Logger } from 'pino';
import { redactUrl } from './access/credentials.ts';

/** Header names that carry a key or token (Authorization: Bearer …, X-Api-Key), as Node and as people spell them. */
const SECRET_HEADERS = ['authorization', 'Authorization', 'proxy-authorization', 'x-api-key', 'X-Api-Key', 'X-API-Key', 'X-API-KEY'];

/**
 * Paths blanked in every log line, should a secret ever reach a logged object: the secret
 * headers at the top, in any object, and in a `headers` object up to two levels down
 * (`req.headers.authorization`, `err.request.headers.authorization`); and URLs, which keep
 * all but their keys (redactUrl).
 */
const SECRETS = [
  ...SECRET_HEADERS.flatMap((name) => [`["${name}"]`, `*["${name}"]`, `*.headers["${name}"]`, `*.*.headers["${name}"]`]),
  // access.tokens.secret, logged alone or in the config.
  'secret',
  '*.secret',
  '*.tokens.secret',
  '*.*.tokens.secret',
  'password',
  '*.password',
  'url',
  '*.url',
];

/** What a blanked path shows: a URL without its keys, anything else not at all. */
function censor(value: unknown, path: string[]): unknown {
  const isUrl = path[path.length - 1] === 'url' && (typeof value === 'string' || value instanceof URL);
  return isUrl ? redactUrl(String(value)) : '[redacted]';
}

/**
 * JSON logs to stdout (or `destination`) at the configured level (server.logLevel,
 * LOG_LEVEL); secrets redacted. A logged request keeps method, URL and headers only
 * (never rawHeaders, which hold Authorization unredacted).
 */
export function createLogger(level: string = 'info', destination?: DestinationStream): Logger {
  const options = { level, base: { service: 'sodertorn-tiles' }, serializers: { req: pino.stdSerializers.req }, redact: { paths: SECRETS, censor } };
  return destination ? pino(options, destination) : pino(options);
}
