import { describe, expect, it } from 'vitest';
import { geometryOf, MAX_VERTICES } from '../../src/pipeline/feature-info.ts';

/** A tile feature of rings in tile units (extent 4096, y down). */
const feature = (type: 1 | 2 | 3, rings: [number, number][][]) => ({ type, loadGeometry: () => rings.map((r) => r.map(([x, y]) => ({ x, y }))) }) as never;
/** The tile covers 1000 × 1000 map units from (0, 0): 4.096 tile units a map unit. */
const BBOX = [0, 0, 1000, 1000] as const;
const SCALE = 4.096;

describe('a found feature’s geometry in map units', () => {
  it('turns tile coordinates (y down) into map units (y up)', () => {
    expect(geometryOf(feature(1, [[[0, 0]]]), [...BBOX], SCALE)).toEqual({ type: 'Point', coordinates: [0, 1000] });
    expect(geometryOf(feature(2, [[[0, 4096], [4096, 0]]]), [...BBOX], SCALE)).toEqual({ type: 'LineString', coordinates: [[0, 0], [1000, 1000]] });
  });

  it('sorts rings into polygons and their holes by winding, as MVT writes them', () => {
    const outer: [number, number][] = [[0, 0], [4096, 0], [4096, 4096], [0, 4096], [0, 0]]; // clockwise on screen
    const hole: [number, number][] = [[1024, 1024], [1024, 2048], [2048, 2048], [2048, 1024], [1024, 1024]];
    const second = outer.map(([x, y]) => [x + 8192, y] as [number, number]);
    const one = geometryOf(feature(3, [outer, hole]), [...BBOX], SCALE) as { type: string; coordinates: unknown[] };
    expect(one.type).toBe('Polygon');
    expect(one.coordinates).toHaveLength(2);
    const two = geometryOf(feature(3, [outer, hole, second]), [...BBOX], SCALE) as { type: string; coordinates: unknown[][] };
    expect(two.type).toBe('MultiPolygon');
    expect(two.coordinates.map((p) => p.length)).toEqual([2, 1]);
  });

  it('leaves out a geometry over the vertex bound, so one answer stays small', () => {
    const long = Array.from({ length: MAX_VERTICES + 1 }, (_, i) => [i % 4096, 0] as [number, number]);
    expect(geometryOf(feature(2, [long]), [...BBOX], SCALE)).toBeNull();
  });
});
