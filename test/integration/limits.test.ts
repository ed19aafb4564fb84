import { afterEach, describe, expect, it } from 'vitest';
import { sha256Hex } from '../../src/access/access-policy.ts';
import { loadConfig } from '../../src/config/load-config.ts';
import { METRICS_HEADERS, startEngine, type RunningEngine } from '../helpers/engine.ts';

let running: RunningEngine | undefined;
afterEach(async () => {
  await running?.close();
  running = undefined;
});

const print = (params: Record<string, string>) => `/print?${new URLSearchParams({ style: 'grundkarta', crs: 'EPSG:3006', bbox: '660000,6560000,680000,6580000', ...params })}`;
const codeOf = async (res: Response) => ((await res.json()) as { error: { code: string } }).error.code;

describe('per-client limits', () => {
  it('refuse requests over the in-flight limit with 429 and Retry-After, while probes still answer', async () => {
    running = await startEngine({ database: null, overrides: { limits: { perClient: { maxConcurrent: 2, requestsPerS: 0, burst: 1, shared: false } } } });
    // Uncached raster tiles: each holds its slot for a render.
    const paths = Array.from({ length: 8 }, (_, i) => `/tiles/grundkarta/11/${1120 + i * 4}/${600}.png`);
    const answers = await Promise.all([...paths.map((p) => fetch(`${running!.url}${p}`)), fetch(`${running.url}/health`), fetch(`${running.url}/ready`)]);
    const statuses = answers.map((r) => r.status);
    expect(statuses.slice(-2)).toEqual([200, 200]);
    const refused = answers.filter((r) => r.status === 429);
    expect(refused.length).toBeGreaterThan(0);
    expect(statuses.filter((s) => s === 200).length).toBeGreaterThanOrEqual(2);
    expect(refused[0]!.headers.get('retry-after')).toBe('1');
    expect(await codeOf(refused[0]!)).toBe('TOO_MANY_REQUESTS');
    const metrics = await (await fetch(`${running.url}/metrics`, { headers: METRICS_HEADERS })).text();
    expect(metrics).toMatch(/sodertorn_http_limited_total\{reason="concurrency"\} [1-9]/);
    // Slots are given back: once the burst is over, a request goes through.
    expect((await fetch(`${running.url}${paths[0]}`)).status).toBe(200);
  });

  it('count a client with a key by its key, under the limits of that key, not by its address', async () => {
    const key = 'limits-key-0123456789abcdefghijk';
    running = await startEngine({
      database: null,
      overrides: {
        limits: { perClient: { maxConcurrent: 1, requestsPerS: 0, burst: 1, shared: false } },
        access: { keys: [{ name: 'office', sha256: sha256Hex(key), grants: ['sodertorn'], limits: { maxConcurrent: 16 } }] },
      },
    });
    const burst = (z: number, headers: Record<string, string>) =>
      Promise.all(Array.from({ length: 6 }, (_, i) => fetch(`${running!.url}/tiles/grundkarta/${z}/${(1120 + i * 4) * 2 ** (z - 11)}/${600 * 2 ** (z - 11)}.png`, { headers }).then((r) => r.status)));
    const anonymous = await burst(11, {});
    expect(anonymous.filter((s) => s === 429).length).toBeGreaterThan(0);
    // The same address with a key: its own share, under its own limit.
    expect(await burst(12, { 'X-Api-Key': key })).toEqual([200, 200, 200, 200, 200, 200]);
    // A made-up key counts as the address.
    expect((await burst(13, { 'X-Api-Key': 'made-up' })).filter((s) => s === 429).length).toBeGreaterThan(0);
  });

  it('refuse requests over the rate with 429 and say when to come back', async () => {
    // One request per 100 s after a burst of 3: however slowly this machine runs the loop, no token comes back meanwhile
    // (the refill itself is tested with a controllable clock in test/unit/access.test.ts).
    running = await startEngine({ database: null, overrides: { limits: { perClient: { maxConcurrent: 0, requestsPerS: 0.01, burst: 3, shared: false } } } });
    const statuses: number[] = [];
    let retryAfter: string | null = null;
    for (let i = 0; i < 8; i++) {
      const res = await fetch(`${running.url}/tiles`);
      statuses.push(res.status);
      if (res.status === 429) retryAfter = res.headers.get('retry-after');
    }
    expect(statuses).toEqual([200, 200, 200, 429, 429, 429, 429, 429]);
    expect(Number(retryAfter)).toBeGreaterThan(90);
  });
});

describe('shared rate limits', () => {
  it('count a client across every process sharing Redis, and fall back to each process when Redis is away', async () => {
    const redis = { url: 'redis://127.0.0.1:6379/15', keyPrefix: `limits${process.pid}-${Date.now()}:` };
    // A token per 100 s: none comes back while the test runs, however slowly.
    const perClient = { maxConcurrent: 0, requestsPerS: 0.01, burst: 4, shared: true };
    const second = await startEngine({ database: null, overrides: { cache: { redis }, limits: { perClient } } });
    running = await startEngine({ database: null, overrides: { cache: { redis }, limits: { perClient } } });
    try {
      const statuses: number[] = [];
      for (let i = 0; i < 8; i++) statuses.push((await fetch(`${(i % 2 ? second : running).url}/tiles`)).status);
      // A burst of 4 between both processes, not 4 each.
      expect(statuses.filter((s) => s === 200)).toHaveLength(4);
      expect(statuses.slice(0, 4)).toEqual([200, 200, 200, 200]);
    } finally {
      await second.close();
    }
    await running.close();
    // Redis away: the engine starts and each process keeps its own bucket.
    running = await startEngine({ database: null, overrides: { cache: { redis: { url: 'redis://127.0.0.1:1/0', keyPrefix: 'x:' } }, limits: { perClient: { ...perClient, burst: 2 } } } });
    const alone: number[] = [];
    for (let i = 0; i < 4; i++) alone.push((await fetch(`${running.url}/tiles`)).status);
    expect(alone).toEqual([200, 200, 429, 429]);
  });
});

describe('request deadline', () => {
  it('answers 503 REQUEST_TIMEOUT when the work runs over limits.requestTimeoutMs, and abandons it', async () => {
    // Prints of seconds against a deadline of 150 ms: over it on any machine.
    running = await startEngine({ database: null, overrides: { limits: { requestTimeoutMs: 150 } } });
    const res = await fetch(`${running.url}${print({ width: '3000', height: '3000', format: 'jpg' })}`);
    expect(res.status).toBe(503);
    expect(await codeOf(res)).toBe('REQUEST_TIMEOUT');
    // The abandoned print gives its slot back (print.maxConcurrent is 1) once its renders stop: not PRINTS_BUSY for ever.
    const started = async () => {
      const next = await fetch(`${running!.url}${print({ width: '3000', height: '3000' })}`);
      if (next.status === 503 && (await codeOf(next)) === 'PRINTS_BUSY') return false;
      // A streamed answer (PNG) has its status out already: the deadline cuts the connection.
      expect(next.status).toBe(200);
      await expect(next.arrayBuffer()).rejects.toThrow();
      return true;
    };
    await expect.poll(started, { timeout: 30_000, interval: 100 }).toBe(true);
  });
});

describe('bounded render queue', () => {
  it('answers WMS GetMap over the queue with a 503 exception report and Retry-After', async () => {
    running = await startEngine({ database: null, overrides: { render: { workers: 1, maxQueue: 0, metatile: 1 } } });
    const map = (i: number) => `/wms?SERVICE=WMS&VERSION=1.3.0&REQUEST=GetMap&LAYERS=grundkarta&STYLES=&CRS=EPSG:3006&BBOX=${6560000 + i * 3000},660000,${6563000 + i * 3000},663000&WIDTH=1024&HEIGHT=1024&FORMAT=image/png`;
    const answers = await Promise.all(Array.from({ length: 6 }, (_, i) => fetch(`${running!.url}${map(i)}`)));
    const busy = answers.filter((r) => r.status === 503);
    expect(busy.length).toBeGreaterThan(0);
    expect(Number(busy[0]!.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(await busy[0]!.text()).toContain('<ServiceException');
  });
});

describe('print size per tileset', () => {
  it('a tileset lowers the print size of the styles drawing it', async () => {
    const base = loadConfig({});
    const tilesets = base.tilesets.map((t) => (t.id === 'sodertorn' ? { ...t, maxPrintPixels: 10_000 } : t));
    running = await startEngine({ database: null, overrides: { tilesets } });
    const large = await fetch(`${running.url}${print({ width: '200', height: '200' })}`);
    expect(large.status).toBe(413);
    expect(await codeOf(large)).toBe('PRINT_TOO_LARGE');
    const small = await fetch(`${running.url}${print({ width: '100', height: '100' })}`);
    expect(small.status).toBe(200);
    // And the size of a WMS map of those styles.
    const wmsMap = (size: number) => `${running!.url}/wms?SERVICE=WMS&VERSION=1.3.0&REQUEST=GetMap&LAYERS=grundkarta&STYLES=&CRS=EPSG:3006&BBOX=6570000,665000,6572000,667000&WIDTH=${size}&HEIGHT=${size}&FORMAT=image/png`;
    const largeMap = await fetch(wmsMap(200));
    expect(largeMap.status).toBe(413);
    expect(await largeMap.text()).toMatch(/InvalidParameterValue[\s\S]*10000 pixels allowed for layer grundkarta/);
    expect((await fetch(wmsMap(100))).status).toBe(200);
  });
});
