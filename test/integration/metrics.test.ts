import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { METRICS_HEADERS, startEngine, type RunningEngine } from '../helpers/engine.ts';

let running: RunningEngine;
beforeAll(async () => {
  running = await startEngine();
});
afterAll(() => running?.close());

describe('observability', () => {
  it('exposes Prometheus metrics: requests by route and status, latency, cache, render queue, process', async () => {
    const tile = `${running.url}/tiles/sodertorn/14/9010/4826.mvt`;
    for (let i = 0; i < 3; i++) expect((await fetch(tile)).status).toBe(200); // one production, then hits
    expect((await fetch(`${running.url}/tiles/nope/1/0/0.mvt`)).status).toBe(404);
    expect((await fetch(`${running.url}/tiles/grundkarta/12/2252/1206.png`)).status).toBe(200);
    // Keyless: refused (it names every tileset); with the operators' key: the metrics.
    expect((await fetch(`${running.url}/metrics`)).status).toBe(401);
    const res = await fetch(`${running.url}/metrics`, { headers: METRICS_HEADERS });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/plain');
    const text = await res.text();
    expect(text).toMatch(/sodertorn_http_requests_total\{route="tile",status="200"\} [1-9]/);
    expect(text).toMatch(/sodertorn_http_requests_total\{route="tile",status="404"\} 1/);
    expect(text).toMatch(/sodertorn_http_request_duration_seconds_count\{kind="tile"\} [1-9]/);
    expect(text).toMatch(/sodertorn_cache_hits_total\{tier="memory"\} [1-9]/);
    expect(text).toMatch(/sodertorn_fast_path_tiles_total [1-9]/);
    expect(text).toMatch(/sodertorn_render_queue_depth 0/);
    // Per statement (tileset and the layers it reads): the z14 tile's and the raster tile's sources.
    expect(text).toMatch(/sodertorn_tile_query_seconds_count\{tileset="sodertorn",layers="kommun,vatten,mark,jarnvag,vag,byggnad,ortnamn,vatten_etikett"\} 1/);
    expect(text).toMatch(/sodertorn_render_wait_seconds\{quantile="0.99"\} [\d.e-]+/);
    // Some time was spent in a thread (any amount: a busy machine draws slower).
    expect(Number(/sodertorn_render_run_seconds\{quantile="0.5"\} ([\d.e+-]+)/.exec(text)?.[1])).toBeGreaterThan(0);
    expect(text).toMatch(/sodertorn_process_resident_memory_bytes \d+/);
  });

  it('reports the size of every vector tile produced by tileset, grid and level, and counts those over the size budget', async () => {
    const small = await startEngine({ overrides: { tiles: { sizeBudgetBytes: 4096 } } });
    try {
      const z8 = (await (await fetch(`${small.url}/tiles/sodertorn/8/140/75.mvt`)).arrayBuffer()).byteLength;
      const z14 = (await (await fetch(`${small.url}/tiles/sodertorn/3006/13/3600/3800.mvt`)).arrayBuffer()).byteLength;
      expect(z8).toBeGreaterThan(4096);
      expect(z14).toBeLessThanOrEqual(4096);
      await fetch(`${small.url}/tiles/sodertorn/8/140/75.mvt`); // cached: not produced again, not counted again
      const text = await (await fetch(`${small.url}/metrics`, { headers: METRICS_HEADERS })).text();
      expect(text).toContain(`sodertorn_vector_tile_bytes_sum{tileset="sodertorn",grid="WebMercatorQuad",z="8"} ${z8}`);
      expect(text).toContain('sodertorn_vector_tile_bytes_count{tileset="sodertorn",grid="WebMercatorQuad",z="8"} 1');
      expect(text).toContain('sodertorn_vector_tiles_over_budget_total{tileset="sodertorn",grid="WebMercatorQuad",z="8"} 1');
      expect(text).toContain('sodertorn_vector_tile_bytes_count{tileset="sodertorn",grid="3006",z="13"} 1');
      expect(text).not.toContain('sodertorn_vector_tiles_over_budget_total{tileset="sodertorn",grid="3006"');
    } finally {
      await small.close();
    }
  });

  it('is ready when the database answers, the threads run and the cache follows the change log', async () => {
    const res = await fetch(`${running.url}/ready`);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ ready: true, database: true, styles: true, changeFeed: true });
  });

  it('is alive but not ready without its database', async () => {
    const offline = await startEngine({ database: 'postgres://postgres@127.0.0.1:1/none', overrides: { database: { connectTimeoutMs: 500 } } });
    try {
      expect((await fetch(`${offline.url}/health`)).status).toBe(200);
      const res = await fetch(`${offline.url}/ready`);
      expect(res.status).toBe(503);
      expect(await res.json()).toMatchObject({ ready: false, database: false });
    } finally {
      await offline.close();
    }
  }, 30_000);
});
