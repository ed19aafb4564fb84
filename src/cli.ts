#!/usr/bin/env node
import { realpathSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import type pg from 'pg';
import { DEFAULT_CHANGELOG, DEFAULT_CHANNEL } from '../cache/invalidation/changelog-sql.ts';
import type { EngineConfig } from './config/schema.ts';
import { DEFAULT_BUILDINGS, DEFAULT_SEED, MAX_BUILDINGS } from './demo/defaults.ts';

/**
 * `sodertorn-tiles <command> [options]`: the project's command line. Each command is one entry
 * in `commands`; its module is imported only when it runs, so `--help` stays instant and the
 * server does not load the demo generator.
 */

/** Where a command writes and what it may read; tests pass their own. */
export interface CliIo {
  out(line: string): void;
  err(line: string): void;
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
  const { loadConfig, ConfigError } = await import('./config/load-config.ts');
  const { default: pgModule } = await import('pg');
  let config;
  try {
    config = loadConfig({ ...io.env, ...(values.config === undefined ? {} : { CONFIG: stringFlag(values, 'config', '') }) });
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    io.err(`error: ${error.message}`);
    return 1;
  }
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
      const { generateBaseMap } = await import('./demo/generate.ts');
      const { writeDemoFiles } = await import('./demo/write-files.ts');
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
      const { generateBaseMap } = await import('./demo/generate.ts');
      const { loadBaseMap } = await import('./demo/load-postgis.ts');
      const pool = new pg.Pool({ connectionString: io.env.DATABASE_URL ?? DEFAULT_DATABASE_URL, max: 1 });
      try {
        const report = await loadBaseMap(pool, generateBaseMap({ seed, buildings }), {
          schema,
          onLayer: (l) => io.out(`${l.table.padEnd(24)} ${String(l.rows).padStart(9)} rows  ${l.seconds.toFixed(1).padStart(6)} s`),
        });
        io.out(`loaded ${report.rows} rows into schema ${schema} in ${report.seconds.toFixed(1)} s (seed ${seed}, ${buildings} buildings)`);
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
      const { loadConfig, ConfigError } = await import('./config/load-config.ts');
      const { loadStyles } = await import('./styles/style-store.ts');
      const { buildSprites } = await import('./styles/sprite-builder.ts');
      const { FontLibrary } = await import('./fonts/font-library.ts');
      const { checkStyles } = await import('./styles/style-check.ts');
      try {
        const config = loadConfig({ ...io.env, ...(values.config === undefined ? {} : { CONFIG: stringFlag(values, 'config', '') }) });
        const styles = loadStyles(config.render.stylesDir, new Set(config.tilesets.map((t) => t.id)));
        const sprites = await buildSprites(config.render.stylesDir, styles);
        const fonts = await FontLibrary.load(config.fonts.dir, { fallback: config.fonts.fallback });
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
      } catch (error) {
        if (!(error instanceof ConfigError)) throw error;
        io.err(`error: ${error.message}`);
        return 1;
      }
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

  serve: {
    summary: 'Serve tiles over HTTP (PostGIS with DATABASE_URL, else the embedded demo files)',
    help: [
      '  --config FILE      configuration file (default config/sodertorn.yaml; env CONFIG)',
      '  --port N           port to listen on (env PORT)',
      '  --host ADDR        address to listen on (env HOST)',
    ].join('\n'),
    notes: 'Environment overrides: DATABASE_URL, PORT, HOST, PUBLIC_URL, LOG_LEVEL, CONFIG.',
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
  const io: CliIo = { out: (line) => console.log(line), err: (line) => console.error(line), env: process.env };
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
