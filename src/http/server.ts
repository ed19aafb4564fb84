import { randomUUID } from 'node:crypto';
import { setMaxListeners } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import { RequestAccess, type AccessPolicy, type Principal, type SettledCaller } from '../access/access-policy.ts';
import type { ClientLimits } from '../access/client-limits.ts';
import { keyLinkPrefix, redactUrl, requestCredential, splitKeyPrefix } from '../access/credentials.ts';
import type { EngineConfig } from '../config/schema.ts';
import { EngineError, toEngineError } from '../errors.ts';
import { OwsException } from '../ows/ows-exception.ts';
import { WmsException } from '../ows/wms.ts';
import { inDialect, sendErrorAnswer, type ErrorDialect } from './error-answer.ts';
import { keepPrivate } from './private-answer.ts';
import type { RasterPipeline } from '../pipeline/raster-pipeline.ts';
import type { TilePipeline } from '../pipeline/tile-pipeline.ts';
import type { FontLibrary } from '../fonts/font-library.ts';
import type { Exchange } from './exchange.ts';
import type { TieredCache } from '../../cache/tiered-cache.ts';
import { Deadlines } from './deadlines.ts';
import { FastTiles, type GuardCheck } from './fast-tiles.ts';
import { createTileEndpoint } from './tile-endpoint.ts';
import type { HttpMetrics } from './metrics.ts';
import type { SpriteSet } from '../styles/sprite-builder.ts';
import type { LoadedStyle } from '../styles/style-store.ts';
import type { Viewer } from './viewer-routes.ts';
import { createLinkBase } from './link-base.ts';
import { baseHeaders, mergeVary } from './respond.ts';
import { matchRoute } from './router.ts';
import { engineRoutes } from './routes.ts';
import type { PrintService } from '../print/print-service.ts';

export interface HttpOptions {
  /** Base URL of links in answers; when unset, see allowedHosts (and link-base.ts). */
  readonly publicUrl?: string | undefined;
  /** Host headers links may be built from when publicUrl is unset (server.allowedHosts). */
  readonly allowedHosts: readonly string[];
  readonly corsOrigin: string;
  readonly tileMaxAgeS: number;
  /** Fonts for text the HTTP layer draws itself (WMS legends). */
  readonly fontsDir: string;
  readonly accessLog: boolean;
  readonly requestTimeoutMs: number;
  /** Client address from X-Forwarded-For (the entry our own proxy added). */
  readonly trustProxy: boolean;
}

/** The HTTP front: the server, and how to stop it gently. */
export interface HttpFront {
  readonly server: Server;
  /** The names of the routes, in matching order (tests check each has its access case). */
  routeNames(): string[];
  /** Requests being answered by the routes now. */
  inFlight(): number;
  readonly draining: boolean;
  /**
   * Stops accepting connections, lets in-flight requests finish for up to graceMs, then
   * cuts what is left. Answers given meanwhile carry Connection: close.
   */
  drain(graceMs: number): Promise<{ unfinished: number }>;
}

/** Routes a client's limits never apply to: probes must answer even under a flood. */
const UNLIMITED_ROUTES = new Set(['health', 'ready', 'metrics']);
/** Request ids we take from a client or proxy; anything else is replaced. */
const REQUEST_ID = /^[\w.:-]{1,128}$/;

/** The address a client's limits are kept under. */
function clientAddress(req: IncomingMessage, trustProxy: boolean): string {
  if (trustProxy) {
    const forwarded = req.headers['x-forwarded-for'];
    const last = typeof forwarded === 'string' ? forwarded.slice(forwarded.lastIndexOf(',') + 1).trim() : '';
    if (last) return last;
  }
  return req.socket.remoteAddress ?? 'unknown';
}

/** What /health reports beyond "alive". */
export type HealthCheck = () => Promise<Record<string, unknown>>;

/**
 * Builds the HTTP front, which serves and nothing else: the fast path for hot tiles, one
 * request context per request (credential, client, base URL, abort signal), admission
 * (per-client limits, the deadline), the route (routes.ts) and the error answer in the
 * route's dialect (error-answer.ts).
 */
export function createHttpServer(
  {
    pipeline,
    raster,
    fonts,
    styles,
    sprites,
    viewer,
    cache,
    prints,
    metrics,
    readiness,
    access,
    limits,
  }: {
    pipeline: TilePipeline;
    raster: RasterPipeline;
    fonts: FontLibrary;
    styles: readonly LoadedStyle[];
    sprites: ReadonlyMap<string, SpriteSet>;
    viewer: Viewer;
    cache?: TieredCache | undefined;
    /** maxPixelsOf: the largest print of a style (print.maxPixels, or less for a tileset that says so). */
    prints: { service: PrintService; maxPixelsOf: (styleId: string) => number };
    metrics: HttpMetrics;
    /** /ready: whether the engine can do its work now (database, threads, change feed). */
    readiness: () => Promise<{ ready: boolean } & Record<string, unknown>>;
    access: AccessPolicy;
    limits: ClientLimits;
  },
  options: HttpOptions,
  service: EngineConfig['service'],
  logger: Logger,
  health: HealthCheck,
): HttpFront {
  // The access policy; `exchange.access` is one request's view of it.
  const policy = access;
  // The fast path's check of a restricted tile: the credential from the headers or the URL's /k/ prefix, if remembered
  // valid (it is synchronous; one not checked yet takes the slow path, which checks and remembers it).
  const mayServe: GuardCheck = (req, url, guard) => {
    const credential = requestCredential(req, splitKeyPrefix(url).key, '');
    if (credential === undefined) return false;
    const caller = policy.remembered(credential, Math.floor(Date.now() / 1000));
    return caller !== undefined && (guard.kind === 'tileset' ? policy.mayTileset(caller, guard.id) : policy.mayStyle(caller, guard.id));
  };
  const fast = cache ? new FastTiles(cache, mayServe) : undefined;
  const tiles = createTileEndpoint({ pipeline, raster, policy, fast, tileMaxAgeS: options.tileMaxAgeS });
  const routes = engineRoutes({ pipeline, raster, fonts, styles, sprites, viewer, prints, metrics, readiness, health, tiles, service, fontsDir: options.fontsDir });

  /** One request's state the exchange is made of; the costly parts are made on first use. */
  interface RequestState {
    readonly req: IncomingMessage;
    readonly res: ServerResponse;
    readonly rawQuery: string;
    readonly headers: Record<string, string>;
    /** A key or token that came in the URL (/k/{key}/ or ?key=): links in the answer carry it on. */
    urlKey: string | undefined;
    /** Aborts the work when the client leaves or the deadline passes. */
    abort: AbortController | undefined;
    /** Who the request's key or token stands for, or its INVALID_CREDENTIAL error; settled before the route runs. */
    caller: SettledCaller;
    /** The answer depends on the caller: made private (see keepPrivate). */
    private: boolean;
    /** Who asks (see Exchange.client), worked out once (undefined: not yet). */
    client: string | undefined;
  }

  /** The caller behind a valid key or token, if any. */
  const callerOf = (state: RequestState): Principal | undefined => (state.caller instanceof EngineError ? undefined : state.caller);

  /** A client is its valid key or token, by name, else its address: one office behind a NAT with keys is many clients. */
  const clientOf = (state: RequestState): string => {
    if (state.client === undefined) {
      const caller = callerOf(state);
      state.client = caller ? caller.name : `ip:${clientAddress(state.req, options.trustProxy)}`;
    }
    return state.client;
  };

  const links = createLinkBase(options.publicUrl, options.allowedHosts);

  /**
   * The exchange a handler sees. Query, base URL, access and the abort signal are made on
   * first use: a cached tile needs none of them, and every allocation counts at 10,000s of
   * requests/s.
   */
  function exchangeOf(state: RequestState, params: Record<string, string>): Exchange {
    const { req, res, headers } = state;
    let query: URLSearchParams | undefined;
    let baseUrl: string | undefined;
    let access: RequestAccess | undefined;
    const queryOf = () => (query ??= new URLSearchParams(state.rawQuery));
    return {
      req,
      res,
      params,
      headers,
      get query() {
        return queryOf();
      },
      get baseUrl() {
        if (baseUrl === undefined) {
          const urlKey = state.urlKey ?? queryOf().get('key') ?? undefined;
          baseUrl = links.of(req.headers.host, req.socket.localAddress, req.socket.localPort) + (urlKey ? keyLinkPrefix(urlKey) : '');
          // The answer's links depend on the Host header (allowed or not): shared caches must key on it.
          if (links.variesByHost) headers.Vary = mergeVary(headers.Vary, 'Host');
        }
        return baseUrl;
      },
      get access() {
        // Whatever the route answers after asking who the caller is, no shared cache may keep.
        return (access ??= new RequestAccess(policy, state.caller, () => state.private || ((state.private = true), keepPrivate(res))));
      },
      get client() {
        return clientOf(state);
      },
      get signal() {
        if (!state.abort) {
          const abort = new AbortController();
          // A print hands one signal to every piece it renders, each listening.
          setMaxListeners(0, abort.signal);
          if (res.destroyed && !res.writableFinished) abort.abort(new EngineError('REQUEST_ABORTED', 'the client went away'));
          else res.once('close', () => !res.writableFinished && abort.abort(new EngineError('REQUEST_ABORTED', 'the client went away')));
          state.abort = abort;
        }
        return state.abort.signal;
      },
    };
  }

  let inFlight = 0;
  const deadlines = new Deadlines(Math.min(250, Math.max(10, options.requestTimeoutMs / 8)));
  let draining = false;
  let drained: (() => void) | undefined;

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    // Nothing served takes a body: one that comes is not read (a slow drip of chunks would hold the connection).
    const hasBody = req.headers['transfer-encoding'] !== undefined || (req.headers['content-length'] !== undefined && req.headers['content-length'] !== '0');
    if (!hasBody && fast && (req.method === 'GET' || req.method === 'HEAD') && req.url && fast.serve(req, res, req.url)) return metrics.countFastHit();
    const headers = baseHeaders(options.corsOrigin);
    const started = performance.now();
    const incomingId = req.headers['x-request-id'];
    const requestId = typeof incomingId === 'string' && REQUEST_ID.test(incomingId) ? incomingId : randomUUID();
    // In the answer's header object rather than setHeader: merging the two costs Node ~10 % here.
    headers['X-Request-Id'] = requestId;
    // A late write of abandoned work must not become an unhandled error event.
    res.on('error', () => {});
    if (draining) res.shouldKeepAlive = false;
    let routeName = 'none';
    let release: (() => void) | undefined;
    let unwatch: (() => void) | undefined;
    let timedOut = false;
    // The dialect errors are answered in: the route's, once one matched.
    let dialect: ErrorDialect = 'json';
    const state: RequestState = { req, res, rawQuery: '', headers, urlKey: undefined, abort: undefined, caller: undefined, private: false, client: undefined };
    inFlight++;
    // One listener for all the bookkeeping: 'close' follows 'finish' when the answer was sent whole.
    res.once('close', () => {
      inFlight--;
      release?.();
      unwatch?.();
      if (res.writableFinished) {
        const seconds = (performance.now() - started) / 1000;
        metrics.observe(routeName, res.statusCode, seconds);
        if (options.accessLog) logger.info({ reqId: requestId, method: req.method, url: redactUrl(req.url ?? '/'), route: routeName, status: res.statusCode, ms: Math.round(seconds * 1000) }, 'request');
      }
      if (draining && inFlight === 0) drained?.();
    });
    try {
      if (hasBody) {
        // The connection closes after the answer: the body is never read.
        res.shouldKeepAlive = false;
        if (req.method === 'GET' || req.method === 'HEAD' || req.method === 'OPTIONS') {
          throw new EngineError('REQUEST_BODY_NOT_ALLOWED', `a ${req.method} request carries no body here; this one did (Content-Length or Transfer-Encoding)`);
        }
      }
      if (req.method === 'OPTIONS') {
        // '*' does not cover Authorization (Fetch standard): named, so web maps can send keys and tokens.
        res.writeHead(204, { ...headers, 'Access-Control-Allow-Methods': 'GET, HEAD, OPTIONS', 'Access-Control-Allow-Headers': 'Authorization, X-Api-Key, *', 'Access-Control-Max-Age': '86400' });
        res.end();
        return;
      }
      if (req.method !== 'GET' && req.method !== 'HEAD') {
        throw new EngineError('METHOD_NOT_ALLOWED', `method ${req.method} is not allowed; use GET`);
      }
      const url = req.url ?? '/';
      const q = url.indexOf('?');
      const { key: urlKey, path: rawPath } = splitKeyPrefix(q < 0 ? url : url.slice(0, q));
      state.urlKey = urlKey;
      (state as { rawQuery: string }).rawQuery = q < 0 ? '' : url.slice(q + 1);
      let path: string;
      try {
        path = decodeURIComponent(rawPath);
      } catch {
        throw new EngineError('NOT_FOUND', 'the path is not valid percent-encoding');
      }
      const match = matchRoute(routes, path);
      if (!match) throw new EngineError('NOT_FOUND', `no route for ${path.slice(0, 200)}`);
      routeName = match.route.name;
      dialect = match.route.errors ?? 'json';
      if (routeName !== 'health' && routeName !== 'ready') {
        // Checked once, here, so access checks in the routes stay synchronous; a request without a
        // credential (most public tiles) pays nothing, a remembered one no promise.
        const credential = requestCredential(req, urlKey, state.rawQuery);
        if (credential !== undefined) {
          const nowS = Math.floor(Date.now() / 1000);
          state.caller = policy.remembered(credential, nowS) ?? (await policy.authenticate(credential, nowS).catch(toEngineError));
        }
      }
      if (limits.enabled && !UNLIMITED_ROUTES.has(routeName)) {
        const caller = callerOf(state);
        const client = clientOf(state);
        const admission = limits.isShared ? await limits.admitShared(client, caller?.limits) : limits.admit(client, caller?.limits);
        if (!admission.ok) {
          metrics.countLimited(admission.reason);
          throw new EngineError('TOO_MANY_REQUESTS', admission.reason === 'rate' ? 'over the requests per second allowed to one client' : 'over the requests in flight allowed to one client', { retryAfterS: admission.retryAfterS });
        }
        release = admission.release;
        // Gone while the shared limiter decided: its 'close' has passed, give the slot back now.
        if (res.destroyed || res.closed) return release();
      }
      unwatch = deadlines.add({
        at: started + options.requestTimeoutMs,
        expire: () => {
          timedOut = true;
          const error = new EngineError('REQUEST_TIMEOUT', `no answer within ${options.requestTimeoutMs} ms (limits.requestTimeoutMs)`);
          state.abort?.abort(error);
          if (res.headersSent) res.destroy();
          else sendErrorAnswer(res, inDialect(error, dialect, toEngineError), headers);
        },
      });
      await match.route.handler(exchangeOf(state, match.params));
    } catch (thrown) {
      if (timedOut) return; // answered already; this is the abandoned work ending
      const original = thrown instanceof OwsException || thrown instanceof WmsException ? thrown : toEngineError(thrown);
      if (original instanceof EngineError && original.code === 'REQUEST_ABORTED') return; // nobody is listening any more
      // 503s are load and outages the engine rides out (logged once elsewhere); other 5xx are bugs, with their stack.
      if (original.status === 503) logger.warn({ code: original.code, reqId: requestId, url: redactUrl(req.url ?? '/') }, original.message);
      else if (original.status >= 500) logger.error({ err: (original instanceof EngineError ? original.cause : undefined) ?? original, code: original.code, reqId: requestId, url: redactUrl(req.url ?? '/') }, original.message);
      if (res.headersSent) {
        res.destroy();
        return;
      }
      // A credential that is not valid gets 401 for whatever fails, so an unknown id and a restricted one answer alike.
      const refused = state.caller instanceof EngineError && original.status >= 400 && original.status < 500 && original.status !== 429 && original.status !== 499 ? state.caller : undefined;
      const error = inDialect(refused ?? original, dialect, toEngineError);
      if (error instanceof EngineError && error.code === 'METHOD_NOT_ALLOWED') headers.Allow = 'GET, HEAD, OPTIONS';
      sendErrorAnswer(res, error, headers);
    }
  }

  const server = createServer((req, res) => void handle(req, res));
  // Requests the HTTP parser refuses get the same JSON errors as the rest, not an empty body.
  server.on('clientError', (error: NodeJS.ErrnoException, socket) => {
    if (error.code === 'ECONNRESET' || !socket.writable) return void socket.destroy();
    const tooLarge = error.code === 'HPE_HEADER_OVERFLOW';
    const body = JSON.stringify({
      error: tooLarge
        ? { code: 'REQUEST_HEADERS_TOO_LARGE', message: 'the request line and headers are too large' }
        : { code: 'BAD_REQUEST', message: 'the HTTP request is malformed' },
    });
    socket.end(`HTTP/1.1 ${tooLarge ? '431 Request Header Fields Too Large' : '400 Bad Request'}\r\nContent-Type: application/json; charset=utf-8\r\nX-Content-Type-Options: nosniff\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
  });
  // Bounded so a slow or stalled client cannot hold a socket forever.
  server.requestTimeout = 30_000;
  server.headersTimeout = 10_000;
  return {
    server,
    routeNames: () => routes.map((r) => r.name),
    inFlight: () => inFlight,
    get draining() {
      return draining;
    },
    drain: async (graceMs) => {
      draining = true;
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      if (inFlight > 0) {
        await new Promise<void>((resolve) => {
          drained = resolve;
          setTimeout(resolve, graceMs).unref();
        });
      }
      const unfinished = inFlight;
      server.closeAllConnections();
      await closed;
      return { unfinished };
    },
  };
}
