/**
 * `sodertorn-tiles tile-sizes`: how heavy a tileset's vector tiles are, level by level, and
 * which layer makes them so. Builds an engine without HTTP and reads the tiles straight from
 * the source (no cache is read or filled), over an evenly spread sample of each level.
 */
import { gzipSync } from 'node:zlib';
import { pino } from 'pino';
import { createEngine } from './app.ts';
import type { EngineConfig } from './config/schema.ts';
import { levelSizes, mvtLayerSizes, evenSample, type LevelSizes, type TileMeasure } from './core/tile-size-stats.ts';
import { wgs84ToGridBbox } from './grids/grid-projection.ts';
import { bboxToTileRange, type Bbox } from './grids/tile-grid.ts';
import { EngineError } from './errors.ts';
import { areasOf, SeedRequestError } from './seed-command.ts';

export interface TileSizesRequest {
  readonly tileset: string;
  readonly grid?: string | undefined;
  readonly zoom: readonly [number, number];
  readonly bbox?: Bbox | undefined;
  readonly kommun: readonly string[];
  /** Most tiles measured per level, spread evenly over it. */
  readonly sample: number;
  /** Raw bytes above which a tile is listed as over budget. */
  readonly budgetBytes: number;
}

const kb = (bytes: number) => `${(bytes / 1024).toFixed(1)} KB`;

/** A level as lines of the report. */
export function formatLevel(level: LevelSizes, budgetBytes: number): string[] {
  const { bytes, gzipBytes } = level;
  const lines = [
    `z${level.z}: ${level.tiles} tiles; raw p50 ${kb(bytes.p50)}, p95 ${kb(bytes.p95)}, max ${kb(bytes.max)}; gzip p95 ${kb(gzipBytes.p95)}; over ${kb(budgetBytes)}: ${level.overBudget.length}`,
    ...level.layers.map((l) => `  ${l.name.padEnd(20)} p95 ${kb(l.bytes.p95).padStart(10)}  max ${kb(l.bytes.max).padStart(10)}  features p95 ${String(l.features.p95).padStart(6)}, max ${String(l.features.max).padStart(6)}`),
    ...level.overBudget.slice(0, 5).map((t) => `  over budget: ${level.z}/${t.x}/${t.y} ${kb(t.bytes)}`),
  ];
  return lines;
}

/** Measures and reports; resolves to the exit code (0, or 1 for a request naming what does not exist). */
export async function tileSizes(config: EngineConfig, request: TileSizesRequest, io: { out(line: string): void; err(line: string): void }): Promise<number> {
  const engine = await createEngine(config, pino({ level: 'warn', base: { service: 'sodertorn-tiles tile-sizes' } }, pino.destination(2)));
  try {
    const tileset = engine.pipeline.resolve(request.tileset);
    const grid = engine.pipeline.resolveGrid(tileset, request.grid);
    const served = engine.pipeline.levelsOf(tileset, grid);
    const areas = (await areasOf(engine, config, request, tileset)).map((a) => wgs84ToGridBbox(grid, a));
    io.out(`tile-sizes of ${tileset.config.id} in ${grid.id}, levels ${request.zoom[0]}–${request.zoom[1]}, at most ${request.sample} tiles a level`);
    for (let z = request.zoom[0]; z <= request.zoom[1]; z++) {
      if (!served || z < served[0] || z > served[1]) {
        io.out(`z${z}: not served (levels ${served ? `${served[0]}–${served[1]}` : 'none'})`);
        continue;
      }
      // The tiles over the areas, each once, in row order.
      const tiles = new Map<string, { x: number; y: number }>();
      for (const range of areas.map((area) => bboxToTileRange(grid, area, z))) {
        if (!range) continue;
        for (let y = range.minY; y <= range.maxY; y++) for (let x = range.minX; x <= range.maxX; x++) tiles.set(`${x}/${y}`, { x, y });
      }
      const measured: TileMeasure[] = [];
      for (const { x, y } of evenSample([...tiles.values()], request.sample)) {
        const mvt = await tileset.source.getTile({ grid, z, x, y });
        measured.push({ x, y, bytes: mvt.byteLength, gzipBytes: mvt.byteLength ? gzipSync(mvt).byteLength : 0, layers: mvtLayerSizes(mvt) });
      }
      for (const line of formatLevel(levelSizes(z, measured, request.budgetBytes), request.budgetBytes)) io.out(line);
    }
    return 0;
  } catch (error) {
    if (error instanceof SeedRequestError || error instanceof EngineError) {
      io.err(`error: ${error.message}`);
      return 1;
    }
    throw error;
  } finally {
    await engine.close();
  }
}
