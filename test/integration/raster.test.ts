import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load-config.ts';
import { sweref99tm } from '../../src/grids/swedish-grids.ts';
import { bboxToTileRange, tileToBbox, type TileGrid } from '../../src/grids/tile-grid.ts';
import { webMercatorQuad } from '../../src/grids/web-mercator-quad.ts';
import { RenderPool } from '../../src/render/render-pool.ts';
import { renderWorkerData } from '../../src/render/render-task.ts';
import { engineAndDatabase, startEngine } from '../helpers/engine.ts';
import { isNearColour, rgbAt, waterPoint, WATER } from '../helpers/map-pixels.ts';

const run = promisify(execFile);
const suite = engineAndDatabase();

/** A point well inside the sea, in a grid's CRS. */
function seaPoint(grid: TileGrid): Promise<[number, number]> {
  return waterPoint(suite.db, grid.srid, 'hav');
}

/** The tile of a grid holding a point, and the point's pixel in it. */
function tileAndPixel(grid: TileGrid, [px, py]: [number, number], z: number, sizePx: number) {
  const range = bboxToTileRange(grid, [px, py, px, py], z)!;
  const [x0, y0, x1, y1] = tileToBbox(grid, z, range.minX, range.minY);
  return { x: range.minX, y: range.minY, col: Math.floor(((px - x0) / (x1 - x0)) * sizePx), row: Math.floor(((y1 - py) / (y1 - y0)) * sizePx) };
}


/** The PNG colour type (IHDR byte 25): 3 palette, 2 RGB, 6 RGBA. */
const pngColourType = (png: Buffer) => png[25];

describe('raster tiles', () => {
  it('are palette PNGs a quarter to half the size of true colour, the same pixels within the quantiser\'s error, the same bytes on every engine; WMS maps stay true colour', async () => {
    const truecolour = await startEngine({ overrides: { render: { pngPalette: false } } });
    const again = await startEngine();
    try {
      for (const path of ['/tiles/grundkarta/14/9010/4826.png', '/tiles/grundkarta/12/2252/1206.png', '/tiles/gra/3006/10/3600/3800.png']) {
        const [palette, other, rgb] = await Promise.all([suite.engine, again, truecolour].map(async (e) => Buffer.from(await (await fetch(`${e.url}${path}`)).arrayBuffer())));
        expect(pngColourType(palette!), path).toBe(3);
        expect(other!.equals(palette!), `${path}: the same bytes from another engine`).toBe(true);
        expect([2, 6]).toContain(pngColourType(rgb!));
        if (rgb!.byteLength > 4000) expect(palette!.byteLength, path).toBeLessThan(rgb!.byteLength * 0.6);
        const [a, b] = await Promise.all([palette!, rgb!].map((png) => sharp(png).removeAlpha().raw().toBuffer()));
        let close = 0;
        for (let i = 0; i < a!.length; i += 3) if (Math.max(Math.abs(a![i]! - b![i]!), Math.abs(a![i + 1]! - b![i + 1]!), Math.abs(a![i + 2]! - b![i + 2]!)) <= 24) close++;
        expect(close / (a!.length / 3), `${path}: pixels within 24 levels of true colour`).toBeGreaterThanOrEqual(0.98);
      }
      const wms = await fetch(`${suite.engine.url}/wms?SERVICE=WMS&VERSION=1.3.0&REQUEST=GetMap&LAYERS=grundkarta&STYLES=&CRS=EPSG:3006&BBOX=6560000,660000,6565000,665000&WIDTH=256&HEIGHT=256&FORMAT=image/png`);
      expect([2, 6]).toContain(pngColourType(Buffer.from(await wms.arrayBuffer())));
    } finally {
      await truecolour.close();
      await again.close();
    }
  });

  it('draws the sea in the style colour where the database has sea, at 1× and @2x', async () => {
    const point = await seaPoint(webMercatorQuad);
    const t = tileAndPixel(webMercatorQuad, point, 12, 256);
    const res = await fetch(`${suite.engine.url}/tiles/sodertorn/12/${t.x}/${t.y}.png`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('image/png');
    const png = Buffer.from(await res.arrayBuffer());
    expect((await sharp(png).metadata()).width).toBe(256);
    expect(await rgbAt(png, t.col, t.row)).toSatisfy((rgb: number[]) => isNearColour(rgb, WATER));
    const retina = Buffer.from(await (await fetch(`${suite.engine.url}/tiles/grundkarta/12/${t.x}/${t.y}@2x.png`)).arrayBuffer());
    expect(await sharp(retina).metadata()).toMatchObject({ width: 512, height: 512 });
    expect(await rgbAt(retina, t.col * 2, t.row * 2)).toSatisfy((rgb: number[]) => isNearColour(rgb, WATER));
  });

  it('draws a 3006 tile in SWEREF 99 TM from data cut in that grid', async () => {
    const point = await seaPoint(sweref99tm);
    const t = tileAndPixel(sweref99tm, point, 8, 256);
    const res = await fetch(`${suite.engine.url}/tiles/grundkarta/3006/8/${t.x}/${t.y}.png`);
    expect(res.status).toBe(200);
    expect(await rgbAt(Buffer.from(await res.arrayBuffer()), t.col, t.row)).toSatisfy((rgb: number[]) => isNearColour(rgb, WATER));
  });

  it('encodes WebP and JPEG too', async () => {
    for (const [ext, type, format] of [['webp', 'image/webp', 'webp'], ['jpg', 'image/jpeg', 'jpeg']] as const) {
      const res = await fetch(`${suite.engine.url}/tiles/sodertorn/10/562/300.${ext}`);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe(type);
      expect((await sharp(Buffer.from(await res.arrayBuffer())).metadata()).format).toBe(format);
    }
  });

  it('gives every render thread the styles\' glyphs from its start: labelled tiles are never drawn twice to learn them', async () => {
    const fresh = await startEngine();
    try {
      // Town and street names around Huddinge centre, drawn by both threads at once (two blocks apart).
      const tiles = ['/tiles/grundkarta/14/9010/4826.png', '/tiles/grundkarta/14/9018/4826.png', '/tiles/grundkarta/15/18021/9653.png', '/tiles/gra/13/4505/2413.png'];
      const pngs = await Promise.all(tiles.map(async (path) => Buffer.from(await (await fetch(`${fresh.url}${path}`)).arrayBuffer())));
      expect(pngs.every((png) => png.byteLength > 1000)).toBe(true);
      const health = (await (await fetch(`${fresh.url}/health`)).json()) as { renders: { completed: number; redrawnForGlyphs: number } };
      expect(health.renders.completed).toBeGreaterThanOrEqual(tiles.length);
      expect(health.renders.redrawnForGlyphs).toBe(0);
    } finally {
      await fresh.close();
    }
  });

  it('answers 503 with Retry-After when the render queue is full', async () => {
    // One thread and no room to wait: while one render runs, the others are refused at once, never left waiting.
    const full = await startEngine({ overrides: { render: { workers: 1, maxQueue: 0 }, cache: { memory: { enabled: false, maxBytes: 1024 } } } });
    try {
      const answers = await Promise.all(Array.from({ length: 8 }, (_, i) => fetch(`${full.url}/tiles/sodertorn/12/${2240 + i * 4}/1200.png`)));
      expect(answers.some((r) => r.status === 200)).toBe(true);
      const res = answers.find((r) => r.status !== 200)!;
      expect(res.status).toBe(503);
      expect(res.headers.get('retry-after')).toBe('1');
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe('OVERLOADED');
      // Vector tiles need no render thread and are still served.
      expect([200, 204]).toContain((await fetch(`${full.url}/tiles/sodertorn/12/2250/1200.mvt`)).status);
    } finally {
      await full.close();
    }
  });

  it('keeps serving after a client aborts a render', async () => {
    const controller = new AbortController();
    const pending = fetch(`${suite.engine.url}/tiles/sodertorn/11/1124/601@2x.png`, { signal: controller.signal }).catch((e: unknown) => e);
    setTimeout(() => controller.abort(), 5);
    expect(await pending).toBeInstanceOf(Error);
    const after = await fetch(`${suite.engine.url}/tiles/sodertorn/11/1124/601.png`);
    expect(after.status, await after.clone().text()).toBe(200);
  });
});

describe('the render pool', () => {
  it('refuses renders beyond its queue bound at once and runs the others', async () => {
    const config = loadConfig({});
    const pool = new RenderPool({ workers: 1, maxQueue: 2, timeoutMs: 10_000 }, renderWorkerData(config));
    try {
      const view = { bbox: tileToBbox(webMercatorQuad, 12, 2250, 1200), widthPx: 256, heightPx: 256, pixelRatio: 2, zoom: 11 };
      const results = await Promise.allSettled(Array.from({ length: 10 }, () => pool.render({ styleId: 'grundkarta', view, tiles: [], format: 'png' })));
      const refused = results.filter((r) => r.status === 'rejected');
      expect(refused.length).toBeGreaterThanOrEqual(6);
      for (const r of refused) expect((r as PromiseRejectedResult).reason).toMatchObject({ code: 'OVERLOADED', status: 503, retryAfterS: 1 });
      expect(results.filter((r) => r.status === 'fulfilled').length).toBeGreaterThanOrEqual(2);
    } finally {
      await pool.close();
    }
  });

  it('fails only the task whose render crashes, and keeps its threads', async () => {
    const config = loadConfig({});
    const pool = new RenderPool({ workers: 1, maxQueue: 4, timeoutMs: 10_000 }, renderWorkerData(config));
    try {
      const view = { bbox: tileToBbox(webMercatorQuad, 12, 2250, 1200), widthPx: 256, heightPx: 256, pixelRatio: 1, zoom: 11 };
      const garbage = { sourceId: 'sodertorn', bbox: view.bbox, mvt: new Uint8Array([0x1a, 0xff, 0xff, 0xff, 0x0f, 0x01]) };
      await expect(pool.render({ styleId: 'grundkarta', view, tiles: [garbage], format: 'png' })).rejects.toMatchObject({ code: 'RENDER_FAILED', status: 500 });
      const ok = await pool.render({ styleId: 'grundkarta', view, tiles: [], format: 'png' });
      expect((await sharp(Buffer.from(ok)).metadata()).width).toBe(256);
    } finally {
      await pool.close();
    }
  });
});

describe('raster through WMTS', () => {
  it('lists image formats and styles for styled layers, and GDAL reads a 3006 window with the right pixels', async () => {
    const caps = await (await fetch(`${suite.engine.url}/wmts/1.0.0/WMTSCapabilities.xml`)).text();
    expect(caps).toContain('<Format>image/png</Format>');
    expect(caps).toContain('<ows:Identifier>grundkarta</ows:Identifier>');
    const point = await seaPoint(sweref99tm);
    const dir = mkdtempSync(join(tmpdir(), 'gdal-'));
    const out = join(dir, 'window.png');
    // A 2 km window around a sea point at 4 m/px (level 10), in EPSG:3006.
    await run(
      'gdal_translate',
      ['-of', 'PNG', '-projwin', String(point[0] - 1000), String(point[1] + 1000), String(point[0] + 1000), String(point[1] - 1000), '-projwin_srs', 'EPSG:3006', '-outsize', '100', '100',
        `WMTS:${suite.engine.url}/wmts/1.0.0/WMTSCapabilities.xml,layer=sodertorn,tilematrixset=3006,style=grundkarta`, out],
      { env: { ...process.env, GDAL_ENABLE_WMS_CACHE: 'NO' } },
    );
    const png = readFileSync(out);
    expect(await rgbAt(png, 50, 50)).toSatisfy((rgb: number[]) => isNearColour(rgb, WATER));
  });
});
