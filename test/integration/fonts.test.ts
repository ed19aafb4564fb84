import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeGlyphs } from '../../workers/skia/glyphs.ts';
import { startEngine, type RunningEngine } from '../helpers/engine.ts';

let running: RunningEngine;
beforeAll(async () => {
  running = await startEngine({ database: null });
});
afterAll(() => running?.close());

describe('fonts for web maps', () => {
  it('lists the fonts at /fonts.json', async () => {
    const res = await fetch(`${running.url}/fonts.json`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual(['Noto Sans Bold', 'Noto Sans Italic', 'Noto Sans Regular']);
  });

  it('serves glyph ranges as MapLibre fetches them, gzipped, cacheable, with stacks combined', async () => {
    const res = await fetch(`${running.url}/fonts/${encodeURIComponent('Noto Sans Bold,Arial Unicode MS Bold')}/0-255.pbf`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/x-protobuf');
    expect(res.headers.get('content-encoding')).toBe('gzip');
    expect(res.headers.get('cache-control')).toBe('public, max-age=86400');
    expect(res.headers.get('access-control-allow-origin')).toBe('*');
    const glyphs = decodeGlyphs(new Uint8Array(await res.arrayBuffer()));
    expect([...'Södertälje Skogås'].every((ch) => glyphs.has(ch.codePointAt(0)!))).toBe(true);
  });

  it('draws a stack of unknown fonts with its own font of the same weight', async () => {
    const [unknown, bold] = await Promise.all(
      ['Open Sans Semibold,Arial Unicode MS Bold', 'Noto Sans Bold'].map(async (stack) =>
        decodeGlyphs(new Uint8Array(await (await fetch(`${running.url}/fonts/${encodeURIComponent(stack)}/0-255.pbf`)).arrayBuffer())),
      ),
    );
    expect(unknown!.get(65)!.bitmap).toEqual(bold!.get(65)!.bitmap);
  });

  it.each([
    ['a range that is not 256 code points', '/fonts/Noto%20Sans%20Bold/0-127.pbf'],
    ['a range beyond the BMP', '/fonts/Noto%20Sans%20Bold/65536-65791.pbf'],
    ['an empty stack', `/fonts/${encodeURIComponent(' , ')}/0-255.pbf`],
    ['too many fonts', `/fonts/${Array.from({ length: 9 }, (_, i) => `F${i}`).join(',')}/0-255.pbf`],
  ])('answers 400 INVALID_GLYPH_REQUEST for %s', async (_name, path) => {
    const res = await fetch(`${running.url}${path}`);
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('INVALID_GLYPH_REQUEST');
  });
});
