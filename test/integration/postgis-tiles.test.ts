import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load-config.ts';
import { tileToBbox, type TileGrid } from '../../src/grids/tile-grid.ts';
import { webMercatorQuad } from '../../src/grids/web-mercator-quad.ts';
import { GRIDS } from '../../src/grids/grids.ts';
import { evaluatePredicate } from '../../src/core/feature-predicate.ts';
import { servedContent } from '../helpers/served-content.ts';
import { startEngine, type RunningEngine } from '../helpers/engine.ts';
import { decodeTile, fetchTile } from '../helpers/mvt.ts';
import { SAMPLE_TILES, SWEDISH_GRID_TILES } from '../helpers/sample-tiles.ts';
import { TEST_DATABASE_URL } from '../helpers/test-db.ts';

const config = loadConfig({});
const tileset = config.tilesets.find((t) => t.id === 'sodertorn')!;
/** What the engine's tiles of the tileset carry: what its styles draw (src/styles/tile-content-rules.ts). */
const content = servedContent(config, 'sodertorn');
let running: RunningEngine;
let db: pg.Pool;

beforeAll(async () => {
  running = await startEngine();
  db = new pg.Pool({ connectionString: TEST_DATABASE_URL, max: 2 });
});
afterAll(async () => {
  await running?.close();
  await db?.end();
});

/** Rows of a layer near a tile, straight from SQL: every candidate and the ones that must appear. */
async function rowsNearTile(layerId: string, grid: TileGrid, z: number, x: number, y: number) {
  const layer = tileset.layers.find((l) => l.id === layerId)!;
  const [minX, minY, maxX, maxY] = tileToBbox(grid, z, x, y);
  const unit = (maxX - minX) / 4096;
  const attributes = layer.attributes.map((a) => `"${a}"`).join(', ');
  // A label point layer holds each (polygon) row once, at the centre of its largest inscribed circle.
  const geom = layer.labelPoint ? '(ST_MaximumInscribedCircle(geom)).center' : 'geom';
  const { rows } = await db.query<{ id: string; must: boolean } & Record<string, unknown>>(
    `WITH env AS (SELECT ST_MakeEnvelope($1, $2, $3, $4, ${grid.srid}) AS e),
          f AS (SELECT id, ${attributes}, ST_Transform(${geom}, ${grid.srid}) AS g FROM "${layer.table}" ${layer.filter ? `WHERE ${layer.filter}` : ''})
     SELECT f.id, ${attributes},
            -- a feature must appear when it reaches well inside the tile and is bigger than the MVT grid step
            ST_Intersects(f.g, ST_Expand(env.e, -10 * $5::float8))
              AND (GeometryType(f.g) = 'POINT' OR greatest(sqrt(ST_Area(f.g)), ST_Length(f.g)) > 4 * $5::float8) AS must
       FROM f, env
      WHERE ST_Intersects(f.g, ST_Expand(env.e, 64 * $5::float8))`,
    [minX, minY, maxX, maxY, unit],
  );
  return rows;
}

function sameValue(actual: unknown, expected: unknown): boolean {
  if (typeof actual === 'number' && expected !== null) return Math.abs(actual - Number(expected)) <= 1e-5 * Math.max(1, Math.abs(actual));
  return actual === expected;
}

describe('vector tiles from PostGIS', () => {
  it.each([...SAMPLE_TILES.map((t) => ({ grid: webMercatorQuad, ...t })), ...SWEDISH_GRID_TILES])(
    'tile $grid.id $z/$x/$y holds exactly the features and attributes of the database that its content rules keep',
    async ({ grid, z, x, y }) => {
      const path = grid === webMercatorQuad ? `${z}/${x}/${y}` : `${grid.id}/${z}/${x}/${y}`;
      const { status, bytes } = await fetchTile(`${running.url}/tiles/sodertorn/${path}.mvt`);
      expect(status).toBe(200);
      const decoded = decodeTile(bytes);
      const carried = content.layersAt(grid, z);
      const expectedLayers = carried.map((l) => l.layer.id);
      for (const layerId of Object.keys(decoded)) expect(expectedLayers).toContain(layerId);

      let compared = 0;
      for (const { layer, attributes, keep, merge } of carried) {
        const layerId = layer.id;
        // The rows the rules keep, judged in JavaScript from the rows' values: the SQL must agree.
        const rows = (await rowsNearTile(layerId, grid, z, x, y)).filter((r) => !keep || evaluatePredicate(keep, r));
        const features = decoded[layerId] ?? [];
        if (merge) {
          // One feature, without an id, per attribute tuple of the merged rows that reach into the tile.
          const tuple = (props: Record<string, unknown>) => JSON.stringify(attributes.map((a) => props[a] ?? null));
          const merged = features.filter((f) => f.id === undefined);
          const tuples = merged.map((f) => tuple(f.properties));
          expect(new Set(tuples).size, `${layerId}: one feature per class`).toBe(merged.length);
          const mergedRows = rows.filter((r) => evaluatePredicate(merge, r));
          const near = new Set(mergedRows.map(tuple));
          for (const t of tuples) expect(near.has(t), `${layerId} ${t} is a class of rows near the tile`).toBe(true);
          for (const row of mergedRows.filter((r) => r.must)) expect(tuples, `${layerId}: the class of row ${row.id}`).toContain(tuple(row));
          compared += merged.length;
          // The rest (those a label is placed on) as features of their own.
          rows.splice(0, rows.length, ...rows.filter((r) => !evaluatePredicate(merge, r)));
          features.splice(0, features.length, ...features.filter((f) => f.id !== undefined));
        }
        const byId = new Map(rows.map((r) => [Number(r.id), r]));
        const ids = new Set(features.map((f) => f.id));
        expect(ids.size, `${layerId}: feature ids are unique`).toBe(features.length);
        for (const feature of features) {
          const row = byId.get(feature.id!);
          expect(row, `${layerId} feature ${feature.id} exists in the database near the tile`).toBeDefined();
          expect(Object.keys(feature.properties).every((a) => attributes.includes(a)), `${layerId} ${feature.id} carries only ${attributes.join(', ')}`).toBe(true);
          for (const a of attributes) {
            const value = row![a];
            if (value === null) expect(feature.properties[a]).toBeUndefined();
            else expect(sameValue(feature.properties[a], value), `${layerId}.${a} of ${feature.id}`).toBe(true);
          }
          compared++;
        }
        for (const row of rows.filter((r) => r.must)) {
          expect(ids.has(Number(row.id)), `${layerId} row ${row.id} is in the tile`).toBe(true);
        }
      }
      expect(compared).toBeGreaterThan(0);
    },
  );

  it('answers the tiles on the edges of every grid, where a tile envelope reaches past what a transform takes', async () => {
    for (const grid of GRIDS) {
      const corners = [0, 3, 6].flatMap((z) => {
        const { matrixWidth: w, matrixHeight: h } = grid.levels[z]!;
        return [[z, 0, 0], [z, w - 1, 0], [z, 0, h - 1], [z, w - 1, h - 1]];
      });
      for (const [z, x, y] of corners) {
        const path = grid === webMercatorQuad ? `${z}/${x}/${y}` : `${grid.id}/${z}/${x}/${y}`;
        for (const url of [`/tiles/sodertorn/${path}.mvt`, `/tiles/grundkarta/${path}.png`]) {
          expect([200, 204], `${url}`).toContain((await fetchTile(`${running.url}${url}`)).status);
        }
      }
    }
  });

  it('is read by an independent decoder (GDAL ogrinfo) with the right georeference', async () => {
    const { z, x, y } = SAMPLE_TILES[4]!;
    const { bytes } = await fetchTile(`${running.url}/tiles/sodertorn/${z}/${x}/${y}.mvt`);
    const dir = mkdtempSync(join(tmpdir(), 'mvt-'));
    mkdirSync(join(dir, String(z), String(x)), { recursive: true });
    const file = join(dir, String(z), String(x), `${y}.pbf`);
    writeFileSync(file, bytes);
    const out = execFileSync('ogrinfo', ['-ro', '-so', '-al', file], { encoding: 'utf8' });
    const decoded = decodeTile(bytes);
    for (const [layer, features] of Object.entries(decoded)) {
      const section = out.split(/\nLayer name: /).find((s) => s.startsWith(`${layer}\n`));
      expect(section, `ogrinfo lists layer ${layer}`).toBeDefined();
      expect(Number(/Feature Count: (\d+)/.exec(section!)![1])).toBe(features.length);
    }
    // GDAL places the tile in EPSG:3857 from its z/x/y path: the extent lies within the tile.
    const [minX, minY, maxX, maxY] = tileToBbox(webMercatorQuad, z, x, y);
    const span = maxX - minX;
    for (const m of out.matchAll(/Extent: \((-?[\d.]+), (-?[\d.]+)\) - \((-?[\d.]+), (-?[\d.]+)\)/g)) {
      const [ex0, ey0, ex1, ey1] = m.slice(1).map(Number) as [number, number, number, number];
      expect(ex0).toBeGreaterThanOrEqual(minX - span * 0.05);
      expect(ey0).toBeGreaterThanOrEqual(minY - span * 0.05);
      expect(ex1).toBeLessThanOrEqual(maxX + span * 0.05);
      expect(ey1).toBeLessThanOrEqual(maxY + span * 0.05);
    }
  });

  it('is read by GDAL in the EPSG:3006 grid with the georeference the TMS JSON gives', async () => {
    // GDAL's MVT driver georeferences a z/x/y tile by crs / tile origin / zoom-0 span in a
    // metadata.json; the 3006 grid's 4 × 4 level 0 is zoom 2 of that one-tile scheme.
    const tms = (await (await fetch(`${running.url}/tileMatrixSets/3006`)).json()) as {
      tileMatrices: { pointOfOrigin: [number, number]; cellSize: number; tileWidth: number; matrixWidth: number }[];
    };
    const m0 = tms.tileMatrices[0]!;
    const zoomOffset = Math.log2(m0.matrixWidth);
    const grid = SWEDISH_GRID_TILES[2]!.grid;
    const { z, x, y } = SWEDISH_GRID_TILES[2]!;
    const { bytes } = await fetchTile(`${running.url}/tiles/sodertorn/3006/${z}/${x}/${y}.mvt`);
    const dir = mkdtempSync(join(tmpdir(), 'mvt3006-'));
    const file = join(dir, String(z + zoomOffset), String(x), `${y}.pbf`);
    mkdirSync(join(dir, String(z + zoomOffset), String(x)), { recursive: true });
    writeFileSync(file, bytes);
    const layers = Object.keys(decodeTile(bytes));
    writeFileSync(
      join(dir, 'metadata.json'),
      JSON.stringify({
        format: 'pbf',
        minzoom: String(z + zoomOffset),
        maxzoom: String(z + zoomOffset),
        crs: 'EPSG:3006',
        tile_origin_upper_left_x: String(m0.pointOfOrigin[1]), // TMS JSON is northing first
        tile_origin_upper_left_y: String(m0.pointOfOrigin[0]),
        tile_dimension_zoom_0: String(m0.cellSize * m0.tileWidth * m0.matrixWidth),
        json: JSON.stringify({ vector_layers: layers.map((id) => ({ id, fields: {} })) }),
      }),
    );
    const out = execFileSync('ogrinfo', ['-ro', '-so', '-al', '-oo', `METADATA_FILE=${join(dir, 'metadata.json')}`, file], { encoding: 'utf8' });
    expect(out).toContain('SWEREF99 TM');
    const [minX, minY, maxX, maxY] = tileToBbox(grid, z, x, y);
    const extents = [...out.matchAll(/Extent: \((-?[\d.]+), (-?[\d.]+)\) - \((-?[\d.]+), (-?[\d.]+)\)/g)];
    expect(extents.length).toBe(layers.length);
    // GDAL clips to the tile: every layer lies inside it, and kommun (which covers it) spans it exactly.
    for (const m of extents) {
      const [ex0, ey0, ex1, ey1] = m.slice(1).map(Number) as [number, number, number, number];
      expect(ex0).toBeGreaterThanOrEqual(minX);
      expect(ey0).toBeGreaterThanOrEqual(minY);
      expect(ex1).toBeLessThanOrEqual(maxX);
      expect(ey1).toBeLessThanOrEqual(maxY);
    }
    expect(extents.some((m) => m.slice(1).map(Number).join() === [minX, minY, maxX, maxY].join())).toBe(true);
  });

  it('answers 204 for a tile without features, and below a layer minzoom leaves the layer out', async () => {
    const empty = await fetchTile(`${running.url}/tiles/sodertorn/10/0/0.mvt`);
    expect(empty.status).toBe(204);
    expect(empty.bytes.length).toBe(0);
    const low = decodeTile((await fetchTile(`${running.url}/tiles/sodertorn/${SAMPLE_TILES[1]!.z}/${SAMPLE_TILES[1]!.x}/${SAMPLE_TILES[1]!.y}.mvt`)).bytes);
    expect(Object.keys(low)).not.toContain('byggnad');
    expect(Object.keys(low)).toContain('kommun');
  });
});
