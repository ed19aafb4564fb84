import type { LayerSpecification, StyleSpecification } from '@maplibre/maplibre-gl-style-spec';
import { describe, expect, it } from 'vitest';
import type { RgbaImage, SpriteEntry, SpriteLoader, SpriteSheet } from '../../src/render/renderer.ts';
import { fitIconToText } from '../../workers/skia/icon-layout.ts';
import { SkiaRenderer } from '../../workers/skia/skia-renderer.ts';
import { SpriteAtlas } from '../../workers/skia/sprite.ts';
import { line, pixel, point, rect, sourceTile, tileView } from '../fixtures/render/build-tiles.ts';

type Rgba = [number, number, number, number];
const RED: Rgba = [255, 0, 0, 255];
const GREEN: Rgba = [0, 255, 0, 255];
const BLUE: Rgba = [0, 0, 255, 255];
const WHITE: Rgba = [255, 255, 255, 255];

/** One image of a test sheet: its size, pixel ratio and colour per pixel. */
interface TestImage {
  readonly width: number;
  readonly height: number;
  readonly pixelRatio?: number;
  readonly sdf?: boolean;
  readonly paint: (x: number, y: number) => Rgba;
}

/** A sprite sheet with the images side by side on one row. */
function sheet(images: Record<string, TestImage>): SpriteSheet {
  const width = Object.values(images).reduce((sum, image) => sum + image.width, 0);
  const height = Math.max(...Object.values(images).map((image) => image.height));
  const data = new Uint8Array(width * height * 4);
  const entries: Record<string, SpriteEntry> = {};
  let x0 = 0;
  for (const [name, image] of Object.entries(images)) {
    entries[name] = { x: x0, y: 0, width: image.width, height: image.height, pixelRatio: image.pixelRatio ?? 1, sdf: image.sdf ?? false };
    for (let y = 0; y < image.height; y++) {
      for (let x = 0; x < image.width; x++) data.set(image.paint(x, y), (y * width + x0 + x) * 4);
    }
    x0 += image.width;
  }
  return { entries, image: { width, height, data } };
}

const solid = (width: number, height: number, color: Rgba, pixelRatio = 1): TestImage => ({ width, height, pixelRatio, paint: () => color });

/** 8 × 8 red; a 4 × 4 pattern, red left and blue right; 4 × 8 red above blue; an SDF disc of radius 6 in 24 × 24. */
const SHEET_1X = sheet({
  square: solid(8, 8, RED),
  stripes: { width: 4, height: 4, paint: (x) => (x < 2 ? RED : BLUE) },
  band: { width: 4, height: 8, paint: (_, y) => (y < 4 ? RED : BLUE) },
  disc: {
    width: 24,
    height: 24,
    sdf: true,
    // MapLibre's SDF: 192 on the edge, falling by 256 / 8 a pixel.
    paint: (x, y) => [0, 0, 0, Math.max(0, Math.min(255, Math.round(192 + (6 - Math.hypot(x + 0.5 - 12, y + 0.5 - 12)) * 32)))],
  },
});
/** The @2x sheet: the square in green at pixel ratio 2 (16 × 16 image pixels, 8 × 8 CSS pixels). */
const SHEET_2X = sheet({ square: solid(16, 16, GREEN, 2) });
const sprite: SpriteLoader = (ratio) => (ratio === 2 ? SHEET_2X : SHEET_1X);
const renderer = new SkiaRenderer({ sprite });

const background: LayerSpecification = { id: 'bg', type: 'background', paint: { 'background-color': '#ffffff' } };

function styleOf(...layers: LayerSpecification[]): StyleSpecification {
  return { version: 8, sources: { src: { type: 'vector', tiles: ['memory://src/{z}/{x}/{y}'] } }, layers: [background, ...layers] };
}

function icons(layout: Record<string, unknown> = {}, paint: Record<string, unknown> = {}): LayerSpecification {
  return { id: 'icons', type: 'symbol', source: 'src', 'source-layer': 'points', layout: { 'icon-image': 'square', ...layout }, paint } as LayerSpecification;
}

/** The box of pixels of one colour (within 2 per channel), or undefined when none has it. */
function boxOf(image: RgbaImage, color: Rgba) {
  let x1 = Infinity, y1 = Infinity, x2 = -Infinity, y2 = -Infinity, count = 0;
  for (let y = 0; y < image.height; y++) {
    for (let x = 0; x < image.width; x++) {
      if (!pixel(image, x, y).every((v, i) => Math.abs(v - color[i]!) <= 2)) continue;
      count++;
      [x1, y1, x2, y2] = [Math.min(x1, x), Math.min(y1, y), Math.max(x2, x), Math.max(y2, y)];
    }
  }
  return count === 0 ? undefined : { x1, y1, x2, y2, count };
}

const at = (x: number, y: number, properties?: Record<string, string | number | boolean>) =>
  sourceTile({ points: [point(x, y, properties)] });

describe('sprite sheets', () => {
  it('take @2x above pixel ratio 1 and cut images once per sheet', () => {
    expect(SpriteAtlas.load(sprite, 1)!.icon('square')!.width).toBe(8);
    const retina = SpriteAtlas.load(sprite, 2)!.icon('square')!;
    expect([retina.width, retina.pixelRatio]).toEqual([16, 2]);
    expect(SpriteAtlas.load(sprite, 2)!.icon('square')).toBe(retina);
    expect(SpriteAtlas.load(sprite, 1)!.icon('missing')).toBeUndefined();
    expect(SpriteAtlas.load(undefined, 1)).toBeUndefined();
  });

  it('refuse entries that leave the sheet', () => {
    const broken: SpriteSheet = { entries: { wide: { x: 0, y: 0, width: 99, height: 1 } }, image: SHEET_2X.image };
    expect(SpriteAtlas.load(() => broken, 1)!.icon('wide')).toBeUndefined();
  });
});

describe('icons', () => {
  it('draw centred on the point at their own size, pixel for pixel', async () => {
    const image = await renderer.render(styleOf(icons()), tileView(), [at(128, 128)]);
    expect(boxOf(image, RED)).toEqual({ x1: 124, y1: 124, x2: 131, y2: 131, count: 64 });
  });

  it('scale by icon-size and move by icon-anchor and icon-offset (times the size)', async () => {
    const big = await renderer.render(styleOf(icons({ 'icon-size': 2 })), tileView(), [at(128, 128)]);
    // 16 × 16 pixels: bilinear sampling (scaled icons) fades the outer ring into the quad's transparent padding.
    expect(boxOf(big, RED)).toEqual({ x1: 121, y1: 121, x2: 134, y2: 134, count: 196 });
    expect(pixel(big, 120, 128)[1]).toBeLessThan(200);
    expect(pixel(big, 118, 128)).toEqual(WHITE);
    const moved = await renderer.render(styleOf(icons({ 'icon-anchor': 'top-left', 'icon-offset': [2, 3] })), tileView(), [at(128, 128)]);
    expect(boxOf(moved, RED)).toEqual({ x1: 130, y1: 131, x2: 137, y2: 138, count: 64 });
  });

  it('resolve {field} tokens in icon-image and skip names the sprite lacks', async () => {
    const image = await renderer.render(styleOf(icons({ 'icon-image': '{kind}' })), tileView(), [
      sourceTile({ points: [point(64, 64, { kind: 'square' }), point(192, 192, { kind: 'nothing' })] }),
    ]);
    expect(boxOf(image, RED)).toMatchObject({ x1: 60, y1: 60, x2: 67, y2: 67 });
  });

  it('use the @2x sheet at pixel ratio 2, its images keeping their CSS size', async () => {
    const image = await renderer.render(styleOf(icons()), tileView(undefined, 256, 2), [at(128, 128)]);
    expect(boxOf(image, RED)).toBeUndefined();
    expect(boxOf(image, GREEN)).toEqual({ x1: 248, y1: 248, x2: 263, y2: 263, count: 256 });
  });

  it('tint SDF icons with icon-color, under a halo', async () => {
    const image = await renderer.render(
      styleOf(icons({ 'icon-image': 'disc' }, { 'icon-color': '#0000ff', 'icon-halo-color': '#ff0000', 'icon-halo-width': 2 })),
      tileView(),
      [at(128, 128)],
    );
    expect(pixel(image, 128, 128)).toEqual(BLUE);
    // The disc's edge is 6 px out; the halo rings it, 2 px wide.
    const [r, , b] = pixel(image, 128 + 7, 128);
    expect(r > 200 && b < 60).toBe(true);
    expect(pixel(image, 128 + 9, 128)).toEqual(WHITE);
  });

  it('collide with each other unless allowed to overlap', async () => {
    const two = sourceTile({ points: [point(100, 128), point(104, 128)] });
    const apart = await renderer.render(styleOf(icons()), tileView(), [two]);
    expect(boxOf(apart, RED)).toMatchObject({ x1: 96, x2: 103 });
    const overlapping = await renderer.render(styleOf(icons({ 'icon-allow-overlap': true })), tileView(), [two]);
    expect(boxOf(overlapping, RED)).toMatchObject({ x1: 96, x2: 107 });
  });

  it('draw with icon-opacity, moved by icon-translate', async () => {
    const image = await renderer.render(styleOf(icons({}, { 'icon-opacity': 0.5, 'icon-translate': [10, 0] })), tileView(), [at(128, 128)]);
    // Half red over white.
    const [r, g, b] = pixel(image, 128 + 10, 128);
    expect([r, Math.abs(g - 128) <= 1, Math.abs(b - 128) <= 1]).toEqual([255, true, true]);
    expect(pixel(image, 128, 128)).toEqual(WHITE);
  });
});

describe('icon-text-fit', () => {
  const text = { left: -20, top: -10, right: 20, bottom: 10 };
  const icon = SpriteAtlas.load(sprite, 1)!.icon('square')!;

  it('stretches the image around the text, padding [top, right, bottom, left] included', () => {
    const fitted = fitIconToText(icon, text, 'both', [1, 2, 3, 4], [0, 0]);
    // From −24 to 22 across and −11 to 13 down, in CSS pixels.
    expect(fitted.cssPerPx).toEqual([46 / 8, 24 / 8]);
    expect([fitted.qx * fitted.cssPerPx[0], fitted.qy * fitted.cssPerPx[1]]).toEqual([-24, -11]);
  });

  it('centres the axis it does not fit on the text', () => {
    const wide = fitIconToText(icon, { ...text, top: 0, bottom: 20 }, 'width', [0, 0, 0, 0], [0, 0]);
    // 8 CSS pixels high, centred on the text's middle (10).
    expect([wide.qy * wide.cssPerPx[1], wide.cssPerPx[1]]).toEqual([6, 1]);
  });
});


describe('patterns', () => {
  const fill = (paint: Record<string, unknown>): LayerSpecification =>
    ({ id: 'fill', type: 'fill', source: 'src', 'source-layer': 'areas', paint }) as LayerSpecification;
  const areas = sourceTile({ areas: [rect(-10, -10, 266, 266)] });

  it('fill-pattern repeats the image from the world origin', async () => {
    const image = await renderer.render(styleOf(fill({ 'fill-pattern': 'stripes' })), tileView(), [areas]);
    // The tile's left edge is a whole number of 4-px periods from the world's.
    for (const x of [0, 4, 100, 252]) {
      expect(pixel(image, x, 50)).toEqual(RED);
      expect(pixel(image, x + 1, 50)).toEqual(RED);
      expect(pixel(image, x + 2, 50)).toEqual(BLUE);
      expect(pixel(image, x + 3, 50)).toEqual(BLUE);
    }
  });

  it('magnify with the map between integer zooms', async () => {
    // Red-blue changes along a row: every 2 px at zoom 14, every 2 · 2^0.5 px at zoom 14.5.
    const changes = (image: RgbaImage) => {
      let count = 0;
      for (let x = 1; x < image.width; x++) if (pixel(image, x, 50)[0] > 128 !== pixel(image, x - 1, 50)[0] > 128) count++;
      return count;
    };
    const style = styleOf(fill({ 'fill-pattern': 'stripes' }));
    expect(changes(await renderer.render(style, tileView(), [areas]))).toBe(127);
    expect(Math.abs(changes(await renderer.render(style, tileView(undefined, 256, 1, 14.5), [areas])) - 255 / (2 * Math.SQRT2))).toBeLessThanOrEqual(2);
  });

  it('background-pattern tiles the canvas; without the image nothing draws', async () => {
    const image = await renderer.render({ version: 8, sources: {}, layers: [{ id: 'b', type: 'background', paint: { 'background-pattern': 'stripes' } }] }, tileView(), []);
    expect([pixel(image, 8, 8), pixel(image, 10, 8)]).toEqual([RED, BLUE]);
    const missing = await renderer.render(styleOf(fill({ 'fill-pattern': 'nothing', 'fill-color': '#00ff00' })), tileView(), [areas]);
    expect(pixel(missing, 128, 128)).toEqual(WHITE);
  });

  it('line-pattern lays the image along the line, its height across the width', async () => {
    const layer = { id: 'l', type: 'line', source: 'src', 'source-layer': 'lines', paint: { 'line-pattern': 'band', 'line-width': 8 } } as LayerSpecification;
    const horizontal = sourceTile({ lines: [line([[20, 128], [236, 128]])] });
    const image = await renderer.render(styleOf(layer), tileView(), [horizontal]);
    expect(pixel(image, 128, 125)).toEqual(RED);
    expect(pixel(image, 128, 130)).toEqual(BLUE);
    expect(pixel(image, 128, 120)).toEqual(WHITE);
    const vertical = sourceTile({ lines: [line([[128, 20], [128, 236]])] });
    // Going down the canvas, the image's top lies to the line's left: east.
    const turned = await renderer.render(styleOf(layer), tileView(), [vertical]);
    expect(pixel(turned, 130, 128)).toEqual(RED);
    expect(pixel(turned, 125, 128)).toEqual(BLUE);
  });
});
