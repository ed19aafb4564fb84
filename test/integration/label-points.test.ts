import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { VectorTile } from '@mapbox/vector-tile';
import { PbfReader } from 'pbf';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { wgs84ToGridBbox } from '../../src/grids/grid-projection.ts';
import { sweref99tm } from '../../src/grids/swedish-grids.ts';
import { bboxToTileRange, tileToBbox, type TileGrid } from '../../src/grids/tile-grid.ts';
import { loadConfig } from '../../src/config/load-config.ts';
import { labelPointIndexSql, layerQuery } from '../../src/sources/postgis/mvt-query.ts';
import type { EngineConfig } from '../../src/config/schema.ts';
import { DEFAULT_CHANGELOG, DEFAULT_CHANNEL } from '../../cache/invalidation/changelog-sql.ts';
import { installChangeLog } from '../../cache/invalidation/install-triggers.ts';
import { trackedTables } from '../../cache/invalidation/tracked-tables.ts';
import { decodeTile } from '../helpers/mvt.ts';
import { TEST_DATABASE_URL } from '../helpers/test-db.ts';
import pg from 'pg';
import { webMercatorQuad } from '../../src/grids/web-mercator-quad.ts';
import { startEngine, type RunningEngine } from '../helpers/engine.ts';

/**
 * One label per municipality and per named water, however their polygons are cut into
 * tiles: the names are drawn from label points (layers with labelPoint) that the data
 * gives once per row, not from every tile part of the polygon.
 */
const SODERTORN: [number, number, number, number] = [17.18, 58.77, 18.49, 59.38];
const KOMMUNER = ['Botkyrka', 'Haninge', 'Huddinge', 'Nykvarn', 'Nynäshamn', 'Salem', 'Södertälje', 'Tyresö'];

let running: RunningEngine;
let stylesDir: string;

/** Two styles that draw only municipality names, black on white: from the label points, and from the polygons as before. */
function labelStyles(): string {
  const dir = mkdtempSync(join(tmpdir(), 'label-styles-'));
  const style = (sourceLayer: string) => ({
    version: 8,
    glyphs: 'fonts://{fontstack}/{range}.pbf',
    sources: { s: { type: 'vector', url: 'tileset://sodertorn' } },
    layers: [
      { id: 'bg', type: 'background', paint: { 'background-color': '#ffffff' } },
      { id: 'namn', type: 'symbol', source: 's', 'source-layer': sourceLayer, layout: { 'text-field': ['get', 'namn'], 'text-font': ['Noto Sans Regular'], 'text-size': 14, 'text-transform': 'uppercase' }, paint: { 'text-color': '#000000' } },
    ],
  });
  writeFileSync(join(dir, 'etikettpunkter.json'), JSON.stringify(style('kommun_etikett')));
  writeFileSync(join(dir, 'polygondelar.json'), JSON.stringify(style('kommun')));
  return dir;
}

beforeAll(async () => {
  stylesDir = labelStyles();
  running = await startEngine();
});
afterAll(() => running?.close());

/** Every tile of a grid level over Södertörn: the points of one layer that lie in each tile's own extent (not its buffer). */
async function pointsInBlock(grid: TileGrid, prefix: string, z: number, layer: string): Promise<string[]> {
  const range = bboxToTileRange(grid, wgs84ToGridBbox(grid, SODERTORN), z)!;
  const names: string[] = [];
  for (let x = range.minX; x <= range.maxX; x++) {
    for (let y = range.minY; y <= range.maxY; y++) {
      const res = await fetch(`${running.url}/tiles/sodertorn${prefix}/${z}/${x}/${y}.mvt`);
      expect(res.status).toBeLessThan(300);
      const tile = new VectorTile(new PbfReader(new Uint8Array(await res.arrayBuffer())));
      const features = tile.layers[layer];
      for (let i = 0; i < (features?.length ?? 0); i++) {
        const feature = features!.feature(i);
        expect(feature.type).toBe(1); // a point, not the polygon
        const [[point]] = feature.loadGeometry() as unknown as [[{ x: number; y: number }]];
        if (point.x >= 0 && point.y >= 0 && point.x < features!.extent && point.y < features!.extent) names.push(String(feature.properties.namn));
      }
    }
  }
  return names.sort();
}

describe('label points', { timeout: 90_000 }, () => {
  it('give each municipality one point in an overview tile block, in Web Mercator and in SWEREF 99 TM', async () => {
    expect(await pointsInBlock(webMercatorQuad, '', 9, 'kommun_etikett')).toEqual(KOMMUNER);
    expect(await pointsInBlock(sweref99tm, '/3006', 7, 'kommun_etikett')).toEqual(KOMMUNER);
  });

  it('give each named water one point, where a detail block cuts lakes into several tiles', async () => {
    const names = await pointsInBlock(webMercatorQuad, '', 12, 'vatten_etikett');
    expect(names.length).toBeGreaterThan(5);
    expect(new Set(names).size).toBe(names.length);
  });

  it('are found through their index: a tile query reads the points of the rows in the tile, not every polygon touching it', async () => {
    const db = new pg.Pool({ connectionString: TEST_DATABASE_URL, max: 1 });
    try {
      const layer = loadConfig({}).tilesets.find((t) => t.id === 'sodertorn')!.layers.find((l) => l.id === 'vatten_etikett')!;
      const [minX, minY, maxX, maxY] = tileToBbox(sweref99tm, 11, 1860, 1906);
      const { rows } = await db.query(`EXPLAIN ${layerQuery({ layer, attributes: layer.attributes }, sweref99tm, { extent: 4096, buffer: 64 })}`, [minX, minY, maxX, maxY]);
      expect(rows.map((r: { 'QUERY PLAN': string }) => r['QUERY PLAN']).join('\n')).toContain('vatten_geom_label_idx');
    } finally {
      await db.end();
    }
  });

  it('move with their polygon: after an UPDATE the cached tile of the old point loses the label and the new point’s tile has it', async () => {
    const db = new pg.Pool({ connectionString: TEST_DATABASE_URL, max: 1 });
    const schema = 'label_point_test';
    const layer = { id: 'etikett', table: `${schema}.omrade`, geometryColumn: 'geom', srid: 3006, idColumn: 'id', attributes: ['namn'], labelPoint: true, minzoom: 0, maxzoom: 24 };
    const tileset = { id: 'etiketter', minzoom: 0, maxzoom: 18, layers: [layer] } as unknown as EngineConfig['tilesets'][number];
    /** A 2 km square around a point, as EWKT. */
    const square = ([x, y]: readonly number[]) => `SRID=3006;POLYGON((${x! - 1000} ${y! - 1000},${x! + 1000} ${y! - 1000},${x! + 1000} ${y! + 1000},${x! - 1000} ${y! + 1000},${x! - 1000} ${y! - 1000}))`;
    const [here, far] = [[674_000, 6_569_000], [654_000, 6_549_000]] as const;
    await db.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE; CREATE SCHEMA ${schema}; CREATE TABLE ${schema}.omrade (id int PRIMARY KEY, namn text, geom geometry(Polygon, 3006))`);
    await db.query(`INSERT INTO ${schema}.omrade VALUES (1, 'Området', $1::geometry)`, [square(here)]);
    await db.query(labelPointIndexSql(layer as never));
    const client = await db.connect();
    await installChangeLog(client, { changelog: DEFAULT_CHANGELOG, channel: DEFAULT_CHANNEL, tables: trackedTables([tileset]) }).finally(() => client.release());
    // Vector tiles only: no style of the engine's draws this tileset.
    const engine = await startEngine({ overrides: { tilesets: [tileset], render: { stylesDir: mkdtempSync(join(tmpdir(), 'no-styles-')), defaultStyle: undefined } } });
    // The 3006 level-11 tiles (2 m/px, 512 m) holding each square's centre.
    const tileOf = ([x, y]: readonly number[]) => `/tiles/etiketter/3006/11/${Math.floor((x! + 1_200_000) / 512)}/${Math.floor((8_500_000 - y!) / 512)}.mvt`;
    const labels = async (path: string) => {
      const res = await fetch(`${engine.url}${path}`);
      return res.status === 204 ? [] : (decodeTile(new Uint8Array(await res.arrayBuffer())).etikett ?? []).map((f) => f.properties.namn);
    };
    try {
      expect(await labels(tileOf(here))).toEqual(['Området']);
      expect(await labels(tileOf(far))).toEqual([]); // both now cached
      await db.query(`UPDATE ${schema}.omrade SET geom = $1::geometry WHERE id = 1`, [square(far)]);
      await expect.poll(() => labels(tileOf(here)), { timeout: 30_000, interval: 20 }).toEqual([]);
      expect(await labels(tileOf(far))).toEqual(['Området']);
    } finally {
      await engine.close();
      await db.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      await db.end();
    }
  });

  it('make a WMS overview write each municipality name once, where labels on the polygons repeat it', async () => {
    const engine = await startEngine({ overrides: { render: { stylesDir, defaultStyle: undefined } } });
    try {
      const labels = async (style: string) => {
        // The whole region at 120 m/px, northing first as WMS 1.3.0 wants for EPSG:3006.
        const query = new URLSearchParams({ SERVICE: 'WMS', VERSION: '1.3.0', REQUEST: 'GetMap', LAYERS: style, STYLES: '', CRS: 'EPSG:3006', BBOX: '6510000,615000,6594000,711000', WIDTH: '800', HEIGHT: '700', FORMAT: 'image/png' });
        const res = await fetch(`${engine.url}/wms?${query}`);
        expect(res.status).toBe(200);
        return countInkClusters(Buffer.from(await res.arrayBuffer()));
      };
      const fromPolygons = await labels('polygondelar');
      const fromPoints = await labels('etikettpunkter');
      // The control: this view does repeat names drawn from polygon parts.
      expect(fromPolygons).toBeGreaterThan(KOMMUNER.length);
      expect(fromPoints).toBe(KOMMUNER.length);
    } finally {
      await engine.close();
    }
  });
});

/**
 * The number of separate pieces of text on a white map: dark pixels gathered into 12 px
 * cells, cells joined with their 8 neighbours. Letters of one label fall into one piece.
 */
async function countInkClusters(png: Buffer): Promise<number> {
  const { data, info } = await sharp(png).greyscale().raw().toBuffer({ resolveWithObject: true });
  const CELL = 12;
  const [cols, rows] = [Math.ceil(info.width / CELL), Math.ceil(info.height / CELL)];
  const inked = new Uint8Array(cols * rows);
  for (let y = 0; y < info.height; y++) {
    for (let x = 0; x < info.width; x++) if (data[y * info.width + x]! < 128) inked[Math.floor(y / CELL) * cols + Math.floor(x / CELL)] = 1;
  }
  let clusters = 0;
  for (let start = 0; start < inked.length; start++) {
    if (inked[start] !== 1) continue;
    clusters++;
    const stack = [start];
    inked[start] = 2;
    while (stack.length) {
      const cell = stack.pop()!;
      const [cx, cy] = [cell % cols, Math.floor(cell / cols)];
      for (let dy = -1; dy <= 1; dy++) {
        for (let dx = -1; dx <= 1; dx++) {
          const [nx, ny] = [cx + dx, cy + dy];
          if (nx < 0 || ny < 0 || nx >= cols || ny >= rows || inked[ny * cols + nx] !== 1) continue;
          inked[ny * cols + nx] = 2;
          stack.push(ny * cols + nx);
        }
      }
    }
  }
  return clusters;
}
