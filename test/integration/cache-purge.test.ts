import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EngineConfig } from '../../src/config/schema.ts';
import { startCaptureServer, type CaptureServer } from '../helpers/capture-server.ts';
import { createPointTable } from '../helpers/point-table.ts';
import { startEngine, type RunningEngine } from '../helpers/engine.ts';
import { decodeTile } from '../helpers/mvt.ts';
import { TEST_DATABASE_URL } from '../helpers/test-db.ts';
import { freePort } from '../helpers/free-port.ts';

/**
 * The purge hook: an UPDATE that commits reaches the HTTP cache in front of the engine (a
 * recording stand-in for Varnish or a CDN, and real Varnish) as the URLs of the changed
 * tiles. The suite owns its table (purge_test.punkt), tileset and style.
 */
const SCHEMA = 'purge_test';
const TABLE = `${SCHEMA}.punkt`;
const PUBLIC_URL = 'https://karta.example.se/api';

// Levels 15–16 only: a change then has some thousand URLs, not tens of thousands.
// content: full: the tests read the names, which the suite's style does not draw.
const tileset = { id: 'purgetest', content: 'full', minzoom: 15, maxzoom: 16, layers: [{ id: 'punkt', table: TABLE, geometryColumn: 'geom', srid: 3006, idColumn: 'id', attributes: ['namn'], minzoom: 0, maxzoom: 24 }] } as unknown as EngineConfig['tilesets'][number];
const TILE_HERE = '/tiles/purgetest/16/36053/19310.mvt';
const TILE_FAR = '/tiles/purgetest/16/35987/19371.mvt';
const RASTER_HERE = '/tiles/purgeprick/16/36053/19310.png';

let db: pg.Pool;
let stylesDir: string;

function engineWith(purge: Record<string, unknown>): Promise<RunningEngine> {
  return startEngine({ overrides: { tilesets: [tileset], cache: { purge: { headers: {}, banHeader: 'X-Ban-Url', maxUrls: 100_000, batchSize: 30, concurrency: 8, timeoutMs: 2000, retries: 3, ...purge } as never }, render: { stylesDir, defaultStyle: undefined } } });
}

async function names(url: string): Promise<string[]> {
  const res = await fetch(url);
  if (res.status === 204) return [];
  expect(res.status).toBe(200);
  return (decodeTile(new Uint8Array(await res.arrayBuffer())).punkt ?? []).map((f) => String(f.properties.namn)).sort();
}

async function rename(namn: string): Promise<number> {
  await db.query(`UPDATE ${TABLE} SET namn = $1 WHERE id = 1`, [namn]);
  return performance.now();
}

/**
 * Polls until the condition holds; resolves to ms since `since` (logged, not asserted: bench/
 * measures speed), or fails after timeoutMs (something lost, not something slow).
 */
async function until(what: string, condition: () => boolean | Promise<boolean>, since: number, timeoutMs = 30_000): Promise<number> {
  for (;;) {
    if (await condition()) return performance.now() - since;
    if (performance.now() - since > timeoutMs) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

async function purgeStats(engine: RunningEngine): Promise<{ sent: number; failed: number; lastError?: { message: string } }> {
  const health = (await (await fetch(`${engine.url}/health`)).json()) as { cache: { purge: never } };
  return health.cache.purge;
}

beforeAll(async () => {
  db = new pg.Pool({ connectionString: TEST_DATABASE_URL, max: 2 });
  await createPointTable(db, SCHEMA, tileset);
  stylesDir = mkdtempSync(join(tmpdir(), 'purge-styles-'));
  writeFileSync(join(stylesDir, 'purgeprick.json'), JSON.stringify({
    version: 8,
    sources: { c: { type: 'vector', url: 'tileset://purgetest' } },
    layers: [{ id: 'p', type: 'circle', source: 'c', 'source-layer': 'punkt', paint: { 'circle-radius': 20, 'circle-color': '#ff0000' } }],
  }));
});

afterAll(async () => {
  await db.query(`DROP SCHEMA IF EXISTS ${SCHEMA} CASCADE`);
  await db.end();
});

describe('purging the HTTP cache in front', () => {
  let front: CaptureServer;
  beforeAll(async () => {
    front = await startCaptureServer();
  });
  afterAll(() => front.close());

  it('cdn: POSTs the changed tiles\' absolute URLs within a second, each one a URL the engine serves', async () => {
    const engine = await engineWith({ mode: 'cdn', url: `${front.url}/zones/z/purge_cache`, publicUrl: PUBLIC_URL, headers: { Authorization: 'Bearer hemlig' } });
    try {
      front.requests.length = 0;
      const files = () => front.requests.flatMap((r) => (JSON.parse(r.body) as { files: string[] }).files);
      const committed = await rename('cdn');
      const lag = await until('tile URLs purged', () => files().includes(`${PUBLIC_URL}${TILE_HERE}`) && files().includes(`${PUBLIC_URL}${RASTER_HERE}`), committed);
      console.log(`${expect.getState().currentTestName}: ${lag.toFixed(0)} ms`);
      await until('every batch sent', async () => (await purgeStats(engine)).sent === front.requests.length, committed);
      expect(front.requests.every((r) => r.method === 'POST' && r.path === '/zones/z/purge_cache' && r.headers.authorization === 'Bearer hemlig')).toBe(true);
      expect(files()).not.toContain(`${PUBLIC_URL}${TILE_FAR}`);
      // Every shape listed for the changed tile is a route the engine answers.
      const here = files().filter((u) => /\/16\/(36053\/19310|19310\/36053)\b/.test(u));
      expect(here.length).toBeGreaterThanOrEqual(11 + 24);
      for (const u of here) expect([200, 204], u).toContain((await fetch(`${engine.url}${u.slice(PUBLIC_URL.length)}`)).status);
    } finally {
      await engine.close();
    }
  });

  it('ban: sends a BAN whose regex matches the changed tile\'s URLs and not a far tile\'s', async () => {
    const engine = await engineWith({ mode: 'ban', url: front.url, banHeader: 'X-Ban-Url' });
    try {
      front.requests.length = 0;
      const bans = () => front.requests.filter((r) => r.method === 'BAN').map((r) => new RegExp(r.headers['x-ban-url']!));
      const committed = await rename('ban');
      const lag = await until('BAN received', () => bans().some((re) => re.test(TILE_HERE)), committed);
      console.log(`${expect.getState().currentTestName}: ${lag.toFixed(0)} ms`);
      expect(bans().some((re) => re.test('/ogcapi/collections/purgetest/tiles/WebMercatorQuad/16/19310/36053?f=mvt'))).toBe(true);
      expect(bans().some((re) => re.test(TILE_FAR))).toBe(false);
    } finally {
      await engine.close();
    }
  });

  it('purge: sends PURGE for the changed tile\'s URL with the public Host', async () => {
    const engine = await engineWith({ mode: 'purge', url: front.url, publicUrl: PUBLIC_URL });
    try {
      front.requests.length = 0;
      const committed = await rename('purge');
      const lag = await until('PURGE received', () => front.requests.some((r) => r.method === 'PURGE' && r.path === `/api${TILE_HERE}`), committed);
      console.log(`${expect.getState().currentTestName}: ${lag.toFixed(0)} ms`);
      expect(front.requests.find((r) => r.path === `/api${TILE_HERE}`)?.headers.host).toBe('karta.example.se');
    } finally {
      await engine.close();
    }
  });

  it('with the front down, the engine\'s own tiles are still invalidated and the failure is counted', async () => {
    await rename('uppe');
    const engine = await engineWith({ mode: 'cdn', url: `http://127.0.0.1:${await freePort()}/purge`, publicUrl: PUBLIC_URL, retries: 1, timeoutMs: 500 });
    try {
      expect(await names(`${engine.url}${TILE_HERE}`)).toEqual(['uppe']); // now in the engine's cache
      const committed = await rename('nere');
      const lag = await until('fresh tile', async () => JSON.stringify(await names(`${engine.url}${TILE_HERE}`)) === '["nere"]', committed);
      console.log(`${expect.getState().currentTestName}: ${lag.toFixed(0)} ms`);
      await until('failure counted', async () => (await purgeStats(engine)).failed > 0, committed);
      const stats = await purgeStats(engine);
      expect(stats.sent).toBe(0);
      expect(stats.lastError?.message).toMatch(/ECONNREFUSED/);
    } finally {
      await engine.close();
    }
  });
});

describe('behind real Varnish', () => {
  it('serves the new tile through Varnish after an UPDATE commits', async () => {
    await rename('före varnish');
    const port = await freePort();
    const engine = await engineWith({ mode: 'ban', url: `http://127.0.0.1:${port}/` });
    const dir = mkdtempSync(join(tmpdir(), 'varnish-'));
    chmodSync(dir, 0o755); // varnishd reads the VCL as its own user
    const backend = new URL(engine.url);
    writeFileSync(join(dir, 'tiles.vcl'), `vcl 4.1;
backend engine { .host = "127.0.0.1"; .port = "${backend.port}"; }
acl purgers { "127.0.0.1"; }
sub vcl_recv {
  if (req.method == "BAN") {
    if (client.ip !~ purgers) { return (synth(405)); }
    ban("obj.http.x-url ~ " + req.http.X-Ban-Url);
    return (synth(200, "Banned"));
  }
}
sub vcl_backend_response { set beresp.http.x-url = bereq.url; }
sub vcl_deliver { unset resp.http.x-url; }
`);
    let varnish: ChildProcess | undefined;
    try {
      varnish = spawn('varnishd', ['-F', '-a', `127.0.0.1:${port}`, '-f', join(dir, 'tiles.vcl'), '-n', join(dir, 'work'), '-s', 'malloc,32m'], { stdio: ['ignore', 'ignore', 'pipe'] });
      let stderr = '';
      varnish.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      varnish.on('error', (error) => {
        throw new Error(`varnishd did not start (apt-get install varnish): ${error.message}`);
      });
      const through = `http://127.0.0.1:${port}`;
      await until('Varnish answering', async () => varnish!.exitCode !== null || (await fetch(through).catch(() => undefined)) !== undefined, performance.now(), 20_000).catch((error: Error) => {
        throw new Error(`${error.message}: ${stderr}`);
      });
      expect(varnish.exitCode, stderr).toBeNull();
      expect(await names(`${through}${TILE_HERE}`)).toEqual(['före varnish']);
      const cached = await fetch(`${through}${TILE_HERE}`);
      expect(cached.headers.get('x-varnish')).toMatch(/^\d+ \d+$/); // a hit: the id of this request and of the cached object
      await cached.arrayBuffer();
      const committed = await rename('via varnish');
      const lag = await until('fresh through Varnish', async () => JSON.stringify(await names(`${through}${TILE_HERE}`)) === '["via varnish"]', committed);
      console.log(`${expect.getState().currentTestName}: ${lag.toFixed(0)} ms`);
    } finally {
      varnish?.kill();
      await engine.close();
    }
  });
});
