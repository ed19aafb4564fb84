import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RedisTier } from '../../cache/tiers/redis-tier.ts';
import { loadConfig } from '../../src/config/load-config.ts';
import type { EngineConfig } from '../../src/config/schema.ts';
import { METRICS_HEADERS, METRICS_KEY } from '../helpers/engine.ts';
import { createLogger } from '../../src/logger.ts';
import { createDemoDatabase, type DemoDatabase } from '../helpers/demo-database.ts';
import { decodeTile, getRaw } from '../helpers/mvt.ts';
import { loopbackNginxConf } from '../helpers/nginx-conf.ts';
import { startNginx, type RunningNginx } from '../helpers/nginx.ts';
import { startEngineGroup, type EngineProcess } from '../helpers/process-group.ts';
import { freePort } from '../helpers/free-port.ts';

/**
 * Scaling out as compose.yaml does it, on loopback: three engine processes over one PostgreSQL
 * database and one Redis, behind a real nginx running the shipped deploy/nginx.conf. The
 * database is the suite's own (demo data and triggers loaded by the CLI, as load-demo does), so
 * its UPDATE invalidates no other suite's engines; the Redis keys carry a prefix of this run.
 */
const REDIS_URL = 'redis://127.0.0.1:6379/15';
const KEY_PREFIX = `multiprocess${process.pid}-${Date.now()}:`;
const DATABASE = `sodertorn_multiprocess_${process.pid}`;

// Huddinge centre at z15 (buildings, roads, addresses), its raster tile (metatile block
// x 18020–18023, y 9652–9655), and a tile 40 tiles (10 metatiles, ~25 km) west of it.
const VECTOR = '/tiles/sodertorn/15/18020/9652.mvt';
const RASTER = '/tiles/sodertorn/15/18020/9652.png';
const FAR = '/tiles/sodertorn/15/17980/9652.mvt';
// Tiles the other tests here never ask for, for the Redis hand-over: a vector tile, and three
// raster tiles of one metatile block (x 18024–18027, y 9652–9655).
const SHARED_VECTOR = '/tiles/sodertorn/15/18021/9653.mvt';
const SHARED_BLOCK = ['/tiles/sodertorn/15/18024/9652.png', '/tiles/sodertorn/15/18025/9653.png', '/tiles/sodertorn/15/18026/9654.png'];
/** The bound the issue sets for a change to reach every replica. */
/** How long the test waits for a change to show before calling it lost (a liveness bound, not a speed claim: bench/ measures that). */
const FRESH_WITHIN_MS = 30_000;

let database: DemoDatabase;
let db: pg.Pool;
let engines: EngineProcess[] = [];
let nginx: RunningNginx | undefined;
let proxyUrl: string;

interface Health {
  readonly cache: { tiers: string[]; hits: Record<string, number | undefined>; stored: number; invalidation: string; rewarmPending: number };
  readonly renders: { completed: number };
}

async function health(url: string): Promise<Health> {
  return (await (await fetch(`${url}/health`)).json()) as Health;
}

/** Tiles an engine answered, slow path and fast path, from its own /metrics. */
async function tilesAnswered(url: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`, { headers: METRICS_HEADERS })).text();
  let total = 0;
  for (const line of text.split('\n')) {
    const routed = /^sodertorn_http_requests_total\{(.*)\} (\d+)$/.exec(line);
    if (routed && /route="tile"/.test(routed[1]!)) total += Number(routed[2]);
    const fast = /^sodertorn_fast_path_tiles_total (\d+)$/.exec(line);
    if (fast) total += Number(fast[1]);
  }
  return total;
}

/** A tile as it left the server (node:http asks for no compression): status, ETag and bytes. */
async function tile(url: string): Promise<{ status: number; etag: string; body: Buffer }> {
  const res = await getRaw(url);
  return { status: res.status, etag: String(res.headers.etag), body: res.body };
}

/** Polls check (a throw counts as not yet) until it holds; gone() names a reason to stop waiting. */
async function until(what: string, timeoutMs: number, check: () => Promise<boolean>, gone: () => string | undefined = () => undefined): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    if (await check().catch(() => false)) return;
    const reason = gone();
    if (reason !== undefined) throw new Error(`${what}: ${reason}`);
    if (performance.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

beforeAll(async () => {
  database = await createDemoDatabase(DATABASE);
  db = new pg.Pool({ connectionString: database.url, max: 1 });
  const proxyPort = await freePort();
  proxyUrl = `http://127.0.0.1:${proxyPort}`;

  // One config file for the three, as compose gives the replicas one image and one environment.
  const shipped = loadConfig({});
  const config: EngineConfig = {
    ...shipped,
    // 3 processes × (pool + listener) stay well inside PostgreSQL's 100 connections.
    database: { ...shipped.database, poolSize: 4 },
    // One render thread each: three processes share the 2 cores of this machine.
    render: { ...shipped.render, workers: 1 },
    // Behind the proxy, per-client limits go by the address nginx appends to X-Forwarded-For.
    limits: { ...shipped.limits, trustProxy: true },
    access: { ...shipped.access, keys: [{ name: 'prometheus', sha256: createHash('sha256').update(METRICS_KEY).digest('hex'), grants: ['metrics'] }] },
    cache: { ...shipped.cache, memory: { enabled: true, maxBytes: 64 * 1024 * 1024 }, redis: { ...shipped.cache.redis, keyPrefix: KEY_PREFIX } },
  };
  const configFile = join(mkdtempSync(join(tmpdir(), 'multiprocess-')), 'engine.json');
  writeFileSync(configFile, JSON.stringify(config));
  const env = { CONFIG: configFile, DATABASE_URL: database.url, REDIS_URL, PUBLIC_URL: proxyUrl };
  const started = await Promise.allSettled([0, 1, 2].map(() => startEngineGroup(env)));
  engines = started.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
  const failed = started.find((s) => s.status === 'rejected');
  if (failed) throw failed.reason;
  // As compose waits for each replica's healthcheck: /ready (database, styles, threads, change feed).
  await Promise.all(engines.map((e) => until(`${e.url}/ready`, 30_000, async () => (await fetch(`${e.url}/ready`)).status === 200)));

  const conf = loopbackNginxConf(readFileSync('deploy/nginx.conf', 'utf8'), { servers: engines.map((e) => new URL(e.url).host), listen: `127.0.0.1:${proxyPort}` });
  nginx = startNginx(conf);
  const proxy = nginx;
  await until(
    'nginx in front of the engines',
    10_000,
    async () => (await fetch(`${proxyUrl}/ready`)).status === 200,
    () => (proxy.process.child.exitCode === null ? undefined : `nginx exited: ${proxy.errors()}`),
  );
});

afterAll(async () => {
  await nginx?.stop();
  await Promise.all(engines.map((e) => e.process.stop()));
  await db?.end();
  await database?.drop();
  const redis = await RedisTier.open({ url: REDIS_URL, prefix: KEY_PREFIX, logger: createLogger('silent') });
  await redis.clear();
  await redis.close();
});

describe('three engine processes sharing PostgreSQL and Redis behind the shipped nginx config', () => {
  it('start listening to the change log, each with a memory tier and the shared Redis', async () => {
    for (const engine of engines) {
      const h = await health(engine.url);
      expect(h.cache.tiers).toEqual(['memory', 'redis']);
      expect(h.cache.invalidation).toBe('listening');
    }
    expect(new Set(engines.map((e) => e.url)).size).toBe(3);
  });

  it('serve byte-identical tiles with identical ETags, vector and raster, from each process', async () => {
    for (const path of [VECTOR, RASTER]) {
      // At once, so each process may produce the tile itself rather than read another's.
      const answers = await Promise.all(engines.map((e) => tile(`${e.url}${path}`)));
      for (const answer of answers) {
        expect(answer.status, path).toBe(200);
        expect(answer.body.length, path).toBeGreaterThan(100);
        expect(answer.etag, path).toBe(answers[0]!.etag);
        expect(answer.body.equals(answers[0]!.body), `${path} differs between processes`).toBe(true);
      }
    }
    const tilejson = await Promise.all(engines.map(async (e) => (await fetch(`${e.url}/tiles/sodertorn.json`)).json() as Promise<{ tiles: string[] }>));
    for (const t of tilejson) expect(t).toEqual(tilejson[0]);
    // PUBLIC_URL: every process names the proxy in the URLs it hands out.
    expect(tilejson[0]!.tiles[0]!.startsWith(`${proxyUrl}/tiles/sodertorn/`)).toBe(true);
  });

  it('share the requests through the proxy, which answers as the processes do', async () => {
    const direct = new Map(await Promise.all([VECTOR, RASTER].map(async (p) => [p, await tile(`${engines[0]!.url}${p}`)] as const)));
    // /metrics is rendered at most once a second: let the last rendering age out, so the counts are current.
    await new Promise((r) => setTimeout(r, 1100));
    const before = await Promise.all(engines.map((e) => tilesAnswered(e.url)));
    const requests = 30;
    for (let i = 0; i < requests; i++) {
      const path = i % 2 === 0 ? VECTOR : RASTER;
      const answer = await tile(`${proxyUrl}${path}`);
      expect(answer.status).toBe(200);
      expect(answer.etag).toBe(direct.get(path)!.etag);
      expect(answer.body.equals(direct.get(path)!.body)).toBe(true);
    }
    const total = (counts: number[]) => counts.reduce((a, b) => a + b, 0);
    let after = before;
    await until('metrics showing the requests', 10_000, async () => total((after = await Promise.all(engines.map((e) => tilesAnswered(e.url))))) >= total(before) + requests);
    const served = after.map((n, i) => n - before[i]!);
    // Every replica took a share, and nothing was answered twice (no retries).
    for (const n of served) expect(n).toBeGreaterThan(0);
    expect(served.reduce((a, b) => a + b, 0)).toBe(requests);
    // The shipped access log names the replica of each request.
    await until('access log lines of every replica', 2000, async () => engines.every((e) => nginx!.accessLog().some((l) => l.includes(`upstream=${new URL(e.url).host}`) && l.includes(VECTOR))));

    // A request id: the client's is kept, else the proxy makes one; one header either way.
    const traced = await getRaw(`${proxyUrl}${VECTOR}`, { 'X-Request-Id': 'multiprocess-test-1' });
    expect(traced.headers['x-request-id']).toBe('multiprocess-test-1');
    const untraced = await getRaw(`${proxyUrl}${VECTOR}`);
    expect(String(untraced.headers['x-request-id'])).toMatch(/^[0-9a-f]{32}$/);
    const unfit = await getRaw(`${proxyUrl}${VECTOR}`, { 'X-Request-Id': 'not an id; <script>' });
    expect(String(unfit.headers['x-request-id'])).toMatch(/^[0-9a-f]{32}$/);
    // Per-replica counters are scraped from the replicas, not through the proxy.
    expect((await fetch(`${proxyUrl}/metrics`)).status).toBe(404);
  });

  it('serve from Redis what another process produced', async () => {
    const [one, two, three] = engines as [EngineProcess, EngineProcess, EngineProcess];
    const made = await tile(`${one.url}${SHARED_VECTOR}`);
    expect(made.status).toBe(200);
    for (const other of [two, three]) {
      const before = await health(other.url);
      const answer = await tile(`${other.url}${SHARED_VECTOR}`);
      const after = await health(other.url);
      expect(answer.body.equals(made.body)).toBe(true);
      expect(after.cache.hits.redis).toBe((before.cache.hits.redis ?? 0) + 1);
      expect(after.cache.stored).toBe(before.cache.stored);
    }

    // A metatile rendered by one process: the other tiles of its block come from Redis, not a render.
    expect((await tile(`${one.url}${SHARED_BLOCK[0]}`)).status).toBe(200);
    for (const [other, path] of [[two, SHARED_BLOCK[1]!], [three, SHARED_BLOCK[2]!]] as const) {
      const before = await health(other.url);
      expect((await tile(`${other.url}${path}`)).status).toBe(200);
      const after = await health(other.url);
      expect(after.cache.hits.redis).toBe((before.cache.hits.redis ?? 0) + 1);
      expect(after.renders.completed).toBe(before.renders.completed);
    }
  });

  it('show an UPDATE committed in PostgreSQL on every process, and keep untouched tiles cached', async () => {
    // The largest building wholly inside the vector tile; changing its use changes its colour.
    const { rows } = await db.query<{ id: number; andamal: string }>(
      `SELECT id::int AS id, andamal FROM byggnad WHERE ST_Within(geom, ST_Transform(ST_TileEnvelope(15, 18020, 9652), 3006)) ORDER BY ST_Area(geom) DESC LIMIT 1`,
    );
    const building = rows[0]!;
    const changed = building.andamal === 'industri' ? 'samhällsfunktion' : 'industri';
    const andamal = async (url: string) => {
      const answer = await tile(`${url}${VECTOR}`);
      return decodeTile(answer.body).byggnad?.find((f) => f.id === building.id)?.properties.andamal;
    };
    const rasterBefore = (await tile(`${engines[0]!.url}${RASTER}`)).body;
    for (const engine of engines) {
      expect(await andamal(engine.url)).toBe(building.andamal); // cached by now
      expect((await tile(`${engine.url}${FAR}`)).status).toBe(200); // cached from here on
    }

    await db.query('UPDATE byggnad SET andamal = $2 WHERE id = $1', [building.id, changed]);
    const committed = performance.now();
    const lags = await Promise.all(
      engines.map(async (engine) => {
        for (;;) {
          if ((await andamal(engine.url)) === changed) return performance.now() - committed;
          if (performance.now() - committed > FRESH_WITHIN_MS) throw new Error(`${engine.url}${VECTOR} still stale ${FRESH_WITHIN_MS} ms after the commit`);
          await new Promise((r) => setTimeout(r, 10));
        }
      }),
    );
    console.log(`commit to fresh tile on each process: ${lags.map((l) => `${l.toFixed(0)} ms`).join(', ')}`);

    // The raster tile is drawn again, the same on every process.
    const rasters = await Promise.all(engines.map((e) => tile(`${e.url}${RASTER}`)));
    for (const r of rasters) {
      expect(r.body.equals(rasterBefore)).toBe(false);
      expect(r.body.equals(rasters[0]!.body)).toBe(true);
    }
    // The far tile was not touched: each process still answers it from its memory tier
    // (once the hot tiles the change removed are produced again, which reads the tier too).
    for (const engine of engines) await until(`${engine.url} re-warmed`, FRESH_WITHIN_MS, async () => (await health(engine.url)).cache.rewarmPending === 0);
    for (const engine of engines) {
      const before = await health(engine.url);
      expect((await tile(`${engine.url}${FAR}`)).status).toBe(200);
      const after = await health(engine.url);
      expect(after.cache.hits.memory).toBe((before.cache.hits.memory ?? 0) + 1);
      expect(after.cache.stored).toBe(before.cache.stored);
    }
  });

  it('keep answering through the proxy when a replica goes away', async () => {
    const expected = await tile(`${engines[0]!.url}${VECTOR}`);
    await engines[2]!.process.stop();
    // Requests that would go to the stopped replica are refused there and retried on another.
    for (let i = 0; i < 12; i++) {
      const answer = await tile(`${proxyUrl}${VECTOR}`);
      expect(answer.status).toBe(200);
      expect(answer.body.equals(expected.body)).toBe(true);
    }
  });
});
