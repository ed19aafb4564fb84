import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EngineConfig } from '../../src/config/schema.ts';
import { startEngine, type RunningEngine } from '../helpers/engine.ts';
import { decodeTile } from '../helpers/mvt.ts';
import { createPointTable, pointStylesDir } from '../helpers/point-table.ts';
import { createSqlGate, type SqlGate } from '../helpers/sql-gate.ts';
import { TEST_DATABASE_URL } from '../helpers/test-db.ts';

/**
 * Never a stale tile, with the interleavings forced: a tile query held inside PostgreSQL by
 * a gate (a SQL function in the layer's filter that sleeps while a flag is set) while a
 * change commits and reaches the cache, then requests arrive that could join the query
 * still reading the old rows.
 */
const SCHEMA = 'fresh_test';
const TABLE = `${SCHEMA}.punkt`;
const GATE = 'fresh_gate';
const tileset = {
  id: 'freshtest',
  minzoom: 0,
  maxzoom: 18,
  layers: [{ id: 'punkt', table: TABLE, geometryColumn: 'geom', srid: 3006, idColumn: 'id', attributes: ['namn'], minzoom: 0, maxzoom: 24, filter: `${GATE}.gate()` }],
} as unknown as EngineConfig['tilesets'][number];
// HERE (point-table.ts) lies in XYZ z16 tile 36053/19310; the raster tile there is drawn from the z15 vector tile under it.
const RASTER = { name: 'prick', z: '16', x: '36053', y: '19310', format: 'png' };
const VECTOR = { tilesetId: 'freshtest', z: '15', x: '18026', y: '9655', format: 'mvt' };

let db: pg.Pool;
let stylesDir: string;
let gate: SqlGate;

/** Waits until the engine has applied every change logged so far. */
async function caughtUp(engine: RunningEngine): Promise<void> {
  const latest = Number((await db.query('SELECT max(seq) AS seq FROM sodertorn_tiles.changelog')).rows[0].seq);
  await expect.poll(() => (engine.engine.cacheStatus() as { appliedSeq: number }).appliedSeq, { timeout: 20_000, interval: 10 }).toBeGreaterThanOrEqual(latest);
}

/** Lets every request made so far take its cache lookup and its join-or-start decision (memory tier: no I/O before them). */
const decided = () => new Promise((resolve) => setImmediate(resolve));

const names = (body: Uint8Array) => (decodeTile(body).punkt ?? []).map((f) => String(f.properties.namn));

beforeAll(async () => {
  db = new pg.Pool({ connectionString: TEST_DATABASE_URL, max: 3 });
  gate = await createSqlGate(GATE);
  await createPointTable(db, SCHEMA, tileset);
  stylesDir = pointStylesDir('freshtest');
});

afterAll(async () => {
  await gate?.drop();
  await db.query(`DROP SCHEMA IF EXISTS ${SCHEMA} CASCADE`);
  await db.end();
});

function engineWith(cache: Partial<EngineConfig['cache']> = {}): Promise<RunningEngine> {
  // No re-warming: the test decides which productions run.
  return startEngine({ overrides: { tilesets: [tileset], cache: { rewarm: { window: 0, maxTiles: 0 }, ...cache }, render: { stylesDir, defaultStyle: undefined } } });
}

describe('tile freshness with the interleavings forced', () => {
  it('does not hand a production that began before a change to requests that came after it, vector or raster', async () => {
    const engine = await engineWith();
    try {
      const { pipeline, raster } = engine.engine;
      await gate.close();
      const before = pipeline.getTile(VECTOR); // reads the rows as they are now, then waits at the gate
      await gate.held(1);
      await db.query(`UPDATE ${TABLE} SET namn = 'ny' WHERE id = 1`);
      await caughtUp(engine);
      // Both arrive after the change: neither may take the query still reading the old row.
      const after = pipeline.getTile(VECTOR);
      const rasterAfter = raster.getTile(RASTER);
      await decided();
      await gate.open();
      expect(names((await before).body)).toEqual(['här']); // asked before the change: either answer is right
      expect(names((await after).body)).toEqual(['ny']);
      const drawn = (await rasterAfter).body;

      // What stays in the cache is the new content.
      expect(names((await pipeline.getTile(VECTOR)).body)).toEqual(['ny']);
      const cachedRaster = (await raster.getTile(RASTER)).body;
      expect(Buffer.from(cachedRaster).equals(Buffer.from(drawn))).toBe(true);
      const uncached = await engineWith({ memory: { enabled: false, maxBytes: 1024 } });
      try {
        const reference = (await uncached.engine.raster.getTile(RASTER)).body;
        expect(Buffer.from(drawn).equals(Buffer.from(reference))).toBe(true);
      } finally {
        await uncached.close();
      }
    } finally {
      await gate.open();
      await engine.close();
      await db.query(`UPDATE ${TABLE} SET namn = 'här' WHERE id = 1`);
    }
  });

  it('does not store a production that read the rows before a change it finishes after', async () => {
    const engine = await engineWith();
    try {
      const { pipeline } = engine.engine;
      await gate.close();
      const before = pipeline.getTile(VECTOR);
      await gate.held(1);
      await db.query(`UPDATE ${TABLE} SET namn = 'senare' WHERE id = 1`);
      await caughtUp(engine);
      await gate.open();
      expect(names((await before).body)).toEqual(['här']);
      const stats = engine.engine.cacheStatus() as { stored: number; refused: number };
      expect(stats.refused).toBeGreaterThanOrEqual(1);
      expect(names((await pipeline.getTile(VECTOR)).body)).toEqual(['senare']);
    } finally {
      await gate.open();
      await engine.close();
      await db.query(`UPDATE ${TABLE} SET namn = 'här' WHERE id = 1`);
    }
  });
});
