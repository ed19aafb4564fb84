/**
 * Every tile route cancels abandoned work: a controllable source holds each tile query at
 * a gate, the client leaves, and the query's signal must be aborted, on XYZ (vector and
 * raster, with and without a grid), WMTS KVP and REST, OGC API, and the WMS map and print
 * drawn from tiles. The WMTS and OGC API routes once passed no signal at all.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Work } from '../../src/admission/work.ts';
import type { TileAddress } from '../../src/sources/tile-source.ts';
import { startEngine, type RunningEngine } from '../helpers/engine.ts';
import { FakeSource } from '../helpers/fakes.ts';

/** A source that remembers the signal of every tile query it is asked. */
class WatchedSource extends FakeSource {
  readonly signals: AbortSignal[] = [];

  override getTile(tile: TileAddress, work: Work = {}): Promise<Uint8Array> {
    if (work.signal) this.signals.push(work.signal);
    return super.getTile(tile, work);
  }
}

const source = new WatchedSource('sodertorn');
let running: RunningEngine;

beforeAll(async () => {
  running = await startEngine({ database: null, seams: { sourceOf: (tileset) => (tileset.id === 'sodertorn' ? source : undefined) } });
});
afterAll(async () => {
  source.gate.open();
  await running?.close();
});

/** One path per tile route, each a tile no other case asks (nothing is cached for it). */
const ROUTES: [string, string][] = [
  ['XYZ vector', '/tiles/sodertorn/12/2250/1200.mvt'],
  ['XYZ vector in a grid', '/tiles/sodertorn/WebMercatorQuad/12/2251/1200.mvt'],
  ['XYZ raster', '/tiles/grundkarta/12/2260/1200.png'],
  ['XYZ raster in a grid', '/tiles/grundkarta/3006/9/200/200.png'],
  ['WMTS KVP vector', '/wmts?SERVICE=WMTS&REQUEST=GetTile&VERSION=1.0.0&LAYER=sodertorn&STYLE=default&FORMAT=application/vnd.mapbox-vector-tile&TILEMATRIXSET=WebMercatorQuad&TILEMATRIX=12&TILEROW=1201&TILECOL=2252'],
  ['WMTS KVP raster', '/wmts?SERVICE=WMTS&REQUEST=GetTile&VERSION=1.0.0&LAYER=sodertorn&STYLE=gra&FORMAT=image/png&TILEMATRIXSET=WebMercatorQuad&TILEMATRIX=12&TILEROW=1210&TILECOL=2270'],
  ['WMTS REST vector', '/wmts/1.0.0/sodertorn/default/WebMercatorQuad/12/1202/2253.mvt'],
  ['WMTS REST raster', '/wmts/1.0.0/sodertorn/utskrift/WebMercatorQuad/12/1220/2280.png'],
  ['OGC API tile', '/ogcapi/collections/sodertorn/tiles/WebMercatorQuad/12/1203/2254'],
  ['WMS GetMap', '/wms?SERVICE=WMS&VERSION=1.3.0&REQUEST=GetMap&LAYERS=grundkarta&STYLES=&CRS=EPSG:3006&BBOX=6560000,660000,6562000,662000&WIDTH=256&HEIGHT=256&FORMAT=image/png'],
  ['print', '/print?style=grundkarta&crs=EPSG:3006&bbox=670000,6550000,672000,6552000&width=300&height=300'],
];

describe('a client leaving while its tile is produced', () => {
  it.each(ROUTES)('%s: the tile query is aborted', async (_route, path) => {
    source.gate.close();
    const before = source.signals.length;
    const client = new AbortController();
    const answer = fetch(`${running.url}${path}`, { signal: client.signal }).catch((error: Error) => error);
    await source.gate.reached(1);
    const asked = source.signals.slice(before);
    expect(asked.length).toBeGreaterThan(0);
    expect(asked.some((s) => s.aborted)).toBe(false);
    client.abort();
    expect(await answer).toBeInstanceOf(Error);
    // Every query this request started is told to stop (no wall-clock bound: polled until it is).
    await expect.poll(() => source.signals.slice(before).every((s) => s.aborted), { timeout: 20_000, interval: 20 }).toBe(true);
    source.gate.open();
    await expect.poll(() => source.gate.waiters, { timeout: 20_000, interval: 20 }).toBe(0);
  });
});
