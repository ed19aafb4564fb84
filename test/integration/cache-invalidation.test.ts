import { mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_CHANGELOG, DEFAULT_CHANNEL } from '../../cache/invalidation/changelog-sql.ts';
import { installChangeLog, uninstallChangeLog } from '../../cache/invalidation/install-triggers.ts';
import { trackedTables } from '../../cache/invalidation/tracked-tables.ts';
import type { EngineConfig } from '../../src/config/schema.ts';
import { createPointTable, pointStylesDir, HERE } from '../helpers/point-table.ts';
import { startEngineProcess } from '../../bench/lib/engine-process.ts';
import { startEngine, type RunningEngine } from '../helpers/engine.ts';
import { decodeTile } from '../helpers/mvt.ts';
import { TEST_DATABASE_URL } from '../helpers/test-db.ts';

/**
 * The cache never serves a stale tile: real PostgreSQL triggers and NOTIFY, real Redis,
 * real files, real HTTP. The tests own a table of their own (cache_test.punkt), drawn by a
 * tileset and a style of their own, so changing its rows disturbs no other suite.
 */
const SCHEMA = 'cache_test';
const TABLE = `${SCHEMA}.punkt`;
const REDIS_URL = 'redis://127.0.0.1:6379/15';

const tileset = { id: 'cachetest', minzoom: 0, maxzoom: 18, layers: [{ id: 'punkt', table: TABLE, geometryColumn: 'geom', srid: 3006, idColumn: 'id', attributes: ['namn'], minzoom: 0, maxzoom: 24 }] } as unknown as EngineConfig['tilesets'][number];
// XYZ z16 tiles of HERE and FAR, and the 3006 level-11 tile of HERE.
const TILE_HERE = '/tiles/cachetest/16/36053/19310.mvt';
const TILE_FAR = '/tiles/cachetest/16/35987/19371.mvt';
const TILE_HERE_3006 = `/tiles/cachetest/3006/11/${Math.floor((HERE[0] + 1_200_000) / (2 * 256))}/${Math.floor((8_500_000 - HERE[1]) / (2 * 256))}.mvt`;

let db: pg.Pool;
let stylesDir: string;

async function names(engine: { url: string }, path: string): Promise<string[]> {
  const res = await fetch(`${engine.url}${path}`);
  if (res.status === 204) return [];
  expect(res.status).toBe(200);
  const tile = decodeTile(new Uint8Array(await res.arrayBuffer()));
  return (tile.punkt ?? []).map((f) => String(f.properties.namn)).sort();
}

/**
 * Polls until the tile shows the expected names, or fails after 30 s (a change lost, not a
 * slow one: how fast is measured in bench/, not asserted here).
 */
async function freshAfter(engine: { url: string }, path: string, expected: string[]): Promise<void> {
  await expect.poll(() => names(engine, path), { timeout: 30_000, interval: 5 }).toEqual(expected);
}

async function health(engine: { url: string }): Promise<{ cache: { hits: Record<string, number>; stored: number; invalidation: string; rewarmPending: number } }> {
  return (await (await fetch(`${engine.url}/health`)).json()) as never;
}

/** Waits until the hot tiles a change removed are produced again (that reads the tiers too, moving their hit counts). */
async function rewarmed(engine: { url: string }): Promise<void> {
  await expect.poll(async () => (await health(engine)).cache.rewarmPending, { timeout: 30_000, interval: 20 }).toBe(0);
}

function engineWith(cache: Partial<EngineConfig['cache']>): Promise<RunningEngine> {
  return startEngine({ overrides: { tilesets: [tileset], cache: { raceWindowS: 120, ...cache }, render: { stylesDir, defaultStyle: undefined } } });
}

async function rename(id: number, namn: string): Promise<void> {
  await db.query(`UPDATE ${TABLE} SET namn = $2 WHERE id = $1`, [id, namn]);
}

beforeAll(async () => {
  db = new pg.Pool({ connectionString: TEST_DATABASE_URL, max: 2 });
  await createPointTable(db, SCHEMA, tileset);
  stylesDir = pointStylesDir('cachetest');
});

afterAll(async () => {
  await db.query(`DROP SCHEMA IF EXISTS ${SCHEMA} CASCADE`);
  await db.end();
});

describe('the tile cache over PostGIS', () => {
  it('serves the new content after an UPDATE commits, in every grid and tier, and keeps tiles the change does not touch', async () => {
    const engine = await engineWith({ disk: { enabled: true, dir: mkdtempSync(join(tmpdir(), 'tiles-')), maxBytes: 64 * 1024 * 1024 }, redis: { url: REDIS_URL, keyPrefix: `t${process.pid}:` } });
    try {
      expect((await health(engine)).cache.invalidation).toBe('listening');
      expect(await names(engine, TILE_HERE)).toEqual(['här']);
      expect(await names(engine, TILE_HERE_3006)).toEqual(['här']);
      expect(await names(engine, TILE_FAR)).toEqual(['långt bort']);
      const raster = async () => Buffer.from(await (await fetch(`${engine.url}/tiles/prick/16/36053/19310.png`)).arrayBuffer()).toString('base64');
      const redBefore = await raster();
      const hitsBefore = (await health(engine)).cache.hits.memory!;
      expect(await names(engine, TILE_HERE)).toEqual(['här']); // now from the cache
      expect((await health(engine)).cache.hits.memory).toBe(hitsBefore + 1);

      await rename(1, 'ändrad');
      await freshAfter(engine, TILE_HERE, ['ändrad']);
      expect(await names(engine, TILE_HERE_3006)).toEqual(['ändrad']);
      expect(await raster()).not.toBe(redBefore);
      // The far tile was not touched: still a hit.
      await rewarmed(engine);
      const hits = (await health(engine)).cache.hits.memory!;
      expect(await names(engine, TILE_FAR)).toEqual(['långt bort']);
      expect((await health(engine)).cache.hits.memory).toBe(hits + 1);
    } finally {
      await engine.close();
      await rename(1, 'här');
    }
  });

  it('produces the hot tiles a change removed again at once: the next viewer gets a cached tile with the new content', async () => {
    const engine = await engineWith({});
    const rasterPath = '/tiles/prick/16/36053/19310.png';
    try {
      expect(await names(engine, TILE_HERE)).toEqual(['här']);
      expect((await fetch(`${engine.url}${rasterPath}`)).status).toBe(200);
      const before = (await health(engine)).cache as unknown as { stored: number; rewarmed: number; hits: Record<string, number> };
      await rename(1, 'varm');
      // Both tiles were among the most recently used: both are produced again (the raster one as its whole metatile).
      await expect.poll(async () => ((await health(engine)).cache as unknown as { rewarmed: number }).rewarmed, { timeout: 30_000, interval: 20 }).toBeGreaterThanOrEqual(before.rewarmed + 2);
      await rewarmed(engine);
      const after = (await health(engine)).cache as unknown as { stored: number; rewarmed: number; hits: Record<string, number> };
      // The two tiles and the other tiles of the raster one's metatile, all just stored, hence recently used.
      expect(after.rewarmed).toBeGreaterThanOrEqual(before.rewarmed + 2);
      expect(await names(engine, TILE_HERE)).toEqual(['varm']);
      expect((await fetch(`${engine.url}${rasterPath}`)).status).toBe(200);
      // Served from memory, not produced on demand.
      const served = (await health(engine)).cache as unknown as { stored: number; hits: Record<string, number> };
      expect(served.hits.memory).toBe(after.hits.memory! + 2);
      expect(served.stored).toBe(after.stored);
    } finally {
      await engine.close();
      await rename(1, 'här');
    }
  });

  it('stays off, saying why, when a served table lacks the change-log triggers (its edits would leave tiles stale)', async () => {
    const client = await db.connect();
    try {
      await uninstallChangeLog(client, [TABLE]);
      const engine = await engineWith({});
      try {
        const { cache } = (await health(engine)) as unknown as { cache: { enabled: boolean; reason: string } };
        expect(cache).toEqual({ enabled: false, reason: 'change-log triggers missing on 1 table (named in the log): run install-triggers' });
        expect(await names(engine, TILE_HERE)).toEqual(['här']);
      } finally {
        await engine.close();
      }
    } finally {
      await installChangeLog(client, { changelog: DEFAULT_CHANGELOG, channel: DEFAULT_CHANNEL, tables: trackedTables([tileset]) });
      client.release();
    }
    const engine = await engineWith({});
    try {
      expect((await health(engine)).cache.invalidation).toBe('listening');
    } finally {
      await engine.close();
    }
  });

  it('stays fresh when the listening connection is killed while changes commit', async () => {
    const engine = await engineWith({});
    try {
      expect(await names(engine, TILE_HERE)).toEqual(['här']);
      await db.query(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'sodertorn-tiles change listener'`);
      await rename(1, 'under avbrott');
      // Whatever the listener's state, what is served is never the old name.
      await freshAfter(engine, TILE_HERE, ['under avbrott']);
      await expect.poll(async () => (await health(engine)).cache.invalidation, { timeout: 30_000, interval: 100 }).toBe('listening');
      expect(await names(engine, TILE_HERE)).toEqual(['under avbrott']);
    } finally {
      await engine.close();
      await rename(1, 'här');
    }
  });

  it('replays what changed while the engine was stopped before serving its disk cache', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tiles-'));
    const first = await engineWith({ memory: { enabled: false, maxBytes: 1024 }, disk: { enabled: true, dir, maxBytes: 64 * 1024 * 1024 } });
    try {
      expect(await names(first, TILE_HERE)).toEqual(['här']);
    } finally {
      await first.close();
    }
    await rename(1, 'medan den sov');
    const second = await engineWith({ memory: { enabled: false, maxBytes: 1024 }, disk: { enabled: true, dir, maxBytes: 64 * 1024 * 1024 } });
    try {
      // Served from the disk tier (not around it), after the replay removed the old tile.
      expect((await health(second)).cache.invalidation).toBe('listening');
      expect(await names(second, TILE_HERE)).toEqual(['medan den sov']);
      expect(await names(second, TILE_HERE)).toEqual(['medan den sov']);
      expect((await health(second)).cache.hits.disk).toBe(1);
    } finally {
      await second.close();
      await rename(1, 'här');
    }
  });

  it('invalidates every engine process sharing Redis', async () => {
    const shared = { memory: { enabled: true, maxBytes: 16 * 1024 * 1024 }, redis: { url: REDIS_URL, keyPrefix: `shared${process.pid}:` } };
    // b is an engine process of its own, as `npm start` runs it, configured by file.
    const configFile = join(mkdtempSync(join(tmpdir(), 'cache-config-')), 'engine.json');
    writeFileSync(configFile, JSON.stringify({ tilesets: [tileset], render: { stylesDir }, cache: shared }));
    const [a, b] = await Promise.all([engineWith(shared), startEngineProcess({ CONFIG: configFile, DATABASE_URL: TEST_DATABASE_URL })]);
    try {
      expect(await names(a, TILE_HERE)).toEqual(['här']);
      expect(await names(b, TILE_HERE)).toEqual(['här']); // b finds a's tile in Redis
      expect((await health(b)).cache.hits.redis).toBe(1);
      await rename(1, 'delad');
      await freshAfter(a, TILE_HERE, ['delad']);
      await freshAfter(b, TILE_HERE, ['delad']);
    } finally {
      await Promise.all([a.close(), b.stop()]);
      await rename(1, 'här');
    }
  });

  it('produces a cold tile once for 1,000 concurrent requests', async () => {
    // One client asking 1,000 at once: lift the per-client limit, single flight is what is tested.
    const engine = await startEngine({ overrides: { tilesets: [tileset], limits: { perClient: { maxConcurrent: 0, requestsPerS: 0, burst: 1, shared: false } }, render: { stylesDir, defaultStyle: undefined } } });
    try {
      const before = (await health(engine)).cache.stored;
      const statuses = await Promise.all(Array.from({ length: 1000 }, async () => (await fetch(`${engine.url}${TILE_FAR}`)).status));
      expect(statuses.every((s) => s === 200)).toBe(true);
      expect((await health(engine)).cache.stored - before).toBe(1);
    } finally {
      await engine.close();
    }
  });

  it('detects a corrupted disk entry and produces the tile again', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tiles-'));
    const engine = await engineWith({ memory: { enabled: false, maxBytes: 1024 }, disk: { enabled: true, dir, maxBytes: 64 * 1024 * 1024 } });
    try {
      expect(await names(engine, TILE_HERE)).toEqual(['här']);
      const files = (function walk(d: string): string[] {
        return readdirSync(d).flatMap((f) => (statSync(join(d, f)).isDirectory() ? walk(join(d, f)) : [join(d, f)]));
      })(dir).filter((f) => /\.mvt(\.[0-9a-f]{8})?$/.test(f));
      expect(files).toHaveLength(1);
      const bytes = readFileSync(files[0]!);
      bytes[bytes.length - 3] = bytes[bytes.length - 3]! ^ 0xff;
      writeFileSync(files[0]!, bytes);
      const stored = (await health(engine)).cache.stored;
      expect(await names(engine, TILE_HERE)).toEqual(['här']);
      expect((await health(engine)).cache.stored).toBe(stored + 1);
    } finally {
      await engine.close();
    }
  });
});
