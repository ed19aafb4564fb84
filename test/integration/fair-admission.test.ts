import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load-config.ts';
import type { EngineConfig } from '../../src/config/schema.ts';
import { METRICS_HEADERS, propertyRegister, startEngine, type RunningEngine } from '../helpers/engine.ts';
import { createSqlGate, type SqlGate } from '../helpers/sql-gate.ts';

/**
 * No client starves the others: a client's flood of tile queries or renders waits in its
 * own line, and the database connections and render threads go to the clients in turn.
 * Clients are told apart by address (X-Forwarded-For behind a trusted proxy).
 */
const as = (address: string) => ({ headers: { 'X-Forwarded-For': address } });

/** Polls /metrics until a gauge reaches a value. */
async function gaugeReaches(url: string, name: string, atLeast: number): Promise<void> {
  await expect
    .poll(async () => Number(new RegExp(`^${name} (\\d+)`, 'm').exec(await (await fetch(`${url}/metrics`, { headers: METRICS_HEADERS })).text())?.[1] ?? 0), { timeout: 30_000, interval: 100 })
    .toBeGreaterThanOrEqual(atLeast);
}

let gate: SqlGate;
beforeAll(async () => {
  gate = await createSqlGate('fair_gate');
});
afterAll(() => gate?.drop());

/**
 * An engine with one database connection and a tileset `gated` whose queries wait at the
 * gate: while it is closed, one query holds the connection and the rest wait their turn.
 */
function gatedEngine(tiles: Partial<EngineConfig['tiles']> = {}): Promise<RunningEngine> {
  const base = loadConfig({}).tilesets.find((t) => t.id === 'sodertorn')!;
  const gated = { ...base, id: 'gated', layers: [{ ...base.layers[0]!, filter: gate.filter }] };
  return startEngine({ overrides: { tilesets: [base, gated, propertyRegister()], database: { poolSize: 1, statementTimeoutMs: 60_000 }, limits: { trustProxy: true }, tiles } });
}

describe('fair admission', () => {
  it("serves one client's tile query before another client's flood of them is through", async () => {
    const engine = await gatedEngine();
    try {
      await gate.close();
      const done: string[] = [];
      const ask = (who: string, x: number) => fetch(`${engine.url}/tiles/gated/14/${x}/4826.mvt`, as(who)).then((r) => done.push(`${who} ${r.status}`));
      const flood = Array.from({ length: 12 }, (_, i) => ask('10.0.0.1', 9000 + i));
      await gate.held(1);
      await gaugeReaches(engine.url, 'sodertorn_tile_query_queue_depth', 11);
      const one = ask('10.0.0.2', 9020);
      await gaugeReaches(engine.url, 'sodertorn_tile_query_queue_depth', 12);
      await gate.open();
      await Promise.all([...flood, one]);
      // Its one query went in at its first turn (after the one running and the flood's next), not after the eleven queued before it.
      expect(done.indexOf('10.0.0.2 200')).toBeLessThanOrEqual(2);
      expect(done.filter((d) => d.endsWith(' 200'))).toHaveLength(13);
    } finally {
      await gate.open();
      await engine.close();
    }
  });

  it("serves one client's raster tile before another client's flood of metatiles is drawn", async () => {
    const engine = await startEngine({ overrides: { limits: { trustProxy: true }, render: { workers: 1 } } });
    try {
      // Sixteen metatiles of one client (each one render of 4 × 4 tiles at z15), and one tile of another.
      const floodPaths = Array.from({ length: 16 }, (_, i) => `/tiles/grundkarta/15/${17996 + i * 4}/9652`);
      const onePath = '/tiles/grundkarta/14/9010/4826';
      // Their vector tiles cached first (drawn once as WebP): the PNGs below wait for nothing but a render thread.
      for (const path of [...floodPaths, onePath]) expect((await fetch(`${engine.url}${path}.webp`)).status).toBe(200);
      const done: string[] = [];
      const ask = (who: string, path: string) => fetch(`${engine.url}${path}.png`, as(who)).then((r) => done.push(`${who} ${r.status}`));
      const flood = floodPaths.map((path) => ask('10.0.0.1', path));
      await gaugeReaches(engine.url, 'sodertorn_render_queue_depth', 10);
      await ask('10.0.0.2', onePath);
      await Promise.all(flood);
      // In line behind the flood it would have come last; it came at its first turn.
      expect(done.indexOf('10.0.0.2 200')).toBeLessThanOrEqual(2);
      expect(done.filter((d) => d.endsWith(' 200'))).toHaveLength(17);
    } finally {
      await engine.close();
    }
  });

  it('cuts the largest share when the queue is full, so a newcomer is still served', async () => {
    const engine = await gatedEngine({ maxQueuedProductions: 4 });
    try {
      await gate.close();
      const statuses = new Map<string, number[]>();
      const ask = (who: string, x: number) =>
        fetch(`${engine.url}/tiles/gated/14/${x}/4826.mvt`, as(who)).then(async (r) => {
          statuses.set(who, [...(statuses.get(who) ?? []), r.status]);
          if (r.status === 503) expect(((await r.json()) as { error: { code: string } }).error.code).toBe('OVERLOADED');
        });
      const refused = (who: string) => (statuses.get(who) ?? []).filter((s) => s === 503).length;
      // One runs (held at the gate), four wait, the queue is full: the flooding client's own next three are refused.
      const flood = Array.from({ length: 8 }, (_, i) => ask('10.0.0.1', 9000 + i));
      await expect.poll(() => refused('10.0.0.1'), { timeout: 30_000 }).toBe(3);
      const newcomer = ask('10.0.0.2', 9010);
      // The newcomer takes the place of the flooding client's newest waiting query.
      await expect.poll(() => refused('10.0.0.1'), { timeout: 30_000 }).toBe(4);
      await gate.open();
      await Promise.all([...flood, newcomer]);
      expect(statuses.get('10.0.0.2')!.map((s) => s < 300)).toEqual([true]);
      expect(statuses.get('10.0.0.1')!.filter((s) => s < 300)).toHaveLength(4);
    } finally {
      await gate.open();
      await engine.close();
    }
  });
});
