import { describe, expect, it } from 'vitest';
import { FontLibrary } from '../../src/fonts/font-library.ts';
import { literalFontStacks, parseFontstack, parseGlyphRange, resolveFontstack } from '../../src/fonts/fontstack.ts';
import { ThreadGlyphs } from '../../workers/thread-glyphs.ts';
import { decodeGlyphs, GlyphSource } from '../../workers/skia/glyphs.ts';

const NAMES = ['Noto Sans Bold', 'Noto Sans Italic', 'Noto Sans Regular'];

describe('font stacks and glyph ranges', () => {
  it('parses ranges of 256 code points and refuses anything else', () => {
    expect(parseGlyphRange('0-255')).toBe(0);
    expect(parseGlyphRange('65280-65535')).toBe(65280);
    for (const bad of ['0-256', '1-256', '256-255', '65536-65791', '-1-254', 'a-b', '0-255-1', '']) {
      expect(() => parseGlyphRange(bad), bad).toThrow(expect.objectContaining({ code: 'INVALID_GLYPH_REQUEST', status: 400 }));
    }
  });

  it('splits a stack, and bounds its length', () => {
    expect(parseFontstack('Noto Sans Bold, Arial Unicode MS Bold,Noto Sans Bold')).toEqual(['Noto Sans Bold', 'Arial Unicode MS Bold']);
    expect(() => parseFontstack(',')).toThrow(expect.objectContaining({ code: 'INVALID_GLYPH_REQUEST' }));
    expect(() => parseFontstack(Array.from({ length: 9 }, (_, i) => `F${i}`).join(','))).toThrow(expect.objectContaining({ code: 'INVALID_GLYPH_REQUEST' }));
    expect(() => parseFontstack('x'.repeat(513))).toThrow(expect.objectContaining({ code: 'INVALID_GLYPH_REQUEST' }));
  });

  it('draws the fonts it has, else one of its own of the same weight or slant', () => {
    expect(resolveFontstack(['Arial Unicode MS Regular', 'Noto Sans Italic'], NAMES, 'Noto Sans Regular')).toEqual(['Noto Sans Italic']);
    expect(resolveFontstack(['Open Sans Semibold', 'Arial Unicode MS Bold'], NAMES, 'Noto Sans Regular')).toEqual(['Noto Sans Bold']);
    expect(resolveFontstack(['Open Sans Italic'], NAMES, 'Noto Sans Regular')).toEqual(['Noto Sans Italic']);
    expect(resolveFontstack(['Helvetica'], NAMES, 'Noto Sans Regular')).toEqual(['Noto Sans Regular']);
  });
});

describe('the font stacks a style names', () => {
  it('are the literal text-font arrays of its text layers, joined as MapLibre fetches them, with the spec default where unset', () => {
    const layers = [
      { type: 'symbol', layout: { 'text-field': '{namn}', 'text-font': ['Noto Sans Bold'] } },
      { type: 'symbol', layout: { 'text-field': '{namn}', 'text-font': ['Noto Sans Regular', 'Noto Sans Italic'] } },
      { type: 'symbol', layout: { 'text-field': ['get', 'namn'], 'text-font': ['Noto Sans Bold'] } },
      { type: 'symbol', layout: { 'text-field': '{namn}', 'text-font': ['get', 'font'] } },
      { type: 'symbol', layout: { 'text-field': '{namn}', 'text-font': ['literal', ['Noto Sans Italic']] } },
      { type: 'symbol', layout: { 'text-field': '{namn}' } },
      { type: 'symbol', layout: { 'icon-image': 'skylt', 'text-font': ['Icons Only'] } },
      { type: 'line', layout: { 'text-font': ['Ignored'] } },
    ];
    expect(literalFontStacks(layers)).toEqual(['Noto Sans Bold', 'Noto Sans Regular,Noto Sans Italic', 'Open Sans Regular,Arial Unicode MS Regular']);
  });
});

describe('the font library (fontnik over the shipped fonts)', () => {
  it('names the shipped fonts as styles do and makes SDF ranges with å, ä and ö', async () => {
    const fonts = await FontLibrary.load('fonts');
    expect(fonts.names).toEqual(NAMES);
    const glyphs = decodeGlyphs(await fonts.glyphRange('Noto Sans Regular', 0));
    for (const ch of 'åäöÅÄÖé') {
      const glyph = glyphs.get(ch.codePointAt(0)!);
      expect(glyph, ch).toBeDefined();
      // 24-px SDF with a 3-px border: the bitmap is (width + 6) × (height + 6).
      expect(glyph!.bitmap.length).toBe((glyph!.width + 6) * (glyph!.height + 6));
      expect(glyph!.advance).toBeGreaterThan(5);
    }
  });

  it('combines a stack: glyphs missing from the first font come from the next', async () => {
    const fonts = await FontLibrary.load('fonts');
    const bold = decodeGlyphs(await fonts.glyphRange('Noto Sans Bold', 0));
    const stack = decodeGlyphs(await fonts.glyphRange('Noto Sans Bold,Noto Sans Regular', 0));
    expect(stack.get(65)!.bitmap).toEqual(bold.get(65)!.bitmap);
    // The same range twice is made once and then served from memory.
    expect(await fonts.glyphRange('Noto Sans Bold', 0)).toBe(await fonts.glyphRange('Noto Sans Bold', 0));
  });

  it('fails start-up on a folder without fonts or an unknown fallback', async () => {
    await expect(FontLibrary.load('styles')).rejects.toThrow(/holds no .ttf/);
    await expect(FontLibrary.load('fonts', { fallback: 'Comic Sans' })).rejects.toThrow(/fallback font "Comic Sans"/);
  });
});

describe('glyphs inside a render thread', () => {
  it('notes what a render missed and hands out a fresh loader once ranges arrive', () => {
    const glyphs = new ThreadGlyphs();
    const before = glyphs.loader;
    expect(before('Noto Sans Bold', 0)).toBeUndefined();
    expect(before('Noto Sans Bold', 0)).toBeUndefined();
    expect(glyphs.takeMissing()).toEqual([{ fontstack: 'Noto Sans Bold', start: 0 }]);
    expect(glyphs.takeMissing()).toEqual([]);
    const bytes = new Uint8Array([1, 2, 3]);
    glyphs.add([{ fontstack: 'Noto Sans Bold', start: 0, bytes }]);
    expect(glyphs.loader).not.toBe(before);
    expect(glyphs.loader('Noto Sans Bold', 0)).toBe(bytes);
    expect(glyphs.takeMissing()).toEqual([]);
  });

  it('tells every render on a thread of a range it lacks, not only the first', async () => {
    // Labels went missing from cached tiles this way: the first render on a thread noted
    // the missing range, the renderer remembered "no glyphs" under the same loader, and the
    // next render there drew without those labels and asked for nothing.
    const glyphs = new ThreadGlyphs();
    const first = new GlyphSource(glyphs.loader);
    expect(first.glyph('Noto Sans Italic', 65)).toBeUndefined();
    expect(glyphs.takeMissing()).toEqual([{ fontstack: 'Noto Sans Italic', start: 0 }]);
    const second = new GlyphSource(glyphs.loader); // the next render, same thread, range not yet sent
    expect(second.glyph('Noto Sans Italic', 65)).toBeUndefined();
    expect(glyphs.takeMissing()).toEqual([{ fontstack: 'Noto Sans Italic', start: 0 }]);
    const fonts = await FontLibrary.load('fonts');
    glyphs.add([{ fontstack: 'Noto Sans Italic', start: 0, bytes: await fonts.glyphRange('Noto Sans Italic', 0) }]);
    expect(new GlyphSource(glyphs.loader).glyph('Noto Sans Italic', 65)?.id).toBe(65);
    expect(glyphs.takeMissing()).toEqual([]);
  });
});
