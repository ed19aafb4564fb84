/**
 * Pipeline overhead: median time per vector tile through the engine's HTTP endpoint vs
 * the very same ST_AsMVT statement run directly with pg, over a fixed tile list (z10–16),
 * measured interleaved in one run so machine noise hits both alike. Target ≤ 1.15×.
 */
import http from 'node:http';
import pg from 'pg';
import { TILE_SESSION_OPTIONS } from '../src/sources/postgis/database.ts';
import { loadConfig } from '../src/config/load-config.ts';
import { tileToBbox } from '../src/grids/tile-grid.ts';
import { webMercatorQuad } from '../src/grids/web-mercator-quad.ts';
import { assertUncached, startEngineProcess } from './lib/engine-process.ts';
import { engineStatements } from './lib/engine-statements.ts';
import { benchTiles, type BenchTile } from './lib/bench-tiles.ts';
import { median, msSince, round } from './lib/stats.ts';

export interface OverheadResult {
  readonly tiles: number;
  readonly rounds: number;
  readonly medianMsEngine: number;
  readonly medianMsDirectSql: number;
  /** median over tiles of (engine time / direct SQL time) */
  readonly medianRatio: number;
  /** median engine time / median direct SQL time */
  readonly ratioOfMedians: number;
  /** total engine time / total direct SQL time */
  readonly totalRatio: number;
  readonly perZoom: Record<string, { engineMs: number; sqlMs: number; ratio: number; bytes: number }>;
}

/** GET over a kept-alive connection, without gzip (the SQL baseline does not compress either). */
function get(agent: http.Agent, url: string): Promise<number> {
  return new Promise((resolve, reject) => {
    http
      .get(url, { agent }, (res) => {
        let bytes = 0;
        res.on('data', (c: Buffer) => (bytes += c.length));
        res.on('end', () => (res.statusCode === 200 || res.statusCode === 204 ? resolve(bytes) : reject(new Error(`${url}: ${res.statusCode}`))));
      })
      .on('error', reject);
  });
}

export async function runPipelineOverhead(databaseUrl: string, options: { rounds: number; block: number }): Promise<OverheadResult> {
  const base = loadConfig({});
  const config = { ...base, database: { ...base.database, url: databaseUrl } };
  const engine = await startEngineProcess({ DATABASE_URL: databaseUrl });
  const url = engine.url;
  await assertUncached(url);
  const tileset = config.tilesets.find((t) => t.id === 'sodertorn')!;
  // The baseline: a pool of the same size, the same prepared statement text, warmed alike.
  const pool = new pg.Pool({ connectionString: databaseUrl, max: config.database.poolSize, options: TILE_SESSION_OPTIONS });
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const tiles = benchTiles(options.block);

  // The engine's own statements: its content rules, features in id order where ids are unique.
  const statementOf = await engineStatements(pool, config, tileset, webMercatorQuad);
  const statementByZoom = new Map(tiles.map((t) => [t.z, statementOf(t.z)!]));
  const direct = async (t: BenchTile) => {
    const statement = statementByZoom.get(t.z)!;
    const bbox = tileToBbox(webMercatorQuad, t.z, t.x, t.y);
    const r = await pool.query({ ...statement, values: [...bbox] });
    return (r.rows[0]?.mvt as Buffer | undefined)?.length ?? 0;
  };
  const viaEngine = (t: BenchTile) => get(agent, `${url}/tiles/sodertorn/${t.z}/${t.x}/${t.y}.mvt`);

  try {
    // Warm-up: PROJ, prepared statements and buffers on both sides.
    await Promise.all(Array.from({ length: config.database.poolSize }, () => pool.query("SELECT ST_Transform(ST_SetSRID(ST_MakePoint(18, 59), 4326), 3006)")));
    for (const t of tiles) {
      await direct(t);
      await viaEngine(t);
    }
    const engineMs = new Map<string, number[]>();
    const sqlMs = new Map<string, number[]>();
    const bytes = new Map<string, number>();
    for (let round_ = 0; round_ < options.rounds; round_++) {
      for (const [i, t] of tiles.entries()) {
        const key = `${t.z}/${t.x}/${t.y}`;
        // Alternate which side goes first, so neither always meets a warmer cache.
        const order = (i + round_) % 2 === 0 ? ['sql', 'engine'] : ['engine', 'sql'];
        for (const side of order) {
          const start = process.hrtime.bigint();
          const size = side === 'sql' ? await direct(t) : await viaEngine(t);
          const ms = msSince(start);
          const map = side === 'sql' ? sqlMs : engineMs;
          map.set(key, [...(map.get(key) ?? []), ms]);
          if (side === 'sql') bytes.set(key, size);
        }
      }
    }
    const keys = tiles.map((t) => `${t.z}/${t.x}/${t.y}`);
    const eMed = keys.map((k) => median(engineMs.get(k)!));
    const sMed = keys.map((k) => median(sqlMs.get(k)!));
    const perZoom: OverheadResult['perZoom'] = {};
    for (const z of new Set(tiles.map((t) => t.z))) {
      const idx = tiles.flatMap((t, i) => (t.z === z ? [i] : []));
      const e = median(idx.map((i) => eMed[i]!));
      const s = median(idx.map((i) => sMed[i]!));
      perZoom[z] = { engineMs: round(e), sqlMs: round(s), ratio: round(e / s), bytes: Math.round(median(idx.map((i) => bytes.get(keys[i]!)!))) };
    }
    const sum = (a: number[]) => a.reduce((x, y) => x + y, 0);
    return {
      tiles: tiles.length,
      rounds: options.rounds,
      medianMsEngine: round(median(eMed)),
      medianMsDirectSql: round(median(sMed)),
      medianRatio: round(median(eMed.map((e, i) => e / sMed[i]!))),
      ratioOfMedians: round(median(eMed) / median(sMed)),
      totalRatio: round(sum(eMed) / sum(sMed)),
      perZoom,
    };
  } finally {
    agent.destroy();
    await pool.end();
    await engine.stop();
  }
}
