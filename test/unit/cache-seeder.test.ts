import { describe, expect, it } from 'vitest';
import { planSeed, type SeedUnit } from '../../cache/seed/seed-plan.ts';
import { formatDuration, formatProgress } from '../../cache/seed/seed-progress.ts';
import type { SeedJob } from '../../cache/seed/seed-state.ts';
import { runSeed, type SeedOptions } from '../../cache/seed/seeder.ts';
import { sweref99tm } from '../../src/grids/swedish-grids.ts';
import { webMercatorQuad } from '../../src/grids/web-mercator-quad.ts';

const plan = planSeed(
  [
    { grid: webMercatorQuad, served: [0, 18] },
    { grid: sweref99tm, served: [0, 13] },
  ],
  [10, 12],
  [[17.9, 59.15, 18.1, 59.3]],
  1,
);
const job: SeedJob = { kind: 'vector', name: 'test', levels: [], areas: [], variant: 'mvt', step: 1 };
const key = (u: SeedUnit) => `${u.gridId}/${u.z}/${u.x}/${u.y}`;
const tick = () => new Promise((resolve) => setImmediate(resolve));

/** A run over the plan whose units resolve after a tick; options override. */
function run(produced: string[], options: Partial<SeedOptions> = {}) {
  return runSeed({
    job,
    plan,
    concurrency: 3,
    fatal: () => undefined,
    produce: async (unit) => {
      await tick();
      produced.push(key(unit));
      return { emptyTiles: unit.x % 2 };
    },
    ...options,
  });
}

describe('seeder', () => {
  it('produces every unit once, counting empty tiles', async () => {
    const produced: string[] = [];
    const outcome = await run(produced);
    expect(outcome.status).toBe('complete');
    expect(new Set(produced).size).toBe(plan.units);
    expect(produced).toHaveLength(plan.units);
    expect(outcome.run.tiles).toBe(plan.tiles);
    expect(outcome.run.emptyTiles).toBeGreaterThan(0);
  });

  it('keeps at most `concurrency` units in flight', async () => {
    let inFlight = 0;
    let most = 0;
    await run([], {
      concurrency: 4,
      produce: async () => {
        most = Math.max(most, ++inFlight);
        await tick();
        inFlight--;
        return { emptyTiles: 0 };
      },
    });
    expect(most).toBe(4);
  });

  it('counts a failing unit, keeps the first messages and goes on', async () => {
    const produced: string[] = [];
    const outcome = await run(produced, {
      produce: async (unit) => {
        if (unit.index % 10 === 3) throw new Error('boom');
        produced.push(key(unit));
        return { emptyTiles: 0 };
      },
    });
    const failing = plan.levels.reduce((s, l) => s + Math.floor((l.units + 6) / 10), 0);
    expect(outcome.status).toBe('complete');
    expect(outcome.run.errors).toBe(failing);
    expect(outcome.firstErrors).toHaveLength(5);
    expect(outcome.firstErrors[0]).toMatch(/^WebMercatorQuad\/10\/\d+\/\d+: boom$/);
    expect(produced).toHaveLength(plan.units - failing);
  });

  it.each([1, 7, 50, 200])('stopped after %i units, finishes those in flight; the resumed run does exactly the rest', async (stopAfter) => {
    const stop = new AbortController();
    const first: string[] = [];
    const interrupted = await run(first, {
      signal: stop.signal,
      onUnit: (p) => {
        if (p.runTiles >= stopAfter) stop.abort();
      },
    });
    expect(interrupted.status).toBe('interrupted');
    // Units in flight when the signal came still finish and count.
    expect(first.length).toBeGreaterThanOrEqual(stopAfter);
    expect(first.length).toBeLessThan(stopAfter + 3);
    const resumedState = JSON.parse(JSON.stringify(interrupted.state));
    const second: string[] = [];
    const resumed = await run(second, { resumeFrom: resumedState });
    expect(resumed.status).toBe('complete');
    expect(second).toHaveLength(plan.units - first.length);
    expect(new Set([...first, ...second]).size).toBe(plan.units);
    expect(resumed.state.counts.tiles).toBe(plan.tiles);
  });

  it('stops on a fatal error, leaving the failed unit to do', async () => {
    let calls = 0;
    const outcome = await run([], {
      concurrency: 1,
      produce: async () => {
        if (++calls === 5) throw new Error('connection refused');
        return { emptyTiles: 0 };
      },
      fatal: (error) => ((error as Error).message.includes('refused') ? 'the database is unavailable' : undefined),
    });
    expect(outcome.status).toBe('failed');
    expect(outcome.reason).toBe('the database is unavailable');
    expect(outcome.run.tiles).toBe(4);
    // Level 10 has 4 units; the fifth, the first of level 11, failed.
    expect(outcome.state.levels['WebMercatorQuad/10']).toEqual({ next: 4, extra: [] });
    expect(outcome.state.levels['WebMercatorQuad/11']).toEqual({ next: 0, extra: [] });
  });
});

describe('seed progress', () => {
  it('formats durations and the progress line', () => {
    expect([9, 75, 3725, Infinity].map(formatDuration)).toEqual(['9s', '1m15s', '1h02m', '?']);
    expect(formatProgress({ doneTiles: 250, totalTiles: 1000, runTiles: 200, elapsedMs: 4000, level: '3006/9' })).toBe(
      '[######------------------] 250/1000 25.0% 50.0 tiles/s ETA 15s 3006/9',
    );
  });
});
