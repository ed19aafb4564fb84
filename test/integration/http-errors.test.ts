import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load-config.ts';
import { ERROR_CODES } from '../../src/errors.ts';
import { propertyRegister, startEngine, type RunningEngine } from '../helpers/engine.ts';
import { SAMPLE_TILES } from '../helpers/sample-tiles.ts';
import { startWithSlowTileset } from '../helpers/slow-tileset.ts';
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

  it.each([
    ['a tile asked for before', busyPath],
    ['a list', '/tiles'],
  ])('refuses a GET with a body it would otherwise read for as long as it drips in (%s), and closes the connection', async (_what, path) => {
    await fetch(`${running.url}${path}`); // hot in memory: the fast path would answer it
    const { port } = new URL(running.url);
    const raw = await new Promise<string>((resolve, reject) => {
      // A chunked body that never ends: the socket stays open on our side.
      const socket = connect(Number(port), '127.0.0.1', () => socket.write(`GET ${path} HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n`));
      let text = '';
      socket.on('data', (chunk) => (text += chunk.toString('latin1')));
      socket.on('close', () => resolve(text));
      socket.on('error', reject);
    });
    expect(raw.startsWith('HTTP/1.1 413 ')).toBe(true);
    expect(raw).toMatch(/\r\nConnection: close\r\n/i);
    expect(JSON.parse(raw.slice(raw.indexOf('\r\n\r\n') + 4))).toMatchObject({ error: { code: 'REQUEST_BODY_NOT_ALLOWED' } });
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
    const engine = await startEngine({ database: viaProxy.toString(), overrides: { database: { retryAfterS: 7, connectTimeoutMs: 1000, poolSize: 2, probeIntervalMs: 100 } } });
    try {
      expect((await fetch(`${engine.url}${busyPath}`)).status).toBe(200);

      await proxy.stop();
      const down = await errorOf(`${engine.url}${busyPath}`);
      expect(down.status).toBe(503);
      expect(down.code).toBe('DATABASE_UNAVAILABLE');
      expect(down.headers.get('retry-after')).toBe('7');
      expect(down.message).not.toContain('postgres://');
      // The probe finds out on its own connection, in the background.
      await expect.poll(async () => ((await (await fetch(`${engine.url}/health`)).json()) as { database: string }).database, { timeout: 10_000 }).toBe('unreachable');
      expect((await fetch(`${engine.url}/ready`)).status).toBe(503);
      // The server itself stays up and answers what needs no database.
      expect((await fetch(`${engine.url}/tiles`)).status).toBe(200);

      await proxy.start();
      await expect.poll(async () => (await fetch(`${engine.url}${busyPath}`)).status, { timeout: 30_000, interval: 250 }).toBe(200);
    } finally {
      await engine.close();
      await proxy.stop();
    }
  });

  it('cuts a streamed print that fails after its first byte: the client sees a failure, not a short image', async () => {
    const target = new URL(TEST_DATABASE_URL);
    const proxy = new TcpProxy(target.hostname, Number(target.port || 5432));
    const viaProxy = new URL(TEST_DATABASE_URL);
    viaProxy.port = String(await proxy.start());
    // Nothing cached: every piece reads its vector tiles from the database as it is drawn.
    const engine = await startEngine({ database: viaProxy.toString(), overrides: { database: { connectTimeoutMs: 1000 }, cache: { memory: { enabled: false, maxBytes: 1024 } }, print: { pieceSizePx: 256 } } });
    try {
      const res = await fetch(`${engine.url}/print?style=grundkarta&center=674000,6569000&scale=4000&width=1200&height=1600&dpi=96`);
      expect(res.status).toBe(200); // the PNG's header is on its way before the first piece is drawn
      await proxy.stop();
      await expect(res.arrayBuffer()).rejects.toThrow();
      // The print slot is free again and the engine serves once the database is back.
      await proxy.start();
      await expect.poll(async () => (await fetch(`${engine.url}/print?style=grundkarta&center=674000,6569000&scale=4000&width=64&height=64`)).status, { timeout: 10_000 }).toBe(200);
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

describe('a query over its time limit', () => {
  it('answers 503 QUERY_TIMEOUT and gives the connection back', async () => {
    const { engine, sleeping, close } = await startWithSlowTileset(3, { statementTimeoutMs: 300, poolSize: 1 });
    try {
      const e = await errorOf(`${engine.url}/tiles/slow/${busy.z}/${busy.x}/${busy.y}.mvt`);
      expect(e.status).toBe(503);
      expect(e.code).toBe('QUERY_TIMEOUT'); // PostgreSQL's statement_timeout, not the 3 s the query wanted
      expect(e.headers.get('retry-after')).not.toBeNull();
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
    // The query would sleep a minute: only a cancel ends it while the test waits.
    const { engine, sleeping, close } = await startWithSlowTileset(60, { statementTimeoutMs: 120_000, poolSize: 1 });
    try {
      const controller = new AbortController();
      const request = fetch(`${engine.url}/tiles/slow/${busy.z}/${busy.x}/${busy.y}.mvt`, { signal: controller.signal }).catch((e: unknown) => e);
      await expect.poll(sleeping, { timeout: 20_000, interval: 50 }).toBe(1);
      controller.abort();
      await request;
      await expect.poll(sleeping, { timeout: 20_000, interval: 50 }).toBe(0);
      // The one pooled connection is usable again at once.
      expect((await fetch(`${engine.url}${busyPath}`)).status).toBe(200);
    } finally {
      await close();
    }
  });
});

describe('probes', () => {
  it('answer from the state kept in the background, while every pooled connection is busy with tiles', async () => {
    const { engine, sleeping, close } = await startWithSlowTileset(60, { statementTimeoutMs: 120_000, poolSize: 1 });
    const controller = new AbortController();
    try {
      const request = fetch(`${engine.url}/tiles/slow/${busy.z}/${busy.x}/${busy.y}.mvt`, { signal: controller.signal }).catch((e: unknown) => e);
      await expect.poll(sleeping, { timeout: 20_000, interval: 50 }).toBe(1);
      // A flood of probes from one keyless client: none needs the pool, all say the database is fine.
      const probes = await Promise.all(Array.from({ length: 100 }, (_, i) => fetch(`${engine.url}/${i % 2 ? 'ready' : 'health'}`)));
      expect(probes.map((r) => r.status)).toEqual(Array.from({ length: 100 }, () => 200));
      expect(await probes[1]!.json()).toMatchObject({ ready: true, database: true });
      expect(await probes[0]!.json()).toMatchObject({ database: 'reachable' });
      controller.abort();
      await request;
    } finally {
      controller.abort();
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
    await expect(startEngine({ overrides: { tilesets: [broken, propertyRegister()] } })).rejects.toThrow(
      /tilesets\[0\]\.layers\[0\]\.attributes\[1\]: table kommun has no column "invanare"[\s\S]*tilesets\[0\]\.layers\[1\]\.table: table sjoar does not exist/,
    );
  });
});
