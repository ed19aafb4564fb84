import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type pg from 'pg';
import { DEFAULT_CHANGELOG, DEFAULT_CHANNEL } from '../../cache/invalidation/changelog-sql.ts';
import { installChangeLog } from '../../cache/invalidation/install-triggers.ts';
import { trackedTables } from '../../cache/invalidation/tracked-tables.ts';
import type { EngineConfig } from '../../src/config/schema.ts';

// Huddinge centre in SWEREF 99 TM, and a point 20 km away.
export const HERE = [674_000, 6_569_000] as const;
export const FAR = [654_000, 6_549_000] as const;

/**
 * `{schema}.punkt` made afresh with two points, 1 'här' at HERE and 2 'långt bort' at
 * FAR, and the change-log triggers the engine's tileset needs: a suite changing its rows
 * disturbs no other suite.
 */
export async function createPointTable(db: pg.Pool, schema: string, tileset: EngineConfig['tilesets'][number]): Promise<void> {
  await db.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE; CREATE SCHEMA ${schema};
    CREATE TABLE ${schema}.punkt (id int PRIMARY KEY, namn text, geom geometry(Point, 3006));
    INSERT INTO ${schema}.punkt VALUES (1, 'här', ST_SetSRID(ST_MakePoint(${HERE[0]}, ${HERE[1]}), 3006)),
                                       (2, 'långt bort', ST_SetSRID(ST_MakePoint(${FAR[0]}, ${FAR[1]}), 3006));`);
  const client = await db.connect();
  try {
    await installChangeLog(client, { changelog: DEFAULT_CHANGELOG, channel: DEFAULT_CHANNEL, tables: trackedTables([tileset]) });
  } finally {
    client.release();
  }
}

/**
 * A styles folder holding one style, `prick`, over the point table's tileset: a red dot
 * for 'här', a blue one for any other name, so a renamed point changes the raster tile.
 */
export function pointStylesDir(tilesetId: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'point-styles-'));
  writeFileSync(join(dir, 'prick.json'), JSON.stringify({
    version: 8,
    sources: { c: { type: 'vector', url: `tileset://${tilesetId}` } },
    layers: [{ id: 'p', type: 'circle', source: 'c', 'source-layer': 'punkt', paint: { 'circle-radius': 20, 'circle-color': ['match', ['get', 'namn'], 'här', '#ff0000', '#0000ff'] } }],
  }));
  return dir;
}
