/**
 * Tile content: the bytes of the vector tiles per zoom and the time PostGIS takes to make
 * them, with the content that follows the styles (what the engine serves) against full
 * content (every feature and attribute: what it served before), over an even sample of the
 * tiles covering the data, the same tiles for both. Run straight against the database with
 * the engine's own statements, alternating the two per tile so noise hits both alike.
 */
import { gzipSync } from 'node:zlib';
import pg from 'pg';
import { TILE_SESSION_OPTIONS } from '../src/sources/postgis/database.ts';
import { loadConfig } from '../src/config/load-config.ts';
import { evenSample, quantile } from '../src/core/tile-size-stats.ts';
import { wgs84ToGridBbox } from '../src/grids/grid-projection.ts';
import { bboxToTileRange, tileToBbox, type Bbox } from '../src/grids/tile-grid.ts';
import { webMercatorQuad } from '../src/grids/web-mercator-quad.ts';
import { engineStatements } from './lib/engine-statements.ts';
import { msSince, round } from './lib/stats.ts';

export interface ContentSide {
  readonly p50Kb: number;
  readonly p95Kb: number;
  readonly maxKb: number;
  readonly gzipP95Kb: number;
  /** Mean production time per tile: the heavy tiles weigh in (most of a sample is sea or forest, and quick). */
  readonly meanMs: number;
}

export interface ContentResult {
  readonly tilesPerZoom: number;
  readonly budgetKb: number;
  readonly perZoom: Record<string, { tiles: number; styles: ContentSide; full: ContentSide; timeRatio: number }>;
  /** The heaviest tile of any zoom with the served content, and whether every tile is within the budget. */
  readonly maxKb: number;
  readonly withinBudget: boolean;
  /** The z8 tile over Södertälje named in issue 17 (8/140/75). */
  readonly z8SodertaljeKb: { styles: number; full: number };
}

const kb = (bytes: number) => round(bytes / 1024, 1);

export async function runTileContentBench(databaseUrl: string, options: { zooms: readonly number[]; tilesPerZoom: number }): Promise<ContentResult> {
  const config = loadConfig({});
  const tileset = config.tilesets.find((t) => t.id === 'sodertorn')!;
  const pool = new pg.Pool({ connectionString: databaseUrl, max: 1, options: TILE_SESSION_OPTIONS });
  const grid = webMercatorQuad;
  try {
    const served = await engineStatements(pool, config, tileset, grid, 'engine');
    const full = await engineStatements(pool, config, tileset, grid, 'full');
    const { rows } = await pool.query<{ b: string }>(`SELECT ST_Extent(ST_Transform(geom, 4326))::text AS b FROM kommun`);
    const [west, south, east, north] = rows[0]!.b.match(/-?[\d.]+/g)!.map(Number) as [number, number, number, number];
    const area: Bbox = wgs84ToGridBbox(grid, [west, south, east, north]);

    const run = async (statement: ReturnType<typeof served>, z: number, x: number, y: number) => {
      if (!statement) return { bytes: 0, gzip: 0, ms: 0 };
      const started = process.hrtime.bigint();
      const result = await pool.query<{ mvt: Buffer | null }>({ ...statement, values: [...tileToBbox(grid, z, x, y)] });
      const ms = msSince(started);
      const mvt = result.rows[0]?.mvt ?? Buffer.alloc(0);
      return { bytes: mvt.byteLength, gzip: mvt.byteLength ? gzipSync(mvt).byteLength : 0, ms };
    };
    const side = (m: { bytes: number; gzip: number; ms: number }[]): ContentSide => {
      const bytes = m.map((t) => t.bytes).sort((a, b) => a - b);
      const gzip = m.map((t) => t.gzip).sort((a, b) => a - b);
      return { p50Kb: kb(quantile(bytes, 0.5)), p95Kb: kb(quantile(bytes, 0.95)), maxKb: kb(bytes[bytes.length - 1] ?? 0), gzipP95Kb: kb(quantile(gzip, 0.95)), meanMs: round(m.reduce((sum, t) => sum + t.ms, 0) / Math.max(1, m.length), 2) };
    };

    const perZoom: ContentResult['perZoom'] = {};
    let maxBytes = 0;
    for (const z of options.zooms) {
      const range = bboxToTileRange(grid, area, z)!;
      const all: { x: number; y: number }[] = [];
      for (let y = range.minY; y <= range.maxY; y++) for (let x = range.minX; x <= range.maxX; x++) all.push({ x, y });
      const tiles = evenSample(all, options.tilesPerZoom);
      const [s, f] = [served(z), full(z)];
      // Warm both statements and the pages they read, then alternate.
      if (tiles[0]) await Promise.all([run(s, z, tiles[0].x, tiles[0].y), run(f, z, tiles[0].x, tiles[0].y)]);
      const measured = { styles: [] as { bytes: number; gzip: number; ms: number }[], full: [] as { bytes: number; gzip: number; ms: number }[] };
      for (const [i, { x, y }] of tiles.entries()) {
        const order = i % 2 === 0 ? (['styles', 'full'] as const) : (['full', 'styles'] as const);
        for (const which of order) measured[which].push(await run(which === 'styles' ? s : f, z, x, y));
      }
      maxBytes = Math.max(maxBytes, ...measured.styles.map((t) => t.bytes));
      const styles = side(measured.styles);
      const fullSide = side(measured.full);
      perZoom[z] = { tiles: tiles.length, styles, full: fullSide, timeRatio: fullSide.meanMs > 0 ? round(styles.meanMs / fullSide.meanMs, 2) : 1 };
    }
    const z8 = await Promise.all([run(served(8), 8, 140, 75), run(full(8), 8, 140, 75)]);
    const budget = config.tiles.sizeBudgetBytes;
    return { tilesPerZoom: options.tilesPerZoom, budgetKb: kb(budget), perZoom, maxKb: kb(maxBytes), withinBudget: maxBytes <= budget, z8SodertaljeKb: { styles: kb(z8[0].bytes), full: kb(z8[1].bytes) } };
  } finally {
    await pool.end();
  }
}
