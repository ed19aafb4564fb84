import { readFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEngineGroup, type EngineProcess } from '../helpers/process-group.ts';
import { TEST_DATABASE_URL } from '../helpers/test-db.ts';

/**
 * The soak: 20,000 mixed requests against the engine as its own process over PostGIS —
 * cached and uncached vector tiles, raster tiles, TileJSON, WMTS and invalid requests —
 * with the resident memory of the process read before, after warm-up and at the end.
 */
const TOTAL = 20_000;
const CONCURRENCY = 16;

let engine: EngineProcess;
beforeAll(async () => {
  engine = await startEngineGroup({ DATABASE_URL: TEST_DATABASE_URL });
}, 120_000);
afterAll(() => engine?.process.stop());

/** Resident memory of the engine process, from the kernel. */
function rssMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+) kB/.exec(status)![1]) / 1024;
}

/** XYZ tiles over Södertörn at z. */
function tilesAt(z: number): string[] {
  const n = 2 ** z;
  const x = (lon: number) => Math.floor(((lon + 180) / 360) * n);
  const y = (lat: number) => {
    const rad = (lat * Math.PI) / 180;
    return Math.floor(((1 - Math.log(Math.tan(rad) + 1 / Math.cos(rad)) / Math.PI) / 2) * n);
  };
  const tiles: string[] = [];
  for (let tx = x(17.4); tx <= x(18.4); tx++) for (let ty = y(59.35); ty <= y(58.85); ty++) tiles.push(`${z}/${tx}/${ty}`);
  return tiles;
}

type Kind = 'cached' | 'uncached' | 'raster' | 'meta' | 'invalid';

/** A deterministic mix: mostly hot tiles, as a map client makes them, then the rest. */
function requestAt(i: number, hot: string[], cold: string[]): { kind: Kind; path: string } {
  const r = i % 20;
  if (r < 11) return { kind: 'cached', path: `/tiles/sodertorn/${hot[i % hot.length]}.mvt` };
  if (r < 14) return { kind: 'uncached', path: `/tiles/sodertorn/${cold[(i * 7) % cold.length]}.mvt` };
  if (r < 15) return { kind: 'raster', path: `/tiles/grundkarta/${hot[(i * 3) % hot.length]}.png` };
  if (r < 16) return { kind: 'meta', path: i % 2 ? '/tiles/sodertorn.json' : `/wmts/1.0.0/sodertorn/default/WebMercatorQuad/${hot[i % hot.length]!.replace(/(\d+)\/(\d+)\/(\d+)/, '$1/$3/$2')}.mvt` };
  const invalid = [
    '/tiles/sodertorn/99/0/0.mvt',
    '/tiles/nosuch/1/0/0.mvt',
    '/tiles/sodertorn/3/9/0.mvt',
    '/tiles/sodertorn/a/b/c.mvt',
    '/wms?SERVICE=WMS&REQUEST=GetMap&LAYERS=grundkarta&CRS=EPSG:3006&BBOX=1,2,3&WIDTH=10&HEIGHT=10&FORMAT=image/png',
    '/print?style=grundkarta&width=999999&height=999999&bbox=0,0,1,1&crs=EPSG:3006',
    '/tiles/fastighetsregister/15/18020/9653.mvt',
    '/%E0%A4%A',
  ];
  return { kind: 'invalid', path: invalid[i % invalid.length]! };
}

function get(agent: Agent, url: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(url, { agent, timeout: 30_000 }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`timeout: ${url}`)));
    req.on('error', reject);
    req.end();
  });
}

describe('soak', () => {
  it(`answers ${TOTAL.toLocaleString('en')} mixed requests with no error but the expected 4xx, in stable memory`, async () => {
    const hot = tilesAt(12).concat(tilesAt(13)).slice(0, 400);
    const cold = tilesAt(14).concat(tilesAt(15));
    const agent = new Agent({ keepAlive: true, maxSockets: CONCURRENCY });
    const counts = new Map<string, number>();
    const unexpected: string[] = [];
    const started = rssMb(engine.process.pid);
    let warm = 0;
    let next = 0;
    const t0 = performance.now();
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        while (next < TOTAL) {
          const i = next++;
          if (i === 5000) warm = rssMb(engine.process.pid);
          const { kind, path } = requestAt(i, hot, cold);
          const status = await get(agent, `${engine.url}${path}`);
          counts.set(`${kind} ${status}`, (counts.get(`${kind} ${status}`) ?? 0) + 1);
          const expected = kind === 'invalid' ? status >= 400 && status < 500 : status === 200 || status === 204;
          if (!expected && unexpected.length < 20) unexpected.push(`${status} ${path}`);
        }
      }),
    );
    const seconds = (performance.now() - t0) / 1000;
    const ended = rssMb(engine.process.pid);
    agent.destroy();
    console.log(`soak: ${TOTAL} requests in ${seconds.toFixed(1)} s (${Math.round(TOTAL / seconds)} req/s); RSS start ${started.toFixed(0)} MB, after 5,000 ${warm.toFixed(0)} MB, end ${ended.toFixed(0)} MB`);
    console.log(`soak: ${[...counts].sort().map(([k, v]) => `${k}: ${v}`).join(', ')}`);
    expect(unexpected).toEqual([]);
    expect([...counts.values()].reduce((a, b) => a + b, 0)).toBe(TOTAL);
    // Stable: after warm-up (caches filled, threads up) memory grows by less than 150 MB over 15,000 more requests.
    expect(ended - warm).toBeLessThan(150);
    // The engine is still healthy and ready.
    expect(await get(new Agent(), `${engine.url}/ready`)).toBe(200);
  }, 600_000);
});
