#!/usr/bin/env node
import { realpathSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import type pg from 'pg';
import { DEFAULT_CHANGELOG, DEFAULT_CHANNEL } from '../cache/invalidation/changelog-sql.ts';
import type { SeedRequest } from './seed-command.ts';
import type { EngineConfig } from './config/schema.ts';
import { DEFAULT_BUILDINGS, DEFAULT_SEED, MAX_BUILDINGS } from '../tools/demo/defaults.ts';

/**
 * `sodertorn-tiles <command> [options]`: the project's command line. Each command is one entry
 * in `commands`; its module is imported only when it runs, so `--help` stays instant and the
 * server does not load the demo generator.
 */

/** Where a command writes and what it may read; tests pass their own. */
export interface CliIo {
  out(line: string): void;
  err(line: string): void;
  /** Raw text to stderr when it is a terminal, for a progress line redrawn in place; absent otherwise. */
  readonly terminal?: ((text: string) => void) | undefined;
  readonly env: Readonly<Record<string, string | undefined>>;
}

/** Parsed flag values, as node:util parseArgs returns them. */
export type FlagValues = Record<string, string | boolean | (string | boolean)[] | undefined>;

/** One sub-command. */
export interface CliCommand {
  /** One line for the command list. */
  readonly summary: string;
  /** The options part of `--help`, one option per line. */
  readonly help: string;
  /** More text for `--help`, after the options. */
  readonly notes?: string;
  readonly options: NonNullable<ParseArgsConfig['options']>;
  /** Runs the command; resolves to the process exit code. Throw UsageError for bad flag values. */
  run(values: FlagValues, io: CliIo): Promise<number>;
}

/** A bad command line: printed with a hint to --help, exit code 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}

/** Exit code for a bad command line (as most Unix tools use it). */
export const EXIT_USAGE = 2;
const DEFAULT_DATABASE_URL = 'postgres://postgres@127.0.0.1:5432/test';
const PROGRAM = 'sodertorn-tiles';

/** An integer flag within [min, max], or the fallback when absent. */
export function integerFlag(values: FlagValues, name: string, fallback: number, min: number, max: number): number {
  const raw = values[name];
  if (raw === undefined) return fallback;
  if (typeof raw !== 'string' || !/^\d+$/.test(raw.replace(/_/g, ''))) throw new UsageError(`--${name} must be a whole number, got "${String(raw)}"`);
  const value = Number(raw.replace(/_/g, ''));
  if (value < min || value > max) throw new UsageError(`--${name} must be between ${min} and ${max}, got ${value}`);
  return value;
}

function stringFlag(values: FlagValues, name: string, fallback: string): string {
  const raw = values[name];
  if (raw === undefined) return fallback;
  if (typeof raw !== 'string' || raw.length === 0) throw new UsageError(`--${name} needs a value`);
  return raw;
}

function formatBytes(bytes: number): string {
  return bytes >= 1e6 ? `${(bytes / 1e6).toFixed(2)} MB` : `${(bytes / 1e3).toFixed(1)} kB`;
}

const dataOptions = {
  buildings: { type: 'string' },
  seed: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

/** Reads --seed and --buildings, with the generator's limits. */
function dataFlags(values: FlagValues): { seed: number; buildings: number } {
  return {
    seed: integerFlag(values, 'seed', DEFAULT_SEED, 0, 0xffffffff),
    buildings: integerFlag(values, 'buildings', DEFAULT_BUILDINGS, 0, MAX_BUILDINGS),
  };
}

const changeLogOptions = {
  config: { type: 'string' },
  changelog: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

const changeLogHelp = [
  '  --config FILE      configuration file (default config/sodertorn.yaml; env CONFIG)',
  `  --changelog NAME   change-log table as schema.table (default ${DEFAULT_CHANGELOG})`,
];

/**
 * Loads the config and runs fn with one connection to its database (DATABASE_URL or
 * database.url). Configuration, setup and database errors become a message and exit code 1.
 */
async function withConfiguredDatabase(
  values: FlagValues,
  io: CliIo,
  what: string,
  fn: (client: pg.Client, config: EngineConfig) => Promise<number>,
): Promise<number> {
  const { default: pgModule } = await import('pg');
  return withConfig(values, io, async (config) => {
    const client = new pgModule.Client({ connectionString: config.database.url ?? DEFAULT_DATABASE_URL });
    try {
      await client.connect();
      return await fn(client, config);
    } catch (error) {
      // As load: pg's messages name the problem without the connection string (no password leaks).
      io.err(`${what} failed: ${(error as Error).message}`);
      return 1;
    } finally {
      await client.end().catch(() => undefined);
    }
  });
}

/** Loads the config (--config, else CONFIG, else the default file) and runs fn with it; a bad config is a message and exit code 1. */
async function withConfig(values: FlagValues, io: CliIo, fn: (config: EngineConfig) => Promise<number>): Promise<number> {
  const { loadConfig, ConfigError } = await import('./config/load-config.ts');
  let config;
  try {
    config = loadConfig({ ...io.env, ...(values.config === undefined ? {} : { CONFIG: stringFlag(values, 'config', '') }) });
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    io.err(`error: ${error.message}`);
    return 1;
  }
  return fn(config);
}

/** Bounded: each measured tile is a query on the database a live engine may share. */
const MAX_SIZE_SAMPLE = 10_000;

/** Bounded: each unit holds a database connection or a render slot, and both are scarce here. */
const MAX_SEED_CONCURRENCY = 64;

/** A list flag given several times, or comma-separated, or both. */
function listFlag(values: FlagValues, name: string): string[] {
  const raw = values[name];
  if (raw === undefined) return [];
  return (Array.isArray(raw) ? raw : [raw]).flatMap((v) => String(v).split(',')).map((v) => v.trim()).filter((v) => v.length > 0);
}

/** `10-14` or `12` as an inclusive level range. */
function zoomFlag(values: FlagValues): [number, number] {
  const raw = stringFlag(values, 'zoom', '');
  const m = /^(\d{1,2})(?:-(\d{1,2}))?$/.exec(raw);
  if (!m) throw new UsageError(`--zoom must be a level or a range like 10-14, got "${raw}"`);
  const range: [number, number] = [Number(m[1]), Number(m[2] ?? m[1])];
  if (range[0] > range[1]) throw new UsageError(`--zoom ${raw}: the first level must not be above the second`);
  return range;
}

/** `minLon,minLat,maxLon,maxLat` in WGS84. */
function bboxFlag(raw: string): [number, number, number, number] {
  const parts = raw.split(',').map((p) => Number(p.trim()));
  const [w, s, e, n] = parts;
  if (parts.length !== 4 || parts.some((p) => !Number.isFinite(p)) || w === undefined || s === undefined || e === undefined || n === undefined) {
    throw new UsageError(`--bbox must be minLon,minLat,maxLon,maxLat, got "${raw}"`);
  }
  if (w < -180 || e > 180 || s < -90 || n > 90 || w >= e || s >= n) throw new UsageError(`--bbox ${raw}: longitudes must lie in −180–180 and latitudes in −90–90, minimum below maximum`);
  return [w, s, e, n];
}

/** The seed command's flags as a request; the names are checked against the engine later. */
function seedRequestOf(values: FlagValues): SeedRequest {
  const tileset = values.tileset === undefined ? undefined : stringFlag(values, 'tileset', '');
  const style = values.style === undefined ? undefined : stringFlag(values, 'style', '');
  if ((tileset === undefined) === (style === undefined)) throw new UsageError('give exactly one of --tileset (vector tiles) and --style (raster tiles)');
  if (values.zoom === undefined) throw new UsageError('--zoom is required, e.g. --zoom 10-14');
  if (tileset !== undefined && (values.format !== undefined || values.scale !== undefined)) throw new UsageError('--format and --scale go with --style (vector tiles are MVT)');
  const format = stringFlag(values, 'format', 'png');
  if (!['png', 'webp', 'jpg'].includes(format)) throw new UsageError(`--format must be png, webp or jpg, got "${format}"`);
  const kommun = listFlag(values, 'kommun');
  for (const code of kommun) if (!/^\d{4}$/.test(code)) throw new UsageError(`--kommun takes a four-digit municipality code such as 0126, got "${code}"`);
  const grids = listFlag(values, 'grid');
  return {
    target: tileset !== undefined ? { kind: 'vector', tileset } : { kind: 'raster', style: style!, format: format as 'png' | 'webp' | 'jpg', scale: integerFlag(values, 'scale', 1, 1, 2) as 1 | 2 },
    grids: grids.length ? grids : undefined,
    zoom: zoomFlag(values),
    bbox: values.bbox === undefined ? undefined : bboxFlag(stringFlag(values, 'bbox', '')),
    kommun,
    concurrency: values.concurrency === undefined ? undefined : integerFlag(values, 'concurrency', 1, 1, MAX_SEED_CONCURRENCY),
    statePath: values.state === undefined ? undefined : stringFlag(values, 'state', ''),
  };
}

/** The commands, by name. */
export const commands: Record<string, CliCommand> = {
  'generate-demo': {
    summary: 'Write the synthetic Södertörn base map as GeoJSON files (WGS84), one per layer',
    help: [
      '  --out DIR          folder for the <layer>.geojson files (default data/demo)',
      `  --buildings N      number of buildings (default ${DEFAULT_BUILDINGS}, at most ${MAX_BUILDINGS})`,
      `  --seed N           random seed, 0–4294967295 (default ${DEFAULT_SEED}); same seed, same bytes`,
    ].join('\n'),
    options: { ...dataOptions, out: { type: 'string' } },
    async run(values, io) {
      const { seed, buildings } = dataFlags(values);
      const out = stringFlag(values, 'out', 'data/demo');
      const { generateBaseMap } = await import('../tools/demo/generate.ts');
      const { writeDemoFiles } = await import('../tools/demo/write-files.ts');
      const started = performance.now();
      const files = await writeDemoFiles(generateBaseMap({ seed, buildings }), out);
      for (const f of files) io.out(`${f.layer.padEnd(10)} ${String(f.features).padStart(9)} features  ${formatBytes(f.bytes).padStart(10)}  ${f.path}`);
      const total = files.reduce((s, f) => s + f.bytes, 0);
      io.out(`wrote ${formatBytes(total)} to ${out} in ${((performance.now() - started) / 1000).toFixed(1)} s (seed ${seed}, ${buildings} buildings)`);
      return 0;
    },
  },

  load: {
    summary: 'Load the synthetic base map into PostGIS (EPSG:3006), replacing the tables',
    help: [
      `  --buildings N      number of buildings (default ${DEFAULT_BUILDINGS}, at most ${MAX_BUILDINGS})`,
      `  --seed N           random seed (default ${DEFAULT_SEED})`,
      '  --schema NAME      schema for the tables, created if missing (default public)',
      '  --no-triggers      do not install the change-log triggers after loading',
    ].join('\n'),
    notes: [
      `Connects to DATABASE_URL (default ${DEFAULT_DATABASE_URL}).`,
      'Each layer table is dropped and recreated: grants on it are lost. The change-log triggers',
      'are installed again on the configured tables (as install-triggers does) unless --no-triggers.',
    ].join('\n'),
    options: { ...dataOptions, schema: { type: 'string' }, 'no-triggers': { type: 'boolean' } },
    async run(values, io) {
      const { seed, buildings } = dataFlags(values);
      const schema = stringFlag(values, 'schema', 'public');
      if (schema.length > 63 || schema.includes('\u0000')) throw new UsageError('--schema must be a name of 1–63 characters');
      const { default: pg } = await import('pg');
      const { generateBaseMap } = await import('../tools/demo/generate.ts');
      const { loadBaseMap } = await import('../tools/demo/load-postgis.ts');
      const pool = new pg.Pool({ connectionString: io.env.DATABASE_URL ?? DEFAULT_DATABASE_URL, max: 1 });
      try {
        const report = await loadBaseMap(pool, generateBaseMap({ seed, buildings }), {
          schema,
          onLayer: (l) => io.out(`${l.table.padEnd(24)} ${String(l.rows).padStart(9)} rows  ${l.seconds.toFixed(1).padStart(6)} s`),
        });
        io.out(`loaded ${report.rows} rows into schema ${schema} in ${report.seconds.toFixed(1)} s (seed ${seed}, ${buildings} buildings)`);
        await createLabelPointIndexes(pool, io);
        if (!values['no-triggers']) {
          const { loadConfig } = await import('./config/load-config.ts');
          const { trackedTables } = await import('../cache/invalidation/tracked-tables.ts');
          const { installChangeLog } = await import('../cache/invalidation/install-triggers.ts');
          const tables = trackedTables(loadConfig(io.env).tilesets);
          const client = await pool.connect();
          try {
            await installChangeLog(client, { changelog: DEFAULT_CHANGELOG, channel: DEFAULT_CHANNEL, tables });
            io.out(`change-log triggers installed on ${tables.length} tables: edits invalidate cached tiles`);
          } catch (error) {
            io.err(`triggers not installed (${(error as Error).message}); run install-triggers once the configured tables exist`);
          } finally {
            client.release();
          }
        }
        return 0;
      } catch (error) {
        // pg's messages name the problem without the connection string (no password leaks).
        io.err(`load failed: ${(error as Error).message}`);
        return 1;
      } finally {
        await pool.end();
      }
    },
  },

  'check-styles': {
    summary: 'Check the styles: validity, source-layers and attributes the data lacks, missing fonts and icons, unused icons',
    help: '  --config FILE      configuration file (default config/sodertorn.yaml; env CONFIG)',
    notes: 'Exit code 1 when a style is invalid or has errors; warnings alone exit 0.',
    options: { config: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
    async run(values, io) {
      const { ConfigError } = await import('./config/load-config.ts');
      const { loadStyles } = await import('./styles/style-store.ts');
      const { buildSprites } = await import('./styles/sprite-builder.ts');
      const { FontLibrary } = await import('./fonts/font-library.ts');
      const { checkStyles } = await import('./styles/style-check.ts');
      return withConfig(values, io, async (config) => {
        let styles;
        let sprites;
        let fonts;
        try {
          styles = loadStyles(config.render.stylesDir, new Set(config.tilesets.map((t) => t.id)));
          sprites = await buildSprites(config.render.stylesDir, styles);
          fonts = await FontLibrary.load(config.fonts.dir, { fallback: config.fonts.fallback });
        } catch (error) {
          // An invalid style, icon or font folder is the first finding: the message names the file (and layer and property).
          if (!(error instanceof ConfigError)) throw error;
          io.err(`error: ${error.message}`);
          return 1;
        }
        const findings = checkStyles({
          styles,
          tilesets: config.tilesets,
          fonts: fonts.names,
          sprites: new Map([...sprites].map(([folder, set]) => [folder, Object.keys(set[1].json)])),
        });
        for (const f of findings) (f.level === 'error' ? io.err : io.out)(`${f.level}: ${f.where}: ${f.message}`);
        const errors = findings.filter((f) => f.level === 'error').length;
        io.out(`${styles.length} styles (${styles.map((s) => s.id).join(', ')}): ${errors} errors, ${findings.length - errors} warnings`);
        return errors > 0 ? 1 : 0;
      });
    },
  },

  'install-triggers': {
    summary: 'Install the change-log triggers on every configured layer table, so edits invalidate cached tiles',
    help: [
      ...changeLogHelp,
      `  --channel NAME     NOTIFY channel the engine listens on (default ${DEFAULT_CHANNEL})`,
      '  --uninstall        remove the triggers instead (the change log and its rows stay)',
    ].join('\n'),
    notes: [
      `Connects to DATABASE_URL (else database.url of the config, else ${DEFAULT_DATABASE_URL}).`,
      'Covers each table of every layer of every tileset once. Idempotent: run it again after adding',
      'layers, and after "load", which recreates the tables without their triggers.',
      'Each INSERT, UPDATE, DELETE or TRUNCATE statement logs one row (its bbox of old and new',
      'geometries) and sends NOTIFY; trim old rows with prune-changelog.',
    ].join('\n'),
    options: { ...changeLogOptions, channel: { type: 'string' }, uninstall: { type: 'boolean' } },
    async run(values, io) {
      const changelog = stringFlag(values, 'changelog', DEFAULT_CHANGELOG);
      const channel = stringFlag(values, 'channel', DEFAULT_CHANNEL);
      const { changeLogName, checkChannel } = await import('../cache/invalidation/changelog-sql.ts');
      try {
        changeLogName(changelog);
        checkChannel(channel);
      } catch (error) {
        throw new UsageError((error as Error).message);
      }
      const { trackedTables } = await import('../cache/invalidation/tracked-tables.ts');
      const { installChangeLog, uninstallChangeLog } = await import('../cache/invalidation/install-triggers.ts');
      return withConfiguredDatabase(values, io, values.uninstall ? 'uninstall-triggers' : 'install-triggers', async (client, config) => {
        const tables = trackedTables(config.tilesets);
        if (values.uninstall) await uninstallChangeLog(client, tables.map((t) => t.table));
        else await installChangeLog(client, { changelog, channel, tables });
        for (const t of tables) {
          const columns = t.geometries.map((g) => `${g.column} (EPSG:${g.srid})`).join(', ');
          io.out(`${t.table.padEnd(24)} ${columns.padEnd(18)} ${t.usedBy.join(', ')}`);
        }
        io.out(values.uninstall ? `removed the triggers from ${tables.length} tables` : `${tables.length} tables log their changes to ${changelog} and notify "${channel}"`);
        return 0;
      });
    },
  },

  'prune-changelog': {
    summary: 'Delete old rows of the change log',
    help: [
      ...changeLogHelp,
      '  --older-than-days N  delete the rows committed more than N days ago',
      '  --through-seq N    delete the rows with seq up to and including N',
    ].join('\n'),
    notes: [
      'Give exactly one of --older-than-days and --through-seq. Connects as install-triggers does.',
      'A disk or Redis cache tier that applied changes only up to a pruned seq cannot replay what it',
      'missed: keep rows well beyond the longest time an engine may be down (e.g. --older-than-days 30).',
    ].join('\n'),
    options: { ...changeLogOptions, 'older-than-days': { type: 'string' }, 'through-seq': { type: 'string' } },
    async run(values, io) {
      const changelog = stringFlag(values, 'changelog', DEFAULT_CHANGELOG);
      const byAge = values['older-than-days'] !== undefined;
      if (byAge === (values['through-seq'] !== undefined)) throw new UsageError('give exactly one of --older-than-days and --through-seq');
      const by = byAge
        ? { olderThanDays: integerFlag(values, 'older-than-days', 0, 0, 36_500) }
        : { throughSeq: integerFlag(values, 'through-seq', 0, 0, Number.MAX_SAFE_INTEGER) };
      const { pruneChangeLog } = await import('../cache/invalidation/changelog-query.ts');
      return withConfiguredDatabase(values, io, 'prune-changelog', async (client) => {
        const deleted = await pruneChangeLog(client, by, changelog);
        io.out(`deleted ${deleted} rows from ${changelog}`);
        return 0;
      });
    },
  },

  seed: {
    summary: 'Fill the tile cache for a tileset or style over grids, levels and an area, with progress and resume',
    help: [
      '  --tileset ID       vector tiles of a tileset, or',
      '  --style ID         raster tiles of a style (one render per metatile stores the whole block)',
      '  --grid ID          WebMercatorQuad, 3006 or 3011; repeatable or comma-separated (default: every grid served)',
      "  --zoom A-B         levels, in each grid's own levels (e.g. 10-14, or 12); clamped to what is served",
      '  --bbox W,S,E,N     area as WGS84 longitudes and latitudes, or',
      '  --kommun CODE      a municipality by its code (e.g. 0126); repeatable',
      '  --format F         png, webp or jpg for --style (default png)',
      '  --scale N          1, or 2 for @2x tiles (default 1)',
      `  --concurrency N    units in flight (default: render.workers for --style, database.poolSize for --tileset; at most ${MAX_SEED_CONCURRENCY})`,
      '  --state FILE       progress file (default seed-state-{job}.json in the disk cache folder, else ./var)',
      '  --config FILE      configuration file (default config/sodertorn.yaml; env CONFIG)',
    ].join('\n'),
    notes: [
      'Without --bbox and --kommun the whole extent of the tileset is seeded. Tiles go into the configured',
      'cache tiers through the same pipeline as requests; only disk and Redis outlive this process.',
      'Progress is saved about once a second; SIGINT or SIGTERM finishes the tiles in flight, saves it and',
      'exits 130, and the same command resumes. A tile that fails is counted and the job goes on; a lost',
      'database stops it (exit 1, progress kept). A finished job removes its state file.',
    ].join('\n'),
    options: {
      tileset: { type: 'string' },
      style: { type: 'string' },
      grid: { type: 'string', multiple: true },
      zoom: { type: 'string' },
      bbox: { type: 'string' },
      kommun: { type: 'string', multiple: true },
      format: { type: 'string' },
      scale: { type: 'string' },
      concurrency: { type: 'string' },
      state: { type: 'string' },
      config: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    async run(values, io) {
      const request = seedRequestOf(values);
      const { ConfigError } = await import('./config/load-config.ts');
      const { seed, SeedRequestError, EXIT_INTERRUPTED } = await import('./seed-command.ts');
      return withConfig(values, io, async (config) => {
        const stop = new AbortController();
        const onSignal = () => {
          if (stop.signal.aborted) process.exit(EXIT_INTERRUPTED); // a second signal: do not wait
          io.err('stopping: finishing the tiles in flight and saving the progress (again to quit at once)');
          stop.abort();
        };
        process.on('SIGINT', onSignal);
        process.on('SIGTERM', onSignal);
        try {
          return await seed(config, request, { out: io.out, err: io.err, line: io.err, write: io.terminal }, stop.signal);
        } catch (error) {
          if (error instanceof SeedRequestError) throw new UsageError(error.message);
          // A configuration the engine refuses (layers not matching the database), a database down at start.
          io.err(`${error instanceof ConfigError ? 'error' : 'seed failed'}: ${(error as Error).message}`);
          return 1;
        } finally {
          process.off('SIGINT', onSignal);
          process.off('SIGTERM', onSignal);
        }
      });
    },
  },

  'tile-sizes': {
    summary: 'Report how heavy a tileset\'s vector tiles are per level (p50/p95/max bytes) and which layers make them so',
    help: [
      '  --tileset ID       the tileset (required)',
      '  --grid ID          WebMercatorQuad (default), 3006 or 3011',
      "  --zoom A-B         levels, in the grid's own levels (e.g. 6-14, or 8)",
      '  --bbox W,S,E,N     area as WGS84 longitudes and latitudes, or',
      '  --kommun CODE      a municipality by its code (e.g. 0181); repeatable',
      `  --sample N         most tiles measured per level, spread evenly (default 200, at most ${MAX_SIZE_SAMPLE})`,
      '  --budget-kb N      tiles above this many KB (raw) are listed as over budget (default tiles.sizeBudgetBytes, 500 KB)',
      '  --config FILE      configuration file (default config/sodertorn.yaml; env CONFIG)',
    ].join('\n'),
    notes: 'Tiles are read from the source, not from or into a cache. Without --bbox and --kommun, the tileset\'s whole extent.',
    options: {
      tileset: { type: 'string' },
      grid: { type: 'string' },
      zoom: { type: 'string' },
      bbox: { type: 'string' },
      kommun: { type: 'string', multiple: true },
      sample: { type: 'string' },
      'budget-kb': { type: 'string' },
      config: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    async run(values, io) {
      const tileset = stringFlag(values, 'tileset', '');
      if (!tileset) throw new UsageError('--tileset is required');
      if (values.zoom === undefined) throw new UsageError('--zoom is required (a level or a range like 6-14)');
      const kommun = listFlag(values, 'kommun');
      for (const code of kommun) if (!/^\d{4}$/.test(code)) throw new UsageError(`--kommun takes a four-digit municipality code such as 0126, got "${code}"`);
      const request = {
        tileset,
        grid: values.grid === undefined ? undefined : stringFlag(values, 'grid', ''),
        zoom: zoomFlag(values),
        bbox: values.bbox === undefined ? undefined : bboxFlag(stringFlag(values, 'bbox', '')),
        kommun,
        sample: integerFlag(values, 'sample', 200, 1, MAX_SIZE_SAMPLE),
        budgetBytes: values['budget-kb'] === undefined ? undefined : integerFlag(values, 'budget-kb', 500, 1, 1_000_000) * 1024,
      };
      const { tileSizes } = await import('./tile-sizes-command.ts');
      return withConfig(values, io, (config) => tileSizes(config, { ...request, budgetBytes: request.budgetBytes ?? config.tiles.sizeBudgetBytes }, io));
    },
  },

  key: {
    summary: 'Make a new API key: prints the key (give it to the client) and the entry for access.keys (holds only its SHA-256)',
    help: [
      '  --name NAME        who the key is for, shown in logs (required)',
      '  --grant IDS        comma-separated tileset and style ids the key opens, or * (required)',
    ].join('\n'),
    options: { name: { type: 'string' }, grant: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
    async run(values, io) {
      const { randomBytes } = await import('node:crypto');
      const { sha256Hex } = await import('./access/access-policy.ts');
      const name = stringFlag(values, 'name', '');
      const grants = listFlag(values, 'grant');
      if (!name || grants.length === 0) throw new UsageError('--name and --grant are required');
      const key = randomBytes(24).toString('base64url');
      io.out(`key: ${key}`);
      io.out('add to access.keys in the configuration:');
      io.out(`  - { name: ${JSON.stringify(name)}, sha256: ${sha256Hex(key)}, grants: ${JSON.stringify(grants)} }`);
      return 0;
    },
  },

  token: {
    summary: 'Mint an HS256 JSON Web Token with ACCESS_TOKEN_SECRET (access.tokens.secret) for a portal user',
    help: [
      '  --config FILE      configuration file (default config/sodertorn.yaml; env CONFIG)',
      '  --sub NAME         who the token is for, shown in logs (required)',
      '  --grant IDS        tileset and style ids the token opens, or *; comma-separated or repeated (required)',
      '  --ttl SECONDS      lifetime (default 3600; at most access.maxTokenTtlS)',
    ].join('\n'),
    notes: 'The token carries access.tokens.issuer and audience when they are set, and its grants in access.tokens.grantsClaim.',
    options: { config: { type: 'string' }, sub: { type: 'string' }, grant: { type: 'string', multiple: true }, ttl: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
    async run(values, io) {
      const { signToken } = await import('./access/jwt-tokens.ts');
      const sub = stringFlag(values, 'sub', '');
      const grants = listFlag(values, 'grant');
      if (!sub || grants.length === 0) throw new UsageError('--sub and --grant are required');
      return withConfig(values, io, async (config) => {
        const ttl = integerFlag(values, 'ttl', 3600, 1, config.access.maxTokenTtlS);
        const { secret, issuer, audience, grantsClaim, subjectClaim } = config.access.tokens;
        if (!secret) {
          io.err('error: no token secret: set ACCESS_TOKEN_SECRET (or access.tokens.secret)');
          return 1;
        }
        io.out(await signToken(secret, { sub, grants, expiresInS: ttl, issuer, audience, grantsClaim, subjectClaim }));
        return 0;
      });
    },
  },

  serve: {
    summary: 'Serve tiles over HTTP (PostGIS with DATABASE_URL, else the embedded demo files)',
    help: [
      '  --config FILE      configuration file (default config/sodertorn.yaml; env CONFIG)',
      '  --port N           port to listen on (env PORT)',
      '  --host ADDR        address to listen on (env HOST)',
    ].join('\n'),
    notes: 'Environment overrides: DATABASE_URL, REDIS_URL, PORT, HOST, PUBLIC_URL, LOG_LEVEL, ACCESS_TOKEN_SECRET, CONFIG. SIGTERM/SIGINT drain in-flight requests for limits.shutdownGraceMs; a second signal stops at once.',
    options: { config: { type: 'string' }, port: { type: 'string' }, host: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
    async run(values, io) {
      const { serve } = await import('./serve.ts');
      const { ConfigError } = await import('./config/load-config.ts');
      const env = {
        ...io.env,
        ...(values.config === undefined ? {} : { CONFIG: stringFlag(values, 'config', '') }),
        ...(values.port === undefined ? {} : { PORT: String(integerFlag(values, 'port', 0, 0, 65535)) }),
        ...(values.host === undefined ? {} : { HOST: stringFlag(values, 'host', '') }),
      };
      try {
        await serve(env);
      } catch (error) {
        if (!(error instanceof ConfigError)) throw error;
        io.err(error.message);
        return 1;
      }
      // The server keeps the process alive; this resolves only the start-up.
      return 0;
    },
  },
};

function usage(): string {
  const width = Math.max(...Object.keys(commands).map((n) => n.length));
  return [
    `Usage: ${PROGRAM} <command> [options]`,
    '',
    'Commands:',
    ...Object.entries(commands).map(([name, c]) => `  ${name.padEnd(width)}  ${c.summary}`),
    '',
    `Run "${PROGRAM} <command> --help" for the options of a command.`,
  ].join('\n');
}

function commandUsage(name: string, command: CliCommand): string {
  const lines = [`Usage: ${PROGRAM} ${name} [options]`, '', command.summary, '', 'Options:', command.help, '  -h, --help         show this help'];
  if (command.notes) lines.push('', command.notes);
  return lines.join('\n');
}

/** Runs the command line (without node and script); resolves to the exit code. */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    (name === undefined ? io.err : io.out)(usage());
    return name === undefined ? EXIT_USAGE : 0;
  }
  const command = Object.hasOwn(commands, name) ? commands[name] : undefined;
  if (!command) {
    io.err(`error: unknown command "${name}"\n\n${usage()}`);
    return EXIT_USAGE;
  }
  try {
    const { values, positionals } = parseArgs({ args: [...rest], options: command.options, strict: true, allowPositionals: true });
    if (values.help) {
      io.out(commandUsage(name, command));
      return 0;
    }
    if (positionals.length > 0) throw new UsageError(`unexpected argument "${positionals[0]}"`);
    return await command.run(values, io);
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    if (error instanceof UsageError || (typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS'))) {
      io.err(`error: ${(error as Error).message}\nRun "${PROGRAM} ${name} --help" for its options.`);
      return EXIT_USAGE;
    }
    throw error;
  }
}

/** True when this file is the program being run (not imported by a test or another module). */
function isEntryPoint(): boolean {
  const script = process.argv[1];
  if (!script) return false;
  try {
    return import.meta.url === pathToFileURL(realpathSync(script)).href;
  } catch {
    return false;
  }
}

if (isEntryPoint()) {
  const io: CliIo = {
    out: (line) => console.log(line),
    err: (line) => console.error(line),
    terminal: process.stderr.isTTY ? (text) => process.stderr.write(text) : undefined,
    env: process.env,
  };
  runCli(process.argv.slice(2), io).then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      console.error(error);
      process.exitCode = 1;
    },
  );
}


/** The label point indexes of the configured layers, on the tables just loaded. */
async function createLabelPointIndexes(pool: import('pg').Pool, io: CliIo): Promise<void> {
  const { loadConfig } = await import('./config/load-config.ts');
  const { createLabelPointIndexes: create } = await import('./sources/postgis/label-point-indexes.ts');
  const { created, failed } = await create(pool, loadConfig(io.env).tilesets);
  for (const problem of failed) io.err(`label point index not created: ${problem}`);
  if (created) io.out(`label point indexes on ${created} layers`);
}
