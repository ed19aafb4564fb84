import { connect } from 'node:net';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load-config.ts';
import { ERROR_CODES } from '../../src/errors.ts';
import { startEngine, type RunningEngine } from '../helpers/engine.ts';
import { SAMPLE_TILES } from '../helpers/sample-tiles.ts';
import { TcpProxy } from '../helpers/tcp-proxy.ts';
import { TEST_DATABASE_URL } from '../helpers/test-db.ts';

const busy = SAMPLE_TILES[4]!;
const busyPath = `/tiles/sodertorn/${busy.z}/${busy.x}/${busy.y}.mvt`;
let running: RunningEngine;

beforeAll(async () => {
  running = await startEngine();
});
afterAll(() => running?.close());

async function errorOf(url: string, init?: RequestInit): Promise<{ status: number; headers: Headers; code: string; message: string; body: Record<string, unknown> }> {
  const res = await fetch(url, init);
  const body = (await res.json()) as { error: Record<string, unknown> & { code: string; message: string } };
  return { status: res.status, headers: res.headers, code: body.error.code, message: body.error.message, body: body.error };
}

describe('bad requests get clear errors', () => {
  it.each([
    ['/tiles/sodertorn/abc/0/0.mvt', 400, 'INVALID_TILE_COORDINATE', 'zoom must be an integer 0–18'],
    ['/tiles/sodertorn/19/0/0.mvt', 400, 'ZOOM_OUT_OF_RANGE', 'zoom must be an integer 0–18 for tileset sodertorn'],
    ['/tiles/sodertorn/3006/14/0/0.mvt', 400, 'ZOOM_OUT_OF_RANGE', 'zoom must be an integer 0–13 for tileset sodertorn in grid 3006'],
    ['/tiles/sodertorn/3006/5/128/0.mvt', 400, 'INVALID_TILE_COORDINATE', 'x must be an integer 0–127 at zoom 5'],
    ['/tiles/sodertorn/EPSG:9999/5/0/0.mvt', 404, 'UNKNOWN_GRID', 'grids: WebMercatorQuad, 3006, 3011'],
    ['/tiles/sodertorn/10/1024/0.mvt', 400, 'INVALID_TILE_COORDINATE', 'x must be an integer 0–1023 at zoom 10'],
    ['/tiles/sodertorn/10/0/-1.mvt', 400, 'INVALID_TILE_COORDINATE', 'y must be an integer 0–1023 at zoom 10'],
    ['/tiles/sodertorn/10/0/1.5.mvt', 404, 'NOT_FOUND', 'no route'],
    ['/tiles/byggnader/11/0/0.mvt', 400, 'ZOOM_OUT_OF_RANGE', '12–16 for tileset byggnader'],
    ['/tiles/okänd/1/0/0.mvt', 404, 'UNKNOWN_TILESET', 'known: sodertorn, byggnader'],
    ['/tiles/okänd.json', 404, 'UNKNOWN_TILESET', 'known: sodertorn, byggnader'],
    ["/tiles/sodertorn';DROP TABLE kommun;--/1/0/0.mvt", 404, 'UNKNOWN_TILESET', 'no tileset'],
    ['/tiles/sodertorn/1/0/0.gif', 404, 'UNKNOWN_FORMAT', 'use one of mvt, pbf, png, webp, jpg'],
    ['/tiles/sodertorn/1/0/0@2x.mvt', 404, 'UNKNOWN_FORMAT', 'use one of mvt, pbf, png, webp, jpg'],
    ['/tiles/sodertorn/1/0/0@3x.png', 404, 'UNKNOWN_FORMAT', 'scale @3x is not served'],
    ['/tiles/nostyle/1/0/0.png', 404, 'UNKNOWN_STYLE', 'styles: gra, grundkarta, utskrift'],
    ['/nothing/here', 404, 'NOT_FOUND', 'no route for /nothing/here'],
    ['/tiles/%E0%A4%A', 404, 'NOT_FOUND', 'percent-encoding'],
  ])('GET %s → %i %s', async (path, status, code, message) => {
    const e = await errorOf(`${running.url}${path}`);
    expect(e.status).toBe(status);
    expect(e.code).toBe(code);
    expect(e.message).toContain(message);
    expect(e.headers.get('content-type')).toContain('application/json');
    expect(e.headers.get('access-control-allow-origin')).toBe('*');
  });

  it('lists what exists with 404s, machine-readably', async () => {
    expect((await errorOf(`${running.url}/tiles/x/1/0/0.mvt`)).body.tilesets).toEqual(['sodertorn', 'byggnader']);
    expect((await errorOf(`${running.url}/tiles/sodertorn/1/0/0.gif`)).body.formats).toEqual(['mvt', 'pbf', 'png', 'webp', 'jpg']);
    expect((await errorOf(`${running.url}/tiles/sodertorn/10/2000/0.mvt`)).body).toMatchObject({ parameter: 'x', min: 0, max: 1023 });
  });

  it('refuses other methods with 405 and Allow', async () => {
    const e = await errorOf(`${running.url}${busyPath}`, { method: 'POST', body: 'x' });
    expect(e.status).toBe(405);
    expect(e.code).toBe('METHOD_NOT_ALLOWED');
    expect(e.headers.get('allow')).toBe('GET, HEAD, OPTIONS');
  });

  it.each([
    ['a raw non-ASCII byte in the path', (path: string) => Buffer.concat([Buffer.from('GET /tiles/ok'), Buffer.from([0xe4]), Buffer.from(`nd${path}/1/0/0.mvt HTTP/1.1\r\nHost: x\r\n\r\n`)]), 400, 'BAD_REQUEST'],
    ['headers over 16 KB', () => Buffer.from(`GET /tiles HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`), 431, 'REQUEST_HEADERS_TOO_LARGE'],
  ])('answers a request the HTTP parser refuses (%s) with a JSON error', async (_what, request, status, code) => {
    const { port } = new URL(running.url);
    const raw = await new Promise<string>((resolve, reject) => {
      const socket = connect(Number(port), '127.0.0.1', () => socket.end(request('')));
      let text = '';
      socket.on('data', (chunk) => (text += chunk.toString('latin1')));
      socket.on('end', () => resolve(text));
      socket.on('error', reject);
    });
    expect(raw.startsWith(`HTTP/1.1 ${status} `)).toBe(true);
    expect(JSON.parse(raw.slice(raw.indexOf('\r\n\r\n') + 4))).toMatchObject({ error: { code } });
  });

  it('documents every error code it can answer with', () => {
    for (const [code, entry] of Object.entries(ERROR_CODES)) {
      expect(entry.description.length, code).toBeGreaterThan(10);
      expect(entry.status, code).toBeGreaterThanOrEqual(400);
    }
  });
});

describe('the database going away', () => {
  it('answers 503 with Retry-After while it is down and serves again by itself when it returns', async () => {
    const target = new URL(TEST_DATABASE_URL);
    const proxy = new TcpProxy(target.hostname, Number(target.port || 5432));
    const port = await proxy.start();
    const viaProxy = new URL(TEST_DATABASE_URL);
    viaProxy.port = String(port);
    const engine = await startEngine({ database: viaProxy.toString(), overrides: { database: { retryAfterS: 7, connectTimeoutMs: 1000, poolSize: 2 } } });
    try {
      expect((await fetch(`${engine.url}${busyPath}`)).status).toBe(200);

      await proxy.stop();
      const down = await errorOf(`${engine.url}${busyPath}`);
      expect(down.status).toBe(503);
      expect(down.code).toBe('DATABASE_UNAVAILABLE');
      expect(down.headers.get('retry-after')).toBe('7');
      expect(down.message).not.toContain('postgres://');
      expect(await (await fetch(`${engine.url}/health`)).json()).toMatchObject({ status: 'ok', database: 'unreachable' });
      // The server itself stays up and answers what needs no database.
      expect((await fetch(`${engine.url}/tiles`)).status).toBe(200);

      await proxy.start();
      let status = 0;
      for (let attempt = 0; attempt < 20 && status !== 200; attempt++) {
        status = (await fetch(`${engine.url}${busyPath}`)).status;
        if (status !== 200) await new Promise((r) => setTimeout(r, 250));
      }
      expect(status).toBe(200);
    } finally {
      await engine.close();
      await proxy.stop();
    }
  });

  it('answers 503 when the database cannot be reached at start, and the process stays up', async () => {
    const engine = await startEngine({ database: 'postgres://postgres@127.0.0.1:1/none', overrides: { database: { connectTimeoutMs: 500 } } });
    try {
      const e = await errorOf(`${engine.url}${busyPath}`);
      expect(e.status).toBe(503);
      expect(e.headers.get('retry-after')).toBe('5');
      expect((await errorOf(`${engine.url}/tiles/sodertorn.json`)).status).toBe(503);
    } finally {
      await engine.close();
    }
  });
});

/** An engine with a tileset whose query sleeps, and a way to count such queries running in PostgreSQL. */
async function startWithSlowTileset(sleepS: number, database: { statementTimeoutMs: number; poolSize: number }) {
  const base = loadConfig({}).tilesets.find((t) => t.id === 'sodertorn')!;
  const slow = { ...base, id: 'slow', layers: [{ ...base.layers[0]!, filter: `(SELECT pg_sleep(${sleepS})) IS NOT NULL` }] };
  const engine = await startEngine({ overrides: { tilesets: [base, slow], database } });
  const watcher = new pg.Client({ connectionString: TEST_DATABASE_URL });
  await watcher.connect();
  const sleeping = async () =>
    (
      await watcher.query(
        `SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = 'sodertorn-tiles' AND state = 'active' AND query LIKE '%pg_sleep(${sleepS})%'`,
      )
    ).rows[0].n as number;
  return {
    engine,
    sleeping,
    close: async () => {
      await watcher.end();
      await engine.close();
    },
  };
}

describe('a query over its time limit', () => {
  it('answers 503 QUERY_TIMEOUT and gives the connection back', async () => {
    const { engine, sleeping, close } = await startWithSlowTileset(3, { statementTimeoutMs: 300, poolSize: 1 });
    try {
      const started = Date.now();
      const e = await errorOf(`${engine.url}/tiles/slow/${busy.z}/${busy.x}/${busy.y}.mvt`);
      expect(e.status).toBe(503);
      expect(e.code).toBe('QUERY_TIMEOUT');
      expect(e.headers.get('retry-after')).not.toBeNull();
      expect(Date.now() - started).toBeLessThan(2500);
      // With a pool of one, this only works if the timed-out connection was released.
      expect((await fetch(`${engine.url}${busyPath}`)).status).toBe(200);
      expect(await sleeping()).toBe(0);
    } finally {
      await close();
    }
  });
});

describe('a client that goes away', () => {
  it('cancels its tile query in PostgreSQL instead of leaving it to statement_timeout', async () => {
    const { engine, sleeping, close } = await startWithSlowTileset(5, { statementTimeoutMs: 30_000, poolSize: 1 });
    try {
      const controller = new AbortController();
      const request = fetch(`${engine.url}/tiles/slow/${busy.z}/${busy.x}/${busy.y}.mvt`, { signal: controller.signal }).catch((e: unknown) => e);
      for (let i = 0; i < 40 && (await sleeping()) === 0; i++) await new Promise((r) => setTimeout(r, 50));
      expect(await sleeping()).toBe(1);
      const abortedAt = Date.now();
      controller.abort();
      await request;
      while ((await sleeping()) > 0 && Date.now() - abortedAt < 4000) await new Promise((r) => setTimeout(r, 50));
      expect(await sleeping()).toBe(0);
      expect(Date.now() - abortedAt).toBeLessThan(2000);
      // The one pooled connection is usable again at once.
      expect((await fetch(`${engine.url}${busyPath}`)).status).toBe(200);
    } finally {
      await close();
    }
  });
});

describe('configuration that does not match the database', () => {
  it('fails start-up naming the option path of each missing table or column', async () => {
    const base = loadConfig({}).tilesets.find((t) => t.id === 'sodertorn')!;
    const broken = {
      ...base,
      layers: [
        { ...base.layers[0]!, attributes: ['kommunkod', 'invanare'] },
        { ...base.layers[1]!, table: 'sjoar' },
      ],
    };
    await expect(startEngine({ overrides: { tilesets: [broken] } })).rejects.toThrow(
      /tilesets\[0\]\.layers\[0\]\.attributes\[1\]: table kommun has no column "invanare"[\s\S]*tilesets\[0\]\.layers\[1\]\.table: table sjoar does not exist/,
    );
  });
});
