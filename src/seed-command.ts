/**
 * `sodertorn-tiles seed`: builds an engine without HTTP, turns the request into a plan
 * (target, grids, levels, area), resumes its state file, runs it through the engine's own
 * pipelines (so seeded tiles are exactly what a request would have stored) and reports.
 */
import { pino } from 'pino';
import { createEngine, type Engine } from './app.ts';
import type { EngineConfig } from './config/schema.ts';
import { EngineError } from './errors.ts';
import type { Bbox, TileGrid } from './grids/tile-grid.ts';
import type { Tileset } from './pipeline/tile-pipeline.ts';
import type { RasterFormat } from './core/tile-formats.ts';
import { planSeed, type SeedPlan, type SeedUnit } from '../cache/seed/seed-plan.ts';
import { formatSummary, ProgressLine, type ProgressSink } from '../cache/seed/seed-progress.ts';
import { defaultStatePath, readState, StateFile, type SeedJob } from '../cache/seed/seed-state.ts';
import { runSeed, type UnitResult } from '../cache/seed/seeder.ts';

/** What to seed, from the command line. */
export interface SeedRequest {
  readonly target: { readonly kind: 'vector'; readonly tileset: string } | { readonly kind: 'raster'; readonly style: string; readonly format: RasterFormat; readonly scale: 1 | 2 };
  /** Grid ids; every grid the tileset is served in when absent. */
  readonly grids?: readonly string[] | undefined;
  /** Levels of each grid, inclusive. */
  readonly zoom: readonly [number, number];
  /** WGS84 [minLon, minLat, maxLon, maxLat]. */
  readonly bbox?: Bbox | undefined;
  /** Municipality codes; with neither bbox nor codes, the tileset's bounds. */
  readonly kommun: readonly string[];
  readonly concurrency?: number | undefined;
  readonly statePath?: string | undefined;
}

/** Where the command writes; ProgressSink for the progress line. */
export interface SeedIo extends ProgressSink {
  out(line: string): void;
  err(line: string): void;
}

/** A request naming what does not exist (tileset, style, grid, municipality): a usage error. */
export class SeedRequestError extends Error {
  override name = 'SeedRequestError';
}

/** Exit code of a run stopped by SIGINT/SIGTERM, as shells report 128 + SIGINT. */
export const EXIT_INTERRUPTED = 130;
/** How long to wait for the change feed before giving up: the cache stores nothing until it listens. */
const FEED_WAIT_MS = 15_000;

/** The change feed was lost while seeding: what was produced since may not have been stored. */
class FeedLost extends Error {}

/** Runs a seed request; resolves to the exit code. */
export async function seed(config: EngineConfig, request: SeedRequest, io: SeedIo, signal: AbortSignal): Promise<number> {
  warnAboutTiers(config, io);
  // Warnings and errors of the engine (e.g. no change log) go to stderr, apart from the progress.
  const engine = await createEngine(config, pino({ level: 'warn', base: { service: 'sodertorn-tiles seed' } }, pino.destination(2)));
  try {
    return await seedWith(engine, config, request, io, signal);
  } finally {
    await engine.close();
  }
}

function warnAboutTiers(config: EngineConfig, io: SeedIo): void {
  const { cache } = config;
  if (!cache.disk.enabled && !cache.redis.url) {
    io.err('warning: only the memory cache tier is on, and it dies with this process: enable cache.disk or cache.redis (REDIS_URL) for seeding to last');
  }
  if (!config.database.url && (cache.disk.enabled || cache.redis.url)) {
    io.err('warning: without a database the engine clears its disk and Redis tiers at start, so these tiles last only until the next start');
  }
}

async function seedWith(engine: Engine, config: EngineConfig, request: SeedRequest, io: SeedIo, signal: AbortSignal): Promise<number> {
  const { job, plan, produce } = await prepare(engine, config, request);
  for (const note of plan.notes) io.err(`note: ${note}`);
  const statePath = request.statePath ?? defaultStatePath(job, config.cache.disk.enabled ? config.cache.disk.dir : undefined);
  const resumeFrom = await readState(statePath, job);
  const what = `${job.kind} ${job.name} (${job.variant})`;
  io.out(`${resumeFrom ? 'resuming' : 'seeding'} ${what}: ${plan.units} ${job.kind === 'raster' ? 'metatiles' : 'tiles'}, ${plan.tiles} tiles in ${plan.levels.length} levels (${levelsText(job)}); state ${statePath}`);
  if (plan.units === 0) return 0;
  const waited = await waitForCache(engine, signal);
  if (waited !== undefined) {
    io.err(`error: ${waited}`);
    return 1;
  }

  const file = new StateFile(statePath);
  const progress = new ProgressLine(io);
  const concurrency = request.concurrency ?? (job.kind === 'raster' ? config.render.workers : config.database.poolSize);
  const outcome = await runSeed({
    job,
    plan,
    resumeFrom,
    concurrency,
    signal,
    produce: async (unit) => {
      const result = await produce(unit);
      // A production while the feed is down is not stored: stop rather than count it.
      if (!cacheListening(engine)) throw new FeedLost('the change feed was lost (is the database down?); tiles produced now would not be cached');
      return result;
    },
    fatal: (error) =>
      error instanceof FeedLost ? error.message : error instanceof EngineError && error.code === 'DATABASE_UNAVAILABLE' ? `the database is unavailable (${error.message})` : undefined,
    onUnit: (p, state) => {
      progress.update(p);
      file.maybeSave(state);
    },
  });
  progress.finish();
  if (outcome.status === 'complete') await file.remove();
  else await file.save(outcome.state);
  for (const line of formatSummary(outcome, statePath)) (outcome.status === 'complete' && outcome.run.errors === 0 ? io.out : io.err)(line);
  if (outcome.status === 'interrupted') return EXIT_INTERRUPTED;
  return outcome.status === 'failed' || outcome.run.errors > 0 ? 1 : 0;
}

/** `3006 8–10, WebMercatorQuad 12–14` */
function levelsText(job: SeedJob): string {
  return job.levels.map((l) => `${l.grid} ${l.min}–${l.max}`).join(', ');
}

/** True when the cache stores what is produced: on, and its change feed (if any) listening. */
function cacheListening(engine: Engine): boolean {
  const status = engine.cacheStatus();
  return status.enabled === true && !String(status.invalidation ?? '').startsWith('reconnecting');
}

/** Waits for the change feed; undefined when the cache is ready, else why seeding cannot start. */
async function waitForCache(engine: Engine, signal: AbortSignal): Promise<string | undefined> {
  const status = engine.cacheStatus();
  if (status.enabled !== true) return `the tile cache is off${status.reason ? ` (${String(status.reason)})` : ' (every tier is disabled)'}: nothing to seed into`;
  const deadline = performance.now() + FEED_WAIT_MS;
  while (!cacheListening(engine)) {
    if (performance.now() > deadline || signal.aborted) return 'the change feed did not connect (is the database down?): the cache stores nothing until it listens';
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  return undefined;
}

/** The job, its plan and how one unit is produced, from the request and what the engine serves. */
async function prepare(engine: Engine, config: EngineConfig, request: SeedRequest): Promise<{ job: SeedJob; plan: SeedPlan; produce: (unit: SeedUnit) => Promise<UnitResult> }> {
  const { pipeline, raster } = engine;
  const { target } = request;
  const named = <T>(fn: () => T): T => {
    try {
      return fn();
    } catch (error) {
      throw error instanceof EngineError ? new SeedRequestError(error.message) : error;
    }
  };
  const style = target.kind === 'raster' ? named(() => raster.resolveStyle(target.style)) : undefined;
  // A style is served where its first tileset is, as the raster pipeline decides.
  const tilesetId = target.kind === 'vector' ? target.tileset : ([...style!.sources.values()][0] ?? style!.id);
  const tileset = named(() => pipeline.resolve(tilesetId));
  const grids = request.grids ? request.grids.map((id) => named(() => pipeline.resolveGrid(tileset, id))) : [...pipeline.grids.values()].filter((g) => tileset.source.supportsGrid(g));
  const areas = (await areasOf(engine, config, request, tileset)).map(roundBbox);
  const step = style && config.render.metatile > 1 ? config.render.metatile : 1;
  const plan = planSeed(
    grids.map((grid) => ({ grid, served: target.kind === 'raster' ? raster.levelsOf(tileset, grid) : pipeline.levelsOf(tileset, grid) })),
    request.zoom,
    areas,
    step,
  );
  const variant = target.kind === 'raster' ? `${target.scale}.${target.format}` : 'mvt';
  const job: SeedJob = { kind: target.kind, name: style?.id ?? tileset.config.id, levels: levelsOf(plan, grids), areas, variant, step };
  const produce =
    target.kind === 'raster'
      ? async (unit: SeedUnit): Promise<UnitResult> => {
          // One tile per metatile: its render stores the whole block.
          await raster.getTile({ name: job.name, gridId: unit.gridId, z: String(unit.z), x: String(unit.x), y: String(unit.y), scale: String(target.scale), format: target.format });
          return { emptyTiles: 0 };
        }
      : async (unit: SeedUnit): Promise<UnitResult> => {
          const tile = await pipeline.getTile({ tilesetId: job.name, gridId: unit.gridId, z: String(unit.z), x: String(unit.x), y: String(unit.y), format: 'mvt' });
          return { emptyTiles: tile.body.byteLength === 0 ? 1 : 0 };
        };
  return { job, plan, produce };
}

/** Degrees to 1e-7 (about a centimetre): the job's identity does not hang on float noise. */
function roundBbox(bbox: Bbox): Bbox {
  const round = (degrees: number) => Math.round(degrees * 1e7) / 1e7;
  return [round(bbox[0]), round(bbox[1]), round(bbox[2]), round(bbox[3])];
}

/** The levels planned per grid, in grid order. */
function levelsOf(plan: SeedPlan, grids: readonly TileGrid[]): SeedJob['levels'] {
  return grids.flatMap((grid) => {
    const zs = plan.levels.filter((l) => l.grid.id === grid.id).map((l) => l.z);
    return zs.length ? [{ grid: grid.id, min: Math.min(...zs), max: Math.max(...zs) }] : [];
  });
}

/** The area as WGS84 bboxes: the bbox, the municipalities' extents, or the tileset's bounds. */
/** The WGS84 areas a request names: its bbox and municipalities, else the tileset's bounds. */
export async function areasOf(engine: Engine, config: EngineConfig, request: Pick<SeedRequest, 'bbox' | 'kommun'>, tileset: Tileset): Promise<Bbox[]> {
  const areas: Bbox[] = request.bbox ? [request.bbox] : [];
  if (request.kommun.length) {
    const places = config.viewer.places;
    if (!places) throw new SeedRequestError('--kommun needs viewer.places in the configuration (the layer and fields of the municipalities)');
    const extents = await engine.pipeline.resolve(places.tileset).source.extentsBy(places.layer, places.key, places.label);
    for (const code of request.kommun) {
      const found = extents.find((e) => e.key === code);
      if (!found) throw new SeedRequestError(`no municipality with code ${code}; known: ${extents.map((e) => `${e.key} ${e.label}`).join(', ')}`);
      areas.push(found.bounds);
    }
  }
  if (areas.length) return areas;
  const bounds = (await tileset.source.describe()).bounds;
  if (!bounds) throw new SeedRequestError(`tileset ${tileset.config.id} has no bounds (no features): give --bbox or --kommun`);
  return [bounds];
}
