/**
 * Builds the engine's tile cache from configuration: the tiers that are turned on, and,
 * over PostGIS, the change listener that invalidates them. Without the change log (the
 * triggers not installed) the cache stays off over PostGIS: a cache nothing invalidates
 * would serve stale tiles. Over the embedded demo files nothing changes while the engine
 * runs; persistent tiers are cleared at start since the files may have changed before.
 */
import pg from 'pg';
import type { Logger } from 'pino';
import type { EngineConfig } from '../src/config/schema.ts';
import { affectedRangesOf, type ServedModel } from './invalidation/affected-tiles.ts';
import { ChangeListener, latestSeq } from './invalidation/change-listener.ts';
import { TRIGGER_NAMES } from './invalidation/changelog-sql.ts';
import { qualifyTable } from './invalidation/tracked-tables.ts';
import { Purger } from './purge/purger.ts';
import type { CacheTier } from './tier.ts';
import { TieredCache } from './tiered-cache.ts';
import { DiskTier } from './tiers/disk-tier.ts';
import { MemoryTier } from './tiers/memory-tier.ts';
import { RedisTier } from './tiers/redis-tier.ts';

export interface EngineCache {
  /** Undefined when every tier is off, or the cache cannot be kept fresh. */
  readonly cache: TieredCache | undefined;
  /** What /health reports. */
  status(): Record<string, unknown>;
  close(): Promise<void>;
}

/** How long start-up waits for the first replay of the change log before serving (uncached until it completes). */
const FIRST_REPLAY_WAIT_MS = 5000;

async function openTiers(config: EngineConfig['cache'], logger: Logger): Promise<CacheTier[]> {
  const tiers: CacheTier[] = [];
  if (config.memory.enabled) tiers.push(new MemoryTier({ maxBytes: config.memory.maxBytes }));
  if (config.disk.enabled) tiers.push(await DiskTier.open({ dir: config.disk.dir, maxBytes: config.disk.maxBytes, logger }));
  if (config.redis.url) {
    try {
      tiers.push(await RedisTier.open({ url: config.redis.url, prefix: config.redis.keyPrefix, ...(config.redis.maxAgeS ? { maxAgeS: config.redis.maxAgeS } : {}), logger }));
    } catch (error) {
      // The engine runs without its shared tier rather than not at all.
      logger.error({ err: (error as Error).message }, 'Redis cache tier unavailable; running without it');
    }
  }
  return tiers;
}

/**
 * The newest and oldest sequences of the change log, or undefined when it does not exist;
 * and the served tables that lack its triggers (their edits would not invalidate anything).
 */
async function changeLogBounds(url: string, tables: readonly string[]): Promise<{ latest: number; oldest: number; untracked: string[] } | undefined> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5000 });
  await client.connect();
  try {
    const exists = await client.query<{ ok: boolean }>(`SELECT to_regclass('sodertorn_tiles.changelog') IS NOT NULL AS ok`);
    if (!exists.rows[0]?.ok) return undefined;
    const oldest = await client.query<{ seq: string | null }>('SELECT min(seq) AS seq FROM sodertorn_tiles.changelog');
    const untracked = await client.query<{ name: string }>(
      `SELECT t.name FROM unnest($1::text[]) AS t(name)
       WHERE (SELECT count(DISTINCT tgname) FROM pg_trigger WHERE tgrelid = to_regclass(t.name) AND tgname = ANY($2::text[])) < cardinality($2::text[])`,
      [tables, Object.values(TRIGGER_NAMES)],
    );
    return { latest: await latestSeq(client), oldest: Number(oldest.rows[0]?.seq ?? 0), untracked: untracked.rows.map((r) => r.name) };
  } finally {
    await client.end().catch(() => undefined);
  }
}

export async function openCache(options: {
  config: EngineConfig['cache'];
  databaseUrl: string | undefined;
  model: () => ServedModel;
  logger: Logger;
  /** server.publicUrl and render.defaultStyle: what the purged URLs look like (cache.purge). */
  publicUrl?: string | undefined;
  defaultStyle?: string | undefined;
}): Promise<EngineCache> {
  const { config, databaseUrl, logger } = options;
  const tiers = await openTiers(config, logger);
  const retainMs = config.raceWindowS * 1000;
  const closeTiers = () => Promise.all(tiers.map((t) => t.close())).then(() => undefined);
  if (tiers.length === 0) return { cache: undefined, status: () => ({ enabled: false }), close: closeTiers };

  if (!databaseUrl) {
    for (const tier of tiers) if (tier.name !== 'memory') await tier.clear();
    const cache = await TieredCache.open(tiers, 0, { logger, retainMs });
    return { cache, status: () => ({ enabled: true, tiers: cache.tierNames, invalidation: 'none (embedded files)', ...cache.stats }), close: () => cache.close() };
  }

  let bounds: { latest: number; oldest: number; untracked: string[] } | undefined;
  const tables = [...new Set(options.model().tilesets.flatMap((t) => t.layers.map((l) => qualifyTable(l.table))))];
  try {
    bounds = await changeLogBounds(databaseUrl, tables);
  } catch (error) {
    // The database is down: fresh tiers start at 0, and the listener replays the log when it connects.
    logger.warn({ err: (error as Error).message }, 'change log not readable at start; the cache is used once the listener has replayed it');
    bounds = { latest: 0, oldest: 0, untracked: [] };
  }
  if (!bounds) {
    logger.warn('no change log in the database (run `sodertorn-tiles install-triggers`): tile cache off, since nothing would invalidate it');
    await closeTiers();
    return { cache: undefined, status: () => ({ enabled: false, reason: 'change log missing: run install-triggers' }), close: async () => undefined };
  }
  if (bounds.untracked.length > 0) {
    // Edits of such a table would leave its tiles cached: no cache rather than a stale one.
    // /health is public: it counts the tables, the log names them (a table's name may be restricted).
    const reason = `change-log triggers missing on ${bounds.untracked.length} table${bounds.untracked.length > 1 ? 's' : ''} (named in the log): run install-triggers`;
    logger.warn({ tables: bounds.untracked }, `tile cache off: change-log triggers missing on ${bounds.untracked.join(', ')}`);
    await closeTiers();
    return { cache: undefined, status: () => ({ enabled: false, reason }), close: async () => undefined };
  }
  // A persistent tier behind the oldest logged change cannot replay what it missed: start it empty.
  for (const tier of tiers) {
    const applied = await tier.appliedSeq();
    if (applied !== undefined && applied < bounds.oldest - 1) {
      logger.warn({ tier: tier.name, applied, oldest: bounds.oldest }, 'cache tier is older than the change log; cleared');
      await tier.clear();
    }
  }

  const purger = config.purge && Purger.fromConfig(config.purge, { publicUrl: options.publicUrl, defaultStyle: options.defaultStyle, logger });
  let listener: ChangeListener | undefined;
  const cache = await TieredCache.open(tiers, bounds.latest, { logger, retainMs, trusted: () => listener?.connected ?? false, rewarm: config.rewarm });
  listener = new ChangeListener({
    url: databaseUrl,
    channel: config.channel,
    logger,
    fromSeq: () => cache.replayFrom(),
    onChanges: async (changes) => {
      const last = changes.at(-1)!;
      const model = options.model();
      const ranges = affectedRangesOf(changes, model);
      await cache.apply(last.seq, ranges, last.committedAt);
      // The cache in front is purged after the engine's own tiers, without waiting for it.
      purger?.enqueue(ranges, model);
    },
  });
  const started = listener.start();
  await Promise.race([started.catch(() => undefined), new Promise((resolve) => setTimeout(resolve, FIRST_REPLAY_WAIT_MS).unref())]);
  return {
    cache,
    status: () => ({ enabled: true, tiers: cache.tierNames, invalidation: listener?.connected ? 'listening' : 'reconnecting (cache bypassed)', appliedSeq: cache.replayFrom(), ...cache.stats, ...(purger ? { purge: purger.stats } : {}) }),
    close: async () => {
      await listener?.stop();
      await purger?.close();
      await cache.close();
    },
  };
}
