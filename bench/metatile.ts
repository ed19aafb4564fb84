/**
 * Metatiles: cost per tile of drawing a 4 × 4 block with its 128-px buffer (one render,
 * sixteen PNG encodes) against drawing the same sixteen tiles one by one (each from the
 * vector tile under it, as the engine does with `render.metatile: 1`), in the same run,
 * through one render thread so the two are timed alike. Labels included (glyphs from the
 * shipped fonts). Medians over the municipality centres' blocks.
 */
import { loadConfig } from '../src/config/load-config.ts';
import { FontLibrary } from '../src/fonts/font-library.ts';
import { bboxToTileRange, tileToBbox, type Bbox } from '../src/grids/tile-grid.ts';
import { webMercatorQuad as grid } from '../src/grids/web-mercator-quad.ts';
import { createLogger } from '../src/logger.ts';
import { dataLevel, metatileOf, metatileView, styleZoomOf, tilesOf } from '../src/grids/metatile.ts';
import { RenderPool } from '../src/render/render-pool.ts';
import { renderWorkerData, type RenderTask } from '../src/render/render-task.ts';
import type { SourceTile } from '../src/render/renderer.ts';
import { Database } from '../src/sources/postgis/database.ts';
import { PostgisSource } from '../src/sources/postgis/postgis-source.ts';
import { loadStyles } from '../src/styles/style-store.ts';
import { tileContentOf } from '../src/styles/tile-content-rules.ts';
import { benchTiles } from './lib/bench-tiles.ts';
import { median, msSince, round } from './lib/stats.ts';

export interface MetatileBenchResult {
  readonly perZoom: Record<string, { blocks: number; metatileMsPerTile: number; singleMsPerTile: number; ratio: number }>;
}

const SIZE = 4;
const BUFFER_PX = 128;
const PIXEL_RATIO = 2;

export async function runMetatileBench(databaseUrl: string, options: { zooms: number[] }): Promise<MetatileBenchResult> {
  const config = loadConfig({});
  const tileset = config.tilesets.find((t) => t.id === 'sodertorn')!;
  const db = new Database({ ...config.database, url: databaseUrl, maxQueued: 1000 }, createLogger('silent'));
  // The tiles the engine serves: what the styles draw at each level (src/styles/tile-content-rules.ts).
  const styles = loadStyles(config.render.stylesDir, new Set(config.tilesets.map((t) => t.id)));
  const source = new PostgisSource(tileset, db, config.tiles, undefined, tileContentOf(tileset, styles));
  const fonts = await FontLibrary.load(config.fonts.dir);
  const pool = new RenderPool({ workers: 1, maxQueue: 1000, timeoutMs: 120_000 }, renderWorkerData(config), (stack, start) => fonts.glyphRange(stack, start));
  const sourceTile = async (z: number, x: number, y: number): Promise<SourceTile> => ({
    sourceId: 'sodertorn',
    bbox: tileToBbox(grid, z, x, y),
    mvt: await source.getTile({ grid, z, x, y }),
  });
  const tilesUnder = (bbox: Bbox, z: number): Promise<SourceTile>[] => {
    const range = bboxToTileRange(grid, bbox, z)!;
    const under: Promise<SourceTile>[] = [];
    for (let y = range.minY; y <= range.maxY; y++) for (let x = range.minX; x <= range.maxX; x++) under.push(sourceTile(z, x, y));
    return under;
  };
  const perZoom: MetatileBenchResult['perZoom'] = {};
  try {
    for (const z of options.zooms) {
      const zoom = styleZoomOf(grid, z);
      const dataZ = dataLevel(grid, z, [0, 18]);
      const blocks = new Map(benchTiles(1, [z]).map((t) => {
        const meta = metatileOf(grid, z, t.x, t.y, SIZE);
        return [`${meta.x0}/${meta.y0}`, meta] as const;
      }));
      const metaMs: number[] = [];
      const singleMs: number[] = [];
      for (const meta of blocks.values()) {
        const view = metatileView(grid, meta, BUFFER_PX, PIXEL_RATIO);
        const under = tilesUnder(view.bbox, dataZ);
        const block: RenderTask = { styleId: 'grundkarta', view: { bbox: view.bbox, widthPx: view.widthPx, heightPx: view.heightPx, pixelRatio: PIXEL_RATIO, zoom }, tiles: await Promise.all(under), format: 'png', pieces: view.pieces };
        const singles: RenderTask[] = await Promise.all(
          tilesOf(meta).map(async ({ x, y }) => {
            const bbox = tileToBbox(grid, z, x, y);
            return { styleId: 'grundkarta', view: { bbox, widthPx: 256, heightPx: 256, pixelRatio: PIXEL_RATIO, zoom }, tiles: await Promise.all(tilesUnder(bbox, dataZ)), format: 'png' as const };
          }),
        );
        await pool.renderPieces(block); // warm: glyphs reach the thread
        let start = process.hrtime.bigint();
        await pool.renderPieces(block);
        metaMs.push(msSince(start) / singles.length);
        start = process.hrtime.bigint();
        for (const task of singles) await pool.render(task);
        singleMs.push(msSince(start) / singles.length);
      }
      const metatileMsPerTile = median(metaMs);
      const singleMsPerTile = median(singleMs);
      perZoom[z] = { blocks: blocks.size, metatileMsPerTile: round(metatileMsPerTile, 1), singleMsPerTile: round(singleMsPerTile, 1), ratio: round(metatileMsPerTile / singleMsPerTile, 2) };
    }
  } finally {
    await pool.close();
    await db.close();
  }
  return { perZoom };
}
