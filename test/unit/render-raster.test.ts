import type { LayerSpecification, StyleSpecification } from '@maplibre/maplibre-gl-style-spec';
import { describe, expect, it } from 'vitest';
import type { RgbaImage, SourceTile } from '../../src/render/renderer.ts';
import {
  contrastFactor,
  isIdentityMatrix,
  rasterColorMatrix,
  saturationFactor,
  spinWeights,
  type RasterColorPaint,
} from '../../workers/skia/raster-color.ts';
import { paintQuad, type QuadPaint } from '../../workers/skia/raster-quad.ts';
import { SkiaRenderer } from '../../workers/skia/skia-renderer.ts';
import { bboxOf, HOME, near, pixel, tileView } from '../fixtures/render/build-tiles.ts';

const DEFAULTS: RasterColorPaint = { hueRotateDeg: 0, brightnessMin: 0, brightnessMax: 1, saturation: 0, contrast: 0 };

/** MapLibre's raster fragment shader, step by step, as the reference the matrix must equal. */
function shaderReference(paint: RasterColorPaint, rgb: [number, number, number]): [number, number, number] {
  const w = spinWeights(paint.hueRotateDeg);
  const dot = (a: readonly number[], b: readonly number[]): number => a[0]! * b[0]! + a[1]! * b[1]! + a[2]! * b[2]!;
  let out = [dot(rgb, [w[0], w[1], w[2]]), dot(rgb, [w[2], w[0], w[1]]), dot(rgb, [w[1], w[2], w[0]])];
  const average = (rgb[0] + rgb[1] + rgb[2]) / 3;
  out = out.map((x) => x + (average - x) * saturationFactor(paint.saturation));
  out = out.map((x) => (x - 0.5) * contrastFactor(paint.contrast) + 0.5);
  out = out.map((x) => paint.brightnessMin * (1 - x) + paint.brightnessMax * x);
  return out as [number, number, number];
}

function applyMatrix(m: Float64Array, [r, g, b]: [number, number, number]): [number, number, number] {
  return [0, 1, 2].map((row) => m[row * 4]! * r + m[row * 4 + 1]! * g + m[row * 4 + 2]! * b + m[row * 4 + 3]!) as [number, number, number];
}

/** An image from rows of RGBA pixels. */
function imageOf(rows: number[][][]): RgbaImage {
  return { width: rows[0]!.length, height: rows.length, data: new Uint8Array(rows.flat(2)) };
}

/** A solid width × height picture. */
function solid(width: number, height: number, rgba: number[]): RgbaImage {
  const data = new Uint8Array(width * height * 4);
  for (let i = 0; i < data.length; i += 4) data.set(rgba, i);
  return { width, height, data };
}

/** Paints a quad into a fresh size × size buffer and returns it as an image. */
function paintInto(size: number, paint: Partial<QuadPaint> & Pick<QuadPaint, 'image' | 'corners'>): RgbaImage {
  const data = new Uint8ClampedArray(size * size * 4);
  paintQuad(data, size, 0, 0, { bounds: [0, 0, size, size], clipToQuad: false, resampling: 'linear', matrix: undefined, opacity: 1, ...paint });
  return { width: size, height: size, data: new Uint8Array(data.buffer) };
}

describe('raster colour matrix', () => {
  it('is the identity with every paint property at its default', () => {
    expect(isIdentityMatrix(rasterColorMatrix(DEFAULTS))).toBe(true);
    expect(isIdentityMatrix(rasterColorMatrix({ ...DEFAULTS, contrast: 0.2 }))).toBe(false);
  });

  it('equals the shader step by step, for colours and settings across their ranges', () => {
    const settings: RasterColorPaint[] = [
      { hueRotateDeg: 45, brightnessMin: 0.2, brightnessMax: 0.9, saturation: 0.5, contrast: -0.3 },
      { hueRotateDeg: -170, brightnessMin: 0.6, brightnessMax: 0.1, saturation: -0.8, contrast: 0.7 },
      { hueRotateDeg: 300, brightnessMin: 0, brightnessMax: 1, saturation: 1, contrast: 1 - 1e-3 },
    ];
    const colours: [number, number, number][] = [
      [0, 0, 0],
      [1, 1, 1],
      [0.9, 0.2, 0.1],
      [0.05, 0.6, 0.35],
    ];
    for (const paint of settings) {
      const matrix = rasterColorMatrix(paint);
      for (const rgb of colours) {
        const expected = shaderReference(paint, rgb);
        applyMatrix(matrix, rgb).forEach((value, i) => expect(value).toBeCloseTo(expected[i]!, 9));
      }
    }
  });

  it('turns hues by raster-hue-rotate: red to green at 120°', () => {
    const out = applyMatrix(rasterColorMatrix({ ...DEFAULTS, hueRotateDeg: 120 }), [1, 0, 0]);
    out.forEach((value, i) => expect(value).toBeCloseTo([0, 1, 0][i]!, 9));
  });

  it('greys at saturation −1 and maps black and white to brightness min and max', () => {
    const grey = applyMatrix(rasterColorMatrix({ ...DEFAULTS, saturation: -1 }), [0.9, 0.3, 0]);
    grey.forEach((value) => expect(value).toBeCloseTo(0.4, 9));
    const dim = rasterColorMatrix({ ...DEFAULTS, brightnessMin: 0.25, brightnessMax: 0.75 });
    applyMatrix(dim, [0, 0, 0]).forEach((value) => expect(value).toBeCloseTo(0.25, 9));
    applyMatrix(dim, [1, 1, 1]).forEach((value) => expect(value).toBeCloseTo(0.75, 9));
  });
});

describe('paintQuad', () => {
  const blackWhite = imageOf([
    [
      [0, 0, 0, 255],
      [255, 255, 255, 255],
    ],
  ]);

  it('stretches a picture over its rectangle, linear between texel centres and clamped at the edges', () => {
    // Two texels over 8 pixels: texel centres at x = 2 and 6.
    const image = paintInto(8, { image: blackWhite, corners: [[0, 0], [8, 0], [8, 8], [0, 8]] });
    expect(pixel(image, 0, 4)).toEqual([0, 0, 0, 255]); // clamped: left of the first centre
    expect(pixel(image, 1, 4)).toEqual([0, 0, 0, 255]);
    expect(pixel(image, 3, 4)[0]).toBe(Math.round(255 * (1.5 / 4)));
    expect(pixel(image, 4, 4)[0]).toBe(Math.round(255 * (2.5 / 4)));
    expect(pixel(image, 7, 4)).toEqual([255, 255, 255, 255]);
  });

  it('takes the nearest texel with raster-resampling nearest', () => {
    const image = paintInto(8, { image: blackWhite, corners: [[0, 0], [8, 0], [8, 8], [0, 8]], resampling: 'nearest' });
    expect(pixel(image, 3, 0)).toEqual([0, 0, 0, 255]);
    expect(pixel(image, 4, 0)).toEqual([255, 255, 255, 255]);
  });

  it('filters premultiplied: a transparent texel does not bleed its colour', () => {
    const redGoneBlue = imageOf([
      [
        [255, 0, 0, 0],
        [0, 0, 255, 255],
      ],
    ]);
    const image = paintInto(8, { image: redGoneBlue, corners: [[0, 0], [8, 0], [8, 8], [0, 8]] });
    // Halfway between the texel centres: half as opaque, and all blue.
    const [r, g, b, a] = pixel(image, 4, 4);
    expect([r, g, b]).toEqual([0, 0, 255]);
    expect(a).toBe(Math.round(255 * (2.5 / 4)));
  });

  it('fills only the pixels inside a rotated quad, and applies opacity and the colour matrix', () => {
    const diamond: QuadPaint['corners'] = [[8, 0], [16, 8], [8, 16], [0, 8]];
    const matrix = rasterColorMatrix({ ...DEFAULTS, brightnessMin: 0.5, brightnessMax: 0.5 });
    const image = paintInto(16, { image: solid(4, 4, [10, 200, 30, 255]), corners: diamond, clipToQuad: true, matrix, opacity: 0.5 });
    expect(pixel(image, 8, 8)).toEqual([128, 128, 128, 128]);
    expect(pixel(image, 1, 1)).toEqual([0, 0, 0, 0]); // a corner of the buffer, outside the diamond
    expect(pixel(image, 14, 14)).toEqual([0, 0, 0, 0]);
  });
});

describe('SkiaRenderer: raster layers', () => {
  const renderer = new SkiaRenderer();
  const style = (paint: Record<string, unknown> = {}, extra: LayerSpecification[] = []): StyleSpecification => ({
    version: 8,
    sources: { sat: { type: 'raster', tiles: ['memory://sat/{z}/{x}/{y}'], tileSize: 256 } },
    layers: [
      { id: 'bg', type: 'background', paint: { 'background-color': '#ffffff' } },
      { id: 'r', type: 'raster', source: 'sat', paint: paint as never },
      ...extra,
    ],
  });
  // Left half red, right half blue: 2 × 1 texels drawn nearest, so the split stays sharp.
  const redBlue = imageOf([
    [
      [255, 0, 0, 255],
      [0, 0, 255, 255],
    ],
  ]);
  const tile: SourceTile = { sourceId: 'sat', bbox: bboxOf(HOME), mvt: new Uint8Array(0), image: redBlue };

  it('draws a raster tile over its extent', async () => {
    const image = await renderer.render(style({ 'raster-resampling': 'nearest' }), tileView(), [tile]);
    expect(pixel(image, 10, 128)).toEqual([255, 0, 0, 255]);
    expect(pixel(image, 127, 128)).toEqual([255, 0, 0, 255]);
    expect(pixel(image, 128, 128)).toEqual([0, 0, 255, 255]);
  });

  it('blends raster-opacity over the layers below and hue-rotates', async () => {
    const image = await renderer.render(style({ 'raster-resampling': 'nearest', 'raster-opacity': 0.5, 'raster-hue-rotate': 120 }), tileView(), [tile]);
    // Red turned green at half opacity over white.
    expect(near(pixel(image, 10, 10), [128, 255, 128, 255], 1)).toBe(true);
  });

  it('places a tile that covers a quarter of the view in its quarter, sampled at the pixel ratio', async () => {
    const child = { z: HOME.z + 1, x: HOME.x * 2 + 1, y: HOME.y * 2 };
    const quarter: SourceTile = { ...tile, bbox: bboxOf(child), image: solid(256, 256, [0, 128, 0, 255]) };
    const image = await renderer.render(style(), tileView(HOME, 256, 2), [quarter]);
    expect(pixel(image, 300, 100)).toEqual([0, 128, 0, 255]);
    expect(pixel(image, 255, 100)).toEqual([255, 255, 255, 255]);
    expect(pixel(image, 256, 255)).toEqual([0, 128, 0, 255]);
    expect(pixel(image, 300, 256)).toEqual([255, 255, 255, 255]);
  });

  it('draws nothing for tiles of other sources and layers hidden by zoom', async () => {
    const other = await renderer.render(style(), tileView(), [{ ...tile, sourceId: 'elsewhere' }]);
    expect(pixel(other, 10, 10)).toEqual([255, 255, 255, 255]);
    const hidden: StyleSpecification = { ...style(), layers: style().layers.map((l) => (l.id === 'r' ? { ...l, minzoom: 20 } : l)) };
    expect(pixel(await renderer.render(hidden, tileView(), [tile]), 10, 10)).toEqual([255, 255, 255, 255]);
  });
});
