import { describe, expect, it } from 'vitest';
import type { CacheTier } from '../../cache/tier.ts';
import { MemoryTier } from '../../cache/tiers/memory-tier.ts';
import { TilePipeline } from '../../src/pipeline/tile-pipeline.ts';
import { GRIDS } from '../../src/grids/grids.ts';
import { cacheOver, FakeSource, fakeTilesetConfig, StalledTier } from '../helpers/fakes.ts';

/** The tile pipeline over a fake source and fake tiers: cache lookups, single flight, freshness, aborts. */
const REQUEST = { tilesetId: 'fake', z: '14', x: '9010', y: '4826', format: 'mvt' } as const;
const text = (body: Uint8Array) => Buffer.from(body).toString();

async function pipelineOver(tiers: CacheTier[] = [new MemoryTier({ maxBytes: 1 << 20 })]) {
  const source = new FakeSource();
  const cache = await cacheOver(tiers);
  const pipeline = new TilePipeline(new Map([['fake', { config: fakeTilesetConfig(), source }]]), GRIDS, cache);
  return { source, cache, pipeline };
}

describe('the tile pipeline over fakes', () => {
  it('survives a client that leaves while its request waits on a stalled cache tier', async () => {
    const escaped: unknown[] = [];
    const onUnhandled = (reason: unknown) => escaped.push(reason);
    process.on('unhandledRejection', onUnhandled);
    try {
      const tier = new StalledTier();
      const { source, pipeline } = await pipelineOver([tier]);
      tier.gate.close();
      const client = new AbortController();
      const asked = pipeline.getTile({ ...REQUEST, signal: client.signal });
      await tier.gate.reached();
      client.abort(new Error('the client went away'));
      tier.gate.open(); // Redis answers after the client has gone
      await expect(asked).rejects.toThrow('went away');
      await new Promise((resolve) => setTimeout(resolve, 10));
      expect(source.calls).toBe(0); // nothing was produced for nobody
      expect(escaped).toEqual([]);
      expect(text((await pipeline.getTile(REQUEST)).body)).toBe('14/9010/4826@v1');
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  });

  it('stops the source when the last waiting client leaves, not before', async () => {
    const { source, pipeline } = await pipelineOver();
    source.gate.close();
    const a = new AbortController();
    const b = new AbortController();
    const first = pipeline.getTile({ ...REQUEST, signal: a.signal });
    const second = pipeline.getTile({ ...REQUEST, signal: b.signal });
    await source.gate.reached();
    a.abort(new Error('a left'));
    await expect(first).rejects.toThrow('a left');
    source.gate.open();
    expect(text((await second).body)).toBe('14/9010/4826@v1');
    expect(source.calls).toBe(1);
  });

  it('hands a request made after a change a production of its own, and stores only that one', async () => {
    const { source, cache, pipeline } = await pipelineOver();
    source.gate.close();
    const before = pipeline.getTile(REQUEST); // reads version 1, then waits
    await source.gate.reached();
    source.version = 2;
    await cache.apply(1, [{ kind: 'vector', name: 'fake', grid: 'WebMercatorQuad', z: 14, minX: 9000, maxX: 9020, minY: 4800, maxY: 4830 }]);
    const after = pipeline.getTile(REQUEST);
    const alsoAfter = pipeline.getTile(REQUEST); // joins the production that began after the change
    source.gate.open();
    expect(text((await before).body)).toBe('14/9010/4826@v1');
    expect(text((await after).body)).toBe('14/9010/4826@v2');
    expect(text((await alsoAfter).body)).toBe('14/9010/4826@v2');
    expect(source.calls).toBe(2);
    expect(cache.stats.refused).toBe(1);
    expect(text((await pipeline.getTile(REQUEST)).body)).toBe('14/9010/4826@v2');
    expect(source.calls).toBe(2); // served from the cache
  });

  it('still joins a running production that no change since has touched', async () => {
    const { source, cache, pipeline } = await pipelineOver();
    source.gate.close();
    const first = pipeline.getTile(REQUEST);
    await source.gate.reached();
    await cache.apply(1, [{ kind: 'vector', name: 'fake', grid: 'WebMercatorQuad', z: 14, minX: 0, maxX: 10, minY: 0, maxY: 10 }]);
    const second = pipeline.getTile(REQUEST);
    source.gate.open();
    expect(text((await first).body)).toBe(text((await second).body));
    expect(source.calls).toBe(1);
    expect(cache.stats.stored).toBe(1);
  });
});
