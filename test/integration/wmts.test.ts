import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEngine, type RunningEngine } from '../helpers/engine.ts';
import { pixelAgreement, wmsMap } from '../helpers/map-pixels.ts';
import { fetchTile } from '../helpers/mvt.ts';
import { gdalinfo, runPython, validateXml } from '../helpers/ogc-clients.ts';

let running: RunningEngine;
const VECTOR = 'application/vnd.mapbox-vector-tile';
const getTileKvp = (overrides: Record<string, string | null> = {}) => {
  const params: Record<string, string | null> = {
    SERVICE: 'WMTS', REQUEST: 'GetTile', VERSION: '1.0.0', LAYER: 'sodertorn', STYLE: 'default', FORMAT: VECTOR,
    TILEMATRIXSET: '3006', TILEMATRIX: '8', TILEROW: '471', TILECOL: '456', ...overrides,
  };
  const query = Object.entries(params).filter(([, v]) => v !== null).map(([k, v]) => `${k}=${encodeURIComponent(v!)}`).join('&');
  return `${running.url}/wmts?${query}`;
};

beforeAll(async () => {
  running = await startEngine({ overrides: { service: { providerName: 'Södertörns kommuner', contactEmail: 'karta@example.se', providerSite: 'https://example.se/' } } });
});
afterAll(() => running?.close());

describe('WMTS GetCapabilities', () => {
  it('validates against the official OGC WMTS 1.0.0 schema, by KVP and RESTful URL alike', async () => {
    const kvp = await fetch(`${running.url}/wmts?service=WMTS&request=GetCapabilities`);
    expect(kvp.status).toBe(200);
    expect(kvp.headers.get('content-type')).toContain('application/xml');
    const xml = await kvp.text();
    const verdict = validateXml(xml, 'wmts/1.0/wmtsGetCapabilities_response.xsd');
    expect(verdict.output).toContain('validates');
    expect(verdict.valid).toBe(true);
    expect(await (await fetch(`${running.url}/wmts/1.0.0/WMTSCapabilities.xml`)).text()).toBe(xml);
  });

  it('lists every tileset × grid × format, northing first for the Swedish grids', async () => {
    const xml = await (await fetch(`${running.url}/wmts/1.0.0/WMTSCapabilities.xml`)).text();
    expect(xml).toContain('<ows:ProviderName>Södertörns kommuner</ows:ProviderName>');
    expect(xml).toContain('<ows:ElectronicMailAddress>karta@example.se</ows:ElectronicMailAddress>');
    // Two tilesets and three public styles as maps of their own (grundkarta, gra, utskrift).
    expect(xml.match(/<Layer>/g)).toHaveLength(5);
    expect(xml.match(/<TileMatrixSetLink>/g)).toHaveLength(20);
    const tms3006 = /<TileMatrixSet><ows:Title>[^<]*<\/ows:Title>(?:<ows:Abstract>[^<]*<\/ows:Abstract>)?<ows:Identifier>3006<\/ows:Identifier>(.*?)<\/TileMatrixSet>/s.exec(xml)![1]!;
    expect(tms3006).toContain('<ows:SupportedCRS>urn:ogc:def:crs:EPSG::3006</ows:SupportedCRS>');
    expect(tms3006).toContain('<ows:Identifier>0</ows:Identifier><ScaleDenominator>14628571.42857143</ScaleDenominator><TopLeftCorner>8500000 -1200000</TopLeftCorner>');
    expect(tms3006).toContain('<ows:Identifier>13</ows:Identifier><ScaleDenominator>1785.7142857142858</ScaleDenominator>');
    expect(xml).toContain('<TopLeftCorner>6800000 0</TopLeftCorner>');
    expect(xml).toContain('<TopLeftCorner>-20037508.342789244 20037508.342789244</TopLeftCorner>');
    expect(xml).toContain(`template="${running.url}/wmts/1.0.0/sodertorn/{Style}/{TileMatrixSet}/{TileMatrix}/{TileRow}/{TileCol}.mvt"`);
    const bbox = /<ows:Identifier>sodertorn<\/ows:Identifier>/.test(xml) && /<ows:LowerCorner>([\d.]+) ([\d.]+)<\/ows:LowerCorner><ows:UpperCorner>([\d.]+) ([\d.]+)</.exec(xml)!.slice(1).map(Number);
    expect(bbox).toEqual([expect.closeTo(17.18, 1), expect.closeTo(58.77, 1), expect.closeTo(18.48, 1), expect.closeTo(59.38, 1)]);
  });
});

describe('styles as WMTS layers, as WMS names the same maps', () => {
  it('lists each public style as a layer with the style default, in image formats only', async () => {
    const xml = await (await fetch(`${running.url}/wmts/1.0.0/WMTSCapabilities.xml`)).text();
    const layer = /<Layer>(?:(?!<\/Layer>).)*<\/ows:WGS84BoundingBox><ows:Identifier>grundkarta<\/ows:Identifier>(?:(?!<\/Layer>).)*<\/Layer>/s.exec(xml)![0];
    expect(layer).toContain('<Style isDefault="true"><ows:Title>Default</ows:Title><ows:Identifier>default</ows:Identifier></Style>');
    expect(layer).toContain('<Format>image/png</Format>');
    expect(layer).not.toContain('vnd.mapbox-vector-tile');
    expect(layer).toContain(`template="${running.url}/wmts/1.0.0/grundkarta/{Style}/{TileMatrixSet}/{TileMatrix}/{TileRow}/{TileCol}.png"`);
    expect(xml).not.toContain('<ows:Identifier>fastighetskarta</ows:Identifier>'); // restricted
    // A tileset no style draws is listed for vector clients, and says so to the others.
    const buildings = /<Layer>(?:(?!<\/Layer>).)*<\/ows:WGS84BoundingBox><ows:Identifier>byggnader<\/ows:Identifier>(?:(?!<\/Layer>).)*<\/Layer>/s.exec(xml)![0];
    expect(buildings).toContain('<ows:Title>Byggnader (vector tiles)</ows:Title>');
    expect(buildings).toContain('Vector tiles (MVT) only: no map images');
    expect(buildings).not.toContain('<Format>image/png</Format>');
  });

  it('serves the layer grundkarta the bytes of the style grundkarta of the layer sodertorn, by KVP and REST', async () => {
    const png = 'image/png';
    const asStyle = await fetchTile(getTileKvp({ LAYER: 'sodertorn', STYLE: 'grundkarta', FORMAT: png }));
    const asLayer = await fetchTile(getTileKvp({ LAYER: 'grundkarta', STYLE: 'default', FORMAT: png }));
    const rest = await fetchTile(`${running.url}/wmts/1.0.0/grundkarta/default/3006/8/471/456.png`);
    expect(asLayer.status).toBe(200);
    expect(asLayer.headers.get('content-type')).toBe(png);
    expect(Buffer.from(asLayer.bytes).equals(Buffer.from(asStyle.bytes))).toBe(true);
    expect(Buffer.from(rest.bytes).equals(Buffer.from(asStyle.bytes))).toBe(true);
    const vector = await fetch(getTileKvp({ LAYER: 'grundkarta', STYLE: 'default' }));
    expect(vector.status).toBe(400);
    expect(await vector.text()).toContain('locator="FORMAT"');
  });

  it('serves a map in 3011 to level 11 (0.125 m/px, for 1:500), overzoomed from the data, and its TileMatrixSet lists that level; vector tiles stop at the data', async () => {
    const xml = await (await fetch(`${running.url}/wmts/1.0.0/WMTSCapabilities.xml`)).text();
    const tileMatrixSet = /<TileMatrixSet><ows:Title>[^<]*<\/ows:Title>(?:<ows:Abstract>[^<]*<\/ows:Abstract>)?<ows:Identifier>3011<\/ows:Identifier>.*?<\/TileMatrixSet>/s.exec(xml)![0];
    expect(tileMatrixSet).toContain('<ows:Identifier>11</ows:Identifier><ScaleDenominator>446.42857142857144</ScaleDenominator>');
    // Huddinge centrum at 0.125 m/px: 32 m a tile, drawn as the WMS draws that square.
    const [col, row] = [4655, 7216];
    const map = await fetchTile(`${running.url}/wmts/1.0.0/grundkarta/default/3011/11/${row}/${col}.png`);
    expect(map.status).toBe(200);
    const [minE, maxN] = [col * 32, 6_800_000 - row * 32];
    const wms = await wmsMap(running.url, 'EPSG:3011', [minE, maxN - 32, minE + 32, maxN], [256, 256]);
    expect((await sharp(Buffer.from(map.bytes)).stats()).channels[2]!.stdev).toBeGreaterThan(5); // not one colour: roads and buildings
    expect(await pixelAgreement(Buffer.from(map.bytes), wms, 24)).toBeGreaterThan(0.95);
    expect((await fetch(`${running.url}/tiles/sodertorn/3011/11/4655/7216.mvt`)).status).toBe(400);
    expect((await fetch(`${running.url}/tiles/grundkarta/3011/12/9310/14432.png`)).status).toBe(400);
  });

  it('OWSLib finds the layer grundkarta and fetches its tile', async () => {
    const out = await runPython<{ layers: string[]; bytes: number }>(`
import json
from owslib.wmts import WebMapTileService
w = WebMapTileService(${JSON.stringify(`${running.url}/wmts?SERVICE=WMTS&REQUEST=GetCapabilities`)})
tile = w.gettile(layer='grundkarta', tilematrixset='3006', tilematrix='8', row=471, column=456, format='image/png')
print(json.dumps({'layers': sorted(w.contents), 'bytes': len(tile.read())}))`);
    expect(out.layers).toEqual(expect.arrayContaining(['grundkarta', 'gra', 'utskrift', 'sodertorn']));
    expect(out.bytes).toBeGreaterThan(1000);
  });
});

describe('WMTS GetTile', () => {
  it('serves the same bytes by KVP, REST and the tile path', async () => {
    const kvp = await fetchTile(getTileKvp(), { headers: { 'Accept-Encoding': 'identity' } });
    const rest = await fetchTile(`${running.url}/wmts/1.0.0/sodertorn/default/3006/8/471/456.mvt`);
    const path = await fetchTile(`${running.url}/tiles/sodertorn/3006/8/456/471.mvt`);
    expect(kvp.status).toBe(200);
    expect(kvp.bytes.length).toBeGreaterThan(100);
    expect(Buffer.from(rest.bytes).equals(Buffer.from(kvp.bytes))).toBe(true);
    expect(Buffer.from(path.bytes).equals(Buffer.from(kvp.bytes))).toBe(true);
  });
});

describe('WMTS exceptions over HTTP', () => {
  const cases: [string, number, string, string | undefined, () => string][] = [
    ['SERVICE missing', 400, 'MissingParameterValue', 'SERVICE', () => `${running.url}/wmts?REQUEST=GetCapabilities`],
    ['SERVICE wrong', 400, 'InvalidParameterValue', 'SERVICE', () => `${running.url}/wmts?SERVICE=WMS&REQUEST=GetCapabilities`],
    ['REQUEST missing', 400, 'MissingParameterValue', 'REQUEST', () => `${running.url}/wmts?SERVICE=WMTS`],
    ['REQUEST unknown', 501, 'OperationNotSupported', 'REQUEST', () => `${running.url}/wmts?SERVICE=WMTS&REQUEST=GetFeatureInfo`],
    ['version not offered', 400, 'VersionNegotiationFailed', 'ACCEPTVERSIONS', () => `${running.url}/wmts?SERVICE=WMTS&REQUEST=GetCapabilities&AcceptVersions=2.0.0`],
    ['LAYER missing', 400, 'MissingParameterValue', 'LAYER', () => getTileKvp({ LAYER: null })],
    ['TILEROW missing', 400, 'MissingParameterValue', 'TILEROW', () => getTileKvp({ TILEROW: null })],
    ['VERSION wrong', 400, 'InvalidParameterValue', 'VERSION', () => getTileKvp({ VERSION: '1.1.0' })],
    ['LAYER unknown', 400, 'InvalidParameterValue', 'LAYER', () => getTileKvp({ LAYER: 'fastigheter' })],
    ['STYLE unknown', 400, 'InvalidParameterValue', 'STYLE', () => getTileKvp({ STYLE: 'nattkarta' })],
    ['FORMAT unknown', 400, 'InvalidParameterValue', 'FORMAT', () => getTileKvp({ FORMAT: 'image/gif' })],
    ['TILEMATRIXSET unknown', 400, 'InvalidParameterValue', 'TILEMATRIXSET', () => getTileKvp({ TILEMATRIXSET: 'EPSG:3021' })],
    ['TILEMATRIX beyond the set', 400, 'InvalidParameterValue', 'TILEMATRIX', () => getTileKvp({ TILEMATRIX: '14' })],
    ['TILEMATRIX not a level', 400, 'InvalidParameterValue', 'TILEMATRIX', () => getTileKvp({ TILEMATRIX: 'EPSG:3006:8' })],
    ['TILEROW out of range', 400, 'TileOutOfRange', 'TILEROW', () => getTileKvp({ TILEROW: '1024' })],
    ['TILECOL out of range', 400, 'TileOutOfRange', 'TILECOL', () => getTileKvp({ TILECOL: '-1' })],
    ['REST tile out of range', 400, 'TileOutOfRange', 'TILEROW', () => `${running.url}/wmts/1.0.0/sodertorn/default/3006/0/4/0.mvt`],
    ['REST style unknown', 400, 'InvalidParameterValue', 'STYLE', () => `${running.url}/wmts/1.0.0/sodertorn/natt/3006/0/0/0.mvt`],
    ['REST format unknown', 400, 'InvalidParameterValue', 'FORMAT', () => `${running.url}/wmts/1.0.0/sodertorn/default/3006/0/0/0.gif`],
  ];

  it.each(cases)('%s → %i %s', async (_name, status, code, locator, url) => {
    const res = await fetch(url());
    expect(res.status).toBe(status);
    expect(res.headers.get('content-type')).toContain('application/xml');
    const xml = await res.text();
    expect(xml).toContain(`exceptionCode="${code}"`);
    if (locator) expect(xml).toContain(`locator="${locator}"`);
    expect(validateXml(xml, 'ows/1.1.0/owsExceptionReport.xsd').valid).toBe(true);
  });

  it('answers 503 NoApplicableCode with Retry-After when the database is down', async () => {
    const engine = await startEngine({ database: 'postgres://postgres@127.0.0.1:1/none', overrides: { database: { connectTimeoutMs: 500 } } });
    try {
      for (const url of [`${engine.url}/wmts/1.0.0/sodertorn/default/3006/8/471/456.mvt`, `${engine.url}/wmts?SERVICE=WMTS&REQUEST=GetCapabilities`]) {
        const res = await fetch(url);
        expect(res.status).toBe(503);
        expect(res.headers.get('retry-after')).toBe('5');
        expect(await res.text()).toContain('exceptionCode="NoApplicableCode"');
      }
    } finally {
      await engine.close();
    }
  });
});

describe('real WMTS clients', () => {
  it('OWSLib lists layers and grids and fetches a tile', async () => {
    const result = await runPython<{ layers: string[]; sets: string[]; corner: number[]; formats: string[]; bytes: number }>(`
import json
from owslib.wmts import WebMapTileService
w = WebMapTileService(${JSON.stringify(`${running.url}/wmts?SERVICE=WMTS&REQUEST=GetCapabilities`)})
tile = w.gettile(layer='sodertorn', tilematrixset='3006', tilematrix='8', row=471, column=456, format='${VECTOR}')
print(json.dumps({'layers': sorted(w.contents), 'sets': sorted(w.tilematrixsets), 'corner': list(w.tilematrixsets['3006'].tilematrix['0'].topleftcorner),
  'formats': w.contents['sodertorn'].formats, 'bytes': len(tile.read())}))`);
    expect(result.layers).toEqual(['byggnader', 'gra', 'grundkarta', 'sodertorn', 'utskrift']);
    expect(result.sets).toEqual(['3006', '3011', '4326', 'WebMercatorQuad']);
    expect(result.corner).toEqual([8500000, -1200000]);
    expect(result.formats).toContain(VECTOR);
    expect(result.bytes).toBeGreaterThan(100);
  });

  it('GDAL reads the layers and georeferences the 3006 grid in SWEREF 99 TM at 0.5 m', async () => {
    const caps = `WMTS:${running.url}/wmts/1.0.0/WMTSCapabilities.xml`;
    const info = await gdalinfo(`${caps},layer=sodertorn,tilematrixset=3006`);
    expect(info.coordinateSystem.wkt).toContain('SWEREF99 TM');
    expect(info.coordinateSystem.wkt).toContain('ID["EPSG",3006]');
    expect(info.geoTransform[1]).toBe(0.5);
    expect(info.geoTransform[5]).toBe(-0.5);
    // The data extent (about x 624–701 km, y 6 517–6 587 km) in SWEREF 99 TM metres.
    expect(info.geoTransform[0]).toBeGreaterThan(600_000);
    expect(info.geoTransform[0]).toBeLessThan(640_000);
    expect(info.geoTransform[3]).toBeGreaterThan(6_570_000);
    expect(info.geoTransform[3]).toBeLessThan(6_600_000);
  });
});
