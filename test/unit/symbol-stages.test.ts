import type { LayerSpecification, StyleSpecification } from '@maplibre/maplibre-gl-style-spec';
import { describe, expect, it } from 'vitest';
import { CollisionIndex, type Box } from '../../workers/skia/collision-index.ts';
import type { TileBatch } from '../../workers/skia/draw-context.ts';
import { GlyphSource } from '../../workers/skia/glyphs.ts';
import { compileStyle, type SymbolLayer } from '../../workers/skia/style-evaluation.ts';
import { layoutSymbolLayer } from '../../workers/skia/symbol-layout.ts';
import { placeLayer, placeLayers, placeSymbol, type Candidate, type LaidOutLayer, type SymbolInstance } from '../../workers/skia/symbol-placement.ts';
import { DecodedTile, type CanvasFrame } from '../../workers/skia/tile-geometry.ts';
import { ViewRotation } from '../../workers/skia/view-rotation.ts';
import { bboxOf, HOME, line, point, sourceTile } from '../fixtures/render/build-tiles.ts';
import { FONT, glyphs, roadLabel } from '../fixtures/render/symbol-layers.ts';

const box = (x1: number, x2: number, y1 = 0, y2 = 10): Box => ({ x1, y1, x2, y2 });
const candidate = <T>(item: T, shape: Box, options: Partial<Omit<Candidate<T>, 'item' | 'shapes'>> = {}): Candidate<T> => ({
  item,
  shapes: [shape],
  allowOverlap: false,
  ignorePlacement: false,
  optional: false,
  ...options,
});
const instance = (text: string, shape: Box, y = 0, extra: Partial<Omit<Candidate<string>, 'item' | 'shapes'>> = {}): SymbolInstance<string, string> => ({
  text: candidate(text, shape, extra),
  icon: undefined,
  tile: 0,
  y,
  index: 0,
});

describe('symbol placement (no canvas)', () => {
  it('shows text and icon both or neither unless one is optional', () => {
    const index = new CollisionIndex(256);
    index.insert(box(0, 10));
    expect(placeSymbol(index, candidate('t', box(5, 20)), candidate('i', box(30, 40)))).toEqual({ text: false, icon: false });
    expect(placeSymbol(index, candidate('t', box(5, 20), { optional: true }), candidate('i', box(30, 40)))).toEqual({ text: false, icon: true });
    // The icon just placed at 30–40 blocks another icon there; the text shows without its optional icon.
    expect(placeSymbol(index, candidate('t', box(50, 55)), candidate('i', box(35, 45), { optional: true }))).toEqual({ text: true, icon: false });
  });

  it('places the top layer of the style first, so it wins the room both want', () => {
    const below: LaidOutLayer<string, string> = { instances: [instance('below', box(0, 50))], drawsByViewportY: false };
    const above: LaidOutLayer<string, string> = { instances: [instance('above', box(40, 90))], drawsByViewportY: false };
    const [placedBelow, placedAbove] = placeLayers([below, above], new CollisionIndex(256));
    expect(placedAbove!.texts).toEqual(['above']);
    expect(placedBelow!.texts).toEqual([]);
  });

  it('lets allow-overlap symbols in and keeps ignore-placement ones out of the index', () => {
    const layer: LaidOutLayer<string, string> = {
      instances: [
        instance('first', box(0, 50)),
        instance('overlapping', box(10, 60), 0, { allowOverlap: true, ignorePlacement: true }),
        instance('blocked', box(45, 80)),
        instance('free', box(70, 100)),
      ],
      drawsByViewportY: false,
    };
    // "free" (70–100) only touches "overlapping" (10–60), which took no room.
    expect(placeLayer(layer, new CollisionIndex(256)).texts).toEqual(['first', 'overlapping', 'free']);
  });

  it('draws overlapping symbols of a tile top to bottom with viewport-y, later features first on the same row', () => {
    const layer: LaidOutLayer<string, string> = {
      instances: [
        { ...instance('low', box(0, 10), 90, { allowOverlap: true }), index: 0 },
        { ...instance('high', box(0, 10), 10, { allowOverlap: true }), index: 1 },
        { ...instance('high, earlier', box(0, 10), 10, { allowOverlap: true }), index: 0 },
      ],
      drawsByViewportY: true,
    };
    expect(placeLayer(layer, new CollisionIndex(256)).texts).toEqual(['high', 'high, earlier', 'low']);
    expect(placeLayer({ ...layer, drawsByViewportY: false }, new CollisionIndex(256)).texts).toEqual(['low', 'high', 'high, earlier']);
  });
});

describe('symbol layout (no canvas)', () => {
  const frame = (bearing = 0): CanvasFrame => ({ viewBbox: bboxOf(HOME), widthPx: 512, heightPx: 512, rotation: new ViewRotation(bearing, 512, 512) });
  const batchesOf = (tiles: ReturnType<typeof sourceTile>[], sourceLayer: string, bearing = 0): TileBatch[] =>
    tiles.map((tile) => {
      const decoded = new DecodedTile(tile, frame(bearing));
      return { features: decoded.features(sourceLayer), clip: decoded.clip!, tileRect: decoded.rect };
    });
  const layerOf = (spec: LayerSpecification): SymbolLayer => {
    const style: StyleSpecification = { version: 8, sources: { src: { type: 'vector', tiles: ['x'] } }, layers: [spec] };
    return compileStyle(style).layers[0] as SymbolLayer;
  };
  const env = (bearing = 0) => ({ globals: { zoom: HOME.z + 1 }, pixelRatio: 1, rotation: new ViewRotation(bearing, 512, 512), glyphs: new GlyphSource(glyphs), sprite: undefined });
  const pointLabel = (layout: Record<string, unknown> = {}) =>
    ({ id: 'p', type: 'symbol', source: 'src', 'source-layer': 'points', layout: { 'text-field': '{name}', 'text-font': FONT, 'text-size': 16, ...layout } }) as LayerSpecification;

  it('anchors a point label on its point, its box round the shaped text', () => {
    const laid = layoutSymbolLayer(layerOf(pointLabel()), batchesOf([sourceTile({ points: [point(128, 64, { name: 'Tumba' })] })], 'points'), env());
    expect(laid.instances).toHaveLength(1);
    const [shape] = laid.instances[0]!.text!.shapes as Box[];
    // The 256-px fixture drawn at 512 px: the point is at (256, 128); the text is centred on it.
    expect((shape!.x1 + shape!.x2) / 2).toBeCloseTo(256, 0);
    expect((shape!.y1 + shape!.y2) / 2).toBeCloseTo(128, 0);
    expect(shape!.x2 - shape!.x1).toBeGreaterThan(30);
  });

  it('drops a label symbol-avoid-edges keeps from reaching out of its tile, and keeps the rest', () => {
    const tiles = [sourceTile({ points: [point(2, 128, { name: 'Kanten' }), point(128, 128, { name: 'Mitten' })] })];
    const all = layoutSymbolLayer(layerOf(pointLabel()), batchesOf(tiles, 'points'), env());
    const inside = layoutSymbolLayer(layerOf(pointLabel({ 'symbol-avoid-edges': true })), batchesOf(tiles, 'points'), env());
    expect(all.instances).toHaveLength(2);
    expect(inside.instances.map((i) => i.index)).toEqual([1]);
  });

  it('puts anchors every symbol-spacing along a line, each label as collision circles along it', () => {
    const long = sourceTile({ roads: [line([[4, 128], [252, 128]], { namn: 'Ek' })] });
    const laid = layoutSymbolLayer(layerOf(roadLabel({ 'symbol-spacing': 100 })), batchesOf([long], 'roads'), env());
    expect(laid.instances.length).toBeGreaterThanOrEqual(4);
    for (const { text } of laid.instances) {
      expect(text!.shapes.every((shape) => 'r' in shape && Math.abs(shape.cy - 256) < 1)).toBe(true);
    }
  });

  it('turns anchors onto the screen with the bearing, the text upright at a point', () => {
    const tiles = [sourceTile({ points: [point(192, 128, { name: 'Tumba' })] })];
    // 64 reference px (128 canvas px) east of the centre: with east up, 128 px above it.
    const [shape] = layoutSymbolLayer(layerOf(pointLabel()), batchesOf(tiles, 'points', 90), env(90)).instances[0]!.text!.shapes as Box[];
    expect((shape!.x1 + shape!.x2) / 2).toBeCloseTo(256, 0);
    expect((shape!.y1 + shape!.y2) / 2).toBeCloseTo(128, 0);
    expect(shape!.x2 - shape!.x1).toBeGreaterThan(shape!.y2 - shape!.y1);
  });
});
