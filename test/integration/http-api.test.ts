import { gunzipSync } from 'node:zlib';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEngine, type RunningEngine } from '../helpers/engine.ts';
import { decodeTile, fetchTile, getRaw } from '../helpers/mvt.ts';
import { SAMPLE_TILES } from '../helpers/sample-tiles.ts';
import { TEST_DATABASE_URL } from '../helpers/test-db.ts';

let running: RunningEngine;
const busy = SAMPLE_TILES[4]!;
const busyPath = `/tiles/sodertorn/${busy.z}/${busy.x}/${busy.y}`;

beforeAll(async () => {
  running = await startEngine();
});
afterAll(() => running?.close());

describe('HTTP API', () => {
  it('lists tilesets with their TileJSON URLs', async () => {
    const res = await fetch(`${running.url}/tiles`);
    expect(res.status).toBe(200);
    const body = (await res.json()) as { tilesets: { id: string; tilejson: string }[] };
    expect(body.tilesets.map((t) => t.id)).toEqual(['sodertorn', 'byggnader']);
    expect(body.tilesets[0]!.tilejson).toBe(`${running.url}/tiles/sodertorn.json`);
  });

  it('serves TileJSON 3.0.0 with layers, fields and bounds from the database', async () => {
    const res = await fetch(`${running.url}/tiles/sodertorn.json`);
    expect(res.status).toBe(200);
    const tj = (await res.json()) as Record<string, any>;
    expect(tj.tilejson).toBe('3.0.0');
    expect(tj.tiles).toEqual([`${running.url}/tiles/sodertorn/{z}/{x}/{y}.mvt`]);
    expect(tj.minzoom).toBe(0);
    expect(tj.maxzoom).toBe(18);
    const byggnad = tj.vector_layers.find((l: { id: string }) => l.id === 'byggnad');
    expect(byggnad).toEqual({ id: 'byggnad', fields: { andamal: 'String', hojd: 'Number' }, minzoom: 13, maxzoom: 18 });
    // Södertörn lies around 17.3–18.5 E, 58.8–59.4 N.
    const [w, s, e, n] = tj.bounds as number[];
    expect(w).toBeGreaterThan(17);
    expect(e).toBeLessThan(18.8);
    expect(s).toBeGreaterThan(58.6);
    expect(n).toBeLessThan(59.6);
  });

  it('honours a configured public URL in links', async () => {
    const behindProxy = await startEngine({ overrides: { server: { publicUrl: 'https://karta.example.se/tiles-api' } } });
    try {
      const tj = (await (await fetch(`${behindProxy.url}/tiles/sodertorn.json`)).json()) as { tiles: string[] };
      expect(tj.tiles[0]).toBe('https://karta.example.se/tiles-api/tiles/sodertorn/{z}/{x}/{y}.mvt');
    } finally {
      await behindProxy.close();
    }
  });

  it('gzips tiles when the client accepts it, and not otherwise', async () => {
    const plain = await getRaw(`${running.url}${busyPath}.mvt`);
    expect(plain.headers['content-encoding']).toBeUndefined();
    expect(plain.headers['content-type']).toBe('application/vnd.mapbox-vector-tile');
    const refused = await getRaw(`${running.url}${busyPath}.mvt`, { 'Accept-Encoding': 'gzip;q=0, identity' });
    expect(refused.headers['content-encoding']).toBeUndefined();
    const wire = await getRaw(`${running.url}${busyPath}.pbf`, { 'Accept-Encoding': 'br;q=1, gzip;q=0.8' });
    expect(wire.headers['content-encoding']).toBe('gzip');
    expect(wire.headers['content-type']).toBe('application/x-protobuf');
    expect(wire.headers.vary).toBe('Accept-Encoding');
    expect(Buffer.compare(gunzipSync(wire.body), plain.body)).toBe(0);
    expect(wire.body.length).toBeLessThan(plain.body.length);
  });

  it('opens CORS for GET and answers preflight', async () => {
    const tile = await fetch(`${running.url}${busyPath}.mvt`, { headers: { Origin: 'https://viewer.example.se' } });
    expect(tile.headers.get('access-control-allow-origin')).toBe('*');
    expect(tile.headers.get('cache-control')).toBe('public, max-age=60');
    const pre = await fetch(`${running.url}${busyPath}.mvt`, { method: 'OPTIONS', headers: { Origin: 'https://x', 'Access-Control-Request-Method': 'GET' } });
    expect(pre.status).toBe(204);
    expect(pre.headers.get('access-control-allow-methods')).toContain('GET');
    // A web map sending a key or token from another origin: Authorization must be named, '*' does not cover it.
    expect(pre.headers.get('access-control-allow-headers')).toMatch(/\bAuthorization\b.*\bX-Api-Key\b/);
  });

  it('answers HEAD with headers only', async () => {
    const res = await fetch(`${running.url}${busyPath}.mvt`, { method: 'HEAD' });
    expect(res.status).toBe(200);
    expect(Number(res.headers.get('content-length'))).toBeGreaterThan(0);
    expect((await res.arrayBuffer()).byteLength).toBe(0);
  });

  it('reports health and mode', async () => {
    const res = await fetch(`${running.url}/health`);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ status: 'ok', mode: 'postgis', database: 'reachable', renders: { completed: expect.any(Number), queued: 0 }, cache: { enabled: true, invalidation: 'listening' } });
  });

  it('discovers geometry tables as tilesets of their own when enabled', async () => {
    const admin = new pg.Client({ connectionString: TEST_DATABASE_URL });
    await admin.connect();
    try {
      await admin.query(`DROP TABLE IF EXISTS "Särskild Yta"; CREATE TABLE "Särskild Yta" (nr integer PRIMARY KEY, "Namn" text, geom geometry(Point, 3006));
        INSERT INTO "Särskild Yta" VALUES (7, 'Ö''s plats', ST_Transform(ST_SetSRID(ST_MakePoint(17.982, 59.237), 4326), 3006))`);
      const discovering = await startEngine({ overrides: { tiles: { discover: { enabled: true, schemas: ['public'] } } } });
      try {
        const list = (await (await fetch(`${discovering.url}/tiles`)).json()) as { tilesets: { id: string }[] };
        const ids = list.tilesets.map((t) => t.id);
        expect(ids).toEqual(expect.arrayContaining(['sodertorn', 'byggnader', 'Särskild_Yta', 'vag', 'kommun']));
        const { z, x, y } = SAMPLE_TILES[4]!;
        const tile = await fetchTile(`${discovering.url}/tiles/${encodeURIComponent('Särskild_Yta')}/${z}/${x}/${y}.mvt`);
        expect(tile.status).toBe(200);
        expect(decodeTile(tile.bytes)['Särskild_Yta']).toEqual([{ id: 7, type: 1, properties: { Namn: "Ö's plats" } }]);
      } finally {
        await discovering.close();
      }
    } finally {
      await admin.query('DROP TABLE IF EXISTS "Särskild Yta"');
      await admin.end();
    }
  });
});
