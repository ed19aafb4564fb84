import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import proj4 from 'proj4';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEngine, type RunningEngine } from '../helpers/engine.ts';
import { pixelAgreement, wmsMap } from '../helpers/map-pixels.ts';
import { decodeTile, fetchTile } from '../helpers/mvt.ts';
import { gdalinfo } from '../helpers/ogc-clients.ts';

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
    // Tilesets, then the public styles as maps (fastighetskarta is restricted).
    expect(collections.collections.map((c: { id: string }) => c.id)).toEqual(['sodertorn', 'byggnader', 'gra', 'grundkarta', 'utskrift']);
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

  it('offers each style as a map collection: map tilesets in every grid, PNG, WebP and JPEG, the same bytes as the tile path', async () => {
    const map = await json('/ogcapi/collections/grundkarta');
    // Only map tilesets: GDAL 3.6 cannot open a collection that links vector tilesets too.
    expect(map.links.map((l: { rel: string }) => l.rel)).toEqual(['self', 'http://www.opengis.net/def/rel/ogc/1.0/tilesets-map']);
    expect(map.extent.spatial.bbox).toEqual((await json('/ogcapi/collections/sodertorn')).extent.spatial.bbox);
    const list = await json('/ogcapi/collections/grundkarta/map/tiles');
    expect(list.tilesets.map((t: { dataType: string; tileMatrixSetURI: string }) => [t.dataType, t.tileMatrixSetURI])).toEqual([
      ['map', 'http://www.opengis.net/def/tilematrixset/OGC/1.0/WebMercatorQuad'],
      ['map', `${running.url}/ogcapi/tileMatrixSets/3006`],
      ['map', `${running.url}/ogcapi/tileMatrixSets/3011`],
      ['map', `${running.url}/ogcapi/tileMatrixSets/4326`],
    ]);
    const tileset = await json('/ogcapi/collections/grundkarta/map/tiles/3011');
    // Whole matrices, to the overzoomed level 11 (0.125 m/px).
    expect(tileset.tileMatrixSetLimits.at(-1)).toEqual({ tileMatrix: '11', minTileRow: 0, maxTileRow: 10239, minTileCol: 0, maxTileCol: 8191 });
    const items = tileset.links.filter((l: { rel: string }) => l.rel === 'item');
    expect(items.map((l: { type: string }) => l.type)).toEqual(['image/png', 'image/webp', 'image/jpeg']);
    const row = 7216, col = 4655;
    const png = await fetchTile(items[0].href.replace('{tileMatrix}', '11').replace('{tileRow}', row).replace('{tileCol}', col));
    const viaPath = await fetchTile(`${running.url}/tiles/grundkarta/3011/11/${col}/${row}.png`);
    expect(png.status).toBe(200);
    expect(Buffer.from(png.bytes).equals(Buffer.from(viaPath.bytes))).toBe(true);
    const webp = await fetch(items[1].href.replace('{tileMatrix}', '11').replace('{tileRow}', row).replace('{tileCol}', col));
    expect(webp.headers.get('content-type')).toBe('image/webp');
    const gif = await fetch(`${running.url}/ogcapi/collections/grundkarta/map/tiles/3011/11/${row}/${col}?f=gif`);
    expect(gif.status).toBe(404); // as any format not served
    expect(((await gif.json()) as any).error.code).toBe('UNKNOWN_FORMAT');
  });

  it('writes tile matrix sets that TMS 1.0 readers take too (GDAL 3.6), beside the 2.0 members', async () => {
    const tms = await json('/ogcapi/tileMatrixSets/3006');
    expect(tms).toMatchObject({ id: '3006', identifier: '3006', crs: 'http://www.opengis.net/def/crs/EPSG/0/3006', supportedCRS: 'http://www.opengis.net/def/crs/EPSG/0/3006' });
    expect(tms.tileMatrices[0]).toMatchObject({ id: '0', identifier: '0', pointOfOrigin: [8_500_000, -1_200_000], topLeftCorner: [8_500_000, -1_200_000] });
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

describe('GDAL 3.6 (Debian 12) as the README says to open a map', () => {
  const run = promisify(execFile);
  proj4.defs('EPSG:3006', '+proj=utm +zone=33 +ellps=GRS80 +towgs84=0,0,0,0,0,0,0 +units=m +no_defs');

  /** The collection's extent in a grid's CRS: GDAL 3.6 reads the bbox as if in the tile matrix set's CRS, so the recipe passes it. */
  async function extentIn(crs: string): Promise<number[]> {
    const [w, s, e, n] = (await json('/ogcapi/collections/grundkarta')).extent.spatial.bbox[0] as [number, number, number, number];
    const corners = ([[w, s], [w, n], [e, s], [e, n]] as [number, number][]).map((c) => proj4('EPSG:4326', crs, c));
    return [Math.min(...corners.map((c) => c[0]!)), Math.min(...corners.map((c) => c[1]!)), Math.max(...corners.map((c) => c[0]!)), Math.max(...corners.map((c) => c[1]!))];
  }

  it.each([
    // Huddinge: 12 km at 16 m/px in SWEREF 99 TM (level 8), and at 19.1 m/px in Web Mercator (zoom 13).
    { grid: '3006', crs: 'EPSG:3006', window: [663_808, 6_577_152, 676_096, 6_564_864], resolution: 16 },
    { grid: 'WebMercatorQuad', crs: 'EPSG:3857', window: [1_995_000, 8_239_000, 2_009_675, 8_224_325], resolution: 19.109257 },
  ])('opens the map tileset of grundkarta in $grid and gdal_translates a window with the right pixels', async ({ grid, crs, window, resolution }) => {
    const [minx, miny, maxx, maxy] = await extentIn(crs);
    const out = join(mkdtempSync(join(tmpdir(), 'gdal-ogcapi-')), 'map.png');
    const open = ['-oo', 'CACHE=NO', '-oo', `TILEMATRIXSET=${grid}`, '-oo', `MINX=${minx}`, '-oo', `MINY=${miny}`, '-oo', `MAXX=${maxx}`, '-oo', `MAXY=${maxy}`];
    await run('gdal_translate', ['-q', ...open, '-projwin', ...window.map(String), '-tr', String(resolution), String(resolution), '-of', 'PNG', `OGCAPI:${running.url}/ogcapi/collections/grundkarta`, out], {
      env: { ...process.env, GDAL_HTTP_TIMEOUT: '30' },
    });
    const info = await gdalinfo(out);
    expect(info.coordinateSystem.wkt).toContain(grid === '3006' ? 'SWEREF99 TM' : 'Pseudo-Mercator');
    expect(info.geoTransform[0]).toBeCloseTo(window[0]!, -1);
    expect(info.geoTransform[3]).toBeCloseTo(window[1]!, -1);
    const [width, height] = info.size as [number, number];
    // The engine's own map of the same window (-projwin is west, north, east, south).
    const [w, n, e, s] = window as [number, number, number, number];
    const gdalMap = await sharp(readFileSync(out)).removeAlpha().png().toBuffer();
    const agreement = await pixelAgreement(gdalMap, await wmsMap(running.url, crs, [w, s, e, n], [width, height]), 24);
    expect(agreement).toBeGreaterThan(0.95);
  });
});
