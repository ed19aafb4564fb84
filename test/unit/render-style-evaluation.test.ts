import { Color, type LayerSpecification, type StyleSpecification } from '@maplibre/maplibre-gl-style-spec';
import { describe, expect, it } from 'vitest';
import { dashInPx } from '../../workers/skia/draw-line.ts';
import { offsetPolyline } from '../../workers/skia/line-offset.ts';
import { bindProperty, compileStyle, isLayerShown, toCssColor, type LineLayer, type SymbolLayer } from '../../workers/skia/style-evaluation.ts';

function styleOf(...layers: LayerSpecification[]): StyleSpecification {
  return { version: 8, sources: { src: { type: 'vector', tiles: ['memory://src/{z}/{x}/{y}'] } }, layers };
}

describe('style evaluation', () => {
  it('turns premultiplied style-spec colours and an opacity into straight CSS rgba', () => {
    expect(toCssColor(Color.parse('#ff8000'), 1)).toBe('rgba(255,128,0,1)');
    expect(toCssColor(Color.parse('rgba(255, 128, 0, 0.5)'), 0.5)).toBe('rgba(255,128,0,0.25)');
    expect(toCssColor(Color.parse('rgba(0,0,0,0)'), 1)).toBeUndefined();
    expect(toCssColor(Color.parse('red'), 0)).toBeUndefined();
    expect(toCssColor(undefined, 1)).toBeUndefined();
  });

  it('fills in spec defaults and keeps only drawable layer types', () => {
    const style = styleOf(
      { id: 'l', type: 'line', source: 'src', 'source-layer': 'roads' },
      { id: 's', type: 'symbol', source: 'src', 'source-layer': 'roads' },
      { id: 'r', type: 'raster', source: 'src' },
      { id: 'h', type: 'hillshade', source: 'src' },
    );
    const layers = compileStyle(style).layers;
    expect(layers.map((l) => l.id)).toEqual(['l', 's', 'r']);
    const lineLayer = layers[0] as LineLayer;
    const globals = { zoom: 10 };
    expect(lineLayer.properties.get('line-width').evaluate(globals)).toBe(1);
    expect(lineLayer.properties.get('line-cap').evaluate(globals)).toBe('butt');
    expect(lineLayer.properties.get('line-join').evaluate(globals)).toBe('miter');
    expect(lineLayer.properties.get('line-miter-limit').evaluate(globals)).toBe(2);
    expect(lineLayer.properties.get('line-dasharray').evaluate(globals)).toBeUndefined();
    expect(toCssColor(lineLayer.properties.get('line-color').evaluate(globals), 1)).toBe('rgba(0,0,0,1)');
  });

  it('marks data-driven properties and evaluates camera ones once per bind', () => {
    const style = styleOf({
      id: 'l',
      type: 'line',
      source: 'src',
      'source-layer': 'roads',
      paint: { 'line-width': ['get', 'w'], 'line-opacity': ['interpolate', ['linear'], ['zoom'], 10, 0, 12, 1] },
    });
    const layer = compileStyle(style).layers[0] as LineLayer;
    expect(layer.properties.get('line-width').featureDependent).toBe(true);
    expect(layer.properties.get('line-opacity').featureDependent).toBe(false);
    const feature = { type: 'LineString' as const, properties: { w: 7 } };
    expect(bindProperty(layer.properties.get('line-width'), { zoom: 11 })(feature)).toBe(7);
    expect(bindProperty(layer.properties.get('line-opacity'), { zoom: 11 })(feature)).toBeCloseTo(0.5);
  });

  it('reads any property by its spec name, once compiled, with the spec default when unset, and fails early on a bad one', () => {
    const style = styleOf({ id: 's', type: 'symbol', source: 'src', 'source-layer': 'roads', layout: { 'text-size': ['get', 'size'] } });
    const layer = compileStyle(style).layers[0] as SymbolLayer;
    expect(layer.properties.get('text-size')).toBe(layer.properties.get('text-size'));
    expect(layer.properties.get('text-size').featureDependent).toBe(true);
    expect(layer.properties.get('symbol-spacing').evaluate({ zoom: 10 })).toBe(250);
    expect(layer.properties.get('text-translate-anchor').evaluate({ zoom: 10 })).toBe('map');
    expect(layer.properties.isSet('text-size')).toBe(true);
    expect(layer.properties.isSet('text-field')).toBe(false);
    const bad = styleOf({ id: 'b', type: 'symbol', source: 'src', 'source-layer': 'roads', layout: { 'text-size': ['get'] } } as never);
    expect(() => compileStyle(bad)).toThrow(/Style layer "b" layout.text-size/);
  });

  it('reads global state defaults from the style', () => {
    const style: StyleSpecification = {
      ...styleOf({ id: 'l', type: 'line', source: 'src', 'source-layer': 'roads', paint: { 'line-width': ['global-state', 'roadWidth'] } }),
      state: { roadWidth: { default: 4 } },
    };
    expect((compileStyle(style).layers[0] as LineLayer).properties.get('line-width').evaluate({ zoom: 10 })).toBe(4);
  });

  it('shows a layer from minzoom up to, not including, maxzoom', () => {
    const [layer] = compileStyle(styleOf({ id: 'b', type: 'background', minzoom: 5, maxzoom: 10 })).layers;
    expect([4.9, 5, 9.99, 10].map((z) => isLayerShown(layer!, z))).toEqual([false, true, true, false]);
  });
});

describe('line offset', () => {
  it('moves an eastward line south (to its right on screen) by the offset', () => {
    const out = offsetPolyline(new Float64Array([0, 0, 10, 0]), 0, 2, 3, false);
    expect(Array.from(out)).toEqual([0, 3, 10, 3]);
  });

  it('keeps the offset distance at a right-angle corner (miter)', () => {
    // East, then south: the right side is the inside of the turn.
    const out = offsetPolyline(new Float64Array([0, 0, 10, 0, 10, 10]), 0, 3, 2, false);
    expect(Array.from(out).map((v) => Math.round(v * 1e6) / 1e6)).toEqual([0, 2, 8, 2, 8, 10]);
  });

  it('offsets the seam of a closed ring like any other corner', () => {
    const ring = new Float64Array([0, 0, 10, 0, 10, 10, 0, 10, 0, 0]);
    const out = Array.from(offsetPolyline(ring, 0, 5, 1, true)).map((v) => Math.round(v * 1e6) / 1e6);
    // Clockwise on screen: right is inside, so the square shrinks by 1 on every side.
    expect(out).toEqual([1, 1, 9, 1, 9, 9, 1, 9, 1, 1]);
  });

  it('ignores repeated vertices', () => {
    const out = offsetPolyline(new Float64Array([0, 0, 0, 0, 10, 0]), 0, 3, 1, false);
    expect(Array.from(out)).toEqual([0, 1, 0, 1, 10, 1]);
  });
});

describe('line dashes', () => {
  it('scales dashes by the line width, and shortens dashes by the caps round and square add', () => {
    expect(dashInPx([2, 1], 4, 'butt')).toEqual([8, 4]);
    expect(dashInPx([2, 1], 4, 'round')).toEqual([4, 8]);
    expect(dashInPx([0.5, 1], 4, 'square')).toEqual([0, 8]);
  });

  it('magnifies dashes with the zoom past the integer tile zoom, as MapLibre does', () => {
    const [dash, gap] = dashInPx([1, 1], 50, 'butt', 2 ** 0.15)!;
    expect(dash).toBeCloseTo(55.48, 2);
    expect(gap).toBeCloseTo(55.48, 2);
  });

  it('repeats odd patterns and rejects empty or invalid ones', () => {
    expect(dashInPx([1, 2, 3], 1, 'butt')).toEqual([1, 2, 3, 1, 2, 3]);
    expect(dashInPx([], 1, 'butt')).toBeUndefined();
    expect(dashInPx([0, 0], 1, 'butt')).toBeUndefined();
    expect(dashInPx([1, -1], 1, 'butt')).toBeUndefined();
    expect(dashInPx(undefined, 1, 'butt')).toBeUndefined();
  });
});
