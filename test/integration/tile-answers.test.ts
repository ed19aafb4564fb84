/**
 * The one tile answer at the HTTP level, over a controllable source (no database): an empty
 * tile is 204 on every tile route, a known ETag 304, a format the route does not serve the
 * route's own error, and concurrent requests for one tile share one production.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TileAddress } from '../../src/sources/tile-source.ts';
import { startEngine, type RunningEngine } from '../helpers/engine.ts';
import { FakeSource } from '../helpers/fakes.ts';

/** Empty tiles at zoom 5, the fake's bytes elsewhere. */
class ShapedSource extends FakeSource {
  override async getTile(tile: TileAddress, work = {}): Promise<Uint8Array> {
    const bytes = await super.getTile(tile, work);
    return tile.z === 5 ? new Uint8Array(0) : bytes;
  }
}

const source = new ShapedSource('sodertorn');
let running: RunningEngine;

beforeAll(async () => {
  running = await startEngine({ database: null, seams: { sourceOf: (tileset) => (tileset.id === 'sodertorn' ? source : undefined) } });
});
afterAll(() => running?.close());

const get = (path: string, headers: Record<string, string> = {}) => fetch(`${running.url}${path}`, { headers });

describe('every vector tile route over the one tile answer', () => {
  const routes = (z: number, x: number, y: number) => [
    `/tiles/sodertorn/${z}/${x}/${y}.mvt`,
    `/tiles/sodertorn/WebMercatorQuad/${z}/${x}/${y}.pbf`,
    `/wmts/1.0.0/sodertorn/default/WebMercatorQuad/${z}/${y}/${x}.mvt`,
    `/wmts?SERVICE=WMTS&REQUEST=GetTile&VERSION=1.0.0&LAYER=sodertorn&STYLE=default&FORMAT=application/vnd.mapbox-vector-tile&TILEMATRIXSET=WebMercatorQuad&TILEMATRIX=${z}&TILEROW=${y}&TILECOL=${x}`,
    `/ogcapi/collections/sodertorn/tiles/WebMercatorQuad/${z}/${y}/${x}`,
  ];

  it.each(routes(5, 17, 9))('%s: an empty tile is 204, with the tileset’s Cache-Control', async (path) => {
    const res = await get(path);
    expect(res.status).toBe(204);
    expect(res.headers.get('cache-control')).toMatch(/^public, max-age=/);
    expect(await res.arrayBuffer()).toHaveProperty('byteLength', 0);
  });

  it.each(routes(8, 140, 75))('%s: the same bytes and ETag on every route, 304 for a client that has them', async (path) => {
    const res = await get(path);
    expect(res.status).toBe(200);
    expect(Buffer.from(await res.arrayBuffer()).toString()).toMatch(/^8\/140\/75@v\d+$/);
    const etag = res.headers.get('etag')!;
    expect(etag).toMatch(/^"[\w-]+"$/);
    expect((await get(path, { 'If-None-Match': etag })).status).toBe(304);
  });

  it('refuses a format a route does not serve, in the route’s dialect', async () => {
    const xyz = await get('/tiles/sodertorn/8/140/75.gif');
    expect([xyz.status, ((await xyz.json()) as { error: { code: string } }).error.code]).toEqual([404, 'UNKNOWN_FORMAT']);
    const scaled = await get('/tiles/sodertorn/8/140/75@2x.mvt');
    expect(scaled.status).toBe(404);
    const wmts = await get('/wmts/1.0.0/sodertorn/default/WebMercatorQuad/8/75/140.gif');
    expect(wmts.status).toBe(400);
    expect(await wmts.text()).toContain('<ows:Exception exceptionCode="InvalidParameterValue" locator="FORMAT">');
  });

  it('produces a tile once for many concurrent requests on different routes', async () => {
    source.gate.close();
    const before = source.calls;
    const answers = Promise.all([...routes(9, 281, 150), ...routes(9, 281, 150)].map((p) => get(p).then((r) => r.status)));
    await source.gate.reached(1);
    source.gate.open();
    expect(await answers).toEqual(Array(10).fill(200));
    expect(source.calls - before).toBe(1);
  });
});
