/**
 * What the styles draw never goes missing: every public and restricted style, at every raster
 * level of every grid, over two places, drawn once from the tiles that follow the styles and
 * once from full tiles (every feature and attribute), compared pixel by pixel: the same
 * bytes, except where land cover and streets are merged (layers[].merge). There the seams the
 * renderer's anti-aliasing leaves between two cells of one class, and the joints between two
 * segments of one street, are gone: no pixel may differ by more than 48 of 255 levels in any
 * channel, and at most 0.05 % of a tile's pixels by more than 24.
 */
import { createHash } from 'node:crypto';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load-config.ts';
import { GRIDS } from '../../src/grids/grids.ts';
import { wgs84ToGridBbox } from '../../src/grids/grid-projection.ts';
import { rasterLevels } from '../../src/grids/metatile.ts';
import { bboxToTileRange, levelRange, styleZoom, type TileGrid } from '../../src/grids/tile-grid.ts';
import { startEngine, type RunningEngine } from '../helpers/engine.ts';

const KEY = 'content-pixels-key-0123456789abcdef';
const keys = [{ name: 'staff', sha256: createHash('sha256').update(KEY).digest('hex'), grants: ['fastighetsregister'] }];
const config = loadConfig({});
const STYLES = ['grundkarta', 'gra', 'utskrift', 'fastighetskarta'];
/** Huddinge centrum and Södertälje: towns with every layer. */
const PLACES: [number, number][] = [
  [17.985, 59.236],
  [17.627, 59.196],
];
const MERGE_MAXZOOM = config.tilesets.find((t) => t.id === 'sodertorn')!.layers.find((l) => l.id === 'mark')!.merge!.maxzoom;

let styled: RunningEngine;
let full: RunningEngine;

beforeAll(async () => {
  // One tile per render (no metatiles), so each comparison is one render on each side; true colour,
  // as a palette quantised from two slightly different images may differ more than they do.
  const render = { metatile: 1, pngPalette: false };
  styled = await startEngine({ overrides: { render, access: { keys } } });
  full = await startEngine({ overrides: { render, access: { keys }, tilesets: config.tilesets.map((t) => ({ ...t, content: 'full' as const })) } });
});
afterAll(async () => {
  await styled?.close();
  await full?.close();
});

/** The tiles over the places at every raster level of a grid. */
function tilesOf(grid: TileGrid): { z: number; x: number; y: number }[] {
  const levels = rasterLevels(grid, levelRange(grid, 0, 18)!);
  const tiles = new Map<string, { z: number; x: number; y: number }>();
  for (let z = levels[0]; z <= levels[1]; z++) {
    for (const [lon, lat] of PLACES) {
      const range = bboxToTileRange(grid, wgs84ToGridBbox(grid, [lon, lat, lon, lat]), z)!;
      tiles.set(`${z}/${range.minX}/${range.minY}`, { z, x: range.minX, y: range.minY });
    }
  }
  return [...tiles.values()];
}

async function png(engine: RunningEngine, path: string): Promise<Buffer> {
  const res = await fetch(`${engine.url}${path}`, { headers: { 'X-Api-Key': KEY } });
  expect(res.status, path).toBe(200);
  return Buffer.from(await res.arrayBuffer());
}

/** Pixels whose largest channel difference exceeds `tolerance`, and the largest difference. */
async function differing(a: Buffer, b: Buffer, tolerance: number): Promise<{ count: number; pixels: number; max: number }> {
  const [x, y] = await Promise.all([a, b].map((p) => sharp(p).removeAlpha().raw().toBuffer({ resolveWithObject: true })));
  const pixels = x!.info.width * x!.info.height;
  let count = 0;
  let max = 0;
  for (let i = 0; i < pixels * 3; i += 3) {
    const d = Math.max(Math.abs(x!.data[i]! - y!.data[i]!), Math.abs(x!.data[i + 1]! - y!.data[i + 1]!), Math.abs(x!.data[i + 2]! - y!.data[i + 2]!));
    if (d > tolerance) count++;
    max = Math.max(max, d);
  }
  return { count, pixels, max };
}

describe('raster tiles from the tiles that follow the styles and from full tiles', () => {
  it('are drawn from different tiles: the full ones carry the streets no style draws at z8', async () => {
    const path = '/tiles/sodertorn/8/140/75.mvt';
    const [a, b] = await Promise.all([styled, full].map(async (e) => (await fetch(`${e.url}${path}`)).arrayBuffer()));
    expect(b!.byteLength).toBeGreaterThan(3 * a!.byteLength);
  });

  it('draw a style over a tileset served only from z13 at z0 without listing that level\'s tiles of the world (once an out-of-memory crash)', async () => {
    for (const path of ['/tiles/fastighetskarta/0/0/0.png', '/tiles/fastighetskarta/3006/0/1/1.png', '/tiles/fastighetskarta/4326/0/1/0.png']) {
      expect((await png(styled, path)).byteLength).toBeGreaterThan(0);
    }
    // A view whose tiles are too many is refused after counting them, not after listing them.
    const wms = await fetch(`${styled.url}/wms?SERVICE=WMS&VERSION=1.3.0&REQUEST=GetMap&LAYERS=fastighetskarta&STYLES=&CRS=EPSG:3006&BBOX=6000000,-1000000,8000000,2000000&WIDTH=4000&HEIGHT=2000&FORMAT=image/png`, { headers: { 'X-Api-Key': KEY } });
    expect(wms.status).toBeLessThan(500);
  });

  for (const grid of GRIDS) {
    it(`are the same image for every style at every level of ${grid.id}`, { timeout: 600_000 }, async () => {
      let identical = 0;
      let compared = 0;
      for (const style of STYLES) {
        for (const { z, x, y } of tilesOf(grid)) {
          const path = grid.id === 'WebMercatorQuad' ? `/tiles/${style}/${z}/${x}/${y}.png` : `/tiles/${style}/${grid.id}/${z}/${x}/${y}.png`;
          const [a, b] = await Promise.all([png(styled, path), png(full, path)]);
          compared++;
          if (a.equals(b)) {
            identical++;
            continue;
          }
          // Raster level z is drawn from data level z − 1: merged there when its style zoom is within merge.maxzoom.
          const merged = styleZoom(grid, Math.max(0, z - 1)) <= MERGE_MAXZOOM;
          const { count, pixels, max } = await differing(a, b, 24);
          expect(merged, `${style} ${grid.id} ${z}/${x}/${y}: differs (${count} pixels beyond 24 levels, at most ${max}) where nothing is merged`).toBe(true);
          // The seams between merged cells and the joints between merged street segments:
          // anti-aliased edge pixels a little lighter or darker (measured: up to 12 % of a tile's
          // pixels differ at all, 2 at most by more than 24 levels, none by more than 32).
          expect(max, `${style} ${grid.id} ${z}/${x}/${y}: a pixel ${max} levels apart`).toBeLessThanOrEqual(48);
          expect(count, `${style} ${grid.id} ${z}/${x}/${y}: ${count} of ${pixels} pixels more than 24 levels apart (at most ${max})`).toBeLessThanOrEqual(pixels * 0.0005);
        }
      }
      expect(compared).toBeGreaterThan(40);
      // Most levels merge nothing and must be byte for byte the same image.
      expect(identical / compared).toBeGreaterThan(0.5);
    });
  }
});
