import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import type { EngineConfig, TilesetConfig } from './config/schema.ts';
import type { TileSource } from './sources/tile-source.ts';
import type { ServedModel } from '../cache/invalidation/affected-tiles.ts';
import { AccessPolicy } from './access/access-policy.ts';
import { TilesetAccessTable } from './access/tileset-access.ts';
import { ClientLimits } from './access/client-limits.ts';
import { TokenVerifier } from './access/jwt-tokens.ts';
import { SharedRate } from './access/shared-rate.ts';
import { openCache } from '../cache/open-cache.ts';
import { FontLibrary } from './fonts/font-library.ts';
import { GRIDS } from './grids/grids.ts';
import { levelRange } from './grids/tile-grid.ts';
import { createHttpServer } from './http/server.ts';
import { HttpMetrics } from './http/metrics.ts';
import { createViewer } from './http/viewer-routes.ts';
import { PrintService } from './print/print-service.ts';
import { escapedErrors } from './process-guard.ts';
import { RasterPipeline } from './pipeline/raster-pipeline.ts';
import { createRewarmer } from './pipeline/rewarm.ts';
import { TilePipeline, type Tileset } from './pipeline/tile-pipeline.ts';
import { RenderPool } from './render/render-pool.ts';
import { literalFontStacks } from './fonts/fontstack.ts';
import { renderWorkerData } from './render/render-task.ts';
import { buildSprites } from './styles/sprite-builder.ts';
import { loadStyles } from './styles/style-store.ts';
import { labelContentOf, tileContentOf } from './styles/tile-content-rules.ts';
import { GeojsonSource } from './sources/geojson/geojson-source.ts';
import { Database } from './sources/postgis/database.ts';
import { DatabaseProbe } from './sources/postgis/database-probe.ts';
import { ConfigError } from './config/load-config.ts';
import { checkLayers } from './sources/postgis/check-layers.ts';
import { discoverTilesets } from './sources/postgis/discover.ts';
import { PostgisSource } from './sources/postgis/postgis-source.ts';
import { checkedDatabase } from './sources/postgis/checked-database.ts';
import { readTableCatalogue } from './sources/postgis/table-catalogue.ts';

/** A built engine: the HTTP server and what must be closed with it. */
export interface Engine {
  readonly server: Server;
  readonly mode: 'postgis' | 'embedded';
  readonly tilesets: ReadonlyMap<string, Tileset>;
  /** The HTTP routes by name. */
  routeNames(): string[];
  /** The pipelines, for commands that produce tiles without HTTP (seed). */
  readonly pipeline: TilePipeline;
  readonly raster: RasterPipeline;
  /** The tile cache's state, as /health reports it. */
  cacheStatus(): Record<string, unknown>;
  /** Listens on host:port (port 0 picks a free one) and resolves to the bound URL. */
  listen(port: number, host: string): Promise<string>;
  /**
   * Stops gently: /ready turns 503, no new connections, in-flight requests get graceMs
   * (default limits.shutdownGraceMs) to finish; then threads, cache and pools are closed.
   */
  close(graceMs?: number): Promise<void>;
}

/**
 * The one place that builds the object graph: database pool, sources, pipeline, HTTP.
 * With database.url the tilesets are served from PostGIS, else from the demo files.
 */
/** Where tests plug fakes into the engine: a tileset's source (default: PostGIS, or the demo files). */
export interface EngineSeams {
  readonly sourceOf?: (tileset: TilesetConfig) => TileSource | undefined;
}

export async function createEngine(config: EngineConfig, logger: Logger, seams: EngineSeams = {}): Promise<Engine> {
  const fonts = await FontLibrary.load(config.fonts.dir, { fallback: config.fonts.fallback });
  const styles = loadStyles(config.render.stylesDir, new Set(config.tilesets.map((t) => t.id)));
  const sprites = await buildSprites(config.render.stylesDir, styles);
  const tilesets = new Map<string, Tileset>();
  let db: Database | undefined;
  let probe: DatabaseProbe | undefined;
  // Read at scrape time; the pool and cache are made further down.
  let pool: RenderPool | undefined;
  let tileCache: Awaited<ReturnType<typeof openCache>> | undefined;
  const metrics = new HttpMetrics({ renderQueue: () => pool?.queueSize ?? 0, queryQueue: () => db?.queued ?? 0, renderTimings: () => pool?.timings(), cache: () => tileCache?.cache?.stats }, undefined, config.tiles.sizeBudgetBytes);
  const observeQuery = metrics.observeQuery.bind(metrics);
  const timers = new Set<NodeJS.Timeout>();

  // What each tileset takes to read, from access.restrictedData and the tables its layers read.
  const tableAccess = new TilesetAccessTable(config.access.restrictedData, config.tilesets, () => [...tilesets.values()].map((t) => t.config));

  if (config.database.url) {
    const database = new Database({ ...config.database, url: config.database.url, maxQueued: config.tiles.maxQueuedProductions }, logger);
    db = database;
    // The tables as PostgreSQL resolves them (search path, views), checked before any row is read.
    const checked = checkedDatabase(database, async () => tableAccess.adopt(await readTableCatalogue(database, tableAccess.tableNames())), logger);
    for (const ts of config.tilesets) tilesets.set(ts.id, { config: ts, source: seams.sourceOf?.(ts) ?? new PostgisSource(ts, checked.queryable, config.tiles, observeQuery, tileContentOf(ts, styles)), labels: labelContentOf(ts, styles) });

    const discover = async (): Promise<void> => {
      try {
        const found = await discoverTilesets(database, config.tiles.discover.schemas, new Set(tilesets.keys()), config.access.restrictedData, (more) => tableAccess.tableNames(more));
        for (const ts of found.tilesets) tilesets.set(ts.id, { config: ts, source: new PostgisSource(ts, checked.queryable, config.tiles, observeQuery) });
        tableAccess.adopt(found.catalogue);
        logger.info({ count: found.tilesets.length }, 'discovered tables');
      } catch (error) {
        logger.warn({ err: (error as Error).message }, `table discovery failed; retrying in ${config.database.retryAfterS} s`);
        const timer = setTimeout(() => {
          timers.delete(timer);
          void discover();
        }, config.database.retryAfterS * 1000);
        timer.unref();
        timers.add(timer);
      }
    };
    if (config.tiles.discover.enabled) await discover();
    const srids = [...new Set(config.tilesets.flatMap((t) => t.layers.map((l) => l.srid)))];
    const warmed = await database.warm([...srids, ...GRIDS.map((g) => g.srid)]);
    if (warmed) {
      const problems = await checkLayers(database, config.tilesets);
      if (problems.length) {
        await database.close();
        throw new ConfigError(`the configured layers do not match the database:\n  ${problems.join('\n  ')}`);
      }
      // Refused at start with the option paths named, rather than at the first request.
      await checked.checkNow().catch(async (error: unknown) => {
        await database.close();
        throw error;
      });
    }
    probe = new DatabaseProbe({ url: config.database.url, intervalMs: config.database.probeIntervalMs, timeoutMs: config.database.connectTimeoutMs }, logger, warmed);
    probe.start();
  } else {
    for (const ts of config.tilesets) tilesets.set(ts.id, { config: ts, source: seams.sourceOf?.(ts) ?? (await GeojsonSource.load(ts, config.demo.dir, config.tiles, tileContentOf(ts, styles))), labels: labelContentOf(ts, styles) });
  }
  tableAccess.recompute();

  // What invalidation must know of what is served; read per batch, as discovery may add tilesets.
  const served = (): ServedModel => ({
    grids: GRIDS,
    tilesets: [...tilesets.values()].map((t) => ({
      id: t.config.id,
      layers: t.config.layers,
      levels: new Map(
        GRIDS.flatMap((g) => {
          const levels = t.source.supportsGrid(g) ? levelRange(g, t.config.minzoom, t.config.maxzoom) : undefined;
          return levels ? [[g.id, levels] as const] : [];
        }),
      ),
    })),
    styles: styles.map((s) => ({ id: s.id, tilesetIds: [...s.sources.values()] })),
    vectorBufferFraction: config.tiles.buffer / config.tiles.extent,
    metatile: { size: config.render.metatile, bufferPx: config.render.metatile > 1 ? config.render.metatileBufferPx : 0 },
  });
  tileCache = await openCache({ config: config.cache, databaseUrl: config.database.url, model: served, logger, publicUrl: config.server.publicUrl, defaultStyle: config.render.defaultStyle });
  const tilesetIdsOf = (styleId: string): string[] => [...(styles.find((s) => s.id === styleId)?.sources.values() ?? [])];
  const unknownStyles = config.access.restrictedStyles.filter((id) => !styles.some((s) => s.id === id));
  if (unknownStyles.length) throw new ConfigError(`access.restrictedStyles names styles that do not exist: ${unknownStyles.join(', ')} (styles: ${styles.map((s) => s.id).join(', ')})`);
  const access = new AccessPolicy({
    keys: config.access.keys,
    // Tokens only from a configured issuer: the portal's shared secret, an OIDC provider's JWKS, or both.
    tokens: config.access.tokens.secret || config.access.tokens.jwksUrl ? new TokenVerifier({ ...config.access.tokens, maxTtlS: config.access.maxTokenTtlS }) : undefined,
    restrictedStyles: new Set(config.access.restrictedStyles),
    accessOfTileset: (id) => tableAccess.accessOf(id, tilesets.has(id)),
    tilesetsOfStyle: tilesetIdsOf,
    tilesetIds: () => [...tilesets.keys()],
    styleIds: () => styles.map((s) => s.id),
  });
  const pipeline = new TilePipeline(tilesets, GRIDS, tileCache.cache, () => access.publicTilesetIds(), metrics.observeTileSize.bind(metrics));
  // Every thread starts with the first glyph range of each stack the styles name, so no render is drawn twice to learn them.
  const stacks = [...new Set(styles.flatMap((s) => literalFontStacks(s.style.layers)))];
  const startGlyphs = (await Promise.all(stacks.map((fontstack) => fonts.glyphRange(fontstack, 0).then((bytes) => ({ fontstack, start: 0, bytes }), () => undefined)))).filter((g) => g !== undefined);
  pool = new RenderPool(config.render, renderWorkerData(config, sprites, startGlyphs), (fontstack, start) => fonts.glyphRange(fontstack, start));
  const raster = new RasterPipeline(pipeline, styles, pool, config.render, tileCache.cache, () => access.publicStyleIds());
  const rewarmer = createRewarmer(pipeline, raster, logger);
  tileCache.cache?.onRewarm(rewarmer.rewarm);
  const health = async () => ({
    ...(probe ? { mode: 'postgis', database: probe.reachable ? 'reachable' : 'unreachable' } : { mode: 'embedded' }),
    renders: { completed: pool.renderCount, queued: pool.queueSize, redrawnForGlyphs: pool.redrawnForGlyphs },
    cache: tileCache.cache ? { ...tileCache.status(), rewarmPending: rewarmer.pending() } : tileCache.status(),
    escapedErrors: escapedErrors(),
  });
  const viewer = createViewer(pipeline, config.viewer, raster.stylesOver(pipeline.all()[0]?.config.id ?? '')[0] ?? styles[0]?.id);
  const maxPixelsOf = (styleId: string): number =>
    Math.min(config.print.maxPixels, ...tilesetIdsOf(styleId).map((id) => tilesets.get(id)?.config.maxPrintPixels ?? Infinity));
  const prints = { service: new PrintService(raster, config.print), maxPixelsOf };
  // Without Redis at start, each process limits on its own rather than not serving.
  const sharedRate =
    config.limits.perClient.shared && config.cache.redis.url && config.limits.perClient.requestsPerS > 0
      ? await SharedRate.open({ url: config.cache.redis.url, prefix: config.cache.redis.keyPrefix, logger }).catch((error: unknown) => {
          logger.error({ err: (error as Error).message }, 'shared rate limits: Redis unavailable; each process limits on its own');
          return undefined;
        })
      : undefined;
  const limits = new ClientLimits(config.limits.perClient, undefined, sharedRate);
  let draining = false;
  const readiness = async () => {
    if (draining) return { ready: false, draining: true };
    const database = probe ? probe.reachable : true;
    const cacheState = tileCache.status();
    // Over PostGIS a cache that is on must be following the change log to be trusted.
    const changeFeed = !db || cacheState.enabled !== true || cacheState.invalidation === 'listening';
    const checks = { database, styles: styles.length > 0, renderThreads: pool.threadCount, changeFeed };
    return { ready: database && checks.styles && pool.threadCount > 0 && changeFeed, ...checks };
  };
  const front = createHttpServer(
    { pipeline, raster, fonts, styles, sprites, viewer, cache: tileCache.cache, prints, metrics, readiness, access, limits },
    { ...config.server, fontsDir: config.fonts.dir, requestTimeoutMs: config.limits.requestTimeoutMs, trustProxy: config.limits.trustProxy },
    config.service,
    logger,
    health,
  );
  const server = front.server;

  return {
    server,
    mode: db ? 'postgis' : 'embedded',
    tilesets,
    routeNames: () => front.routeNames(),
    pipeline,
    raster,
    cacheStatus: () => tileCache.status(),
    listen: (port, host) =>
      new Promise((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, host, () => {
          const { address, port: bound } = server.address() as AddressInfo;
          resolve(`http://${address.includes(':') ? `[${address}]` : address}:${bound}`);
        });
      }),
    close: async (graceMs = config.limits.shutdownGraceMs) => {
      for (const t of timers) clearTimeout(t);
      draining = true;
      const { unfinished } = await front.drain(graceMs);
      if (unfinished > 0) logger.warn({ unfinished, graceMs }, 'requests still running after the shutdown grace were cut');
      await pool.close();
      await sharedRate?.close();
      await tileCache.close();
      await probe?.close();
      await db?.close();
    },
  };
}
