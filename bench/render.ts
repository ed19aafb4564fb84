/**
 * Raster rendering: ms per 512-px tile (one vector tile of zoom z drawn at MapLibre zoom z,
 * as a 512-px web map draws it), render and encode measured apart, for the Södertörn style
 * with its labels at z10, z13 and z16 over the bench data; and tiles/s through the render
 * pool with 1 thread vs 2 on the same tasks, in one run (target ≥ 1.7× on 2 cores).
 */
import type { StyleSpecification } from '@maplibre/maplibre-gl-style-spec';
import { loadConfig } from '../src/config/load-config.ts';
import { createLogger } from '../src/logger.ts';
import { equivalentZoom, tileToBbox } from '../src/grids/tile-grid.ts';
import { webMercatorQuad } from '../src/grids/web-mercator-quad.ts';
import { encodeImage } from '../workers/encode.ts';
import { RenderPool } from '../src/render/render-pool.ts';
import { renderWorkerData, type RenderTask } from '../src/render/render-task.ts';
import { renderImage } from '../workers/skia/skia-renderer.ts';
import { loadStyles } from '../src/styles/style-store.ts';
import { tileContentOf } from '../src/styles/tile-content-rules.ts';
import { ThreadGlyphs } from '../workers/thread-glyphs.ts';
import { FontLibrary } from '../src/fonts/font-library.ts';
import { warmGlyphs } from './lib/glyphs.ts';
import { Database } from '../src/sources/postgis/database.ts';
import { PostgisSource } from '../src/sources/postgis/postgis-source.ts';
import { benchTiles } from './lib/bench-tiles.ts';
import { median, msSince, round } from './lib/stats.ts';

export interface RenderBenchResult {
  readonly perZoom: Record<string, { tiles: number; renderMs: number; encodePngMs: number; encodeWebpMs: number; mvtBytes: number }>;
  readonly pool: { tasks: number; oneThreadTilesPerS: number; twoThreadsTilesPerS: number; speedup: number };
}

export async function runRenderBench(databaseUrl: string, options: { zooms: number[]; rounds: number }): Promise<RenderBenchResult> {
  const config = loadConfig({});
  const tileset = config.tilesets.find((t) => t.id === 'sodertorn')!;
  const styles = loadStyles(config.render.stylesDir, new Set(config.tilesets.map((t) => t.id)));
  const style = styles.find((s) => s.id === 'grundkarta')!;
  const db = new Database({ ...config.database, url: databaseUrl, maxQueued: 1000 }, createLogger('silent'));
  // The tiles the engine serves: what the styles draw at each level (src/styles/tile-content-rules.ts).
  const source = new PostgisSource(tileset, db, config.tiles, undefined, tileContentOf(tileset, styles));
  const fonts = await FontLibrary.load(config.fonts.dir);
  const glyphs = new ThreadGlyphs();
  const tasks: RenderTask[] = [];
  const perZoom: RenderBenchResult['perZoom'] = {};
  try {
    for (const z of options.zooms) {
      const render: number[] = [];
      const png: number[] = [];
      const webp: number[] = [];
      const sizes: number[] = [];
      for (const t of benchTiles(1, [z])) {
        const bbox = tileToBbox(webMercatorQuad, z, t.x, t.y);
        const mvt = await source.getTile({ grid: webMercatorQuad, z, x: t.x, y: t.y });
        sizes.push(mvt.length);
        const task: RenderTask = {
          styleId: style.id,
          view: { bbox, widthPx: 512, heightPx: 512, pixelRatio: 1, zoom: equivalentZoom(webMercatorQuad, z) },
          tiles: [{ sourceId: 'sodertorn', bbox, mvt }],
          format: 'png',
        };
        tasks.push(task);
        await warmGlyphs(glyphs, fonts, () => renderImage(style.style as StyleSpecification, task.view, task.tiles, { glyphs: glyphs.loader }));
        for (let r = 0; r < options.rounds; r++) {
          let start = process.hrtime.bigint();
          const image = renderImage(style.style, task.view, task.tiles, { glyphs: glyphs.loader });
          render.push(msSince(start));
          start = process.hrtime.bigint();
          await encodeImage(image, 'png', config.render);
          png.push(msSince(start));
          start = process.hrtime.bigint();
          await encodeImage(image, 'webp', config.render);
          webp.push(msSince(start));
        }
      }
      perZoom[z] = { tiles: sizes.length, renderMs: round(median(render)), encodePngMs: round(median(png)), encodeWebpMs: round(median(webp)), mvtBytes: Math.round(median(sizes)) };
    }
  } finally {
    await db.close();
  }

  const throughput = async (workers: number) => {
    const pool = new RenderPool({ workers, maxQueue: 100_000, timeoutMs: 120_000 }, renderWorkerData(config), (stack, start) => fonts.glyphRange(stack, start));
    try {
      await Promise.all(tasks.slice(0, workers * 2).map((t) => pool.render(t))); // threads up and warm
      const all = Array.from({ length: 3 }, () => tasks).flat();
      const start = process.hrtime.bigint();
      await Promise.all(all.map((t) => pool.render(t)));
      return all.length / (msSince(start) / 1000);
    } finally {
      await pool.close();
    }
  };
  const one = await throughput(1);
  const two = await throughput(2);
  return { perZoom, pool: { tasks: tasks.length * 3, oneThreadTilesPerS: round(one, 1), twoThreadsTilesPerS: round(two, 1), speedup: round(two / one) } };
}
