/**
 * Every error a client can cause or meet has a stable code, an HTTP status and a
 * one-line description here. The HTTP layer maps these to responses; anything that
 * is not an EngineError is a bug and becomes a logged 500.
 */
export const ERROR_CODES = {
  INVALID_TILE_COORDINATE: { status: 400, description: 'z, x or y is not an integer or lies outside the valid range.' },
  ZOOM_OUT_OF_RANGE: { status: 400, description: 'The zoom level lies outside the range the tileset or grid serves.' },
  UNKNOWN_TILESET: { status: 404, description: 'No tileset has this id.' },
  UNKNOWN_GRID: { status: 404, description: 'No tile grid (tile matrix set) has this id, or the tileset is not served in it.' },
  UNKNOWN_FORMAT: { status: 404, description: 'The tile format (file extension) is not served for this tileset.' },
  NOT_FOUND: { status: 404, description: 'No route matches the path.' },
  BAD_REQUEST: { status: 400, description: 'The HTTP request itself is malformed (bytes the HTTP parser refuses).' },
  REQUEST_HEADERS_TOO_LARGE: { status: 431, description: 'The request line and headers exceed what the server reads (about 16 KB).' },
  METHOD_NOT_ALLOWED: { status: 405, description: 'Only GET, HEAD and OPTIONS are served.' },
  REQUEST_BODY_NOT_ALLOWED: { status: 413, description: 'A GET, HEAD or OPTIONS request came with a body; none is read, and the connection is closed.' },
  DATABASE_UNAVAILABLE: { status: 503, description: 'PostgreSQL cannot be reached; the engine retries by itself.' },
  QUERY_TIMEOUT: { status: 503, description: 'The tile query ran over its time limit (statement_timeout).' },
  OVERLOADED: { status: 503, description: 'Too many tile productions are queued; retry shortly.' },
  RENDER_TIMEOUT: { status: 503, description: 'A raster render ran over render.timeoutMs.' },
  RENDER_FAILED: { status: 500, description: 'A raster render failed in its thread; only this request is affected.' },
  GLYPHS_UNAVAILABLE: { status: 503, description: 'The glyphs a render needs could not be made; nothing was drawn or cached. Retry shortly.' },
  INVALID_GLYPH_REQUEST: { status: 400, description: 'The font stack or glyph range is malformed (ranges are {start}-{start+255}, start a multiple of 256).' },
  INVALID_PRINT_REQUEST: { status: 400, description: 'A print parameter is missing or malformed; the message names it.' },
  PRINT_TOO_LARGE: { status: 413, description: 'The print has more pixels than print.maxPixels.' },
  PRINTS_BUSY: { status: 503, description: 'print.maxConcurrent prints are running; retry shortly (tiles are still served).' },
  VIEW_TOO_LARGE: { status: 413, description: 'The requested map needs more data or pixels than one render may draw.' },
  UNKNOWN_STYLE: { status: 404, description: 'No style (or tileset with a style) has this id.' },
  UNKNOWN_SPRITE: { status: 404, description: 'The style has no sprite of the engine (sprites are /styles/{id}/sprite[@2x].{json,png}).' },
  UNAUTHORIZED: { status: 401, description: 'The route (/metrics) needs an API key or token and the request carries none. Restricted tilesets and styles answer as unknown ones.' },
  INVALID_CREDENTIAL: { status: 401, description: 'The API key is unknown, or the token is malformed, wrongly signed or expired.' },
  FORBIDDEN: { status: 403, description: 'The key or token is valid but does not grant this route (/metrics needs the grant "metrics").' },
  TOKEN_KEYS_UNAVAILABLE: { status: 503, description: "The token's issuer keys (access.tokens.jwksUrl) could not be fetched; retry after Retry-After. The token itself may be fine." },
  ACCESS_NOT_VERIFIED: { status: 503, description: 'The tables the layers read could not be checked against access.restrictedData (the log says why); nothing is read until they are.' },
  TOO_MANY_REQUESTS: { status: 429, description: 'The client is over its limit of requests in flight or per second (limits.perClient); retry after Retry-After.' },
  REQUEST_TIMEOUT: { status: 503, description: 'The answer was not ready within limits.requestTimeoutMs; the work was abandoned.' },
  SHUTTING_DOWN: { status: 503, description: 'This process is draining before it stops; another replica answers.' },
  REQUEST_ABORTED: { status: 499, description: 'The client went away before the tile was produced.' },
  INTERNAL: { status: 500, description: 'An unexpected failure; it is logged with context.' },
} as const satisfies Record<string, { status: number; description: string }>;

export type ErrorCode = keyof typeof ERROR_CODES;

/** Base of all errors with a meaning for clients: a stable code, a status and a message. */
export class EngineError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  /** Seconds a client should wait before retrying (503 answers). */
  readonly retryAfterS: number | undefined;
  /** Extra machine-readable detail for the JSON body (valid ranges, known ids). */
  readonly detail: Record<string, unknown> | undefined;

  constructor(
    code: ErrorCode,
    message: string,
    options: { retryAfterS?: number; detail?: Record<string, unknown>; cause?: unknown } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'EngineError';
    this.code = code;
    this.status = ERROR_CODES[code].status;
    this.retryAfterS = options.retryAfterS;
    this.detail = options.detail;
  }
}

/** Maps an unknown thrown value to an EngineError, keeping EngineErrors as they are. */
export function toEngineError(error: unknown): EngineError {
  if (error instanceof EngineError) return error;
  return new EngineError('INTERNAL', 'Internal error', { cause: error });
}
