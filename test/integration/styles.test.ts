import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEngine, type RunningEngine } from '../helpers/engine.ts';

let running: RunningEngine;
beforeAll(async () => {
  running = await startEngine({ database: null });
});
afterAll(() => running?.close());

async function errorCode(res: Response): Promise<string> {
  return ((await res.json()) as { error: { code: string } }).error.code;
}

describe('styles for web maps', () => {
  it('lists the styles with their URLs', async () => {
    const res = await fetch(`${running.url}/styles`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual(
      ['gra', 'grundkarta', 'utskrift'].map((id) => expect.objectContaining({ id, version: 8, url: `${running.url}/styles/${id}/style.json` })),
    );
  });

  it('serves a style with its tilesets, glyphs and sprite at this server, cacheable with an ETag', async () => {
    const res = await fetch(`${running.url}/styles/grundkarta/style.json`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(res.headers.get('cache-control')).toBe('public, max-age=300');
    const style = (await res.json()) as { sources: Record<string, { url: string }>; glyphs: string; sprite: string };
    expect(style.sources.sodertorn!.url).toBe(`${running.url}/tiles/sodertorn.json`);
    expect(style.glyphs).toBe(`${running.url}/fonts/{fontstack}/{range}.pbf`);
    expect(style.sprite).toBe(`${running.url}/styles/grundkarta/sprite`);
    // Every URL the style names answers.
    expect((await fetch(style.sources.sodertorn!.url)).status).toBe(200);
    expect((await fetch(`${style.sprite}@2x.json`)).status).toBe(200);
    expect((await fetch(style.glyphs.replace('{fontstack}', 'Noto%20Sans%20Bold').replace('{range}', '0-255'))).status).toBe(200);

    const etag = res.headers.get('etag')!;
    expect(etag).toMatch(/^"[\w-]+"$/);
    const again = await fetch(`${running.url}/styles/grundkarta/style.json`, { headers: { 'If-None-Match': etag } });
    expect(again.status).toBe(304);
  });

  it('describes each style as raster tiles in a TileJSON', async () => {
    const res = await fetch(`${running.url}/styles/gra.json`);
    expect(res.status).toBe(200);
    const tilejson = (await res.json()) as { tilejson: string; tiles: string[]; minzoom: number; maxzoom: number; bounds: number[] };
    expect(tilejson).toMatchObject({ tilejson: '3.0.0', tiles: [`${running.url}/tiles/gra/{z}/{x}/{y}.png`], minzoom: 0, maxzoom: 18 });
    expect(tilejson.bounds[0]).toBeGreaterThan(17);
    const tile = await fetch(tilejson.tiles[0]!.replace('{z}/{x}/{y}', '12/2252/1207'));
    expect(tile.headers.get('content-type')).toBe('image/png');
  });

  it('rewrites URLs to the public base URL behind a proxy', async () => {
    const proxied = await startEngine({ database: null, overrides: { server: { publicUrl: 'https://karta.example.se/api' } } });
    try {
      const style = (await (await fetch(`${proxied.url}/styles/gra/style.json`)).json()) as { sources: Record<string, { url: string }>; glyphs: string; sprite: string };
      expect(style.sources.sodertorn!.url).toBe('https://karta.example.se/api/tiles/sodertorn.json');
      expect(style.glyphs).toBe('https://karta.example.se/api/fonts/{fontstack}/{range}.pbf');
      expect(style.sprite).toBe('https://karta.example.se/api/styles/gra/sprite');
    } finally {
      await proxied.close();
    }
  });

  it('serves the sprite at 1× and 2× as MapLibre loads it', async () => {
    const [json1, json2, png1, png2] = await Promise.all(['sprite.json', 'sprite@2x.json', 'sprite.png', 'sprite@2x.png'].map((f) => fetch(`${running.url}/styles/grundkarta/${f}`)));
    expect(png1!.headers.get('content-type')).toBe('image/png');
    const index1 = (await json1!.json()) as Record<string, { width: number; pixelRatio: number }>;
    const index2 = (await json2!.json()) as Record<string, { width: number; pixelRatio: number }>;
    expect(index2['ort-tatort']).toMatchObject({ width: index1['ort-tatort']!.width * 2, pixelRatio: 2 });
    const meta2 = await sharp(Buffer.from(await png2!.arrayBuffer())).metadata();
    const meta1 = await sharp(Buffer.from(await png1!.arrayBuffer())).metadata();
    expect(meta2.width).toBeGreaterThan(meta1.width!);
  });

  it.each([
    ['/styles/nope/style.json', 404, 'UNKNOWN_STYLE'],
    ['/styles/nope/sprite.png', 404, 'UNKNOWN_STYLE'],
    ['/styles/grundkarta/sprite@3x.png', 404, 'NOT_FOUND'],
  ])('%s answers %i %s', async (path, status, code) => {
    const res = await fetch(`${running.url}${path}`);
    expect(res.status).toBe(status);
    expect(await errorCode(res)).toBe(code);
  });

  it('answers 404 UNKNOWN_SPRITE for a style without the engine sprite', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'styles-'));
    writeFileSync(join(dir, 'enkel.json'), JSON.stringify({ version: 8, sources: { s: { type: 'vector', url: 'tileset://sodertorn' } }, layers: [{ id: 'bg', type: 'background' }] }));
    const plain = await startEngine({ database: null, overrides: { render: { stylesDir: dir, defaultStyle: undefined } } });
    try {
      const res = await fetch(`${plain.url}/styles/enkel/sprite.json`);
      expect(res.status).toBe(404);
      expect(await errorCode(res)).toBe('UNKNOWN_SPRITE');
      expect(((await (await fetch(`${plain.url}/styles/enkel/style.json`)).json()) as { sources: Record<string, { url: string }> }).sources.s!.url).toBe(`${plain.url}/tiles/sodertorn.json`);
    } finally {
      await plain.close();
    }
  });
});
