import type { LayerSpecification, StyleSpecification } from '@maplibre/maplibre-gl-style-spec';
import { describe, expect, it } from 'vitest';
import type { GlyphLoader, RgbaImage, SourceTile } from '../../src/render/renderer.ts';
import { CollisionIndex } from '../../workers/skia/collision-index.ts';
import { decodeGlyphs, GlyphSource } from '../../workers/skia/glyphs.ts';
import { SkiaRenderer } from '../../workers/skia/skia-renderer.ts';
import { shapeText, type ShapingOptions } from '../../workers/skia/text-shaping.ts';
import { bboxOf, HOME, line, pixel, point, sourceTile, tileView } from '../fixtures/render/build-tiles.ts';
import { FONT, glyphs, LATIN, roadLabel } from '../fixtures/render/symbol-layers.ts';

const renderer = new SkiaRenderer({ glyphs });

const background: LayerSpecification = { id: 'bg', type: 'background', paint: { 'background-color': '#ffffff' } };

function label(layout: Record<string, unknown> = {}, paint: Record<string, unknown> = {}, id = 'labels'): LayerSpecification {
  return {
    id,
    type: 'symbol',
    source: 'src',
    'source-layer': 'points',
    layout: { 'text-field': '{name}', 'text-font': FONT, 'text-size': 16, ...layout },
    paint: { 'text-color': '#ff0000', ...paint },
  } as LayerSpecification;
}

function styleOf(...layers: LayerSpecification[]): StyleSpecification {
  return { version: 8, sources: { src: { type: 'vector', tiles: ['memory://src/{z}/{x}/{y}'] } }, layers: [background, ...layers] };
}

function render(style: StyleSpecification, tiles: SourceTile[]): Promise<RgbaImage> {
  return renderer.render(style, tileView(), tiles);
}

/** The box of pixels passing a test, or undefined when none does; with their count. */
function boxOf(image: RgbaImage, test: (p: [number, number, number, number]) => boolean) {
  let x1 = Infinity, y1 = Infinity, x2 = -Infinity, y2 = -Infinity, count = 0;
  for (let y = 0; y < image.height; y++) {
    for (let x = 0; x < image.width; x++) {
      if (!test(pixel(image, x, y))) continue;
      count++;
      x1 = Math.min(x1, x);
      y1 = Math.min(y1, y);
      x2 = Math.max(x2, x);
      y2 = Math.max(y2, y);
    }
  }
  return count === 0 ? undefined : { x1, y1, x2, y2, count };
}

const isRed = ([r, g, b]: number[]) => r! > 200 && g! < 60 && b! < 60;
const isBlue = ([r, g, b]: number[]) => b! > 200 && r! < 60 && g! < 60;
/** Red at any opacity over white: green and blue fall as red stays. */
const isRedish = ([r, g, b]: number[]) => r! > 200 && g! < 200 && b! < 200;

describe('glyph PBFs', () => {
  it('decode SDF bitmaps with a 3-px border and 24-px metrics', () => {
    const a = decodeGlyphs(LATIN).get(0x41)!;
    expect(a.bitmap.length).toBe((a.width + 6) * (a.height + 6));
    expect(a.advance).toBeGreaterThan(10);
    expect(a.advance).toBeLessThan(24);
    expect(decodeGlyphs(LATIN).get(0x20)!.bitmap.length).toBe(0);
  });

  it('are fetched once per range and loader', () => {
    let calls = 0;
    const counting: GlyphLoader = (fontstack, start) => (calls++, glyphs(fontstack, start));
    const source = new GlyphSource(counting);
    source.glyph(FONT.join(','), 0x41);
    source.glyph(FONT.join(','), 0x42);
    new GlyphSource(counting).glyph(FONT.join(','), 0x43);
    expect(calls).toBe(1);
  });
});

describe('text shaping', () => {
  const source = new GlyphSource(glyphs);
  const options: ShapingOptions = {
    fontstack: FONT.join(','),
    maxWidthEms: 10,
    lineHeightEms: 1.2,
    letterSpacingEms: 0,
    justify: 'center',
    anchor: 'center',
    offsetEms: [0, 0],
  };

  it('centres one line on the anchor, one line-height tall', () => {
    const shaping = shapeText('Hello', source, options)!;
    expect(shaping.lineCount).toBe(1);
    expect(shaping.left).toBeCloseTo(-shaping.right, 6);
    expect(shaping.bottom - shaping.top).toBeCloseTo(1.2 * 24, 6);
  });

  it('breaks at spaces to stay near text-max-width, newlines always', () => {
    expect(shapeText('one two three four five six', source, { ...options, maxWidthEms: 4 })!.lineCount).toBeGreaterThan(2);
    expect(shapeText('one two', source, { ...options, maxWidthEms: 0 })!.lineCount).toBe(1);
    expect(shapeText('one\ntwo', source, options)!.lineCount).toBe(2);
  });
});

describe('collision index', () => {
  it('finds touching and overlapping boxes only', () => {
    const index = new CollisionIndex(256);
    index.insert({ x1: 10, y1: 10, x2: 100, y2: 30 });
    expect(index.collides({ x1: 100, y1: 30, x2: 120, y2: 40 })).toBe(true);
    expect(index.collides({ x1: 50, y1: 20, x2: 60, y2: 25 })).toBe(true);
    expect(index.collides({ x1: 101, y1: 10, x2: 200, y2: 30 })).toBe(false);
    expect(index.collides({ x1: -50, y1: 200, x2: 300, y2: 210 })).toBe(false);
  });
});

describe('SkiaRenderer: symbol text at points', () => {
  const tile = sourceTile({ points: [point(128, 128, { name: 'Label' })] });

  it('draws the text in its colour around the anchor', async () => {
    const image = await render(styleOf(label()), [tile]);
    const red = boxOf(image, isRed)!;
    expect(red.count).toBeGreaterThan(40);
    expect(red.x1).toBeLessThan(128);
    expect(red.x2).toBeGreaterThan(128);
    expect(red.y1).toBeLessThan(128);
    expect(red.y2).toBeGreaterThan(124);
    // About 16 px tall and five letters wide, centred.
    expect(red.y2 - red.y1).toBeLessThan(20);
    expect(Math.abs((red.x1 + red.x2) / 2 - 128)).toBeLessThan(3);
    expect(pixel(image, 10, 10)).toEqual([255, 255, 255, 255]);
  });

  it('draws nothing without glyphs, and nothing for points with line placement', async () => {
    const bare = await new SkiaRenderer().render(styleOf(label()), tileView(), [tile]);
    expect(boxOf(bare, isRed)).toBeUndefined();
    const line = await render(styleOf(label({ 'symbol-placement': 'line' })), [tile]);
    expect(boxOf(line, isRed)).toBeUndefined();
  });

  it('rings the text with its halo colour', async () => {
    const image = await render(styleOf(label({}, { 'text-halo-color': '#0000ff', 'text-halo-width': 2 })), [tile]);
    const red = boxOf(image, isRed)!;
    const blue = boxOf(image, isBlue)!;
    expect(blue.count).toBeGreaterThan(red.count / 2);
    // The halo reaches past the text on every side.
    expect(blue.x1).toBeLessThan(red.x1);
    expect(blue.x2).toBeGreaterThan(red.x2);
    expect(blue.y1).toBeLessThan(red.y1);
    expect(blue.y2).toBeGreaterThan(red.y2);
    const plain = await render(styleOf(label()), [tile]);
    expect(boxOf(plain, isBlue)).toBeUndefined();
  });

  it('moves the text by text-anchor and text-offset', async () => {
    const left = boxOf(await render(styleOf(label({ 'text-anchor': 'left' })), [tile]), isRed)!;
    const right = boxOf(await render(styleOf(label({ 'text-anchor': 'right' })), [tile]), isRed)!;
    const top = boxOf(await render(styleOf(label({ 'text-anchor': 'top' })), [tile]), isRed)!;
    expect(left.x1).toBeGreaterThanOrEqual(127);
    expect(right.x2).toBeLessThanOrEqual(129);
    expect(top.y1).toBeGreaterThanOrEqual(128);
    const centre = boxOf(await render(styleOf(label()), [tile]), isRed)!;
    const offset = boxOf(await render(styleOf(label({ 'text-offset': [2, 1] })), [tile]), isRed)!;
    expect(offset.x1 - centre.x1).toBeCloseTo(32, -0.5);
    expect(offset.y1 - centre.y1).toBeCloseTo(16, -0.5);
  });

  it('drops a label that collides with one placed before, unless text-allow-overlap', async () => {
    const first = sourceTile({ points: [point(128, 128, { name: 'First' })] });
    const both = sourceTile({ points: [point(128, 128, { name: 'First' }), point(132, 131, { name: 'Second' })] });
    const alone = boxOf(await render(styleOf(label()), [first]), isRed)!;
    const dropped = boxOf(await render(styleOf(label()), [both]), isRed)!;
    expect(dropped).toEqual(alone);
    const kept = boxOf(await render(styleOf(label({ 'text-allow-overlap': true })), [both]), isRed)!;
    expect(kept.count).toBeGreaterThan(alone.count);
    expect(kept.x2).toBeGreaterThan(alone.x2);
    // A label that ignores placement does not block the next layer's (layers place from the top of the style down).
    const ignoring = boxOf(
      await render(styleOf(label({}, {}, 'second'), label({ 'text-ignore-placement': true })), [first]),
      isRed,
    )!;
    expect(ignoring.count).toBeGreaterThan(alone.count);
  });

  it('wraps at text-max-width into more lines, a taller box', async () => {
    const long = sourceTile({ points: [point(128, 128, { name: 'A rather long label text' })] });
    const wide = boxOf(await render(styleOf(label({ 'text-max-width': 30 })), [long]), isRed)!;
    const narrow = boxOf(await render(styleOf(label({ 'text-max-width': 4 })), [long]), isRed)!;
    expect(narrow.y2 - narrow.y1).toBeGreaterThan(2 * (wide.y2 - wide.y1));
    expect(narrow.x2 - narrow.x1).toBeLessThan(wide.x2 - wide.x1);
  });

  it('draws a label once when neighbouring tiles both carry its anchor in their buffers', async () => {
    const near = point(254, 128, { name: 'Edge' });
    const right = { z: 14, x: 9011, y: 4826 };
    const once = await render(styleOf(label({ 'text-allow-overlap': true }, { 'text-opacity': 0.5 })), [sourceTile({ points: [near] })]);
    const twice = await render(styleOf(label({ 'text-allow-overlap': true }, { 'text-opacity': 0.5 })), [
      sourceTile({ points: [near] }),
      sourceTile({ points: [near] }, right),
    ]);
    expect(twice.data).toEqual(once.data);
  });
});

describe('SkiaRenderer: symbols outside their own tile', () => {
  it('places an anchor on the edge between two tiles once, by the tile whose extent holds it, at any canvas offset', async () => {
    const edge = point(256, 128, { name: 'Edge' });
    const right = { z: 14, x: 9011, y: 4826 };
    const style = styleOf(label({ 'text-allow-overlap': true }, { 'text-opacity': 0.5 }));
    // Views whose tile edge falls between canvas pixels, where rounding the tiles' rectangles would misplace it.
    for (const shiftPx of [0, 0.3, 0.7]) {
      const [minX, minY, maxX, maxY] = bboxOf(HOME);
      const shift = ((maxX - minX) / 256) * (128 + shiftPx);
      const view = { ...tileView(), bbox: [minX + shift, minY, maxX + shift, maxY] as const };
      const both = await renderer.render(style, view, [sourceTile({ points: [edge] }), sourceTile({ points: [edge] }, right)]);
      const own = await renderer.render(style, view, [sourceTile({ points: [] }), sourceTile({ points: [edge] }, right)]);
      expect(boxOf(own, isRedish)).toBeDefined();
      expect(both.data).toEqual(own.data);
    }
  });
});

describe('SkiaRenderer: text along lines', () => {
  const roads = (...lines: ReturnType<typeof line>[]) => sourceTile({ roads: lines });
  // The tile at its own zoom's size, 512 px, as MapLibre lays it out: lines are measured in
  // layout pixels, so canvas pixels here are twice the fixture's reference pixels.
  const renderAt512 = (style: StyleSpecification, tiles: SourceTile[]) => renderer.render(style, tileView(HOME, 512), tiles);

  it('lays the name along a horizontal line, centred across it', async () => {
    const image = await renderAt512(styleOf(roadLabel()), [roads(line([[20, 128], [236, 128]], { namn: 'Storgatan' }))]);
    const red = boxOf(image, isRed)!;
    expect(red.x2 - red.x1).toBeGreaterThan(50);
    expect(red.y2 - red.y1).toBeLessThan(18);
    expect(Math.abs((red.y1 + red.y2) / 2 - 256)).toBeLessThan(4);
  });

  it('turns the name with a vertical line, reading upwards or downwards but never upside down', async () => {
    const down = boxOf(await renderAt512(styleOf(roadLabel()), [roads(line([[128, 20], [128, 236]], { namn: 'Storgatan' }))]), isRed)!;
    expect(down.y2 - down.y1).toBeGreaterThan(50);
    expect(down.x2 - down.x1).toBeLessThan(18);
    expect(Math.abs((down.x1 + down.x2) / 2 - 256)).toBeLessThan(4);
    // The same street drawn right to left reads left to right all the same (text-keep-upright).
    const ltr = await renderAt512(styleOf(roadLabel()), [roads(line([[20, 128], [236, 128]], { namn: 'Storgatan' }))]);
    const rtl = await renderAt512(styleOf(roadLabel()), [roads(line([[236, 128], [20, 128]], { namn: 'Storgatan' }))]);
    const a = boxOf(ltr, isRed)!;
    const b = boxOf(rtl, isRed)!;
    expect(Math.abs(a.y1 - b.y1) + Math.abs(a.y2 - b.y2)).toBeLessThanOrEqual(1);
    expect(Math.abs(a.x2 - a.x1 - (b.x2 - b.x1))).toBeLessThanOrEqual(1);
    const flipped = await renderAt512(styleOf(roadLabel({ 'text-keep-upright': false })), [roads(line([[236, 128], [20, 128]], { namn: 'Storgatan' }))]);
    // Upside down, the ink sits on the other side of the line's middle than the upright label's.
    const c = boxOf(flipped, isRed)!;
    expect(Math.sign((c.y1 + c.y2) / 2 - 256)).toBe(-Math.sign((a.y1 + a.y2) / 2 - 256));
  });

  it('repeats the name every symbol-spacing along a long line', async () => {
    const long = roads(line([[-40, 128], [300, 128]], { namn: 'Ab' }));
    const rows = (image: RgbaImage) => {
      let runs = 0;
      let inside = false;
      for (let x = 0; x < image.width; x++) {
        let any = false;
        for (let y = 246; y < 266; y++) any ||= isRed(pixel(image, x, y));
        if (any && !inside) runs++;
        inside = any;
      }
      return runs;
    };
    const sparse = rows(await renderAt512(styleOf(roadLabel({ 'symbol-spacing': 250 })), [long]));
    const dense = rows(await renderAt512(styleOf(roadLabel({ 'symbol-spacing': 60 })), [long]));
    expect(sparse).toBeGreaterThanOrEqual(1);
    expect(dense).toBeGreaterThan(sparse + 1);
  });

  it('drops a name longer than its line, and one bent more than text-max-angle', async () => {
    const short = await renderAt512(styleOf(roadLabel()), [roads(line([[120, 128], [150, 128]], { namn: 'Storgatan' }))]);
    expect(boxOf(short, isRed)).toBeUndefined();
    // Corners 28 canvas px apart, less than the label is long.
    const zigzag = line([[40, 100], [50, 110], [60, 100], [70, 110], [80, 100], [90, 110], [100, 100], [110, 110], [120, 100]], { namn: 'Storgatan' });
    expect(boxOf(await renderAt512(styleOf(roadLabel({ 'text-max-angle': 10 })), [roads(zigzag)]), isRed)).toBeUndefined();
    expect(boxOf(await renderAt512(styleOf(roadLabel({ 'text-max-angle': 180 })), [roads(zigzag)]), isRed)).toBeDefined();
  });

  it('lets a line label and a point label collide', async () => {
    const street = line([[20, 128], [236, 128]], { namn: 'Storgatan' });
    const alone = boxOf(await renderAt512(styleOf(roadLabel()), [sourceTile({ roads: [street] })]), isRed)!;
    // A point label right on the first road label (canvas pixels are twice the reference pixels).
    const torget = point((alone.x1 + 30) / 2, 128, { name: 'Torget' });
    const tiles = [sourceTile({ roads: [street], points: [torget] })];
    // The point label sits above the road label in the style, so it is placed first and wins.
    const both = await renderAt512(styleOf(roadLabel(), label({}, { 'text-color': '#0000ff' })), tiles);
    expect(boxOf(both, isBlue)).toBeDefined();
    expect(boxOf(both, isRed)?.count ?? 0).toBeLessThan(alone.count);
  });
});
