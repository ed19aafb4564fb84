import { createHash } from 'node:crypto';
import pg from 'pg';
import type { Logger } from 'pino';
import { afterAll, beforeAll } from 'vitest';
import { createEngine, type Engine, type EngineSeams } from '../../src/app.ts';
import { loadConfig } from '../../src/config/load-config.ts';
import type { EngineConfig } from '../../src/config/schema.ts';
import { createLogger } from '../../src/logger.ts';
import { TEST_DATABASE_URL } from './test-db.ts';

export interface RunningEngine {
  readonly engine: Engine;
  readonly url: string;
  close(): Promise<void>;
}

/** A key every test engine knows, granting /metrics (and nothing else): what an operator's Prometheus sends. */
export const METRICS_KEY = 'test-metrics-key-0123456789abcdef';
export const METRICS_HEADERS = { 'X-Api-Key': METRICS_KEY };
const metricsKey = { name: 'prometheus', sha256: createHash('sha256').update(METRICS_KEY).digest('hex'), grants: ['metrics'] };

type Overrides = { [K in keyof EngineConfig]?: Partial<EngineConfig[K]> | EngineConfig[K] };

/**
 * Starts a real engine on a free loopback port from the shipped config, with the test
 * database (or none, for the embedded mode) and the given overrides.
 */
export async function startEngine(options: { database?: string | null; overrides?: Overrides; logger?: Logger; seams?: EngineSeams } = {}): Promise<RunningEngine> {
  const base = loadConfig({});
  const database = options.database === undefined ? TEST_DATABASE_URL : options.database;
  const o = options.overrides ?? {};
  const config: EngineConfig = {
    ...base,
    ...(o.tilesets ? { tilesets: o.tilesets as EngineConfig['tilesets'] } : {}),
    server: { ...base.server, port: 0, logLevel: 'silent', ...(o.server as object) },
    database: { ...base.database, url: database ?? undefined, ...(o.database as object) },
    tiles: { ...base.tiles, ...(o.tiles as object) },
    demo: { ...base.demo, ...(o.demo as object) },
    viewer: { ...base.viewer, ...(o.viewer as object) },
    service: { ...base.service, ...(o.service as object) },
    render: { ...base.render, ...(o.render as object) },
    fonts: { ...base.fonts, ...(o.fonts as object) },
    cache: { ...base.cache, ...(o.cache as object) },
    print: { ...base.print, ...(o.print as object) },
    access: { ...base.access, ...(o.access as object), keys: [...((o.access as Partial<EngineConfig['access']> | undefined)?.keys ?? base.access.keys), metricsKey] },
    limits: { ...base.limits, ...(o.limits as object) },
  };
  const engine = await createEngine(config, options.logger ?? createLogger(process.env.TEST_LOG_LEVEL ?? 'silent'), options.seams);
  const url = await engine.listen(0, '127.0.0.1');
  return { engine, url, close: () => engine.close() };
}

/** The shipped tileset drawn by the restricted style fastighetskarta: an engine with its own tilesets keeps it, so the shipped styles load. */
export const propertyRegister = () => loadConfig({}).tilesets.find((t) => t.id === 'fastighetsregister')!;

/**
 * For a suite: an engine over the test database and a pool on that database, opened
 * before its tests and closed after them.
 */
export function engineAndDatabase(): { readonly engine: RunningEngine; readonly db: pg.Pool } {
  let engine: RunningEngine | undefined;
  let db: pg.Pool | undefined;
  beforeAll(async () => {
    engine = await startEngine();
    db = new pg.Pool({ connectionString: TEST_DATABASE_URL, max: 1 });
  });
  afterAll(async () => {
    await engine?.close();
    await db?.end();
  });
  return {
    get engine() {
      return engine!;
    },
    get db() {
      return db!;
    },
  };
}
