/**
 * Tiles that follow the styles stay exact under edits: a land-cover cell changing class
 * changes the merged areas of every tile it lies in, a street becoming a motorway enters the
 * z8 tiles that carried only motorways, and feature info (full tiles) reports the new class;
 * in every grid, through memory, disk and Redis, with the real change-log triggers. The
 * truth is an engine without a cache, over the same rows.
 */
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { wgs84ToGridBbox } from '../../src/grids/grid-projection.ts';
import { GRIDS } from '../../src/grids/grids.ts';
import { bboxToTileRange, levelRange, styleZoom } from '../../src/grids/tile-grid.ts';
import { startEngine, type RunningEngine } from '../helpers/engine.ts';
import { decodeTile } from '../helpers/mvt.ts';
import { TEST_DATABASE_URL } from '../helpers/test-db.ts';

const REDIS_URL = 'redis://127.0.0.1:6379/15';
let db: pg.Pool;
let cached: RunningEngine;
let truth: RunningEngine;
/** The row changed and what it was, restored after. */
let cell: { id: number; klass: string; lon: number; lat: number };
let street: { id: number; klass: string; lon: number; lat: number };

beforeAll(async () => {
  db = new pg.Pool({ connectionString: TEST_DATABASE_URL, max: 2 });
  // A forest cell and a local street near Huddinge centrum.
  const near = `ST_Transform(ST_SetSRID(ST_MakePoint(17.985, 59.236), 4326), 3006)`;
  const pick = async (table: string, klass: string) => {
    const { rows } = await db.query<{ id: number; klass: string; lon: number; lat: number }>(
      `SELECT id::int AS id, klass, ST_X(p) AS lon, ST_Y(p) AS lat FROM (SELECT id, klass, ST_Transform(ST_PointOnSurface(geom), 4326) AS p, geom FROM ${table} WHERE klass = $1) s ORDER BY geom <-> ${near} LIMIT 1`,
      [klass],
    );
    return rows[0]!;
  };
  cell = await pick('mark', 'skog');
  street = await pick('vag', 'lokalgata');
  cached = await startEngine({
    overrides: { cache: { disk: { enabled: true, dir: mkdtempSync(join(tmpdir(), 'content-tiles-')), maxBytes: 256 * 1024 * 1024 }, redis: { url: REDIS_URL, keyPrefix: `content${process.pid}:` } } },
  });
  truth = await startEngine({ overrides: { cache: { memory: { enabled: false, maxBytes: 1024 * 1024 } } } });
});

afterAll(async () => {
  await db?.query('UPDATE mark SET klass = $2 WHERE id = $1', [cell.id, cell.klass]);
  await db?.query('UPDATE vag SET klass = $2 WHERE id = $1', [street.id, street.klass]);
  await cached?.close();
  await truth?.close();
  await db?.end();
});

/** The vector tile paths over a point at every level of every grid whose style zoom is in [from, to]. */
function pathsOver(lon: number, lat: number, from: number, to: number): string[] {
  const paths: string[] = [];
  for (const grid of GRIDS) {
    const [lo, hi] = levelRange(grid, 0, 18)!;
    for (let z = lo; z <= hi; z++) {
      if (styleZoom(grid, z) < from || styleZoom(grid, z) > to) continue;
      const range = bboxToTileRange(grid, wgs84ToGridBbox(grid, [lon, lat, lon, lat]), z)!;
      const tile = `${z}/${range.minX}/${range.minY}`;
      paths.push(grid.id === 'WebMercatorQuad' ? `/tiles/sodertorn/${tile}.mvt` : `/tiles/sodertorn/${grid.id}/${tile}.mvt`);
    }
  }
  return paths;
}

const bytesOf = async (engine: RunningEngine, path: string) => Buffer.from(await (await fetch(`${engine.url}${path}`)).arrayBuffer()).toString('base64');

/** Polls until every path of the cached engine answers what the engine without a cache answers. */
async function allFresh(paths: readonly string[]): Promise<void> {
  for (const path of paths) {
    const expected = await bytesOf(truth, path);
    await expect.poll(() => bytesOf(cached, path), { timeout: 30_000, interval: 20, message: path }).toBe(expected);
  }
}

describe('tiles that follow the styles under edits', () => {
  it('merge a land-cover cell into its new class in every tile and grid it lies in, and feature info reports the class', async () => {
    const paths = pathsOver(cell.lon, cell.lat, 8, 14);
    expect(paths.length).toBeGreaterThan(12);
    const before = await Promise.all(paths.map((p) => bytesOf(cached, p))); // now cached in every tier
    // Feature info reads full tiles (every attribute): it is cached too, as a variant of its own.
    const info = async () => {
      const [x, y] = wgs84ToGridBbox(GRIDS[1]!, [cell.lon, cell.lat, cell.lon, cell.lat]);
      const url = `${cached.url}/wms?SERVICE=WMS&VERSION=1.3.0&REQUEST=GetFeatureInfo&LAYERS=grundkarta&QUERY_LAYERS=grundkarta&STYLES=&CRS=EPSG:3006&BBOX=${y - 50},${x - 50},${y + 50},${x + 50}&WIDTH=101&HEIGHT=101&I=50&J=50&INFO_FORMAT=application/json&FEATURE_COUNT=20`;
      const features = ((await (await fetch(url)).json()) as { features: { id?: unknown; properties: { layer?: string; klass?: string } }[] }).features;
      return features.filter((f) => f.properties.layer === 'mark' && f.id === cell.id).map((f) => f.properties.klass);
    };
    expect(await info()).toEqual(['skog']);

    await db.query(`UPDATE mark SET klass = 'park' WHERE id = $1`, [cell.id]);
    await allFresh(paths);
    const after = await Promise.all(paths.map((p) => bytesOf(cached, p)));
    // The change reached the merged levels (z8–z11 and their 3006/3011/4326 peers), not only the cells above them.
    expect(after.filter((b, i) => b !== before[i]).length).toBeGreaterThan(paths.length / 2);
    await expect.poll(info, { timeout: 30_000, interval: 20 }).toEqual(['park']);
  });

  it('put a street that becomes a motorway into the z8–z9 tiles that carry only the motorways, and take it out again', async () => {
    const paths = pathsOver(street.lon, street.lat, 6, 9);
    await Promise.all(paths.map((p) => bytesOf(cached, p))); // cached
    await db.query(`UPDATE vag SET klass = 'motorväg' WHERE id = $1`, [street.id]);
    await allFresh(paths);
    await db.query('UPDATE vag SET klass = $2 WHERE id = $1', [street.id, street.klass]);
    await allFresh(paths);
  });

  it('serves tiles cut and drawn for the new styles after a deploy changes them, not the ones the disk cache holds', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'content-deploy-'));
    const z8 = '/tiles/sodertorn/8/140/75.mvt';
    // Raster level 9 is drawn from the z8 data at zoom 8.
    const raster = '/tiles/grundkarta/9/281/150.png';
    const streets = async (engine: RunningEngine) => (decodeTile(new Uint8Array(await (await fetch(`${engine.url}${z8}`)).arrayBuffer())).vag ?? []).length;
    const image = async (engine: RunningEngine) => Buffer.from(await (await fetch(`${engine.url}${raster}`)).arrayBuffer());
    const disk = { disk: { enabled: true, dir, maxBytes: 64 * 1024 * 1024 } };
    const before = await startEngine({ overrides: { cache: disk } });
    const motorways = await streets(before); // now on disk
    const oldImage = await image(before);
    await before.close();
    // The new styles draw local streets from z8.
    const stylesDir = mkdtempSync(join(tmpdir(), 'content-styles-'));
    cpSync('styles', stylesDir, { recursive: true });
    const layers = join(stylesDir, 'sodertorn', 'layers.yaml');
    writeFileSync(layers, readFileSync(layers, 'utf8').replace(/(- id: vag-lokal\n(?:.*\n)*?  minzoom: )10/, '$18'));
    const after = await startEngine({ overrides: { cache: disk, render: { stylesDir } } });
    const fresh = await startEngine({ overrides: { cache: { memory: { enabled: false, maxBytes: 1024 * 1024 } }, render: { stylesDir } } });
    try {
      expect(await streets(after)).toBeGreaterThan(10 * motorways);
      const newImage = await image(after);
      expect(newImage.equals(oldImage), 'the image drawn with the old style is not served').toBe(false);
      expect(newImage.equals(await image(fresh)), 'the image is the one the new style draws').toBe(true);
    } finally {
      await after.close();
      await fresh.close();
    }
  });
});
