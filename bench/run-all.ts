/**
 * `npm run bench`: every benchmark in bench/, results as JSON in bench/results/.
 * `npm run bench:guard` (CI): a short run of the ratio benchmarks on the test database
 * that fails only on a gross regression; the bounds sit well above the targets because
 * these shared 2-core machines are noisy.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { ensureBenchDatabase } from './lib/bench-db.ts';
import { runPipelineOverhead } from './pipeline-overhead.ts';
import { runRenderBench } from './render.ts';
import { runThroughput } from './throughput.ts';

const guard = process.argv.includes('--guard');
/**
 * Fail CI only when the engine is this much slower than direct SQL. The target is 1.15× on
 * the loaded data set; the guard's small data set has cheap tiles where the fixed HTTP hop
 * weighs more, and repeated runs here ranged 1.18–1.53×, so only a gross regression trips it.
 */
const GUARD_MAX_OVERHEAD_RATIO = 2.0;

async function main(): Promise<void> {
  const buildings = Number(process.env.BENCH_BUILDINGS ?? (guard ? 5000 : 200_000));
  const databaseUrl = await ensureBenchDatabase(guard ? 'sodertorn_bench_guard' : 'sodertorn_bench', { seed: 1, buildings });
  const results: Record<string, unknown> = { when: new Date().toISOString(), buildings, guard };

  const overhead = await runPipelineOverhead(databaseUrl, guard ? { rounds: 3, block: 1 } : { rounds: 7, block: 2 });
  results.pipelineOverhead = overhead;
  console.log(`pipeline overhead: engine ${overhead.medianMsEngine} ms vs direct SQL ${overhead.medianMsDirectSql} ms per tile (median ratio ${overhead.medianRatio}×, total ${overhead.totalRatio}×) over ${overhead.tiles} tiles`);

  if (!guard) {
    const throughput = await runThroughput(databaseUrl, { connections: 8, durationS: 10 });
    results.throughput = throughput;
    console.log(`cold tile throughput: engine ${throughput.engine.requestsPerS} req/s (p50 ${throughput.engine.latencyP50Ms} ms, p99 ${throughput.engine.latencyP99Ms} ms) vs direct SQL ${throughput.directSqlTilesPerS} tiles/s: ${throughput.ratio}×`);

    const render = await runRenderBench(databaseUrl, { zooms: [10, 13, 16], rounds: 5 });
    results.render = render;
    for (const [z, r] of Object.entries(render.perZoom)) {
      console.log(`render z${z} (512 px): ${r.renderMs} ms render, ${r.encodePngMs} ms PNG, ${r.encodeWebpMs} ms WebP (median of ${r.tiles} tiles, MVT ${r.mvtBytes} B)`);
    }
    console.log(`render pool: ${render.pool.oneThreadTilesPerS} tiles/s with 1 thread, ${render.pool.twoThreadsTilesPerS} with 2: ${render.pool.speedup}×`);
  }

  mkdirSync('bench/results', { recursive: true });
  const file = `bench/results/${guard ? 'guard' : 'latest'}.json`;
  writeFileSync(file, `${JSON.stringify(results, null, 2)}\n`);
  console.log(`results written to ${file}`);

  if (guard && overhead.medianRatio > GUARD_MAX_OVERHEAD_RATIO) {
    console.error(`bench guard: pipeline overhead ${overhead.medianRatio}× exceeds ${GUARD_MAX_OVERHEAD_RATIO}×`);
    process.exit(1);
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
