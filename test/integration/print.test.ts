import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pixelmatch from 'pixelmatch';
import sharp from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';
import { engineAndDatabase, startEngine, type RunningEngine } from '../helpers/engine.ts';
import { waterPoint, WATER } from '../helpers/map-pixels.ts';

const run = promisify(execFile);
const suite = engineAndDatabase();
let lake: [number, number];
beforeAll(async () => {
  lake = await waterPoint(suite.db, 3006, 'sjö');
});

async function print(engine: RunningEngine, params: Record<string, string>): Promise<Response> {
  return fetch(`${engine.url}/print?${new URLSearchParams({ style: 'grundkarta', ...params })}`);
}

async function rgba(res: Response): Promise<{ data: Buffer; width: number; height: number }> {
  expect(res.status, res.status === 200 ? '' : await res.clone().text()).toBe(200);
  const { data, info } = await sharp(Buffer.from(await res.arrayBuffer())).ensureAlpha().raw().toBuffer({ resolveWithObject: true });
  return { data, width: info.width, height: info.height };
}

describe('prints', () => {
  it('renders an A3 at 300 dpi, at the scale asked for, with a world file that places it', async () => {
    const params = { center: lake.join(','), scale: '10000', paper: 'A3', orientation: 'landscape', dpi: '300' };
    const page = await rgba(await print(suite.engine, params));
    expect([page.width, page.height]).toEqual([4961, 3508]);
    // The lake is at the centre of the page.
    const centre = (Math.floor(page.height / 2) * page.width + Math.floor(page.width / 2)) * 4;
    expect([...page.data.subarray(centre, centre + 3)]).toEqual(WATER);
    // 1:10 000 at 300 dpi: a pixel is 25.4 mm / 300 × 10 000 = 0.8467 m on the ground.
    const wld = (await (await print(suite.engine, { ...params, format: 'wld' })).text()).trim().split('\n').map(Number);
    expect(wld[0]).toBeCloseTo(0.84667, 4);
    expect(wld[3]).toBeCloseTo(-0.84667, 4);
    expect(wld[4]! + (page.width / 2) * wld[0]!).toBeCloseTo(lake[0], 0);
    expect(wld[5]! + (page.height / 2) * wld[3]!).toBeCloseTo(lake[1], 0);
  }, 60_000);

  it('makes a GeoTIFF that GDAL places where the world file does, north up or turned, with the same pixels as the PNG', async () => {
    for (const bearing of ['0', '90']) {
      const params = { center: lake.join(','), scale: '10000', width: '400', height: '300', bearing };
      const res = await print(suite.engine, { ...params, format: 'tiff' });
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe('image/tiff');
      const file = join(mkdtempSync(join(tmpdir(), 'print-tiff-')), 'page.tif');
      writeFileSync(file, Buffer.from(await res.arrayBuffer()));
      const info = JSON.parse((await run('gdalinfo', ['-json', file])).stdout) as { size: number[]; geoTransform: number[]; coordinateSystem: { wkt: string } };
      expect(info.size).toEqual([400, 300]);
      expect(info.coordinateSystem.wkt).toContain('ID["EPSG",3006]');
      const [a, d, b, e, c, f] = (await (await print(suite.engine, { ...params, format: 'wld' })).text()).trim().split('\n').map(Number);
      // GDAL's transform starts at the top-left corner; the world file at that pixel's centre.
      const expected = [c! - a! / 2 - b! / 2, a!, b!, f! - d! / 2 - e! / 2, d!, e!];
      info.geoTransform.forEach((v, i) => expect(v).toBeCloseTo(expected[i]!, 6));
      const tiff = await sharp(file).raw().toBuffer();
      const png = await rgba(await print(suite.engine, params));
      expect(pixelmatch(tiff, png.data, undefined, 400, 300, { threshold: 0.05 })).toBe(0);
    }
  }, 60_000);

  it('makes a one-page PDF of the paper size holding the page', async () => {
    const res = await print(suite.engine, { center: lake.join(','), scale: '10000', paper: 'A4', dpi: '150', format: 'pdf' });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/pdf');
    const pdf = Buffer.from(await res.arrayBuffer()).toString('latin1');
    expect(pdf.startsWith('%PDF-')).toBe(true);
    // A4 is 595 × 842 points.
    expect(pdf).toMatch(/\/MediaBox \[0 0 595 842\]/);
    expect(pdf).toContain('/Subtype /Image');
  }, 60_000);

  it('turns the page to a bearing: with 90°, east is up, and the world file says so', async () => {
    // The lake is 300 m east of the page centre: on a page with east up it is 300 m above the centre.
    const params = { center: `${lake[0] - 300},${lake[1]}`, scale: '10000', width: '600', height: '500', bearing: '90' };
    const page = await rgba(await print(suite.engine, params));
    expect([page.width, page.height]).toEqual([600, 500]);
    const cell = (10000 * 0.0254) / 96;
    const at = ((250 - Math.round(300 / cell)) * page.width + 300) * 4;
    expect([...page.data.subarray(at, at + 3)]).toEqual(WATER);
    const wld = (await (await print(suite.engine, { ...params, format: 'wld' })).text()).trim().split('\n').map(Number);
    // A column step goes south (x 0, y −cell); a row step goes west (x −cell, y 0).
    expect(wld.slice(0, 4).map((v) => Math.round(v * 1000) / 1000)).toEqual([0, -Math.round(cell * 1000) / 1000, -Math.round(cell * 1000) / 1000, 0]);
  }, 60_000);

  it('stitches pieces without a seam: the same page drawn in small pieces equals it drawn whole', async () => {
    const pieces = await startEngine({ overrides: { print: { pieceSizePx: 256 } } });
    try {
      // At 96 dpi the 96-px margin lets pieces be 384 px: 3 × 2 of them.
      const params = { center: `${lake[0] + 600},${lake[1]}`, scale: '5000', width: '900', height: '700', dpi: '96' };
      const [small, whole] = await Promise.all([rgba(await print(pieces, params)), rgba(await print(suite.engine, params))]);
      const differing = pixelmatch(small.data, whole.data, undefined, whole.width, whole.height, { threshold: 0.13 });
      expect(differing / (whole.width * whole.height)).toBeLessThan(0.003);
    } finally {
      await pieces.close();
    }
  }, 60_000);

  it('stitches pieces of a turned page without a seam, and streams it as PNG', async () => {
    const pieces = await startEngine({ overrides: { print: { pieceSizePx: 256 } } });
    try {
      const params = { center: `${lake[0] + 600},${lake[1]}`, scale: '5000', width: '900', height: '700', dpi: '96', bearing: '33' };
      const [small, whole] = await Promise.all([rgba(await print(pieces, params)), rgba(await print(suite.engine, params))]);
      expect([whole.width, whole.height]).toEqual([900, 700]);
      const differing = pixelmatch(small.data, whole.data, undefined, whole.width, whole.height, { threshold: 0.13 });
      expect(differing / (whole.width * whole.height)).toBeLessThan(0.003);
      // No transparent corners: the page is drawn turned, not a north-up image turned afterwards.
      for (const at of [0, (whole.width - 1) * 4, (whole.height - 1) * whole.width * 4, (whole.width * whole.height - 1) * 4]) expect(whole.data[at + 3]).toBe(255);
    } finally {
      await pieces.close();
    }
  }, 60_000);

  it('keeps serving tiles while a print runs, and refuses a second print while the first runs', async () => {
    const params = { center: lake.join(','), scale: '20000', paper: 'A4', dpi: '200' };
    // Its answer has begun: it holds the print slot (a PNG's header goes out before its first piece is drawn).
    const first = await print(suite.engine, params);
    const [second, tile] = await Promise.all([print(suite.engine, params), fetch(`${suite.engine.url}/tiles/sodertorn/12/2250/1200.mvt`)]);
    expect([200, 204]).toContain(tile.status);
    expect(second.status).toBe(503);
    expect(second.headers.get('retry-after')).toBe('5');
    expect(((await second.json()) as { error: { code: string } }).error.code).toBe('PRINTS_BUSY');
    expect(first.status).toBe(200);
    await first.arrayBuffer(); // the PNG streams: the print ends with its body
  }, 60_000);

  it.each([
    ['no style', { style: '', center: '670000,6570000', scale: '10000', paper: 'A4' }, 400, 'INVALID_PRINT_REQUEST'],
    ['no extent', { paper: 'A4' }, 400, 'INVALID_PRINT_REQUEST'],
    ['an unknown paper', { center: '670000,6570000', scale: '10000', paper: 'B5' }, 400, 'INVALID_PRINT_REQUEST'],
    ['an unknown CRS', { crs: 'EPSG:4258', center: '18,59', scale: '10000', paper: 'A4' }, 400, 'INVALID_PRINT_REQUEST'],
    ['an A0 at 1200 dpi', { center: '670000,6570000', scale: '10000', paper: 'A0', dpi: '1200' }, 413, 'PRINT_TOO_LARGE'],
    // Within print.maxPixels as a page, but its pieces' 1200-px margins would draw 363 million pixels.
    ['an A4 at 1200 dpi', { center: '670000,6570000', scale: '10000', paper: 'A4', dpi: '1200' }, 413, 'PRINT_TOO_LARGE'],
    ['a WebP wider than WebP can be', { center: '670000,6570000', scale: '10000', width: '16384', height: '100', format: 'webp' }, 413, 'PRINT_TOO_LARGE'],
    ['a JPEG wider than JPEG can be', { center: '670000,6570000', scale: '10000', width: '65535', height: '100', format: 'jpg' }, 413, 'PRINT_TOO_LARGE'],
    ['a JPEG A0 at 300 dpi (encoded whole)', { center: '670000,6570000', scale: '10000', paper: 'A0', dpi: '300', format: 'jpg' }, 413, 'PRINT_TOO_LARGE'],
    ['a PDF A0 at 300 dpi (one image, encoded whole)', { center: '670000,6570000', scale: '10000', paper: 'A0', dpi: '300', format: 'pdf' }, 413, 'PRINT_TOO_LARGE'],
    ['an unknown format', { center: '670000,6570000', scale: '10000', paper: 'A4', format: 'svg' }, 400, 'INVALID_PRINT_REQUEST'],
    ['an unknown style', { style: 'ortofoto', center: '670000,6570000', scale: '10000', width: '100', height: '100' }, 404, 'UNKNOWN_STYLE'],
  ])('answers %s with a clear error', async (_name, params, status, code) => {
    const res = await print(suite.engine, params);
    expect(res.status).toBe(status);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe(code);
  });
});
