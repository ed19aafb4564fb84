import { z } from 'zod';
import { HMAC_ALGORITHMS, isHmacAlgorithm, KEY_ALGORITHMS } from '../access/jwt-tokens.ts';

/** An SQL identifier we are willing to quote: no NULs, sane length (PostgreSQL's NAMEDATALEN is 64). */
const identifier = z.string().min(1).max(63).regex(/^[^\u0000"]+$/, 'must not contain " or NUL');
/** `table` or `schema.table`. */
const tableName = z.string().min(1).max(127).regex(/^[^\u0000"]+(\.[^\u0000".]+)?$/, 'must be "table" or "schema.table"');
const zoom = z.number().int().min(0).max(24);
const tileId = z.string().regex(/^[\p{L}\p{N}_-]{1,64}$/u, 'must be 1–64 letters, digits, _ or -');

/** A DNS label: letters, digits and inner hyphens, at most 63 (RFC 1035). */
const LABEL = '[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?';
/**
 * A server.allowedHosts entry: optional scheme of the links (http when absent), optional
 * `*.` wildcard, a DNS name, IPv4 or bracketed IPv6 address, optional port.
 */
export const ALLOWED_HOST_ENTRY = new RegExp(
  `^(?:(?<scheme>https?)://)?(?<wildcard>\\*\\.)?(?<host>${LABEL}(?:\\.${LABEL})*|\\[[0-9a-f:.]+\\])(?::(?<port>\\d{1,5}))?$`,
  'i',
);
/** What is wrong with a server.allowedHosts entry; undefined when nothing is. */
function allowedHostProblem(entry: string): string | undefined {
  const groups = ALLOWED_HOST_ENTRY.exec(entry)?.groups;
  if (!groups) return 'must be [http(s)://][*.]host[:port], e.g. karta.example.se, karta.example.se:8080 or https://*.example.se';
  if (groups.port !== undefined && (Number(groups.port) < 1 || Number(groups.port) > 65535)) return `port ${groups.port} is outside 1–65535`;
  // `*.se` would let in any domain under a top-level domain.
  if (groups.wildcard && (groups.host!.startsWith('[') || !groups.host!.includes('.'))) return 'a wildcard must be over a domain of at least two labels, e.g. *.example.se';
  return undefined;
}
const allowedHost = z
  .string()
  .max(300)
  .superRefine((entry, ctx) => {
    const problem = allowedHostProblem(entry);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  });

/** A claim name, or a dotted path into nested claims (`realm_access.roles`). */
const claimPath = z.string().regex(/^[\w:/.-]{1,200}$/, 'must be a claim name or a dotted path such as realm_access.roles').refine((p) => !p.split('.').some((part) => part === '' || part === '__proto__'), 'must not have empty parts nor __proto__');

/** access.tokens: who may issue the JWTs the engine accepts, and where their grants are. */
const tokensSchema = z
  .object({
    /** HS256 shared secret of a portal that mints tokens (env ACCESS_TOKEN_SECRET; `sodertorn-tiles token`). */
    secret: z.string().min(32, 'must be at least 32 characters').optional(),
    /** JWKS URL of an OpenID Connect provider (Entra ID, Keycloak) whose RS256/ES256 tokens are accepted; needs issuer and audience. */
    jwksUrl: z.url({ protocol: /^https?$/, error: 'must be an http(s) URL, e.g. https://login.microsoftonline.com/{tenant}/discovery/v2.0/keys' }).optional(),
    /** The `iss` every token must carry (checked when set). */
    issuer: z.string().min(1).optional(),
    /** The `aud` a token must carry, or one of these (checked when set). */
    audience: z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]).optional(),
    /** Signature algorithms accepted; default HS256 with secret, RS256 and ES256 with jwksUrl. `none` never is. */
    algorithms: z.array(z.enum([...HMAC_ALGORITHMS, ...KEY_ALGORITHMS])).min(1).optional(),
    /** Leeway for clock skew between issuer and engine on exp and nbf; bounded so an expired token is not honoured for long. */
    clockToleranceS: z.number().int().min(0).max(300).default(30),
    /** Claim holding the grants, a list or a space-separated string: `roles` (Entra ID), `realm_access.roles` (Keycloak). */
    grantsClaim: claimPath.default('grants'),
    /** Claim naming the caller in logs and limits (`token:<sub>`). */
    subjectClaim: claimPath.default('sub'),
  })
  .strict()
  .superRefine((t, ctx) => {
    // A shared provider signs tokens for every tenant and app with the same keys: issuer and audience pick ours.
    if (t.jwksUrl && !t.issuer) ctx.addIssue({ code: 'custom', message: 'is required with jwksUrl, so tokens of other tenants of the provider are refused', path: ['issuer'] });
    if (t.jwksUrl && !t.audience) ctx.addIssue({ code: 'custom', message: 'is required with jwksUrl, so tokens issued for other applications are refused', path: ['audience'] });
    for (const alg of t.algorithms ?? []) {
      const hmac = isHmacAlgorithm(alg);
      if (hmac && !t.secret) ctx.addIssue({ code: 'custom', message: `${alg} needs access.tokens.secret (ACCESS_TOKEN_SECRET)`, path: ['algorithms'] });
      if (!hmac && !t.jwksUrl) ctx.addIssue({ code: 'custom', message: `${alg} needs access.tokens.jwksUrl`, path: ['algorithms'] });
    }
  })
  .prefault({});

export const layerSchema = z
  .object({
    /** Name of the layer inside the vector tile. */
    id: tileId,
    table: tableName,
    geometryColumn: identifier.default('geom'),
    /** SRID of the geometry column; the query transforms from it to the grid's CRS. */
    srid: z.number().int().positive(),
    /** Integer column used as the MVT feature id (omit to leave features without ids). */
    idColumn: identifier.optional(),
    /** Columns exposed as feature properties. */
    attributes: z.array(identifier).default([]),
    /**
     * One point per row instead of its shape: for a polygon the centre of its largest
     * inscribed circle (where a label fits best), for other shapes a point on them. A label
     * layer over it is placed once per row, however the polygon is cut into tiles.
     */
    labelPoint: z.boolean().optional(),
    minzoom: zoom.default(0),
    maxzoom: zoom.default(24),
    /**
     * Optional SQL boolean expression added to the WHERE clause. Written by the operator in
     * this file, never taken from a request; ignored in embedded (no database) mode.
     */
    filter: z.string().min(1).max(4000).optional(),
    /**
     * Up to this zoom, the features a tile carries with the same attributes are merged into
     * one (their union; ids are dropped): land cover by class, where thousands of cells draw
     * as a few areas. Only where the tileset's content follows the styles; not in embedded mode.
     */
    merge: z.object({ maxzoom: zoom }).strict().optional(),
    /**
     * SQL conditions for some zooms only, where a style cannot say it (only streets longer
     * than a pixel below z12, say): added to `filter` at the levels whose zoom is within
     * [minzoom, maxzoom]. Operator-written like `filter`; ignored in embedded mode.
     */
    zoomFilters: z
      .array(z.object({ minzoom: zoom.default(0), maxzoom: zoom.default(24), filter: z.string().min(1).max(4000) }).strict())
      .max(24)
      .optional(),
  })
  .strict()
  .refine((l) => l.minzoom <= l.maxzoom, { message: 'minzoom must not exceed maxzoom', path: ['minzoom'] })
  .refine((l) => !(l.merge && l.labelPoint), { message: 'a label point layer has one point per row: it cannot be merged', path: ['merge'] });

export const tilesetSchema = z
  .object({
    id: tileId,
    name: z.string().min(1).optional(),
    description: z.string().optional(),
    attribution: z.string().optional(),
    minzoom: zoom.default(0),
    maxzoom: zoom.default(16),
    layers: z.array(layerSchema).min(1),
    /** HTTP caching of this tileset's tiles (and the raster tiles drawn from it); default server.tileMaxAgeS. */
    maxAgeS: z.number().int().min(0).max(31_536_000).optional(),
    /** Lets browsers and CDNs serve a tile this many seconds past max-age while they fetch it again. */
    staleWhileRevalidateS: z.number().int().min(0).max(31_536_000).optional(),
    /** restricted: served only to an API key or token granting this tileset (see access). Default public. */
    access: z.enum(['public', 'restricted']).optional(),
    /** Most device pixels of a print or WMS map drawn from this tileset; default print.maxPixels. */
    maxPrintPixels: z.number().int().min(1).optional(),
    /**
     * What its vector tiles carry. `styles`: at each zoom, only the features and attributes some
     * served style draws there (default when a style draws the tileset). `full`: every feature
     * and attribute of the layers (default otherwise; for clients with styles of their own).
     */
    content: z.enum(['styles', 'full']).optional(),
  })
  .strict()
  .refine((t) => t.minzoom <= t.maxzoom, { message: 'minzoom must not exceed maxzoom', path: ['minzoom'] })
  .refine((t) => new Set(t.layers.map((l) => l.id)).size === t.layers.length, {
    message: 'layer ids must be unique within a tileset',
    path: ['layers'],
  });

export const configSchema = z
  .object({
    server: z
      .object({
        host: z.string().min(1).default('127.0.0.1'),
        port: z.number().int().min(0).max(65535).default(3000),
        /** Base URL of every link in answers (behind a proxy); when unset, see allowedHosts. */
        publicUrl: z.url().optional(),
        /**
         * Without publicUrl, the Host headers links may be built from: `[http(s)://]host[:port]`,
         * or `*.domain` for any subdomain of it, case-insensitive; an entry without a port
         * matches only a Host without one. Any other Host gets links to the address the
         * request came in on, so no request can put a foreign host into a cacheable answer.
         */
        allowedHosts: z.array(allowedHost).max(1000).default([]),
        /** Access-Control-Allow-Origin for GET; web maps on other hosts load our tiles. */
        corsOrigin: z.string().default('*'),
        /** Cache-Control max-age for tiles, seconds. */
        tileMaxAgeS: z.number().int().min(0).default(60),
        logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
        /** Log every request answered by the routes (not the hot-tile fast path) at info, with its request id. */
        accessLog: z.boolean().default(false),
      })
      .strict()
      .prefault({}),
    database: z
      .object({
        /** postgres:// URL; without one the engine serves the embedded demo files. */
        url: z.string().optional(),
        /** Bounded: the database, not the engine, is the scarce resource (2 cores here). */
        poolSize: z.number().int().min(1).max(100).default(8),
        /** Per tile query; over it the answer is 503 and the connection goes back to the pool. */
        statementTimeoutMs: z.number().int().min(100).max(600_000).default(10_000),
        connectTimeoutMs: z.number().int().min(100).max(60_000).default(3_000),
        /** Retry-After sent with 503 when the database is down. */
        retryAfterS: z.number().int().min(1).max(3600).default(5),
        /** How often a connection of its own checks that PostgreSQL answers: /health and /ready read the result, never the tile pool. */
        probeIntervalMs: z.number().int().min(100).max(60_000).default(2_000),
      })
      .strict()
      .prefault({}),
    tiles: z
      .object({
        /** MVT coordinate extent of one tile. */
        extent: z.number().int().min(256).max(16384).default(4096),
        /** Geometry buffer around each tile in extent units (64/4096 = 4 px of 256). */
        buffer: z.number().int().min(0).max(4096).default(64),
        /**
         * Tile queries waiting for a connection, all clients together. Clients take turns;
         * when it is full the client waiting with the most loses its newest (503).
         */
        maxQueuedProductions: z.number().int().min(1).max(100_000).default(256),
        /**
         * Raw bytes a vector tile should stay within (MapLibre's guidance: 500 KB). Tiles
         * produced above it are counted per tileset, grid and level in /metrics
         * (sodertorn_vector_tiles_over_budget_total); `sodertorn-tiles tile-sizes` lists them.
         */
        sizeBudgetBytes: z.number().int().min(1024).default(500 * 1024),
        /** Publish every table with a geometry column as a tileset of its own. */
        discover: z
          .object({
            enabled: z.boolean().default(false),
            schemas: z.array(identifier).default(['public']),
          })
          .strict()
          .prefault({}),
      })
      .strict()
      .prefault({}),
    render: z
      .object({
        /** Folder of the styles: recipes (`<id>.yaml`) over shared layers and tokens, or MapLibre styles (`<id>.json`). */
        stylesDir: z.string().default('styles'),
        /** Style of a tileset's raster tiles when a request names the tileset (XYZ shorthand, WMTS style "default"). */
        defaultStyle: z.string().min(1).optional(),
        /** Render threads; one per core is the sweet spot for Skia on this 2-core machine. */
        workers: z.number().int().min(1).max(64).default(2),
        /**
         * Renders waiting for a thread, all clients together; bounds latency under overload.
         * Clients take turns; when it is full the client waiting with the most loses its
         * newest (503 + Retry-After). 0: nothing waits, a render runs only on a free thread.
         */
        maxQueue: z.number().int().min(0).max(10_000).default(64),
        /** Longest a single render may take before it is abandoned with 503. */
        timeoutMs: z.number().int().min(100).max(600_000).default(30_000),
        webpQuality: z.number().int().min(1).max(100).default(85),
        jpegQuality: z.number().int().min(1).max(100).default(85),
        /** zlib level of PNG encoding: 6 balances size and the ~38 ms encode measured here. */
        pngCompressionLevel: z.number().int().min(0).max(9).default(6),
        /**
         * Raster tiles as 8-bit palette PNG (libimagequant through sharp, as Mapnik writes
         * them by default): about a quarter of the bytes of true colour for flat-coloured maps.
         * WMS maps and prints stay true colour. pngPaletteQuality: 1–100, the least quality
         * the quantiser may reach (lower: fewer colours, smaller files).
         */
        pngPalette: z.boolean().default(true),
        pngPaletteQuality: z.number().int().min(1).max(100).default(70),
        /**
         * Raster tiles are drawn N×N at a time (a metatile) and cut: labels are placed once,
         * so they are not cut or repeated at tile edges. 1 draws every tile alone.
         */
        metatile: z.number().int().min(1).max(16).default(4),
        /** CSS pixels drawn around a metatile, so labels starting in the next one are drawn here too. */
        metatileBufferPx: z.number().int().min(0).max(1024).default(128),
      })
      .strict()
      .prefault({}),
    /** Who publishes the service: OWS ServiceIdentification and ServiceProvider (WMTS, later WMS). */
    service: z
      .object({
        title: z.string().min(1).default('Södertörn tile engine'),
        abstract: z.string().default('Harmonised base maps of the eight Södertörn municipalities.'),
        keywords: z.array(z.string().min(1)).default(['Södertörn', 'baskarta', 'SWEREF 99']),
        providerName: z.string().min(1).default('Södertörnskommunerna'),
        providerSite: z.url().optional(),
        contactName: z.string().optional(),
        contactEmail: z.string().optional(),
      })
      .strict()
      .prefault({}),
    /**
     * The tiered tile cache, tried in the order memory → disk → Redis; each tier can be
     * turned off. Tiles are removed the moment their rows change (change log + NOTIFY).
     */
    cache: z
      .object({
        memory: z
          .object({ enabled: z.boolean().default(true), maxBytes: z.number().int().min(1024).default(256 * 1024 * 1024) })
          .strict()
          .prefault({}),
        disk: z
          .object({
            enabled: z.boolean().default(false),
            /** Folder of the cached tiles; created when missing. */
            dir: z.string().min(1).default('var/tile-cache'),
            maxBytes: z.number().int().min(1024).default(2 * 1024 * 1024 * 1024),
          })
          .strict()
          .prefault({}),
        redis: z
          .object({
            /** Redis shared by the engine processes; env REDIS_URL. Off when unset. */
            url: z.string().min(1).optional(),
            keyPrefix: z.string().max(64).default('sodertorn:'),
            /** Entries expire after this many seconds (besides invalidation); none when unset. */
            maxAgeS: z.number().int().min(1).optional(),
          })
          .strict()
          .prefault({}),
        /** NOTIFY channel of the change-log triggers (install-triggers uses the same). */
        channel: z.string().regex(/^[a-z_][a-z0-9_]{0,62}$/).default('sodertorn_tiles_changes'),
        /** How long applied changes are remembered, so a production that raced one is not stored; above the longest production. */
        raceWindowS: z.number().int().min(1).max(3600).default(120),
        /**
         * Hot tiles a change removes are produced again at once, in the background, so the
         * people looking at them get a cached tile with the new content: of the `window` most
         * recently used tiles in memory, at most `maxTiles` per change (0 turns it off).
         */
        rewarm: z
          .object({
            window: z.number().int().min(1).max(100_000).default(2000),
            maxTiles: z.number().int().min(0).max(10_000).default(32),
          })
          .strict()
          .prefault({}),
        /**
         * Optional purge of an HTTP cache in front of the engine (Varnish, a CDN): the tiles
         * a change invalidates are purged there too, right after the engine's own tiers,
         * in commit order, without holding them up. Over PostGIS only; off when unset.
         * See cache/purge/purge-requests.ts and the README for the Varnish VCL.
         */
        purge: z
          .object({
            /** ban: Varnish BAN with a regex of the tile URLs; purge: one PURGE per URL; cdn: POST {"files": [URLs]} (Cloudflare-style). */
            mode: z.enum(['ban', 'purge', 'cdn']),
            /** Varnish's address (ban, purge) or the CDN's purge endpoint (cdn). */
            url: z.url(),
            /** Sent with every purge request, e.g. Authorization for the CDN; never logged. */
            headers: z.record(z.string(), z.string()).default({}),
            /** The header carrying the ban regex (ban mode). */
            banHeader: z.string().regex(/^[A-Za-z0-9-]{1,64}$/).default('X-Ban-Url'),
            /** Base URL of the purged tile URLs; default server.publicUrl. Needed by purge and cdn. */
            publicUrl: z.url().optional(),
            /** Above this many URLs for one batch of changes (purge, cdn), purgeEverything is sent instead, or an error logged. */
            maxUrls: z.number().int().min(1).max(1_000_000).default(10_000),
            /** URLs per CDN request: Cloudflare takes 30 a call (500 on Enterprise). */
            batchSize: z.number().int().min(1).max(10_000).default(30),
            /** Purge requests in flight at once; bounded so a burst of edits does not flood the front. */
            concurrency: z.number().int().min(1).max(64).default(4),
            timeoutMs: z.number().int().min(100).max(120_000).default(5_000),
            /** Attempts after a failed one, with backoff from 200 ms to 5 s. */
            retries: z.number().int().min(0).max(10).default(3),
            /** The request purging everything, e.g. { method: POST, body: '{"purge_everything":true}' }; url defaults to url. */
            purgeEverything: z
              .object({ method: z.string().regex(/^[A-Z]{1,16}$/).default('POST'), url: z.url().optional(), body: z.string().optional() })
              .strict()
              .optional(),
          })
          .strict()
          .optional(),
      })
      .strict()
      .prefault({}),
    /**
     * Access control: tilesets (tilesets[].access) and styles listed here are served only
     * to callers whose API key or signed token grants them. Everything else is public.
     */
    access: z
      .object({
        restrictedStyles: z.array(tileId).default([]),
        /**
         * Restrictions on the data itself: a table (or some of its columns) readable only
         * with one of its grants. Every tileset, style, discovered tileset, print, WMS map and
         * viewer place list reading it is restricted the same way; start-up refuses a
         * configured tileset that would publish it. See src/access/data-restrictions.ts.
         */
        restrictedData: z
          .array(
            z
              .object({
                table: tableName,
                /** Grants that open it; any one will do ('*' opens everything). */
                grants: z.array(z.string().min(1)).min(1),
                /** Only these columns are restricted (the rows, geometry and other columns are public). */
                columns: z.array(identifier).min(1).optional(),
                /** Opt-out: these columns (geometry and id columns by name) are public on purpose; all others stay restricted. */
                publicColumns: z.array(identifier).min(1).optional(),
              })
              .strict()
              .refine((r) => !(r.columns && r.publicColumns), { message: 'name either columns (restricted) or publicColumns (public), not both', path: ['publicColumns'] }),
          )
          .default([]),
        /** API keys by the hex SHA-256 of the key (`sodertorn-tiles key` makes one): the file holds no secret. */
        keys: z
          .array(
            z
              .object({
                name: z.string().min(1).max(64),
                sha256: z.string().regex(/^[0-9a-fA-F]{64}$/, 'must be the 64 hex digits of the key\'s SHA-256'),
                /** Tileset and style ids the key opens; '*' opens all. */
                grants: z.array(z.string().min(1)).min(1),
                /** This key's own limits.perClient (a client with a key is counted by its key, not its address). */
                limits: z
                  .object({
                    maxConcurrent: z.number().int().min(0).max(100_000).optional(),
                    requestsPerS: z.number().min(0).max(1_000_000).optional(),
                    burst: z.number().int().min(1).max(1_000_000).optional(),
                  })
                  .strict()
                  .optional(),
              })
              .strict(),
          )
          .default([]),
        /** JSON Web Tokens (Bearer) accepted besides API keys; none are when neither secret nor jwksUrl is set. */
        tokens: tokensSchema,
        /** Tokens expiring further ahead than this (or without an expiry) are refused. */
        maxTokenTtlS: z.number().int().min(60).max(31_536_000).default(30 * 24 * 3600),
      })
      .strict()
      .prefault({}),
    /** Limits that keep one client, or one slow answer, from taking the engine down. */
    limits: z
      .object({
        /** Longest a request may take to be answered (prints included); then 503 REQUEST_TIMEOUT and the work is abandoned. */
        requestTimeoutMs: z.number().int().min(100).max(3_600_000).default(120_000),
        /** On SIGTERM: in-flight requests get this long to finish before connections are cut. */
        shutdownGraceMs: z.number().int().min(0).max(600_000).default(10_000),
        /** Take the client address from X-Forwarded-For (set only behind a proxy you run). */
        trustProxy: z.boolean().default(false),
        perClient: z
          .object({
            /** Requests one client may have in flight (cached hot tiles excepted); 0 = no limit. */
            maxConcurrent: z.number().int().min(0).max(100_000).default(64),
            /** Sustained requests per second per client (cached hot tiles excepted); 0 = no limit. */
            requestsPerS: z.number().min(0).max(1_000_000).default(0),
            burst: z.number().int().min(1).max(1_000_000).default(200),
            /** Count the rate across every process sharing cache.redis.url (REDIS_URL); in flight stays per process. */
            shared: z.boolean().default(false),
          })
          .strict()
          .prefault({}),
      })
      .strict()
      .prefault({}),
    /** Prints (/print): large images rendered in pieces and stitched. */
    print: z
      .object({
        /** Most device pixels of one print: an A0 at 300 dpi is ~139 million. */
        maxPixels: z.number().int().min(1).default(150_000_000),
        /**
         * Most device pixels rendered for one print, the overlap margins of its pieces
         * included: what bounds its work (the margin grows with the DPI; an A0 at 300 dpi
         * draws ~283 million, about 16 s of two render threads here).
         */
        maxDrawnPixels: z.number().int().min(1).default(300_000_000),
        /** JPEG and WebP are encoded from the whole page in memory: their bound (PNG is streamed). */
        maxPixelsEncodedWhole: z.number().int().min(1).default(40_000_000),
        /** Prints running at once; more are refused with 503 (tiles keep being served). */
        maxConcurrent: z.number().int().min(1).max(64).default(1),
        /** Device pixels per side of one piece (one render). */
        pieceSizePx: z.number().int().min(256).max(8192).default(1536),
        /** CSS pixels drawn around each piece and cut off, so labels are whole across piece edges. */
        overlapPx: z.number().int().min(0).max(1024).default(96),
      })
      .strict()
      .prefault({}),
    fonts: z
      .object({
        /** Folder of the TrueType/OpenType fonts glyphs are made from (styles name them "{family} {style}"). */
        dir: z.string().default('fonts'),
        /** Font drawn for a stack naming none of the engine's fonts; default: the first "… Regular". */
        fallback: z.string().min(1).optional(),
      })
      .strict()
      .prefault({}),
    viewer: z
      .object({
        /** Folder of the map viewer's page, script and stylesheet (served at / and /viewer/). */
        dir: z.string().default('viewer'),
        /** Where the viewer opens: [lon, lat] and MapLibre zoom. */
        center: z.tuple([z.number().min(-180).max(180), z.number().min(-85).max(85)]).default([17.9, 59.15]),
        zoom: z.number().min(0).max(22).default(9),
        /**
         * Places the viewer lists and zooms to: the features of a layer grouped by a code
         * field, each named by a label field (the municipalities: kommun by kommunkod).
         */
        places: z
          .object({ tileset: z.string().min(1), layer: z.string().min(1), key: z.string().min(1), label: z.string().min(1) })
          .strict()
          .optional(),
      })
      .strict()
      .prefault({}),
    demo: z
      .object({
        /** Folder of the embedded demo GeoJSON files, one per table. */
        dir: z.string().default('data/demo'),
      })
      .strict()
      .prefault({}),
    tilesets: z.array(tilesetSchema).default([]),
  })
  .strict()
  .refine((c) => new Set(c.tilesets.map((t) => t.id)).size === c.tilesets.length, {
    message: 'tileset ids must be unique',
    path: ['tilesets'],
  })
  .refine((c) => !c.limits.perClient.shared || c.cache.redis.url, {
    message: 'shared per-client limits count in Redis: set cache.redis.url (REDIS_URL)',
    path: ['limits', 'perClient', 'shared'],
  })
  .refine((c) => !c.cache.purge || c.cache.purge.mode === 'ban' || c.cache.purge.publicUrl || c.server.publicUrl, {
    message: 'purge and cdn modes send absolute tile URLs: set cache.purge.publicUrl or server.publicUrl (PUBLIC_URL)',
    path: ['cache', 'purge', 'publicUrl'],
  });

export type EngineConfig = z.infer<typeof configSchema>;
export type TilesetConfig = z.infer<typeof tilesetSchema>;
export type LayerConfig = z.infer<typeof layerSchema>;
