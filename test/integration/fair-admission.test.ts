import { describe, expect, it } from 'vitest';
import { startEngine } from '../helpers/engine.ts';
import { startWithSlowTileset } from '../helpers/slow-tileset.ts';

/**
 * No client starves the others: a client's flood of tile queries or renders waits in its
 * own line, and the database connections and render threads go to the clients in turn.
 * Clients are told apart by address (X-Forwarded-For behind a trusted proxy).
 */
const as = (address: string) => ({ headers: { 'X-Forwarded-For': address } });

/** Polls /metrics until a gauge reaches a value. */
async function gaugeReaches(url: string, name: string, atLeast: number): Promise<void> {
  await expect
    .poll(async () => Number(new RegExp(`^${name} (\\d+)`, 'm').exec(await (await fetch(`${url}/metrics`)).text())?.[1] ?? 0), { timeout: 30_000, interval: 100 })
    .toBeGreaterThanOrEqual(atLeast);
}

describe('fair admission', () => {
  it("serves one client's tile query before another client's flood of them is through", async () => {
    const { engine, close } = await startWithSlowTileset(0.2, { statementTimeoutMs: 30_000, poolSize: 1 }, { limits: { trustProxy: true } });
    try {
      const done: string[] = [];
      const ask = (who: string, x: number) => fetch(`${engine.url}/tiles/slow/14/${x}/4826.mvt`, as(who)).then((r) => done.push(`${who} ${r.status}`));
      const flood = Array.from({ length: 12 }, (_, i) => ask('10.0.0.1', 9000 + i));
      await gaugeReaches(engine.url, 'sodertorn_tile_query_queue_depth', 10);
      await ask('10.0.0.2', 9020);
      await Promise.all(flood);
      // Its one query went in at the next free connection, not after the eleven queued before it.
      expect(done.indexOf('10.0.0.2 200')).toBeLessThanOrEqual(2);
      expect(done.filter((d) => d.endsWith(' 200'))).toHaveLength(13);
    } finally {
      await close();
    }
  });

  it("serves one client's raster tile before another client's flood of metatiles is drawn", async () => {
    const engine = await startEngine({ overrides: { cache: { memory: { enabled: false, maxBytes: 1024 } }, limits: { trustProxy: true }, render: { workers: 1 } } });
    try {
      const done: string[] = [];
      const ask = (who: string, path: string) => fetch(`${engine.url}${path}`, as(who)).then((r) => done.push(`${who} ${r.status}`));
      // Twelve metatiles of one client (each one render of 4 × 4 tiles at z15).
      const flood = Array.from({ length: 12 }, (_, i) => ask('10.0.0.1', `/tiles/grundkarta/15/${18000 + i * 4}/9652.png`));
      await gaugeReaches(engine.url, 'sodertorn_render_queue_depth', 8);
      await ask('10.0.0.2', '/tiles/grundkarta/14/9010/4826.png');
      await Promise.all(flood);
      // In line behind the flood it would have come last; it came in the first few (its vector tiles take turns too).
      expect(done.indexOf('10.0.0.2 200')).toBeLessThanOrEqual(5);
      expect(done.filter((d) => d.endsWith(' 200'))).toHaveLength(13);
    } finally {
      await engine.close();
    }
  });

  it('cuts the largest share when the queue is full, so a newcomer is still served', async () => {
    const { engine, close } = await startWithSlowTileset(0.2, { statementTimeoutMs: 30_000, poolSize: 1 }, { limits: { trustProxy: true }, tiles: { maxQueuedProductions: 4 } });
    try {
      const statuses = new Map<string, number[]>();
      const ask = (who: string, x: number) =>
        fetch(`${engine.url}/tiles/slow/14/${x}/4826.mvt`, as(who)).then(async (r) => {
          statuses.set(who, [...(statuses.get(who) ?? []), r.status]);
          if (r.status === 503) expect(((await r.json()) as { error: { code: string } }).error.code).toBe('OVERLOADED');
        });
      // One runs, four wait, the queue is full: the flooding client's own next ones are refused.
      const flood = Array.from({ length: 8 }, (_, i) => ask('10.0.0.1', 9100 + i));
      await gaugeReaches(engine.url, 'sodertorn_tile_query_queue_depth', 4);
      await ask('10.0.0.2', 9120);
      await Promise.all(flood);
      expect(statuses.get('10.0.0.2')!.map((s) => s < 300)).toEqual([true]);
      // The newcomer took the place of the flooding client's newest waiting query.
      expect(statuses.get('10.0.0.1')!.filter((s) => s < 300)).toHaveLength(4);
      expect(statuses.get('10.0.0.1')!.filter((s) => s === 503)).toHaveLength(4);
    } finally {
      await close();
    }
  });
});
