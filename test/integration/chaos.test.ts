import { describe, expect, it } from 'vitest';
import { chaosSeed, runChaos } from '../chaos/chaos-run.ts';

/**
 * The chaos run (test/chaos/chaos-run.ts) in its short form: writers, readers and every
 * fault for CHAOS_SECONDS (default 40), then every served tile against an engine with no
 * cache. Longer on demand, a failure replayed by its seed:
 *
 *   CHAOS_SECONDS=600 CHAOS_SEED=12345 npx vitest run test/integration/chaos.test.ts
 */
const SECONDS = Number(process.env.CHAOS_SECONDS ?? 40);

describe('chaos: writers, readers and faults at once', () => {
  it(
    'serves no stale tile, loses no change, answers no 500 and never dies',
    async () => {
      const seed = chaosSeed();
      const report = await runChaos({ seconds: SECONDS, seed, writers: 3, readers: 6, log: (line) => console.log(line) });
      console.log(
        `chaos (seed ${report.seed}, ${SECONDS} s): ${report.statements} statements, ${report.requests} requests (${report.aborted} given up), ` +
          `statuses ${JSON.stringify(report.statuses)}, ${report.faults.length} faults, ${report.paths} tiles compared`,
      );
      expect(report.crashes, `seed ${seed}`).toEqual([]);
      expect(report.escaped, `seed ${seed}`).toBe(0);
      expect(report.failures, `seed ${seed}`).toEqual([]);
      expect(report.stale, `seed ${seed}`).toEqual([]);
      expect(report.logged, `seed ${seed}: change-log rows for the committed statements`).toBe(report.statements);
      // Every kind of fault struck at least once (the short form runs long enough for a round).
      for (const fault of ['kill-listener', 'kill-engine', 'stall-redis', 'pause-redis', 'restart-redis', 'corrupt-disk', 'burst']) {
        expect(report.faults.some((f) => f.startsWith(fault)), `${fault} in ${report.faults.join(', ')}`).toBe(true);
      }
      expect(report.paths).toBeGreaterThan(15);
    },
    Math.max(300_000, SECONDS * 1000 * 3),
  );
});
