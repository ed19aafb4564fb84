import type { LayerSpecification, StyleSpecification } from '@maplibre/maplibre-gl-style-spec';
import { describe, expect, it } from 'vitest';
import type { RenderView, RgbaImage, SourceTile } from '../../src/render/renderer.ts';
import { SkiaRenderer } from '../../workers/skia/skia-renderer.ts';
import { compileStyle } from '../../workers/skia/style-evaluation.ts';
import { bboxOf, HOME, line, near, pixel, point, polygon, rect, sourceTile, tileView } from '../fixtures/render/build-tiles.ts';

const renderer = new SkiaRenderer();
const WHITE = [255, 255, 255, 255];
const RED = [255, 0, 0, 255];
const BLUE = [0, 0, 255, 255];
const background: LayerSpecification = { id: 'bg', type: 'background', paint: { 'background-color': '#ffffff' } };

function styleOf(...layers: LayerSpecification[]): StyleSpecification {
  return { version: 8, sources: { src: { type: 'vector', tiles: ['memory://src/{z}/{x}/{y}'] } }, layers };
}

function render(style: StyleSpecification, tiles: SourceTile[], view: RenderView = tileView()): Promise<RgbaImage> {
  return renderer.render(style, view, tiles);
}

/** Pixels along a row or column that are mostly red (r high, g low). */
function redRun(image: RgbaImage, fixed: number, axis: 'row' | 'column'): number {
  let count = 0;
  const length = axis === 'row' ? image.width : image.height;
  for (let i = 0; i < length; i++) {
    const [r, g] = axis === 'row' ? pixel(image, i, fixed) : pixel(image, fixed, i);
    if (r > 200 && g < 128) count++;
  }
  return count;
}

const redFill = (id: string, extra: Partial<{ filter: unknown; paint: object; minzoom: number; maxzoom: number; layout: object }> = {}) =>
  ({ id, type: 'fill', source: 'src', 'source-layer': 'areas', ...extra, paint: { 'fill-color': '#ff0000', ...extra.paint } }) as LayerSpecification;

describe('SkiaRenderer: canvas and background', () => {
  it('paints the background colour over the whole canvas', async () => {
    const image = await render(styleOf({ id: 'bg', type: 'background', paint: { 'background-color': '#3366cc' } }), []);
    expect([image.width, image.height]).toEqual([256, 256]);
    expect(pixel(image, 0, 0)).toEqual([51, 102, 204, 255]);
    expect(pixel(image, 255, 255)).toEqual([51, 102, 204, 255]);
  });

  it('sizes the canvas by the pixel ratio and leaves undrawn pixels transparent', async () => {
    const image = await render(styleOf(), [], tileView(HOME, 256, 2));
    expect([image.width, image.height]).toEqual([512, 512]);
    expect(pixel(image, 10, 10)).toEqual([0, 0, 0, 0]);
  });

  it('returns straight (not premultiplied) alpha', async () => {
    const tile = sourceTile({ areas: [rect(0, 0, 256, 256)] });
    const image = await render(styleOf(redFill('a', { paint: { 'fill-opacity': 0.5 } })), [tile]);
    expect(near(pixel(image, 128, 128), [255, 0, 0, 128], 1)).toBe(true);
  });
});

describe('SkiaRenderer: fill layers', () => {
  const tile = sourceTile({ areas: [rect(64, 64, 192, 128)] });

  it('fills a square exactly where it lies, within one pixel', async () => {
    const image = await render(styleOf(background, redFill('a')), [tile]);
    expect(pixel(image, 100, 100)).toEqual(RED);
    expect(pixel(image, 65, 65)).toEqual(RED);
    expect(pixel(image, 190, 126)).toEqual(RED);
    for (const [x, y] of [[62, 100], [194, 100], [100, 62], [100, 130]] as const) expect(pixel(image, x, y)).toEqual(WHITE);
    // The edges fall on pixel boundaries: the first pixels in and out are (nearly) pure.
    expect(near(pixel(image, 64, 100), RED, 20)).toBe(true);
    expect(near(pixel(image, 63, 100), WHITE, 20)).toBe(true);
    expect(redRun(image, 100, 'row')).toBe(128);
    expect(redRun(image, 100, 'column')).toBe(64);
  });

  it('blends fill-opacity over what lies below', async () => {
    const image = await render(styleOf(background, redFill('a', { paint: { 'fill-opacity': 0.5 } })), [tile]);
    expect(near(pixel(image, 100, 100), [255, 128, 128, 255], 1)).toBe(true);
  });

  it('leaves holes of a polygon empty', async () => {
    const holed = sourceTile({ areas: [rect(32, 32, 224, 224, {}, [[96, 96, 160, 160]])] });
    const image = await render(styleOf(background, redFill('a')), [holed]);
    expect(pixel(image, 64, 64)).toEqual(RED);
    expect(pixel(image, 128, 128)).toEqual(WHITE);
  });

  it('skips features the filter excludes', async () => {
    const two = sourceTile({ areas: [rect(0, 0, 100, 100, { kind: 'a' }), rect(150, 150, 250, 250, { kind: 'b' })] });
    const image = await render(styleOf(background, redFill('a', { filter: ['==', ['get', 'kind'], 'a'] })), [two]);
    expect(pixel(image, 50, 50)).toEqual(RED);
    expect(pixel(image, 200, 200)).toEqual(WHITE);
    const legacy = await render(styleOf(background, redFill('a', { filter: ['all', ['==', '$type', 'Polygon'], ['!=', 'kind', 'a']] })), [two]);
    expect(pixel(legacy, 50, 50)).toEqual(WHITE);
    expect(pixel(legacy, 200, 200)).toEqual(RED);
  });

  it('evaluates data-driven colours per feature', async () => {
    const two = sourceTile({ areas: [rect(0, 0, 100, 100, { kind: 'a' }), rect(150, 150, 250, 250, { kind: 'b' })] });
    const color = ['match', ['get', 'kind'], 'a', '#ff0000', '#0000ff'];
    const image = await render(styleOf(background, redFill('a', { paint: { 'fill-color': color } })), [two]);
    expect(pixel(image, 50, 50)).toEqual(RED);
    expect(pixel(image, 200, 200)).toEqual(BLUE);
  });

  it('interpolates a colour by zoom', async () => {
    const paint = { 'fill-color': ['interpolate', ['linear'], ['zoom'], 13, '#000000', 15, '#ffffff'] };
    const image = await render(styleOf(redFill('a', { paint })), [tile], tileView(HOME, 256, 1, 14));
    expect(near(pixel(image, 100, 100), [128, 128, 128, 255], 1)).toBe(true);
  });

  it('applies fill-translate in CSS pixels times the pixel ratio', async () => {
    const image = await render(styleOf(background, redFill('a', { paint: { 'fill-translate': [10, 5] } })), [tile], tileView(HOME, 256, 2));
    // The square spans 128..384 × 128..256 at 2×; moved by 20, 10 device pixels.
    expect(pixel(image, 140, 132)).toEqual(WHITE);
    expect(pixel(image, 150, 140)).toEqual(RED);
    expect(pixel(image, 400, 200)).toEqual(RED);
  });

  it('draws fill-outline-color around the fill', async () => {
    const paint = { 'fill-color': '#ffffff', 'fill-outline-color': '#0000ff' };
    const image = await render(styleOf(redFill('a', { paint })), [tile]);
    expect(pixel(image, 100, 100)).toEqual(WHITE);
    expect(pixel(image, 100, 64)[2]).toBeGreaterThan(200);
    expect(pixel(image, 100, 64)[0]).toBeLessThan(160);
  });

  it('applies fill-layer-opacity once to the layer, so overlaps do not darken', async () => {
    const overlapping = sourceTile({ areas: [rect(0, 0, 160, 160), rect(96, 96, 256, 256)] });
    const image = await render(styleOf(background, redFill('a', { paint: { 'fill-layer-opacity': 0.5 } })), [overlapping]);
    // Skia composites at 8 bits: 0.5 × 255 lands a step or two from 128.
    expect(near(pixel(image, 50, 50), [255, 128, 128, 255], 3)).toBe(true);
    expect(pixel(image, 128, 128)).toEqual(pixel(image, 50, 50));
    const perFeature = await render(styleOf(background, redFill('a', { paint: { 'fill-opacity': 0.5 } })), [overlapping]);
    expect(near(pixel(perFeature, 128, 128), [255, 64, 64, 255], 1)).toBe(true);
  });
});

describe('SkiaRenderer: line layers', () => {
  const horizontal = sourceTile({ roads: [line([[-40, 128], [296, 128]])] });
  const lineLayer = (paint: object, layout: object = {}): LayerSpecification =>
    ({ id: 'road', type: 'line', source: 'src', 'source-layer': 'roads', layout, paint: { 'line-color': '#ff0000', ...paint } }) as LayerSpecification;

  it('draws line-width in CSS pixels times the pixel ratio', async () => {
    const at1 = await render(styleOf(background, lineLayer({ 'line-width': 4 })), [horizontal]);
    const at2 = await render(styleOf(background, lineLayer({ 'line-width': 4 })), [horizontal], tileView(HOME, 256, 2));
    expect(redRun(at1, 100, 'column')).toBe(4);
    expect(redRun(at2, 200, 'column')).toBe(8);
    expect(pixel(at1, 100, 126)).toEqual(RED);
    expect(pixel(at1, 100, 124)).toEqual(WHITE);
  });

  it('interpolates line-width by zoom', async () => {
    const width = ['interpolate', ['linear'], ['zoom'], 10, 2, 16, 14];
    const image = await render(styleOf(background, lineLayer({ 'line-width': width })), [horizontal], tileView(HOME, 256, 1, 14));
    expect(redRun(image, 100, 'column')).toBe(10);
  });

  it('leaves gaps for line-dasharray, counted in line widths', async () => {
    const image = await render(styleOf(background, lineLayer({ 'line-width': 4, 'line-dasharray': [2, 2] })), [horizontal]);
    const drawn = redRun(image, 128, 'row');
    expect(drawn).toBeGreaterThan(256 * 0.4);
    expect(drawn).toBeLessThan(256 * 0.6);
    // Dashes and gaps are 8 px long: every 16-px window holds both.
    for (let x = 16; x < 240; x += 16) {
      const window = Array.from({ length: 16 }, (_, i) => pixel(image, x + i, 128));
      expect(window.some((p) => near(p, RED, 10))).toBe(true);
      expect(window.some((p) => near(p, WHITE, 10))).toBe(true);
    }
  });

  it('draws line-gap-width as two parallel lines', async () => {
    const image = await render(styleOf(background, lineLayer({ 'line-width': 2, 'line-gap-width': 6 })), [horizontal]);
    expect(pixel(image, 100, 128)).toEqual(WHITE);
    expect(pixel(image, 100, 124)).toEqual(RED);
    expect(pixel(image, 100, 131)).toEqual(RED);
    expect(pixel(image, 100, 121)).toEqual(WHITE);
    expect(redRun(image, 100, 'column')).toBe(4);
  });

  it('moves a line to the right of its direction by line-offset', async () => {
    const image = await render(styleOf(background, lineLayer({ 'line-width': 2, 'line-offset': 10 })), [horizontal]);
    // Drawn eastward, so right is south: y = 138 on the canvas.
    expect(pixel(image, 100, 128)).toEqual(WHITE);
    expect(pixel(image, 100, 138)).toEqual(RED);
  });

  it('outlines polygons without drawing the cuts along tile edges', async () => {
    const big = sourceTile({ areas: [rect(-100, 64, 400, 192)] });
    const outline = { id: 'o', type: 'line', source: 'src', 'source-layer': 'areas', paint: { 'line-color': '#ff0000', 'line-width': 20 } };
    const image = await render(styleOf(background, outline as LayerSpecification), [big]);
    expect(pixel(image, 128, 64)).toEqual(RED);
    expect(pixel(image, 128, 192)).toEqual(RED);
    // No stroke along the tile's left and right edges, nor the buffer's.
    expect(pixel(image, 2, 128)).toEqual(WHITE);
    expect(pixel(image, 253, 128)).toEqual(WHITE);
  });
});

describe('SkiaRenderer: circle layers', () => {
  const dot = sourceTile({ places: [point(128, 128)] });
  const circleLayer = (paint: object): LayerSpecification =>
    ({ id: 'c', type: 'circle', source: 'src', 'source-layer': 'places', paint: { 'circle-color': '#ff0000', ...paint } }) as LayerSpecification;

  it('draws circle-radius in CSS pixels times the pixel ratio', async () => {
    const at1 = await render(styleOf(background, circleLayer({ 'circle-radius': 10 })), [dot]);
    expect(pixel(at1, 128 + 8, 128)).toEqual(RED);
    expect(pixel(at1, 128 + 11, 128)).toEqual(WHITE);
    // As MapLibre's shader, the disc fades out over the last device pixel inside the radius.
    expect(redRun(at1, 128, 'row')).toBeGreaterThanOrEqual(18);
    expect(redRun(at1, 128, 'row')).toBeLessThanOrEqual(20);
    const at2 = await render(styleOf(background, circleLayer({ 'circle-radius': 10 })), [dot], tileView(HOME, 256, 2));
    expect(pixel(at2, 256 + 18, 256)).toEqual(RED);
    expect(pixel(at2, 256 + 21, 256)).toEqual(WHITE);
  });

  it('draws the stroke outside the radius', async () => {
    const paint = { 'circle-radius': 6, 'circle-stroke-width': 4, 'circle-stroke-color': '#0000ff' };
    const image = await render(styleOf(background, circleLayer(paint)), [dot]);
    expect(pixel(image, 128, 128)).toEqual(RED);
    expect(pixel(image, 128 + 8, 128)).toEqual(BLUE);
    expect(pixel(image, 128 + 11, 128)).toEqual(WHITE);
  });

  it('softens the edge by circle-blur, a fraction of the radius, with a smoothstep', async () => {
    const image = await render(styleOf(background, circleLayer({ 'circle-radius': 20, 'circle-blur': 0.5 })), [dot]);
    // Full colour within (1 − blur) × radius of the centre, white at the radius.
    expect(pixel(image, 128 + 8, 128)).toEqual(RED);
    expect(pixel(image, 128 + 21, 128)).toEqual(WHITE);
    // Pixel centre 15.5 px out: t = (20 − 15.5) / 10 = 0.45, smoothstep 0.4253; white shows through the rest.
    const green = pixel(image, 128 + 15, 128)[1];
    expect(Math.abs(green - 255 * (1 - 0.4253))).toBeLessThanOrEqual(1);
    // A blur of 1 fades from the very centre.
    const soft = await render(styleOf(background, circleLayer({ 'circle-radius': 20, 'circle-blur': 1 })), [dot]);
    expect(pixel(soft, 128, 128)[1]).toBeGreaterThan(0);
  });

  it('turns the fill into the stroke over the blur', async () => {
    const paint = { 'circle-radius': 10, 'circle-stroke-width': 10, 'circle-stroke-color': '#0000ff', 'circle-blur': 0.2 };
    const image = await render(styleOf(background, circleLayer(paint)), [dot]);
    expect(pixel(image, 128, 128)).toEqual(RED);
    expect(pixel(image, 128 + 11, 128)).toEqual(BLUE);
    // Pixel centre 8.5 px out: inside the 4-px band (0.2 × 20) where red turns blue.
    const [r, , b] = pixel(image, 128 + 8, 128);
    expect(r).toBeGreaterThan(0);
    expect(b).toBeGreaterThan(0);
  });
});

describe('SkiaRenderer: line-blur', () => {
  const road = sourceTile({ roads: [line([[0, 128], [256, 128]])] });
  const roadLayer = (paint: object): LayerSpecification =>
    ({ id: 'l', type: 'line', source: 'src', 'source-layer': 'roads', paint: { 'line-color': '#ff0000', ...paint } }) as LayerSpecification;

  /** Red coverage 0…1 down the column at x = 100, by row offset from the line. */
  function profile(image: RgbaImage, rows: number[]): number[] {
    return rows.map((dy) => 1 - pixel(image, 100, 128 + dy)[1] / 255);
  }

  it('keeps the width and fades linearly over blur + 1 px inside the edge', async () => {
    // 20 px wide, blur 8: opaque to 10 − 8 − 0.5 = 1.5 px out, clear beyond 10.5 px.
    const image = await render(styleOf(background, roadLayer({ 'line-width': 20, 'line-blur': 8 })), [road]);
    const [centre, inner, mid, outer, beyond] = profile(image, [0, 1, 6, 9, 11]);
    expect(centre).toBeGreaterThan(0.97);
    expect(inner).toBeGreaterThan(0.9);
    // Pixel centres 6.5 and 9.5 px out: (10.5 − d) / 9 = 0.44 and 0.11.
    expect(Math.abs(mid! - 0.44)).toBeLessThan(0.06);
    expect(Math.abs(outer! - 0.11)).toBeLessThan(0.06);
    expect(beyond).toBe(0);
  });

  it('fades a blur wider than the line from its centre line', async () => {
    // 4 px wide, blur 10: half a pixel from the centre line (2 + 0.5 − 0.5) / 11 of the colour.
    const image = await render(styleOf(background, roadLayer({ 'line-width': 4, 'line-blur': 10 })), [road]);
    const [centre, beyond] = profile(image, [0, 3]);
    expect(Math.abs(centre! - 2 / 11)).toBeLessThan(0.06);
    expect(beyond).toBe(0);
  });

  it('blurs both edges of a gap-width line', async () => {
    const image = await render(styleOf(background, roadLayer({ 'line-width': 8, 'line-gap-width': 10, 'line-blur': 4 })), [road]);
    // Band from 5 to 13 px out: fading in over 0.5…5.5 px, out over 8.5…13.5 px (blur + 1 px each).
    const [gap, inner, innerEdge, core, outerEdge] = profile(image, [0, 2, 4, 7, 11]);
    expect(gap).toBe(0);
    expect(Math.abs(inner! - 0.4)).toBeLessThan(0.08);
    expect(Math.abs(innerEdge! - 0.8)).toBeLessThan(0.08);
    expect(core).toBeGreaterThan(0.97);
    expect(Math.abs(outerEdge! - 0.4)).toBeLessThan(0.08);
  });
});

describe('SkiaRenderer: layers', () => {
  const both = sourceTile({ areas: [rect(0, 0, 160, 160, { kind: 'r' }), rect(96, 96, 256, 256, { kind: 'b' })] });
  const red = redFill('red', { filter: ['==', ['get', 'kind'], 'r'] });
  const blue = { ...redFill('blue', { filter: ['==', ['get', 'kind'], 'b'] }), paint: { 'fill-color': '#0000ff' } } as LayerSpecification;

  it('draws later layers on top', async () => {
    expect(pixel(await render(styleOf(background, red, blue), [both]), 128, 128)).toEqual(BLUE);
    expect(pixel(await render(styleOf(background, blue, red), [both]), 128, 128)).toEqual(RED);
  });

  it('hides layers outside minzoom..maxzoom (maxzoom exclusive) and with visibility none', async () => {
    const view = tileView(HOME, 256, 1, 14);
    expect(pixel(await render(styleOf(background, redFill('a', { minzoom: 15 })), [both], view), 50, 50)).toEqual(WHITE);
    expect(pixel(await render(styleOf(background, redFill('a', { maxzoom: 14 })), [both], view), 50, 50)).toEqual(WHITE);
    expect(pixel(await render(styleOf(background, redFill('a', { minzoom: 14, maxzoom: 15 })), [both], view), 50, 50)).toEqual(RED);
    const hidden = redFill('a', { layout: { visibility: 'none' } });
    expect(pixel(await render(styleOf(background, hidden), [both], view), 50, 50)).toEqual(WHITE);
  });

  it('orders features by fill-sort-key', async () => {
    const paint = { 'fill-color': ['match', ['get', 'kind'], 'r', '#ff0000', '#0000ff'] };
    const byKey = (key: unknown) => render(styleOf(background, redFill('a', { paint, layout: { 'fill-sort-key': key } })), [both]);
    expect(pixel(await byKey(['match', ['get', 'kind'], 'r', 2, 1]), 128, 128)).toEqual(RED);
    expect(pixel(await byKey(['match', ['get', 'kind'], 'r', 1, 2]), 128, 128)).toEqual(BLUE);
  });

  it('skips layer types it does not draw yet, and layers of other sources', async () => {
    const symbol = { id: 's', type: 'symbol', source: 'src', 'source-layer': 'areas', layout: { 'text-field': 'x' } } as LayerSpecification;
    const otherSource = { ...redFill('o'), source: 'elsewhere' } as LayerSpecification;
    const image = await render(styleOf(background, symbol, otherSource), [both]);
    expect(pixel(image, 50, 50)).toEqual(WHITE);
  });

  it('compiles a style once per style object and names the layer of a bad expression', () => {
    const style = styleOf(background, red);
    expect(compileStyle(style)).toBe(compileStyle(style));
    const bad = styleOf(redFill('broken', { paint: { 'fill-opacity': ['get'] } }));
    expect(() => compileStyle(bad)).toThrow(/broken.*fill-opacity/);
  });
});

describe('SkiaRenderer: several tiles', () => {
  const east = { ...HOME, x: HOME.x + 1 };
  const [minX, minY] = bboxOf(HOME);
  const [, , maxX, maxY] = bboxOf(east);
  const wide = rect(100, 64, 400, 192);
  const road = line([[40, 150], [480, 150]]);
  const tiles = [sourceTile({ areas: [wide], roads: [road] }, HOME), sourceTile({ areas: [wide], roads: [road] }, east)];
  const style = styleOf(
    background,
    redFill('a', { paint: { 'fill-opacity': 0.5 } }),
    { id: 'r', type: 'line', source: 'src', 'source-layer': 'roads', paint: { 'line-color': '#0000ff', 'line-width': 6, 'line-opacity': 0.5 } },
  );

  function assertNoSeam(image: RgbaImage, fromX: number, toX: number): void {
    const fill = pixel(image, fromX, 100);
    const stroke = pixel(image, fromX, 150);
    expect(near(fill, [255, 128, 128, 255], 1)).toBe(true);
    for (let x = fromX; x <= toX; x++) {
      expect(near(pixel(image, x, 100), fill, 1), `fill at x=${x}`).toBe(true);
      expect(near(pixel(image, x, 150), stroke, 1), `line at x=${x}`).toBe(true);
    }
  }

  it('draws features repeated in both tiles’ buffers once: no darker seam at 50 % opacity', async () => {
    const view: RenderView = { bbox: [minX, minY, maxX, maxY], widthPx: 512, heightPx: 256, pixelRatio: 1, zoom: HOME.z };
    assertNoSeam(await render(style, tiles, view), 110, 390);
  });

  it('has no seam either when the tile edge falls between pixels (a print view)', async () => {
    const metresPerPx = (maxX - minX) / 512;
    const shift = 0.37 * metresPerPx;
    const view: RenderView = { bbox: [minX + shift, minY, maxX + shift, maxY], widthPx: 512, heightPx: 256, pixelRatio: 1.3, zoom: HOME.z };
    const image = await render(style, tiles, view);
    // Same pixels scaled by 1.3: the fill spans about 130..520, the tile edge ≈ 332.
    assertNoSeam(image, 140, 500);
  });

  it('draws a circle on a tile edge whole and once, even when wider than the buffer', async () => {
    const onEdge = point(256, 128);
    const view: RenderView = { bbox: [minX, minY, maxX, maxY], widthPx: 512, heightPx: 256, pixelRatio: 1, zoom: HOME.z };
    const circles = { id: 'c', type: 'circle', source: 'src', 'source-layer': 'places', paint: { 'circle-radius': 20, 'circle-color': '#ff0000', 'circle-opacity': 0.5 } };
    const image = await render(styleOf(background, circles as LayerSpecification), [sourceTile({ places: [onEdge] }, HOME), sourceTile({ places: [onEdge] }, east)], view);
    for (const x of [240, 250, 255, 256, 262, 272]) expect(near(pixel(image, x, 128), [255, 128, 128, 255], 1), `x=${x}`).toBe(true);
    expect(pixel(image, 256, 128 + 22)).toEqual(WHITE);
  });

  it('places tiles that only partly overlap the view', async () => {
    const metresPerPx = (maxX - minX) / 512;
    const view: RenderView = { bbox: [minX + 128 * metresPerPx, minY, minX + 384 * metresPerPx, maxY], widthPx: 256, heightPx: 256, pixelRatio: 1, zoom: HOME.z };
    const boxes = [sourceTile({ areas: [rect(200, 10, 300, 20)] }, HOME), sourceTile({ areas: [rect(200, 10, 300, 20)] }, east)];
    const image = await render(styleOf(background, redFill('a')), boxes, view);
    // Reference pixels 200..300 land on canvas 72..172.
    expect(pixel(image, 70, 15)).toEqual(WHITE);
    expect(pixel(image, 73, 15)).toEqual(RED);
    expect(pixel(image, 171, 15)).toEqual(RED);
    expect(pixel(image, 174, 15)).toEqual(WHITE);
  });
});

describe('SkiaRenderer: performance smoke', () => {
  it('renders a busy 512-px tile of ~2,000 polygons the same every time (time printed, not asserted)', async () => {
    const areas = [];
    const roads = [];
    const n = 45;
    const cell = 256 / n;
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < n; j++) {
        const cx = (i + 0.5) * cell;
        const cy = (j + 0.5) * cell;
        // 12-sided polygons, each with a class for a data-driven colour.
        const ring: [number, number][] = [];
        for (let k = 0; k <= 12; k++) {
          const a = (-k / 12) * 2 * Math.PI;
          ring.push([cx + Math.cos(a) * cell * 0.4, cy + Math.sin(a) * cell * 0.4]);
        }
        areas.push(polygon([ring], { kind: (i + j) % 3 }));
      }
      roads.push(line([[-10, i * cell], [266, i * cell + 3]], { rank: i % 4 }));
    }
    const tile = sourceTile({ areas, roads });
    const style = styleOf(
      background,
      redFill('areas', { paint: { 'fill-color': ['match', ['get', 'kind'], 0, '#d0e0c0', 1, '#c0d0e0', '#e0c0d0'], 'fill-opacity': 0.8 } }),
      { id: 'edges', type: 'line', source: 'src', 'source-layer': 'areas', paint: { 'line-color': '#666666', 'line-width': 0.5 } },
      { id: 'casing', type: 'line', source: 'src', 'source-layer': 'roads', paint: { 'line-color': '#333333', 'line-width': ['+', 3, ['get', 'rank']] } },
      { id: 'road', type: 'line', source: 'src', 'source-layer': 'roads', layout: { 'line-cap': 'round', 'line-join': 'round' }, paint: { 'line-color': '#ffffff', 'line-width': ['+', 1.5, ['get', 'rank']] } },
    );
    const view = tileView(HOME, 512, 1, HOME.z + 1);
    const first = await render(style, [tile], view); // warm-up: compile the style, load Skia
    const times: number[] = [];
    for (let i = 0; i < 7; i++) {
      const start = performance.now();
      const again = await render(style, [tile], view);
      times.push(performance.now() - start);
      expect(Buffer.from(again.data).equals(Buffer.from(first.data))).toBe(true);
    }
    times.sort((a, b) => a - b);
    const [fastest, median] = [times[0]!, times[3]!];
    console.log(
      `render smoke: ${areas.length} polygons + ${roads.length} lines, 512 px, 4 layers: ` +
        `${median.toFixed(1)} ms median, ${fastest.toFixed(1)} ms fastest of 7`,
    );
    // Busy indeed: the three area colours and the white roads are all drawn.
    for (const rgb of [[0xd0, 0xe0, 0xc0], [0xc0, 0xd0, 0xe0], [0xe0, 0xc0, 0xd0]]) {
      let found = false;
      for (let i = 0; i < first.data.length && !found; i += 4) found = Math.abs(first.data[i]! - rgb[0]!) < 24 && Math.abs(first.data[i + 1]! - rgb[1]!) < 24 && Math.abs(first.data[i + 2]! - rgb[2]!) < 24;
      expect(found).toBe(true);
    }
  });
});

describe('SkiaRenderer: kept pixels and reused canvases', () => {
  const style = styleOf(
    background,
    redFill('a', { paint: { 'fill-opacity': 0.6 } }),
    { id: 'r', type: 'line', source: 'src', 'source-layer': 'roads', paint: { 'line-color': '#0000ff', 'line-width': 7, 'line-opacity': 0.5 } },
    { id: 'c', type: 'circle', source: 'src', 'source-layer': 'places', paint: { 'circle-radius': 9, 'circle-color': '#00ff00' } },
  );
  const neighbours = [HOME, { ...HOME, x: HOME.x + 1 }, { ...HOME, y: HOME.y + 1 }, { ...HOME, x: HOME.x + 1, y: HOME.y + 1 }];
  const tiles = neighbours.map((tile) => {
    const [dx, dy] = [(tile.x - HOME.x) * 256, (tile.y - HOME.y) * 256];
    return sourceTile({ areas: [rect(dx + 30, dy + 40, dx + 200, dy + 230)], roads: [line([[dx + 10, dy + 250], [dx + 250, dy + 5]])], places: [point(dx + 250, dy + 128)] }, tile);
  });
  const [minX, , , maxY] = bboxOf(HOME);
  const [, minY, maxX] = bboxOf(neighbours[3]!);
  const view: RenderView = { bbox: [minX, minY, maxX, maxY], widthPx: 512, heightPx: 512, pixelRatio: 1, zoom: HOME.z };

  it('draws only the kept pixels, the same as the whole canvas has there', async () => {
    const whole = await render(style, tiles, view);
    // The lower-right tile's pixels, as a metatile keeps its tiles and drops its buffer.
    const keep = { left: 256, top: 256, width: 256, height: 256 };
    const kept = await render(style, tiles, { ...view, keep });
    expect([kept.width, kept.height]).toEqual([256, 256]);
    let differing = 0;
    for (let y = 0; y < 256; y++) for (let x = 0; x < 256; x++) if (pixel(kept, x, y).join() !== pixel(whole, x + 256, y + 256).join()) differing++;
    expect(differing).toBe(0);
  });

  it('starts every render on a clear canvas, though the thread keeps its canvases', async () => {
    await render(style, tiles, view);
    const empty = await render(styleOf(), [], view);
    expect(empty.data.every((v) => v === 0)).toBe(true);
  });
});
