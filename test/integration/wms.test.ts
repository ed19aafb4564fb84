import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { engineAndDatabase } from '../helpers/engine.ts';
import { runPython, validateXml } from '../helpers/ogc-clients.ts';
import { rgbAt, waterPoint, WATER } from '../helpers/map-pixels.ts';

const run = promisify(execFile);
const suite = engineAndDatabase();

/** A point well inside the largest named lake, in an EPSG code's CRS. */
function lakePoint(srid: number): Promise<[number, number]> {
  return waterPoint(suite.db, srid, 'sjö');
}

async function getMap(params: Record<string, string>): Promise<Response> {
  const query = new URLSearchParams({ SERVICE: 'WMS', VERSION: '1.3.0', REQUEST: 'GetMap', LAYERS: 'grundkarta', STYLES: '', FORMAT: 'image/png', ...params });
  return fetch(`${suite.engine.url}/wms?${query}`);
}

describe('WMS 1.3.0', () => {
  it('publishes capabilities valid against the OGC schema, each style a layer in EPSG:3006, 3011, 3857, 4326 and CRS:84', async () => {
    const res = await fetch(`${suite.engine.url}/wms?SERVICE=WMS&REQUEST=GetCapabilities`);
    expect(res.headers.get('content-type')).toBe('text/xml; charset=utf-8');
    const xml = await res.text();
    const verdict = validateXml(xml, 'wms/1.3.0/capabilities_1_3_0.xsd');
    expect(verdict.valid, verdict.output).toBe(true);
    for (const name of ['gra', 'grundkarta', 'utskrift']) expect(xml).toContain(`<Name>${name}</Name>`);
    for (const crs of ['EPSG:3006', 'EPSG:3011', 'EPSG:3857', 'EPSG:4326', 'CRS:84']) expect(xml).toContain(`<CRS>${crs}</CRS>`);
    // SWEREF 99 TM is northing first: its BoundingBox minx is a northing (~6.5 million).
    const box = /<BoundingBox CRS="EPSG:3006" minx="([\d.]+)" miny="([\d.]+)"/.exec(xml)!;
    expect(Number(box[1])).toBeGreaterThan(6_000_000);
    expect(Number(box[2])).toBeLessThan(1_000_000);
  });

  it.each([
    ['EPSG:3006', 3006, true],
    ['EPSG:3011', 3011, true],
    ['EPSG:3857', 3857, false],
    ['EPSG:4326', 4326, true],
    ['CRS:84', 4326, false],
  ])('draws the map of a %s extent where the data is, in the axis order of the CRS', async (crs, srid, northFirst) => {
    const [x, y] = await lakePoint(srid);
    // 400 × 200 px at 2 units/px (metres; 1e-5 degrees in WGS 84), the lake point at a quarter of the width and three quarters of the height.
    const u = srid === 4326 ? 1e-5 : 1;
    const [minx, maxx] = [x - 200 * u, x + 600 * u];
    const [miny, maxy] = [y - 100 * u, y + 300 * u];
    const bbox = northFirst ? [miny, minx, maxy, maxx] : [minx, miny, maxx, maxy];
    const res = await getMap({ CRS: crs, BBOX: bbox.join(','), WIDTH: '400', HEIGHT: '200' });
    expect(res.status, await res.clone().text()).toBe(200);
    const png = Buffer.from(await res.arrayBuffer());
    expect(await sharp(png).metadata()).toMatchObject({ width: 400, height: 200 });
    expect(await rgbAt(png, 100, 150)).toEqual(WATER);
  });

  it('is read by GDAL’s WMS driver, which fetches a georeferenced SWEREF 99 TM window', async () => {
    const [x, y] = await lakePoint(3006);
    const out = join(mkdtempSync(join(tmpdir(), 'gdal-wms-')), 'map.png');
    // The dataset's extent (Södertörn, northing first as WMS 1.3.0 wants for EPSG:3006); GDAL asks for the window within it.
    const source = `WMS:${suite.engine.url}/wms?SERVICE=WMS&VERSION=1.3.0&REQUEST=GetMap&LAYERS=grundkarta&CRS=EPSG:3006&BBOX=6400000,550000,6700000,750000&FORMAT=image/png`;
    await run('gdal_translate', ['-of', 'PNG', '-projwin', String(x - 500), String(y + 500), String(x + 500), String(y - 500), '-projwin_srs', 'EPSG:3006', '-outsize', '100', '100', source, out], {
      env: { ...process.env, GDAL_ENABLE_WMS_CACHE: 'NO', GDAL_HTTP_TIMEOUT: '20' },
    });
    expect(await rgbAt(readFileSync(out), 50, 50)).toEqual(WATER);
    const { stdout } = await run('gdalinfo', [`WMS:${suite.engine.url}/wms?SERVICE=WMS&REQUEST=GetCapabilities`], { env: { ...process.env, GDAL_ENABLE_WMS_CACHE: 'NO' } });
    expect(stdout).toMatch(/SUBDATASET_\d+_NAME=WMS:.*LAYERS=grundkarta/);
  });

  it('answers FORMAT=image/tiff with a GeoTIFF that GDAL places in the CRS asked for', async () => {
    // BBOX northing (latitude) first, as WMS 1.3.0 has these CRSs.
    for (const [crs, bbox, height, srid, transform] of [
      ['EPSG:3006', '6569000,670000,6571000,672000', '200', 3006, [670000, 10, 0, 6571000, 0, -10]],
      ['EPSG:4326', '59.2,17.9,59.3,18.1', '100', 4326, [17.9, 0.001, 0, 59.3, 0, -0.001]],
    ] as const) {
      const res = await getMap({ CRS: crs, BBOX: bbox, WIDTH: '200', HEIGHT: height, FORMAT: 'image/tiff' });
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe('image/tiff');
      const file = join(mkdtempSync(join(tmpdir(), 'wms-tiff-')), 'map.tif');
      writeFileSync(file, Buffer.from(await res.arrayBuffer()));
      const info = JSON.parse((await run('gdalinfo', ['-json', file])).stdout) as { geoTransform: number[]; coordinateSystem: { wkt: string } };
      expect(info.coordinateSystem.wkt).toContain(`ID["EPSG",${srid}]`);
      info.geoTransform.forEach((v, i) => expect(v).toBeCloseTo(transform[i]!, 6));
    }
  });

  it('answers GetFeatureInfo with what the style draws at the pixel: the lake, a building above the land under it', async () => {
    const info = async (x: number, y: number, extra: Record<string, string> = {}) => {
      const query = new URLSearchParams({
        SERVICE: 'WMS', VERSION: '1.3.0', REQUEST: 'GetFeatureInfo', LAYERS: 'grundkarta', QUERY_LAYERS: 'grundkarta', STYLES: '', CRS: 'EPSG:3006',
        // 200 × 200 px of 1 m around the point, northing first; the point is pixel (100, 100).
        BBOX: [y - 100, x - 100, y + 100, x + 100].join(','), WIDTH: '200', HEIGHT: '200', I: '100', J: '100', INFO_FORMAT: 'application/json', ...extra,
      });
      return fetch(`${suite.engine.url}/wms?${query}`);
    };
    const [lx, ly] = await lakePoint(3006);
    const lake = (await (await info(lx, ly)).json()) as { features: { properties: Record<string, unknown> }[] };
    expect(lake.features).toHaveLength(1);
    expect(lake.features[0]!.properties).toMatchObject({ layer: 'vatten', typ: 'sjö' });

    const { rows } = await suite.db.query<{ id: number; andamal: string; hojd: number; x: number; y: number }>(
      `SELECT id, andamal, hojd, ST_X(p) AS x, ST_Y(p) AS y FROM (SELECT id, andamal, hojd, ST_PointOnSurface(geom) AS p FROM byggnad ORDER BY ST_Area(geom) DESC LIMIT 1) b`,
    );
    const building = rows[0]!;
    const res = await info(building.x, building.y, { FEATURE_COUNT: '5' });
    expect(res.headers.get('content-type')).toBe('application/json; charset=utf-8');
    const found = ((await res.json()) as { features: { id: number; properties: Record<string, unknown>; geometry: { type: string; coordinates: number[][][] } | null }[] }).features;
    expect(found[0]).toMatchObject({ id: Number(building.id), properties: { layer: 'byggnad', andamal: building.andamal } });
    // Every attribute, also those no style reads and the vector tiles leave out (the height).
    expect(found[0]!.properties.hojd).toBeCloseTo(building.hojd, 3);
    // The geometry, in the request's CRS (x = easting, y = northing), so QGIS's identify tool outlines the hit.
    const outline = found[0]!.geometry!;
    expect(outline.type).toBe('Polygon');
    const xs = outline.coordinates[0]!.map((p) => p[0]!);
    const ys = outline.coordinates[0]!.map((p) => p[1]!);
    expect(Math.min(...xs)).toBeLessThanOrEqual(building.x);
    expect(Math.max(...xs)).toBeGreaterThanOrEqual(building.x);
    expect(Math.min(...ys)).toBeLessThanOrEqual(building.y);
    expect(Math.max(...ys)).toBeGreaterThanOrEqual(building.y);
    expect(Math.max(...xs) - Math.min(...xs)).toBeLessThan(500); // a building, not the map
    expect(found.length).toBeGreaterThan(1); // and what lies under it
    const text = await (await info(building.x, building.y, { INFO_FORMAT: 'text/plain' })).text();
    expect(text).toContain(`Layer 'byggnad'`);
    expect(text).toContain(`andamal = '${building.andamal}'`);
    const html = await (await info(building.x, building.y, { INFO_FORMAT: 'text/html' })).text();
    expect(html).toContain('<caption>byggnad');
  });

  it('refuses GetFeatureInfo outside the map, of another layer or in an unknown format, with WMS exceptions', async () => {
    const base = { SERVICE: 'WMS', VERSION: '1.3.0', REQUEST: 'GetFeatureInfo', LAYERS: 'grundkarta', QUERY_LAYERS: 'grundkarta', STYLES: '', CRS: 'EPSG:3006', BBOX: '6569000,670000,6571000,672000', WIDTH: '100', HEIGHT: '100', I: '5', J: '5', INFO_FORMAT: 'text/plain' };
    for (const [change, code] of [
      [{ I: '100' }, 'InvalidPoint'],
      [{ QUERY_LAYERS: 'gra' }, 'LayerNotQueryable'],
      [{ INFO_FORMAT: 'application/vnd.ogc.gml' }, 'InvalidFormat'],
      [{ FEATURE_COUNT: '0' }, 'InvalidParameterValue'],
    ] as const) {
      const res = await fetch(`${suite.engine.url}/wms?${new URLSearchParams({ ...base, ...change })}`);
      expect(res.status).toBe(400);
      expect(await res.text()).toContain(`code="${code}"`);
    }
  });

  it('turns the map by ANGLE (degrees clockwise, as GeoServer and MapServer read it), and GetFeatureInfo finds what the turned map shows at a pixel', async () => {
    const [lx, ly] = await lakePoint(3006);
    // The lake 120 m east of the map centre: turned 90° clockwise, east is down, so the lake is 120 px below the centre.
    const [cx, cy] = [lx - 120, ly];
    const bbox = [cy - 200, cx - 200, cy + 200, cx + 200].join(',');
    const map = async (angle: string) => Buffer.from(await (await getMap({ CRS: 'EPSG:3006', BBOX: bbox, WIDTH: '400', HEIGHT: '400', ANGLE: angle })).arrayBuffer());
    const [north, turned, back] = await Promise.all([map('0'), map('90'), map('-270')]);
    expect(await rgbAt(north, 320, 200)).toEqual(WATER);
    expect(await rgbAt(turned, 200, 320)).toEqual(WATER);
    expect(back.equals(turned)).toBe(true); // −270° is 90°
    const info = async (i: number, j: number, angle: string) => {
      const query = new URLSearchParams({
        SERVICE: 'WMS', VERSION: '1.3.0', REQUEST: 'GetFeatureInfo', LAYERS: 'grundkarta', QUERY_LAYERS: 'grundkarta', STYLES: '', CRS: 'EPSG:3006',
        BBOX: bbox, WIDTH: '400', HEIGHT: '400', ANGLE: angle, I: String(i), J: String(j), INFO_FORMAT: 'application/json', FEATURE_COUNT: '5',
      });
      return ((await (await fetch(`${suite.engine.url}/wms?${query}`)).json()) as { features: { properties: Record<string, unknown> }[] }).features;
    };
    expect((await info(200, 320, '90'))[0]?.properties).toMatchObject({ layer: 'vatten', typ: 'sjö' });
    // Right of the centre on the turned map is north on the ground: what the north-up map shows above its centre.
    for (const [i, j, northI, northJ] of [[320, 200, 200, 79], [90, 60, 60, 309], [200, 200, 200, 199]] as const) {
      expect(await info(i, j, '90')).toEqual(await info(northI, northJ, '0'));
    }
    for (const angle of ['east', '1e999', '400', '0x10']) {
      const res = await getMap({ CRS: 'EPSG:3006', BBOX: bbox, WIDTH: '40', HEIGHT: '40', ANGLE: angle });
      expect(res.status).toBe(400);
      expect(await res.text()).toContain('code="InvalidParameterValue"');
    }
  });

  it('keeps labels upright on a map turned upside down: only the labels differ from the north-up map turned round', async () => {
    // Among the streets (with their names) round the largest building.
    const { rows } = await suite.db.query<{ x: number; y: number }>('SELECT ST_X(p) AS x, ST_Y(p) AS y FROM (SELECT ST_PointOnSurface(geom) AS p FROM byggnad ORDER BY ST_Area(geom) DESC LIMIT 1) b');
    const { x, y } = rows[0]!;
    const bbox = [y - 600, x - 600, y + 600, x + 600].join(',');
    const map = async (angle: string) => Buffer.from(await (await getMap({ CRS: 'EPSG:3006', BBOX: bbox, WIDTH: '300', HEIGHT: '300', ANGLE: angle })).arrayBuffer());
    const [north, upsideDown] = await Promise.all([map('0'), map('180')]);
    const turnedRound = await sharp(north).rotate(180).png().toBuffer();
    const [a, b] = await Promise.all([turnedRound, upsideDown].map((png) => sharp(png).removeAlpha().raw().toBuffer()));
    let differing = 0;
    for (let i = 0; i < a!.length; i += 3) if (Math.abs(a![i]! - b![i]!) + Math.abs(a![i + 1]! - b![i + 1]!) + Math.abs(a![i + 2]! - b![i + 2]!) > 60) differing++;
    // The fills and lines agree; the labels, drawn upright on both, do not (a turned label would agree too).
    expect(differing / (300 * 300)).toBeGreaterThan(0.002);
    expect(differing / (300 * 300)).toBeLessThan(0.08);
  });

  it('OWSLib finds GetFeatureInfo in the capabilities and reads what is under a pixel', async () => {
    const [x, y] = await lakePoint(3006);
    const result = await runPython<{ queryable: number; operations: string[]; text: string }>(`
import json
from owslib.wms import WebMapService
w = WebMapService(${JSON.stringify(`${suite.engine.url}/wms`)}, version='1.3.0')
r = w.getfeatureinfo(layers=['grundkarta'], srs='EPSG:3006', bbox=(${x - 100}, ${y - 100}, ${x + 100}, ${y + 100}), size=(200, 200), format='image/png', query_layers=['grundkarta'], info_format='text/plain', xy=(100, 100))
print(json.dumps({'queryable': w['grundkarta'].queryable, 'operations': [o.name for o in w.operations], 'text': r.read().decode()}))`);
    expect(result.queryable).toBe(1);
    expect(result.operations).toContain('GetFeatureInfo');
    expect(result.text).toContain("typ = 'sjö'");
  });

  it('draws labels and lines larger at a higher DPI, over the same extent', async () => {
    const [x, y] = await lakePoint(3006);
    const bbox = [y - 1000, x - 1000, y + 1000, x + 1000].join(',');
    const at96 = Buffer.from(await (await getMap({ CRS: 'EPSG:3006', BBOX: bbox, WIDTH: '400', HEIGHT: '400' })).arrayBuffer());
    const at192 = Buffer.from(await (await getMap({ CRS: 'EPSG:3006', BBOX: bbox, WIDTH: '800', HEIGHT: '800', DPI: '192' })).arrayBuffer());
    // The same map: the 192-dpi render scaled down is close to the 96-dpi one.
    const small = await sharp(at192).resize(400, 400).raw().toBuffer();
    const base = await sharp(at96).raw().toBuffer();
    let differing = 0;
    for (let i = 0; i < base.length; i += 4) if (Math.abs(base[i]! - small[i]!) + Math.abs(base[i + 1]! - small[i + 1]!) + Math.abs(base[i + 2]! - small[i + 2]!) > 60) differing++;
    expect(differing / (400 * 400)).toBeLessThan(0.05);
  });

  it.each([
    ['a missing BBOX', { CRS: 'EPSG:3006', WIDTH: '10', HEIGHT: '10' }, 400, 'MissingParameterValue'],
    ['an unknown CRS', { CRS: 'EPSG:4258', BBOX: '1,2,3,4', WIDTH: '10', HEIGHT: '10' }, 400, 'InvalidCRS'],
    ['an unknown layer', { LAYERS: 'ortofoto', CRS: 'EPSG:3006', BBOX: '1,2,3,4', WIDTH: '10', HEIGHT: '10' }, 404, 'LayerNotDefined'],
    ['an unknown format', { CRS: 'EPSG:3006', BBOX: '6560000,670000,6561000,671000', WIDTH: '10', HEIGHT: '10', FORMAT: 'image/gif' }, 400, 'InvalidFormat'],
    ['an inverted BBOX', { CRS: 'EPSG:3006', BBOX: '6561000,670000,6560000,671000', WIDTH: '10', HEIGHT: '10' }, 400, 'InvalidParameterValue'],
    ['a map too wide', { CRS: 'EPSG:3006', BBOX: '6560000,670000,6561000,671000', WIDTH: '20000', HEIGHT: '10' }, 413, 'InvalidParameterValue'],
    ['a DPI out of range', { CRS: 'EPSG:3006', BBOX: '6560000,670000,6561000,671000', WIDTH: '10', HEIGHT: '10', DPI: '5000' }, 400, 'InvalidParameterValue'],
  ])('answers %s with a WMS exception report', async (_name, params, status, code) => {
    const res = await getMap(params);
    expect(res.status).toBe(status);
    const xml = await res.text();
    expect(xml).toContain(`code="${code}"`);
    const verdict = validateXml(xml, 'wms/1.3.0/exceptions_1_3_0.xsd');
    expect(verdict.valid, verdict.output).toBe(true);
  });
});

describe('WMS legends', () => {
  it('draws a legend of each style from the style, linked from the capabilities', async () => {
    const xml = await (await fetch(`${suite.engine.url}/wms?SERVICE=WMS&REQUEST=GetCapabilities`)).text();
    const href = /<LegendURL><Format>image\/png<\/Format><OnlineResource xlink:type="simple" xlink:href="([^"]+LAYER=grundkarta)"/.exec(xml)?.[1];
    expect(href).toBeDefined();
    const res = await fetch(href!.replace(/&amp;/g, '&'));
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('image/png');
    const { data, info } = await sharp(Buffer.from(await res.arrayBuffer())).raw().toBuffer({ resolveWithObject: true });
    // One row per class: water among them, in the water colour.
    expect(info.height).toBeGreaterThan(15 * 20);
    let water = 0;
    for (let i = 0; i < data.length; i += info.channels) if (data[i] === WATER[0] && data[i + 1] === WATER[1] && data[i + 2] === WATER[2]) water++;
    expect(water).toBeGreaterThan(100);
  });

  it('answers an unknown legend layer with LayerNotDefined', async () => {
    const res = await fetch(`${suite.engine.url}/wms?SERVICE=WMS&REQUEST=GetLegendGraphic&LAYER=nope&FORMAT=image/png`);
    expect(res.status).toBe(404);
    expect(await res.text()).toContain('code="LayerNotDefined"');
  });
});
