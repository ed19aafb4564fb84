import proj4 from 'proj4';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load-config.ts';
import { GRIDS } from '../../src/grids/grids.ts';
import { sweref99tm } from '../../src/grids/swedish-grids.ts';
import { bboxToTileRange, levelRange } from '../../src/grids/tile-grid.ts';
import { lonLatToMercator, webMercatorQuad } from '../../src/grids/web-mercator-quad.ts';
import { affectedRanges, affectedRangesOf, type ServedModel } from '../../cache/invalidation/affected-tiles.ts';
import type { TableChange } from '../../cache/invalidation/change.ts';
import { inRange, rangeSize, type TileKey } from '../../cache/tile-key.ts';

const config = loadConfig({});
const model: ServedModel = {
  grids: GRIDS,
  tilesets: config.tilesets.map((t) => ({ id: t.id, layers: t.layers, levels: new Map(GRIDS.flatMap((g) => { const r = levelRange(g, t.minzoom, t.maxzoom); return r ? [[g.id, r] as const] : []; })) })),
  styles: [{ id: 'grundkarta', tilesetIds: ['sodertorn'] }],
  vectorBufferFraction: 64 / 4096,
  metatile: { size: 4, bufferPx: 128 },
};

// A building in Huddinge centre, 17.982 E 59.237 N, as SWEREF 99 TM.
const [hx, hy] = proj4('WGS84', sweref99tm.proj4).forward([17.982, 59.237]);
const building = (seq: number, dx = 0): TableChange => ({ seq, table: 'byggnad', srid: 3006, bbox: [hx! + dx - 10, hy! - 10, hx! + dx + 10, hy! + 10], rows: 1, committedAt: new Date() });

function xyzKey(name: string, z: number, kind: 'vector' | 'raster' = 'vector'): TileKey {
  const [mx, my] = lonLatToMercator(17.982, 59.237);
  const r = bboxToTileRange(webMercatorQuad, [mx, my, mx, my], z)!;
  return { kind, name, grid: 'WebMercatorQuad', z, x: r.minX, y: r.minY, variant: kind === 'vector' ? 'mvt' : '1.png' };
}

describe('the tiles a change touches', () => {
  const ranges = affectedRanges(building(1), model);
  const hits = (k: TileKey) => ranges.some((r) => inRange(k, r));

  it('are the vector tiles over it where its layer is drawn, in every tileset and grid', () => {
    expect(hits(xyzKey('sodertorn', 14))).toBe(true);
    expect(hits(xyzKey('byggnader', 12))).toBe(true);
    // byggnad is drawn in sodertorn from zoom 13: a zoom-10 vector tile does not change.
    expect(hits(xyzKey('sodertorn', 10))).toBe(false);
    expect(ranges.some((r) => r.kind === 'vector' && r.grid === '3006')).toBe(true);
    expect(ranges.some((r) => r.kind === 'vector' && r.grid === '3011')).toBe(true);
    // A tile next door is not touched.
    expect(hits({ ...xyzKey('sodertorn', 14), x: xyzKey('sodertorn', 14).x + 3 })).toBe(false);
  });

  it('are the whole metatiles of the raster tiles drawn from that data, margin included', () => {
    const raster = ranges.filter((r) => r.kind === 'raster' && r.grid === 'WebMercatorQuad');
    expect(hits(xyzKey('grundkarta', 15, 'raster'))).toBe(true);
    // Raster z14 is drawn from vector z13, where buildings are: touched. Raster z13 from z12: not.
    expect(hits(xyzKey('grundkarta', 14, 'raster'))).toBe(true);
    expect(hits(xyzKey('grundkarta', 13, 'raster'))).toBe(false);
    for (const r of raster) {
      expect(r.minX % 4).toBe(0);
      expect(r.minY % 4).toBe(0);
      expect((r.maxX + 1) % 4).toBe(0);
    }
  });

  it('reach the raster levels overzoomed beyond the data: 3011 level 11, XYZ 19, not the vector tiles there', () => {
    const deepest = (kind: 'vector' | 'raster', grid: string) => Math.max(...ranges.filter((r) => r.kind === kind && r.grid === grid && r.name !== 'byggnader').map((r) => r.z));
    expect(deepest('raster', '3011')).toBe(11);
    expect(deepest('vector', '3011')).toBe(10);
    expect(hits(xyzKey('grundkarta', 19, 'raster'))).toBe(true);
    expect(hits(xyzKey('grundkarta', 20, 'raster'))).toBe(false);
    expect(hits(xyzKey('sodertorn', 19))).toBe(false);
  });

  it('are whole levels when the change has no bbox (TRUNCATE)', () => {
    const all = affectedRanges({ ...building(2), bbox: undefined }, model);
    const z14 = all.find((r) => r.kind === 'vector' && r.name === 'sodertorn' && r.grid === 'WebMercatorQuad' && r.z === 14)!;
    expect(rangeSize(z14)).toBe(2 ** 28);
  });

  it('are the same for the same place given in WGS84', () => {
    const inWgs84 = affectedRanges({ ...building(3), srid: 4326, bbox: [17.982 - 0.0002, 59.237 - 0.0001, 17.982 + 0.0002, 59.237 + 0.0001] }, model);
    expect(inWgs84.some((r) => inRange(xyzKey('sodertorn', 16), r))).toBe(true);
  });

  it('ignore tables no tileset draws', () => {
    expect(affectedRanges({ ...building(4), table: 'public.okand' }, model)).toEqual([]);
  });

  it('coalesce a bulk batch to one range per level that covers every change', () => {
    const batch = Array.from({ length: 200 }, (_, i) => building(10 + i, i * 50));
    const merged = affectedRangesOf(batch, model);
    const levels = new Set(merged.map((r) => `${r.kind}/${r.name}/${r.grid}/${r.z}`));
    expect(merged.length).toBe(levels.size);
    for (const change of [batch[0]!, batch[199]!]) {
      for (const r of affectedRanges(change, model)) {
        const m = merged.find((x) => x.kind === r.kind && x.name === r.name && x.grid === r.grid && x.z === r.z)!;
        expect(m.minX <= r.minX && m.maxX >= r.maxX && m.minY <= r.minY && m.maxY >= r.maxY).toBe(true);
      }
    }
  });
});
