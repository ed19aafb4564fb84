/**
 * Throughput of cold vector tiles under concurrency: wrk against the engine, cycling a
 * fixed tile list (nothing is cached yet, so every request runs ST_AsMVT), vs the same
 * statements run directly from Node with the same pool size and concurrency, in one run.
 */
import pg from 'pg';
import { TILE_SESSION_OPTIONS } from '../src/sources/postgis/database.ts';
import { loadConfig } from '../src/config/load-config.ts';
import { tileToBbox } from '../src/grids/tile-grid.ts';
import { webMercatorQuad } from '../src/grids/web-mercator-quad.ts';
import { assertUncached, startEngineProcess } from './lib/engine-process.ts';
import { engineStatements } from './lib/engine-statements.ts';
import { benchTiles } from './lib/bench-tiles.ts';
import { round } from './lib/stats.ts';
import { ensureWrk, runWrk, type WrkResult } from './lib/wrk.ts';

export interface ThroughputResult {
  readonly connections: number;
  readonly durationS: number;
  readonly tiles: number;
  readonly engine: WrkResult;
  readonly directSqlTilesPerS: number;
  /** engine req/s ÷ direct SQL tiles/s */
  readonly ratio: number;
}

export async function runThroughput(databaseUrl: string, options: { connections: number; durationS: number; zooms?: number[] }): Promise<ThroughputResult> {
  ensureWrk();
  const base = loadConfig({});
  const config = { ...base, database: { ...base.database, url: databaseUrl } };
  const tileset = config.tilesets.find((t) => t.id === 'sodertorn')!;
  const tiles = benchTiles(2, options.zooms);

  // Baseline first: N concurrent loops over the tile list for the same duration.
  const pool = new pg.Pool({ connectionString: databaseUrl, max: config.database.poolSize, options: TILE_SESSION_OPTIONS });
  // The engine's own statements: its content rules, features in id order where ids are unique.
  const statementOf = await engineStatements(pool, config, tileset, webMercatorQuad);
  const statements = new Map(tiles.map((t) => [t.z, statementOf(t.z)!]));
  let done = 0;
  try {
    await Promise.all(tiles.slice(0, config.database.poolSize).map(() => pool.query('SELECT ST_Transform(ST_SetSRID(ST_MakePoint(18, 59), 4326), 3006)')));
    // Warm-up pass, as the engine gets one below: statements prepared, pages cached.
    for (const t of tiles) await pool.query({ ...statements.get(t.z)!, values: [...tileToBbox(webMercatorQuad, t.z, t.x, t.y)] });
    const deadline = Date.now() + options.durationS * 1000;
    let next = 0;
    await Promise.all(
      Array.from({ length: options.connections }, async () => {
        while (Date.now() < deadline) {
          const t = tiles[next++ % tiles.length]!;
          await pool.query({ ...statements.get(t.z)!, values: [...tileToBbox(webMercatorQuad, t.z, t.x, t.y)] });
          done++;
        }
      }),
    );
  } finally {
    await pool.end();
  }
  const directSqlTilesPerS = done / options.durationS;

  const engine = await startEngineProcess({ DATABASE_URL: databaseUrl });
  const url = engine.url;
  await assertUncached(url);
  try {
    const paths = tiles.map((t) => `/tiles/sodertorn/${t.z}/${t.x}/${t.y}.mvt`);
    runWrk(url, paths, { connections: options.connections, durationS: 3 }); // warm-up, discarded
    const result = runWrk(url, paths, { connections: options.connections, durationS: options.durationS });
    return { connections: options.connections, durationS: options.durationS, tiles: tiles.length, engine: result, directSqlTilesPerS: round(directSqlTilesPerS, 1), ratio: round(result.requestsPerS / directSqlTilesPerS) };
  } finally {
    await engine.stop();
  }
}
