import { describe, expect, it } from 'vitest';
import { labelPointOf } from '../../src/sources/geojson/label-point.ts';

/** A rectangle in WGS84 around (lon, lat), w × h degrees. */
const box = (lon: number, lat: number, w: number, h: number) => [[[lon - w / 2, lat - h / 2], [lon + w / 2, lat - h / 2], [lon + w / 2, lat + h / 2], [lon - w / 2, lat + h / 2], [lon - w / 2, lat - h / 2]]];

describe('label points in embedded mode', () => {
  it('puts a polygon’s label where it fits best: inside, away from holes and bays', () => {
    // An L: the pole lies in the wide arm, never in the missing corner.
    const l = [[[0, 0], [4, 0], [4, 1], [1, 1], [1, 4], [0, 4], [0, 0]]];
    const [x, y] = labelPointOf({ type: 'Polygon', coordinates: l }).coordinates as number[];
    expect(x! < 1 || y! < 1).toBe(true);
    // A hole in the middle pushes the point out of it.
    const holed = [box(18, 59, 0.4, 0.2)[0]!, box(18, 59, 0.1, 0.05)[0]!.reverse()];
    const [hx, hy] = labelPointOf({ type: 'Polygon', coordinates: holed }).coordinates as number[];
    expect(Math.abs(hx! - 18) > 0.05 || Math.abs(hy! - 59) > 0.025).toBe(true);
  });

  it('takes the roomiest part of a multipolygon, measured on the ground, not in degrees', () => {
    // At 59°N a degree of longitude is about half a degree of latitude on the ground. The first
    // part is 0.34° × 0.17° (≈ 0.175 × 0.17 on the ground), the second 0.3° × 0.3° (≈ 0.155 × 0.3):
    // in degrees the second is roomier, on the ground the first.
    const point = labelPointOf({ type: 'MultiPolygon', coordinates: [box(17, 59, 0.34, 0.17), box(18, 59, 0.3, 0.3)] });
    expect(point.type).toBe('Point');
    expect((point.coordinates as number[])[0]).toBeCloseTo(17, 1);
  });

  it('puts other shapes’ labels on them, and leaves points as they are', () => {
    expect(labelPointOf({ type: 'LineString', coordinates: [[0, 0], [1, 0], [2, 0]] })).toEqual({ type: 'Point', coordinates: [1, 0] });
    expect(labelPointOf({ type: 'Point', coordinates: [5, 6] })).toEqual({ type: 'Point', coordinates: [5, 6] });
  });
});
