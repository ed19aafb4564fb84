import type { Geometry, Position } from 'geojson';
import { describe, expect, it } from 'vitest';
import { LAYER_NAMES, LAYER_TABLES, MAX_BUILDINGS, REGION_BBOX, generateBaseMap, type DemoFeature, type LayerName } from '../../tools/demo/generate.ts';
import { pointInPolygon, signedArea, type Xy } from '../../tools/demo/geometry.ts';
import { MUNICIPALITIES } from '../../tools/demo/places.ts';

const SEED = 7;
const BUILDINGS = 1500;

type Layers = Record<LayerName, DemoFeature[]>;

function collect(seed: number, buildings: number): Layers {
  const map = generateBaseMap({ seed, buildings });
  return Object.fromEntries(LAYER_NAMES.map((l) => [l, [...map[l]()]])) as Layers;
}

const layers = collect(SEED, BUILDINGS);

function rings(geometry: Geometry): Position[][] {
  return geometry.type === 'Polygon' ? geometry.coordinates : [];
}

/** True when two segments cross or touch anywhere except at a shared end point. */
function segmentsIntersect(a: Position, b: Position, c: Position, d: Position): boolean {
  const orient = (p: Position, q: Position, r: Position): number => Math.sign((q[0]! - p[0]!) * (r[1]! - p[1]!) - (q[1]! - p[1]!) * (r[0]! - p[0]!));
  const o1 = orient(a, b, c);
  const o2 = orient(a, b, d);
  const o3 = orient(c, d, a);
  const o4 = orient(c, d, b);
  return o1 !== o2 && o3 !== o4 && o1 !== 0 && o2 !== 0 && o3 !== 0 && o4 !== 0;
}

/** Whether a closed ring crosses itself (brute force: fine for a few thousand vertices). */
function selfIntersects(ring: Position[]): boolean {
  const n = ring.length - 1;
  for (let i = 0; i < n; i++) {
    for (let j = i + 2; j < n; j++) {
      if (i === 0 && j === n - 1) continue; // neighbours through the closing point
      if (segmentsIntersect(ring[i]!, ring[i + 1]!, ring[j]!, ring[j + 1]!)) return true;
    }
  }
  return false;
}

describe('generateBaseMap', () => {
  it('is deterministic: the same seed gives identical features, another seed different ones', () => {
    const again = collect(SEED, BUILDINGS);
    for (const layer of LAYER_NAMES) expect(JSON.stringify(again[layer]), layer).toBe(JSON.stringify(layers[layer]));
    const other = collect(SEED + 1, BUILDINGS);
    expect(JSON.stringify(other.byggnad)).not.toBe(JSON.stringify(layers.byggnad));
    expect(JSON.stringify(other.vatten)).not.toBe(JSON.stringify(layers.vatten));
  });

  it('fills all nine layers', () => {
    expect(LAYER_NAMES).toHaveLength(9);
    for (const layer of LAYER_NAMES) expect(layers[layer].length, layer).toBeGreaterThan(0);
  });

  it('gives unique positive integer ids per layer', () => {
    for (const layer of LAYER_NAMES) {
      const ids = layers[layer].map((f) => f.id);
      expect(ids.every((id) => Number.isInteger(id) && id > 0), layer).toBe(true);
      expect(new Set(ids).size, layer).toBe(ids.length);
    }
  });

  it('gives every feature exactly its table columns, typed and from the allowed values', () => {
    for (const layer of LAYER_NAMES) {
      const table = LAYER_TABLES[layer];
      for (const f of layers[layer]) {
        expect(Object.keys(f.properties).sort(), layer).toEqual(table.columns.map((c) => c.name).sort());
        expect(f.geometry.type, layer).toBe(table.geometryType);
        for (const c of table.columns) {
          const v = f.properties[c.name];
          if (v === null) {
            expect(c.nullable, `${layer}.${c.name} of ${f.id}`).toBe(true);
            continue;
          }
          expect(typeof v, `${layer}.${c.name}`).toBe(c.sqlType === 'text' ? 'string' : 'number');
          if ('values' in c && c.values) expect(c.values, `${layer}.${c.name}`).toContain(v);
        }
      }
    }
  });

  it('has the eight municipalities with their official codes and names', () => {
    expect(layers.kommun.map((f) => f.properties.kommunkod)).toEqual(['0126', '0127', '0128', '0136', '0138', '0140', '0181', '0192']);
    expect(layers.kommun.map((f) => f.properties.namn)).toEqual(MUNICIPALITIES.map((m) => m.namn));
  });

  it('names the eight main towns as tätorter', () => {
    const towns = layers.ortnamn.filter((f) => f.properties.typ === 'tätort').map((f) => f.properties.namn);
    for (const m of MUNICIPALITIES) expect(towns).toContain(m.centralort);
  });

  it('honours the building count exactly, with one parcel per building and addresses for homes and businesses', () => {
    for (const n of [1, 137, 2600]) {
      const map = generateBaseMap({ seed: SEED, buildings: n });
      const buildings = [...map.byggnad()];
      expect(buildings).toHaveLength(n);
      expect([...map.fastighet()].map((f) => f.id)).toEqual(buildings.map((f) => f.id));
      const addressed = buildings.filter((b) => b.properties.andamal === 'bostad' || b.properties.andamal === 'verksamhet').map((b) => b.id);
      expect([...map.adress()].map((a) => a.id)).toEqual(addressed);
    }
    expect([...generateBaseMap({ seed: SEED, buildings: 0 }).byggnad()]).toHaveLength(0);
  });

  it('keeps buildings off water', () => {
    const water = layers.vatten.map((f) => rings(f.geometry) as Xy[][]);
    for (const b of layers.byggnad) {
      const ring = rings(b.geometry)[0]!;
      const corners = ring.slice(0, -1);
      const cx = corners.reduce((s, p) => s + p[0]!, 0) / corners.length;
      const cy = corners.reduce((s, p) => s + p[1]!, 0) / corners.length;
      for (const [x, y] of [[cx, cy] as const, ...corners.map((p) => [p[0]!, p[1]!] as const)]) {
        expect(water.some((w) => pointInPolygon(x, y, w)), `building ${b.id}`).toBe(false);
      }
    }
  });

  it('writes closed, counter-clockwise polygons (clockwise holes) and proper lines inside the region', () => {
    const [minX, minY, maxX, maxY] = REGION_BBOX;
    const inside = (p: Position): boolean =>
      p.length === 2 && p[0]! >= minX && p[0]! <= maxX && p[1]! >= minY && p[1]! <= maxY && Math.round(p[0]! * 100) / 100 === p[0] && Math.round(p[1]! * 100) / 100 === p[1];
    for (const layer of LAYER_NAMES) {
      for (const f of layers[layer]) {
        const g = f.geometry;
        if (g.type === 'Polygon') {
          g.coordinates.forEach((ring, k) => {
            expect(ring.length, `${layer} ${f.id}`).toBeGreaterThanOrEqual(4);
            expect(ring[0], `${layer} ${f.id} closed`).toEqual(ring[ring.length - 1]);
            const area = signedArea(ring as Xy[]);
            expect(k === 0 ? area > 0 : area < 0, `${layer} ${f.id} ring ${k} orientation`).toBe(true);
            expect(ring.every(inside), `${layer} ${f.id} coordinates`).toBe(true);
          });
        } else if (g.type === 'LineString') {
          expect(g.coordinates.length, `${layer} ${f.id}`).toBeGreaterThanOrEqual(2);
          expect(g.coordinates.every(inside), `${layer} ${f.id} coordinates`).toBe(true);
        } else if (g.type === 'Point') {
          expect(inside(g.coordinates), `${layer} ${f.id}`).toBe(true);
        }
      }
    }
  });

  it('draws water and municipality outlines that never cross themselves', () => {
    for (const f of [...layers.vatten, ...layers.kommun]) {
      for (const ring of rings(f.geometry)) expect(selfIntersects(ring), `${String(f.properties.namn)}`).toBe(false);
    }
  });

  it('partitions the region seamlessly into municipalities and into land cover', () => {
    const [minX, minY, maxX, maxY] = REGION_BBOX;
    const regionArea = (maxX - minX) * (maxY - minY);
    for (const layer of ['kommun', 'mark'] as const) {
      const area = layers[layer].reduce((sum, f) => sum + rings(f.geometry).reduce((s, r) => s + signedArea(r as Xy[]), 0), 0);
      expect(Math.abs(area - regionArea) / regionArea, layer).toBeLessThan(1e-9);
    }
  });

  it('labels parcels and addresses like the real registers', () => {
    const labels = layers.fastighet.map((f) => f.properties.beteckning as string);
    expect(labels.every((b) => /^\p{Lu}[\p{L} -]* \d+:\d+$/u.test(b))).toBe(true);
    expect(new Set(labels).size).toBe(labels.length);
    const addresses = layers.adress.map((f) => f.properties.gatuadress as string);
    expect(addresses.every((a) => /^\p{Lu}[\p{L} ]* \d+$/u.test(a))).toBe(true);
    expect(addresses).toContain(addresses.find((a) => a.startsWith('Storgatan ')));
  });

  it('rejects bad options with a message naming the valid range', () => {
    expect(() => generateBaseMap({ buildings: -1 })).toThrow(/buildings must be an integer 0–/);
    expect(() => generateBaseMap({ buildings: MAX_BUILDINGS + 1 })).toThrow(RangeError);
    expect(() => generateBaseMap({ buildings: 1.5 })).toThrow(RangeError);
    expect(() => generateBaseMap({ seed: -3 })).toThrow(/seed must be an integer/);
  });
});
