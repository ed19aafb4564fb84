import type { LayerSpecification } from '@maplibre/maplibre-gl-style-spec';
import { describe, expect, it } from 'vitest';
import { joinOverlap } from '../../workers/skia/line-overlaps.ts';
import { SkiaRenderer } from '../../workers/skia/skia-renderer.ts';
import { line, pixel, sourceTile, tileView } from '../fixtures/render/build-tiles.ts';

const style = { join: 'bevel', miterLimit: 2, roundLimit: 1.05 } as const;

describe('join overlaps (where GL lays a translucent line on twice)', () => {
  it('are the kite inside a bevel turn: a square of the half-width at a right angle', () => {
    const kite = joinOverlap([0, 0], [10, 0], [10, 10], 2, { ...style, miterLimit: 1 })!;
    // The turn is to +y: the kite spans V (10, 0) to the inner miter point (8, 2).
    expect(kite.getBounds()).toEqual([8, 0, 10, 2]);
  });

  it('are none at a miter join within the limit, at a gentle round turn, or on a straight line', () => {
    expect(joinOverlap([0, 0], [10, 0], [10, 10], 2, { ...style, join: 'miter' })).toBeUndefined();
    // A right angle's miter is √2 long: below the default limit of 2 a bevel is drawn as a miter too.
    expect(joinOverlap([0, 0], [10, 0], [10, 10], 2, style)).toBeUndefined();
    expect(joinOverlap([0, 0], [10, 0], [20, 0.1], 2, { ...style, join: 'round' })).toBeUndefined();
    expect(joinOverlap([0, 0], [10, 0], [20, 0], 2, { ...style, join: 'round' })).toBeUndefined();
  });

  it('of a hairpin are the two segments’ common part, however far it runs', () => {
    const overlap = joinOverlap([0, 0], [0, 100], [4, 0], 3, style)!;
    const [minX, minY, maxX, maxY] = overlap.getBounds();
    expect(maxY).toBeCloseTo(100, 0);
    expect(minY).toBeLessThan(60);
    expect(minX).toBeGreaterThan(-3.01);
    expect(maxX).toBeLessThan(7.01);
  });

  it('darken the inside of a translucent bevel turn as GL does, and leave an opaque line alone', async () => {
    const renderer = new SkiaRenderer();
    const layer = (opacity: number) =>
      ({ id: 'l', type: 'line', source: 'src', 'source-layer': 'roads', layout: { 'line-join': 'bevel' }, paint: { 'line-width': 16, 'line-color': '#000000', 'line-opacity': opacity } }) as LayerSpecification;
    const tiles = [sourceTile({ roads: [line([[40, 200], [128, 40], [216, 200]])] })];
    const render = (opacity: number) =>
      renderer.render({ version: 8, sources: { src: { type: 'vector', tiles: ['x'] } }, layers: [{ id: 'bg', type: 'background', paint: { 'background-color': '#ffffff' } }, layer(opacity)] }, tileView(), tiles);
    const translucent = await render(0.5);
    // Inside the apex both segments' quads cover the pixel; on a leg only one.
    expect(pixel(translucent, 128, 52)[0]).toBeLessThan(80);
    expect(pixel(translucent, 128, 52)[0]).toBeGreaterThan(50); // twice at 50 %: 64, not black
    expect(Math.abs(pixel(translucent, 84, 120)[0] - 128)).toBeLessThanOrEqual(2);
    const opaque = await render(1);
    expect(pixel(opaque, 128, 52)).toEqual([0, 0, 0, 255]);
  });
});
