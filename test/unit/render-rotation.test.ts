import { createCanvas } from '@napi-rs/canvas';
import type { LayerSpecification, StyleSpecification } from '@maplibre/maplibre-gl-style-spec';
import { describe, expect, it } from 'vitest';
import { viewCoverage, viewPointAt, type RenderView, type RgbaImage } from '../../src/render/renderer.ts';
import { SkiaRenderer } from '../../workers/skia/skia-renderer.ts';
import { ViewRotation } from '../../workers/skia/view-rotation.ts';
import { bboxOf, HOME, line, pixel, point, rect, sourceTile, tileView } from '../fixtures/render/build-tiles.ts';
import { FONT, glyphs, roadLabel } from '../fixtures/render/symbol-layers.ts';

const renderer = new SkiaRenderer({ glyphs });
const background: LayerSpecification = { id: 'bg', type: 'background', paint: { 'background-color': '#ffffff' } };

function styleOf(...layers: LayerSpecification[]): StyleSpecification {
  return { version: 8, sources: { src: { type: 'vector', tiles: ['memory://src/{z}/{x}/{y}'] } }, layers: [background, ...layers] };
}

const turned = (view: RenderView, bearing: number): RenderView => ({ ...view, bearing });

/** The box of pixels passing a test, with their count. */
function boxOf(image: RgbaImage, test: (p: [number, number, number, number]) => boolean) {
  let [x1, y1, x2, y2, count] = [Infinity, Infinity, -Infinity, -Infinity, 0];
  for (let y = 0; y < image.height; y++) {
    for (let x = 0; x < image.width; x++) {
      if (!test(pixel(image, x, y))) continue;
      count++;
      [x1, y1, x2, y2] = [Math.min(x1, x), Math.min(y1, y), Math.max(x2, x), Math.max(y2, y)];
    }
  }
  return { x1, y1, x2, y2, count };
}

const isRed = ([r, g, b]: number[]) => r! > 200 && g! < 60 && b! < 60;

describe('ViewRotation', () => {
  it('turns the map by minus the bearing: with 90°, east is up; a full turn is none', () => {
    const rotation = new ViewRotation(90, 200, 100);
    const [x, y] = rotation.toScreen(150, 50); // 50 px east of the centre
    expect([x, y]).toEqual([100, 0]);
    expect(rotation.toMap(x, y)).toEqual([150, 50]);
    expect(new ViewRotation(360, 10, 10).isNone).toBe(true);
    expect(new ViewRotation(-270, 10, 10).toScreen(6, 5)).toEqual([5, 4]);
    const odd = new ViewRotation(33.3, 640, 480);
    const [sx, sy] = odd.toScreen(12.5, 400.25);
    const [mx, my] = odd.toMap(sx, sy);
    expect(mx).toBeCloseTo(12.5, 9);
    expect(my).toBeCloseTo(400.25, 9);
  });

  it('gives the pixels of rectangles sharing an edge to exactly one of them, at any bearing', () => {
    for (const bearing of [17, 45, 133.7, 300]) {
      const rotation = new ViewRotation(bearing, 120, 90);
      const canvas = createCanvas(120, 90);
      const ctx = canvas.getContext('2d');
      // Four map-frame squares meeting at one corner, each painted half opaque through its own clip.
      for (const [x, y] of [[20, 10], [60, 10], [20, 50], [60, 50]] as const) {
        const clip = rotation.pixelsInside({ x, y, width: 40, height: 40 }, 120, 90)!;
        ctx.save();
        ctx.clip(clip);
        ctx.fillStyle = 'rgba(0,0,0,0.5)';
        ctx.fillRect(0, 0, 120, 90);
        ctx.restore();
      }
      const alpha = [...ctx.getImageData(0, 0, 120, 90).data.filter((_, i) => i % 4 === 3)];
      // Inside the union every pixel is painted once (half), none twice, and none is left out around the centre.
      expect(alpha.every((a) => a === 0 || Math.abs(a - 128) <= 1), `bearing ${bearing}`).toBe(true);
      for (let y = 35; y < 55; y++) for (let x = 50; x < 70; x++) expect(alpha[y * 120 + x], `(${x}, ${y}) at ${bearing}°`).toBeGreaterThan(0);
    }
  });
});

describe('views with a bearing', () => {
  it('cover the box round the turned bbox, and find the ground point under a pixel', () => {
    const view = { bbox: [0, 0, 400, 200] as const, widthPx: 400, heightPx: 200, bearing: 90 };
    viewCoverage(view).forEach((v, i) => expect(v).toBeCloseTo([100, -100, 300, 300][i]!, 9));
    // Top centre of a map with east up lies east of the centre.
    const [x, y] = viewPointAt(view, 200, 0);
    expect(x).toBeCloseTo(300, 9);
    expect(y).toBeCloseTo(100, 9);
    expect(viewPointAt({ ...view, bearing: 0 }, 0, 0)).toEqual([0, 200]);
  });
});

describe('SkiaRenderer with a bearing', () => {
  const red = (extra: Record<string, unknown> = {}) =>
    ({ id: 'a', type: 'fill', source: 'src', 'source-layer': 'areas', paint: { 'fill-color': '#ff0000', ...extra } }) as LayerSpecification;

  it('draws a quarter turn as the north-up image turned: fills to the pixel, line edges within anti-aliasing', async () => {
    const tiles = [sourceTile({ areas: [rect(30, 40, 120, 90), rect(150, 150, 230, 240)], roads: [line([[10, 200], [240, 20]])] })];
    const style = styleOf(red(), { id: 'r', type: 'line', source: 'src', 'source-layer': 'roads', paint: { 'line-color': '#0000ff', 'line-width': 5 } } as LayerSpecification);
    const north = await renderer.render(style, tileView(), tiles);
    const east = await renderer.render(style, turned(tileView(), 90), tiles);
    let differing = 0;
    let most = 0;
    for (let y = 0; y < 256; y++) {
      for (let x = 0; x < 256; x++) {
        // East up: the north-up pixel (x, y) lands at (y, 255 − x).
        const a = pixel(north, x, y);
        const b = pixel(east, y, 255 - x);
        const d = Math.max(...a.map((v, i) => Math.abs(v - b[i]!)));
        if (d > 2) differing++;
        most = Math.max(most, d);
      }
    }
    // Skia's coverage of a slanted edge is not the same turned a quarter: the diagonal line's edge pixels differ a little.
    expect(differing / 256 ** 2).toBeLessThan(0.02);
    expect(most).toBeLessThanOrEqual(48);
    expect(pixel(east, 65, 255 - 75)).toEqual([255, 0, 0, 255]);
  });

  it('joins tiles without a seam at any bearing: a half-opaque fill over four tiles is one colour', async () => {
    const neighbours = [HOME, { ...HOME, x: HOME.x + 1 }, { ...HOME, y: HOME.y + 1 }, { ...HOME, x: HOME.x + 1, y: HOME.y + 1 }];
    // Each tile's square reaches 20 px into its buffer, so the neighbours' squares overlap there (reference pixels are HOME's).
    const tiles = neighbours.map((tile) => {
      const [dx, dy] = [(tile.x - HOME.x) * 256, (tile.y - HOME.y) * 256];
      return sourceTile({ areas: [rect(dx - 20, dy - 20, dx + 276, dy + 276)] }, tile);
    });
    const [minX, , , maxY] = bboxOf(HOME);
    const [, minY, maxX] = bboxOf(neighbours[3]!);
    const [cx, cy] = [(minX + maxX) / 2, (minY + maxY) / 2];
    const half = (maxX - minX) / 4;
    for (const bearing of [30, 45, 200.5]) {
      const view: RenderView = { bbox: [cx - half, cy - half, cx + half, cy + half], widthPx: 256, heightPx: 256, pixelRatio: 1.3, zoom: HOME.z, bearing };
      const image = await renderer.render(styleOf(red({ 'fill-opacity': 0.5 })), view, tiles);
      const colours = new Set<string>();
      for (let y = 0; y < image.height; y++) for (let x = 0; x < image.width; x++) colours.add(pixel(image, x, y).join(','));
      expect([...colours], `bearing ${bearing}`).toEqual(['255,127,127,255']);
    }
  });

  it('moves a fill by fill-translate with the map (anchor map) or on the screen (anchor viewport)', async () => {
    const tiles = [sourceTile({ areas: [rect(118, 118, 138, 138)] })];
    const at = async (anchor: 'map' | 'viewport') => boxOf(await renderer.render(styleOf(red({ 'fill-translate': [40, 0], 'fill-translate-anchor': anchor })), turned(tileView(), 90), tiles), isRed);
    // 40 px east: with east up, 40 px up the screen; on the viewport, 40 px right.
    const map = await at('map');
    const viewport = await at('viewport');
    expect([(map.x1 + map.x2) / 2, (map.y1 + map.y2) / 2]).toEqual([127.5, 87.5]);
    expect([(viewport.x1 + viewport.x2) / 2, (viewport.y1 + viewport.y2) / 2]).toEqual([167.5, 127.5]);
  });

  describe('labels', () => {
    const labels = (layout: Record<string, unknown> = {}) =>
      ({
        id: 'labels',
        type: 'symbol',
        source: 'src',
        'source-layer': 'points',
        layout: { 'text-field': '{name}', 'text-font': FONT, 'text-size': 16, ...layout },
        paint: { 'text-color': '#ff0000' },
      }) as LayerSpecification;
    const town = [sourceTile({ points: [point(128, 128, { name: 'Tumba' })] })];

    it('stay upright on a map turned upside down (viewport alignment, the default at points)', async () => {
      const north = await renderer.render(styleOf(labels()), tileView(), town);
      const upsideDown = await renderer.render(styleOf(labels()), turned(tileView(), 180), town);
      expect(Buffer.from(upsideDown.data).equals(Buffer.from(north.data))).toBe(true);
      expect(boxOf(north, isRed).count).toBeGreaterThan(30);
    });

    it('turn with the map when text-rotation-alignment is map', async () => {
      const style = styleOf(labels({ 'text-rotation-alignment': 'map' }));
      const north = boxOf(await renderer.render(style, tileView(), town), isRed);
      const upsideDown = boxOf(await renderer.render(style, turned(tileView(), 180), town), isRed);
      // Turned half round about the centre: the box mirrors through it.
      for (const [a, b] of [[north.x1, 255 - upsideDown.x2], [north.x2, 255 - upsideDown.x1], [north.y1, 255 - upsideDown.y2], [north.y2, 255 - upsideDown.y1]] as const) {
        expect(Math.abs(a - b)).toBeLessThanOrEqual(1);
      }
      const tall = boxOf(await renderer.render(style, turned(tileView(), 90), town), isRed);
      expect(tall.y2 - tall.y1).toBeGreaterThan(tall.x2 - tall.x1);
    });

    it('along a line read upright on a map turned upside down, and turn with the line at any bearing', async () => {
      const tiles = [sourceTile({ roads: [line([[20, 128], [236, 128]], { namn: 'Storgatan' })] })];
      const at = async (bearing: number, layout: Record<string, unknown> = {}) => boxOf(await renderer.render(styleOf(roadLabel(layout)), turned(tileView(HOME, 512), bearing), tiles), isRed);
      const north = await at(0);
      const upright = await at(180);
      expect(north.count).toBeGreaterThan(50);
      expect(Math.abs(north.y1 - upright.y1) + Math.abs(north.y2 - upright.y2)).toBeLessThanOrEqual(2);
      expect(Math.abs(north.x2 - north.x1 - (upright.x2 - upright.x1))).toBeLessThanOrEqual(2);
      // Without keep-upright it is upside down: its ink on the other side of the line's middle.
      const flipped = await at(180, { 'text-keep-upright': false });
      expect(Math.sign((flipped.y1 + flipped.y2) / 2 - 256)).toBe(-Math.sign((north.y1 + north.y2) / 2 - 256));
      // With east up the road runs up the screen, and so does its name.
      const east = await at(90);
      expect(east.y2 - east.y1).toBeGreaterThan(50);
      expect(east.x2 - east.x1).toBeLessThan(20);
    });
  });
});
