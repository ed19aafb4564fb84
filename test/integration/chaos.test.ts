import { describe, expect, it } from 'vitest';
import { chaosSeed, runChaos } from '../chaos/chaos-run.ts';

/**
 * The chaos run (test/chaos/chaos-run.ts) in its short form: writers and readers through
 * CHAOS_ROUNDS rounds of every fault (default 2, ~40 s here), then every served tile against
 * an engine with no cache. Longer on demand, a failure replayed by its seed:
 *
 *   CHAOS_ROUNDS=20 CHAOS_SEED=12345 npx vitest run test/integration/chaos.test.ts
 */
const ROUNDS = Number(process.env.CHAOS_ROUNDS ?? 2);

describe('chaos: writers, readers and faults at once', () => {
  it(
    'serves no stale tile, loses no change, answers no 500 and never dies',
    async () => {
      const seed = chaosSeed();
      const report = await runChaos({ rounds: ROUNDS, seed, writers: 3, readers: 6, log: (line) => console.log(line) });
      console.log(
        `chaos (seed ${report.seed}, ${ROUNDS} rounds): ${report.statements} statements, ${report.requests} requests (${report.aborted} given up), ` +
          `statuses ${JSON.stringify(report.statuses)}, ${report.faults.length} faults, ${report.paths} tiles compared`,
      );
      expect(report.crashes, `seed ${seed}`).toEqual([]);
      expect(report.escaped, `seed ${seed}`).toBe(0);
      expect(report.failures, `seed ${seed}`).toEqual([]);
      expect(report.stale, `seed ${seed}`).toEqual([]);
      expect(report.logged, `seed ${seed}: change-log rows for the committed statements`).toBe(report.statements);
      // Every kind of fault struck, once per round.
      for (const fault of ['kill-listener', 'kill-engine', 'stall-redis', 'pause-redis', 'restart-redis', 'corrupt-disk', 'burst']) {
        expect(report.faults.some((f) => f.startsWith(fault)), `${fault} in ${report.faults.join(', ')}`).toBe(true);
      }
      expect(report.paths).toBeGreaterThan(15);
    },
    // A round takes ~20 s here, up to three times that on a busy machine; the test's own bound only catches a hang.
    Math.max(300_000, ROUNDS * 120_000),
  );
});
