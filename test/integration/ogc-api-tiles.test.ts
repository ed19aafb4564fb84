import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEngine, type RunningEngine } from '../helpers/engine.ts';
import { decodeTile, fetchTile } from '../helpers/mvt.ts';

let running: RunningEngine;
const json = async (path: string) => {
  const res = await fetch(`${running.url}${path}`);
  expect(res.status, path).toBe(200);
  return (await res.json()) as Record<string, any>;
};

beforeAll(async () => {
  running = await startEngine();
});
afterAll(() => running?.close());

describe('OGC API – Tiles', () => {
  it('links landing page, conformance, collections and tiling schemes', async () => {
    const landing = await json('/ogcapi');
    const rels = Object.fromEntries((landing.links as { rel: string; href: string }[]).map((l) => [l.rel, l.href]));
    expect(rels.conformance).toBe(`${running.url}/ogcapi/conformance`);
    expect(rels.data).toBe(`${running.url}/ogcapi/collections`);
    expect(rels['http://www.opengis.net/def/rel/ogc/1.0/tiling-schemes']).toBe(`${running.url}/ogcapi/tileMatrixSets`);
    expect((await json('/ogcapi/conformance')).conformsTo).toContain('http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/mvt');
    const collections = await json('/ogcapi/collections');
    expect(collections.collections.map((c: { id: string }) => c.id)).toEqual(['sodertorn', 'byggnader']);
    const tms = await json('/tileMatrixSets');
    expect(tms.tileMatrixSets.map((t: { id: string }) => t.id)).toEqual(['WebMercatorQuad', '3006', '3011', '4326']);
    expect((await json('/ogcapi/tileMatrixSets/3011')).tileMatrices[11].cellSize).toBe(0.125);
  });

  it('describes a collection tileset per grid with limits that cover the data', async () => {
    const list = await json('/ogcapi/collections/sodertorn/tiles');
    expect(list.tilesets.map((t: { crs: string }) => t.crs)).toEqual([
      'http://www.opengis.net/def/crs/EPSG/0/3857',
      'http://www.opengis.net/def/crs/EPSG/0/3006',
      'http://www.opengis.net/def/crs/EPSG/0/3011',
      'http://www.opengis.net/def/crs/EPSG/0/4326',
    ]);
    const tileset = await json('/ogcapi/collections/sodertorn/tiles/3006');
    expect(tileset.dataType).toBe('vector');
    const item = tileset.links.find((l: { rel: string }) => l.rel === 'item');
    expect(item).toMatchObject({ type: 'application/vnd.mapbox-vector-tile', href: `${running.url}/ogcapi/collections/sodertorn/tiles/3006/{tileMatrix}/{tileRow}/{tileCol}` });
    expect(tileset.tileMatrixSetLimits).toHaveLength(14);
    const level8 = tileset.tileMatrixSetLimits.find((l: { tileMatrix: string }) => l.tileMatrix === '8');
    expect(level8).toMatchObject({ minTileRow: expect.any(Number), maxTileRow: expect.any(Number) });
    // The data spans about 77 km east–west: 19–20 columns of 4 096 m at level 8.
    expect(level8.maxTileCol - level8.minTileCol + 1).toBeGreaterThanOrEqual(19);
    expect(level8.maxTileCol - level8.minTileCol + 1).toBeLessThanOrEqual(21);
    expect(tileset.layers.find((l: { id: string }) => l.id === 'byggnad').propertiesSchema.properties).toEqual({ andamal: { type: 'string' }, hojd: { type: 'number' } });
  });

  it('serves every tile in its limits the same as the tile path, {z}/{row}/{col}', async () => {
    const tileset = await json('/ogcapi/collections/sodertorn/tiles/3006');
    const { tileMatrix, minTileRow, minTileCol } = tileset.tileMatrixSetLimits.find((l: { tileMatrix: string }) => l.tileMatrix === '8');
    const viaApi = await fetchTile(`${running.url}/ogcapi/collections/sodertorn/tiles/3006/${tileMatrix}/${minTileRow + 1}/${minTileCol + 1}`);
    const viaPath = await fetchTile(`${running.url}/tiles/sodertorn/3006/${tileMatrix}/${minTileCol + 1}/${minTileRow + 1}.mvt`);
    expect(viaApi.status).toBe(200);
    expect(Buffer.from(viaApi.bytes).equals(Buffer.from(viaPath.bytes))).toBe(true);
    expect(Object.keys(decodeTile(viaApi.bytes))).toContain('kommun');
  });

  it('answers unknown collections and grids with 404 and what exists', async () => {
    const a = await fetch(`${running.url}/ogcapi/collections/okänd/tiles`);
    expect(a.status).toBe(404);
    expect(((await a.json()) as any).error.tilesets).toEqual(['sodertorn', 'byggnader']);
    const b = await fetch(`${running.url}/ogcapi/collections/sodertorn/tiles/EPSG3021`);
    expect(b.status).toBe(404);
    expect(((await b.json()) as any).error.grids).toEqual(['WebMercatorQuad', '3006', '3011', '4326']);
  });
});
