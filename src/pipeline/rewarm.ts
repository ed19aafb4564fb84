/**
 * Produces again the hot tiles a change removed from the cache, one at a time in the
 * background, through the same pipelines (and single flight) as requests: the next viewer
 * of an edited area gets a cached tile with the new content. Bounded: a burst of edits
 * queues at most MAX_QUEUED tiles, the rest are produced on demand as before.
 */
import type { Logger } from 'pino';
import type { Rewarmer } from '../../cache/tiered-cache.ts';
import { keyString, type TileKey } from '../../cache/tile-key.ts';
import type { RasterPipeline } from './raster-pipeline.ts';
import type { TilePipeline } from './tile-pipeline.ts';

const MAX_QUEUED = 256;

/** The re-warmer the cache calls, and how much it has still to do (for /health, and tests that wait for it). */
export interface BackgroundRewarmer {
  readonly rewarm: Rewarmer;
  /** Tiles queued or being produced. */
  pending(): number;
}

export function createRewarmer(pipeline: TilePipeline, raster: RasterPipeline, logger: Logger): BackgroundRewarmer {
  const queue: TileKey[] = [];
  const queued = new Set<string>();
  let running = false;
  let producing = 0;

  const produce = (key: TileKey): Promise<unknown> => {
    const address = { gridId: key.grid, z: String(key.z), x: String(key.x), y: String(key.y) };
    if (key.kind === 'vector') {
      // `mvt.{content rules}`; feature info's `full.{…}` is produced again when it is asked for.
      if (!key.variant.startsWith('mvt')) return Promise.resolve();
      return pipeline.getTile({ tilesetId: key.name, ...address, format: 'mvt' });
    }
    // Raster variants are `{scale}.{format}`: `1.png`, `2.webp`.
    const [scale, format] = key.variant.split('.') as [string, string];
    return raster.getTile({ name: key.name, ...address, format, ...(scale === '1' ? {} : { scale }) });
  };

  const drain = async (): Promise<void> => {
    running = true;
    while (queue.length > 0) {
      const key = queue.shift()!;
      queued.delete(keyString(key));
      producing++;
      try {
        await produce(key);
      } catch (error) {
        // Produced on demand instead; nobody waits for this one.
        logger.debug({ err: (error as Error).message, tile: key }, 'could not produce an invalidated hot tile again');
      } finally {
        producing--;
      }
    }
    running = false;
  };

  return {
    rewarm: (keys) => {
      for (const key of keys) {
        const id = keyString(key);
        if (queue.length >= MAX_QUEUED || queued.has(id)) continue;
        queued.add(id);
        queue.push(key);
      }
      if (!running) void drain();
    },
    pending: () => queue.length + producing,
  };
}
