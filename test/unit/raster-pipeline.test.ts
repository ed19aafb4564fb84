import { describe, expect, it } from 'vitest';
import { MemoryTier } from '../../cache/tiers/memory-tier.ts';
import type { Work } from '../../src/admission/work.ts';
import { GRIDS } from '../../src/grids/grids.ts';
import { RasterPipeline } from '../../src/pipeline/raster-pipeline.ts';
import { TilePipeline } from '../../src/pipeline/tile-pipeline.ts';
import type { RenderPieces } from '../../src/render/render-pool.ts';
import type { RenderTask } from '../../src/render/render-task.ts';
import { loadStyles } from '../../src/styles/style-store.ts';
import { cacheOver, FakeSource, fakeTilesetConfig, Gate } from '../helpers/fakes.ts';

/** A render pool that draws nothing: each piece is `piece {i} of {n}`, after its gate; the tasks and their signals are kept. */
class StubPool implements RenderPieces {
  readonly gate = new Gate();
  readonly tasks: { task: RenderTask; signal: AbortSignal | undefined }[] = [];

  async renderPieces(task: RenderTask, work: Work = {}): Promise<readonly Uint8Array[]> {
    this.tasks.push({ task, signal: work.signal });
    await this.gate.pass();
    work.signal?.throwIfAborted();
    const n = task.pieces?.length ?? 1;
    return Array.from({ length: n }, (_, i) => Buffer.from(`piece ${i} of ${n}`));
  }
}

/** The raster pipeline over fake sources, a stub pool and a memory tier: no database, no threads. */
async function rasterOver() {
  const tilesetIds = ['sodertorn', 'fastighetsregister'];
  const sources = new Map(tilesetIds.map((id) => [id, new FakeSource(id)]));
  const cache = await cacheOver([new MemoryTier({ maxBytes: 1 << 22 })]);
  const tiles = new TilePipeline(new Map(tilesetIds.map((id) => [id, { config: { ...fakeTilesetConfig(id), maxzoom: 18 }, source: sources.get(id)! }])), GRIDS, cache);
  const pool = new StubPool();
  const raster = new RasterPipeline(tiles, loadStyles('styles', new Set([...tilesetIds, 'byggnader'])), pool, { defaultStyle: 'grundkarta', metatile: 4, metatileBufferPx: 128 }, cache);
  return { raster, pool, source: sources.get('sodertorn')! };
}

/** Tile (x, y) of the metatile at z14 whose corner is (9008, 4824). */
const tileOf = (dx: number, dy: number) => ({ name: 'grundkarta', z: '14', x: String(9008 + dx), y: String(4824 + dy), format: 'png' });

describe('the raster pipeline over a stub render pool', () => {
  it('draws the 16 tiles of a metatile in one render, shared by concurrent requests, each its own piece', async () => {
    const { raster, pool } = await rasterOver();
    pool.gate.close();
    const asked = Array.from({ length: 16 }, (_, i) => raster.getTile(tileOf(i % 4, Math.floor(i / 4))));
    await pool.gate.reached(1);
    pool.gate.open();
    const answers = await Promise.all(asked);
    expect(pool.tasks).toHaveLength(1);
    expect(pool.tasks[0]!.task.pieces).toHaveLength(16);
    expect(new Set(answers.map((a) => Buffer.from(a.body).toString())).size).toBe(16);
    // Asked again, the block comes from the cache: no second render.
    await raster.getTile(tileOf(1, 1));
    expect(pool.tasks).toHaveLength(1);
  });

  it('aborts a render when its last waiting client leaves, not before', async () => {
    const { raster, pool } = await rasterOver();
    pool.gate.close();
    const a = new AbortController();
    const b = new AbortController();
    const first = raster.getTile({ ...tileOf(0, 0), signal: a.signal });
    const second = raster.getTile({ ...tileOf(2, 3), signal: b.signal });
    await pool.gate.reached(1);
    const render = pool.tasks[0]!.signal!;
    a.abort(new Error('a left'));
    await expect(first).rejects.toThrow('a left');
    expect(render.aborted).toBe(false); // b still waits for the same render
    b.abort(new Error('b left'));
    await expect(second).rejects.toThrow('b left');
    expect(render.aborted).toBe(true);
    pool.gate.open();
  });

  it('starts nothing for a client that has already gone', async () => {
    const { raster, pool, source } = await rasterOver();
    const gone = new AbortController();
    gone.abort(new Error('gone'));
    await expect(raster.getTile({ ...tileOf(0, 0), signal: gone.signal })).rejects.toThrow('gone');
    expect(pool.tasks).toHaveLength(0);
    expect(source.calls).toBe(0);
  });
});
