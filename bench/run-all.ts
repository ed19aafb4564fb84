/**
 * `npm run bench`: every benchmark in bench/, results as JSON in bench/results/.
 * `npm run bench:guard` (CI): a short run of the ratio benchmarks on the test database
 * that fails only on a gross regression; the bounds sit well above the targets because
 * these shared 2-core machines are noisy.
 * `--only NAME` (overhead, null, throughput, render, metatile, reference, cache, print, production, content, mapnik, qgis) runs one benchmark of the full
 * set and writes bench/results/NAME.json, leaving latest.json alone.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { ensureBenchDatabase } from './lib/bench-db.ts';
import { runPipelineOverhead } from './pipeline-overhead.ts';
import { runMaplibreReference } from './maplibre-reference.ts';
import { runCacheBench } from './cache.ts';
import { runMapnikBench } from './peers/mapnik.ts';
import { runModTileBench } from './peers/mod-tile.ts';
import { runQgisServerBench } from './peers/qgis-server.ts';
import { runMetatileBench } from './metatile.ts';
import { runNullSourceBench } from './null-source.ts';
import { runPrintBench } from './print.ts';
import { runProductionBench } from './production.ts';
import { runRenderBench } from './render.ts';
import { runThroughput } from './throughput.ts';
import { runTileContentBench, type ContentResult } from './tile-content.ts';

const guard = process.argv.includes('--guard');
const BENCHMARKS = ['overhead', 'null', 'throughput', 'render', 'metatile', 'reference', 'cache', 'print', 'production', 'content', 'mapnik', 'qgis'] as const;
const onlyArg = process.argv.indexOf('--only');
const only = onlyArg >= 0 ? process.argv[onlyArg + 1] : undefined;
if (only !== undefined && !(BENCHMARKS as readonly string[]).includes(only)) {
  console.error(`--only takes one of ${BENCHMARKS.join(', ')}; got ${only ?? 'nothing'}`);
  process.exit(2);
}
/** Whether a benchmark of the full set runs now (the guard runs the overhead alone). */
const runs = (name: (typeof BENCHMARKS)[number]) => (guard ? name === 'overhead' : only === undefined || only === name);
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

  let overheadRatio: number | undefined;
  if (runs('overhead')) {
    const overhead = await runPipelineOverhead(databaseUrl, guard ? { rounds: 3, block: 1 } : { rounds: 7, block: 2 });
    results.pipelineOverhead = overhead;
    overheadRatio = overhead.medianRatio;
    console.log(`pipeline overhead: engine ${overhead.medianMsEngine} ms vs direct SQL ${overhead.medianMsDirectSql} ms per tile (median ratio ${overhead.medianRatio}×, total ${overhead.totalRatio}×) over ${overhead.tiles} tiles`);
  }

  if (runs('null')) {
    const n = await runNullSourceBench({ connections: 16, durationS: 8 });
    results.nullSource = n;
    console.log(`null source (the engine's own cost per uncached tile, no data): ${n.engineRequestsPerS} req/s (p99 ${n.engineP99Ms} ms) vs bare node:http ${n.bareRequestsPerS} req/s (p99 ${n.bareP99Ms} ms): ${n.ratio}×`);
  }

  if (runs('throughput')) {
    const throughput = await runThroughput(databaseUrl, { connections: 8, durationS: 10 });
    results.throughput = throughput;
    console.log(`cold tile throughput: engine ${throughput.engine.requestsPerS} req/s (p50 ${throughput.engine.latencyP50Ms} ms, p99 ${throughput.engine.latencyP99Ms} ms) vs direct SQL ${throughput.directSqlTilesPerS} tiles/s: ${throughput.ratio}×`);
  }

  if (runs('render')) {
    const render = await runRenderBench(databaseUrl, { zooms: [10, 13, 16], rounds: 5 });
    results.render = render;
    for (const [z, r] of Object.entries(render.perZoom)) {
      console.log(`render z${z} (512 px): ${r.renderMs} ms render, ${r.encodePngMs} ms PNG, ${r.encodeWebpMs} ms WebP (median of ${r.tiles} tiles, MVT ${r.mvtBytes} B)`);
    }
    console.log(`render pool: ${render.pool.oneThreadTilesPerS} tiles/s with 1 thread, ${render.pool.twoThreadsTilesPerS} with 2: ${render.pool.speedup}×`);
  }

  if (runs('metatile')) {
    const metatile = await runMetatileBench(databaseUrl, { zooms: [10, 13, 16] });
    results.metatile = metatile;
    for (const [z, r] of Object.entries(metatile.perZoom)) {
      console.log(`metatile 4×4 z${z}: ${r.metatileMsPerTile} ms per tile vs ${r.singleMsPerTile} ms drawn alone: ${r.ratio}× (median of ${r.blocks} blocks)`);
    }
  }

  if (runs('reference')) {
    const reference = await runMaplibreReference(databaseUrl, { zooms: [10, 13, 16], imagesDir: 'bench/results/reference' });
    results.maplibreReference = reference;
    for (const [z, r] of Object.entries(reference.perZoom)) {
      console.log(
        `maplibre-gl reference z${z} (512 px): engine ${r.engineMs} ms vs maplibre-gl ${r.maplibreMs} ms per view: ${r.ratio}×; ` +
          `pixels differing ${(r.diffFraction * 100).toFixed(2)} % (${(r.diffFractionMin * 100).toFixed(2)}–${(r.diffFractionMax * 100).toFixed(2)} %), medians over ${r.views} views`,
      );
    }
    console.log(`maplibre-gl ${reference.maplibreGl} in chromium ${reference.chromium}; images of one view per zoom in bench/results/reference/`);
    for (const message of reference.messages) console.log(`maplibre-gl said: ${message}`);
  }

  if (runs('cache')) {
    // Its own small database: the benchmark installs the change-log triggers there, which
    // would turn the cache on for the uncached benchmarks above.
    const cacheDb = await ensureBenchDatabase('sodertorn_bench_cache', { seed: 1, buildings: 5000 });
    const cache = await runCacheBench(cacheDb, { connections: 32, durationS: 8, rounds: 40 });
    results.cache = cache;
    const c = cache.cachedTile;
    console.log(`cached tile (${c.bytes} B) over HTTP: engine ${c.engineRequestsPerS} req/s vs bare node:http ${c.bareRequestsPerS} req/s: ${c.ratio}× (p99 ${c.engineP99Ms} vs ${c.bareP99Ms} ms)`);
    console.log(`commit to fresh tile: p50 ${cache.commitToFresh.p50Ms} ms, p99 ${cache.commitToFresh.p99Ms} ms, max ${cache.commitToFresh.maxMs} ms over ${cache.commitToFresh.rounds} commits`);
    // After runCacheBench: it installs the change log the engine's cache needs.
    const m = (results.modTile = await runModTileBench(cacheDb, { connections: 32, durationS: 8 }));
    console.log(
      m.available
        ? `cached raster tile vs mod_tile: engine ${m.engine.requestsPerS} req/s (${m.engineBytes} B, p99 ${m.engine.p99Ms} ms) vs Apache mod_tile ${m.modTile.requestsPerS} req/s (${m.modTileBytes} B, p99 ${m.modTile.p99Ms} ms): ${m.ratio}×; ` +
            `bare node:http ${m.bare.requestsPerS} req/s with the engine's bytes (engine ${m.engineVsBare}×, mod_tile ${m.modTileVsBare}×), ${m.bareModTileBytes.requestsPerS} req/s with mod_tile's (mod_tile ${m.modTileVsBareSameBytes}×)`
        : `mod_tile: ${m.reason}`,
    );
  }

  if (runs('print')) {
    const print = await runPrintBench(databaseUrl);
    results.print = print;
    for (const p of print.prints) console.log(`print ${p.paper} at 300 dpi (${p.widthPx}×${p.heightPx} px, ${Math.round(p.bytes / 1e6)} MB PNG): ${p.seconds} s, peak RSS ${p.peakRssMb} MB (before: ${print.baselineRssMb} MB)`);
  }

  if (runs('production')) {
    // On the cache bench's database: the change log it installs turns the cache on, and the
    // main bench database must stay without one so the uncached benchmarks stay uncached.
    const production = await runProductionBench(await ensureBenchDatabase('sodertorn_bench_cache', { seed: 1, buildings: 5000 }), { connections: 32, durationS: 5, rounds: 3 });
    results.production = production;
    const p = production;
    console.log(`production: cached public tile ${p.publicTile.requestsPerS} req/s (${p.publicTile.ratioToBare}× bare node:http ${p.bareRequestsPerS}); restricted tile with key ${p.restrictedTileWithKey.requestsPerS} req/s (${p.restrictedTileWithKey.ratioToBare}× bare, ${p.restrictedTileWithKey.ratioToPublic}× public), with a JWT ${p.restrictedTileWithJwt.requestsPerS} req/s (${p.restrictedTileWithJwt.ratioToPublic}× public), a new JWT's first check ${p.newJwtCheckUs} µs; through nginx ${p.throughNginx.requestsPerS} req/s (${p.throughNginx.ratioToDirect}× direct, p99 ${p.throughNginx.p99Ms} vs ${p.throughNginx.directP99Ms} ms)`);
  }

  if (runs('content')) {
    // On the main bench database, and on one with 1,000,000 buildings (BENCH_CONTENT_BUILDINGS).
    const report = (label: string, c: ContentResult) => {
      console.log(`tile content at ${label}: heaviest tile ${c.maxKb} KB (budget ${c.budgetKb} KB: ${c.withinBudget ? 'every tile within' : 'OVER'}); z8 8/140/75 ${c.z8SodertaljeKb.styles} KB (full content ${c.z8SodertaljeKb.full} KB)`);
      for (const [z, r] of Object.entries(c.perZoom)) {
        console.log(`  z${z} (${r.tiles} tiles): raw p50 ${r.styles.p50Kb} / p95 ${r.styles.p95Kb} / max ${r.styles.maxKb} KB, gzip p95 ${r.styles.gzipP95Kb} KB, mean ${r.styles.meanMs} ms | full: p95 ${r.full.p95Kb} / max ${r.full.maxKb} KB, gzip p95 ${r.full.gzipP95Kb} KB, mean ${r.full.meanMs} ms | time ${r.timeRatio}×`);
      }
    };
    const zooms = [6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16];
    const content: Record<string, ContentResult> = {};
    content[String(buildings)] = await runTileContentBench(databaseUrl, { zooms, tilesPerZoom: 60 });
    report(`${buildings} buildings`, content[String(buildings)]!);
    const more = Number(process.env.BENCH_CONTENT_BUILDINGS ?? 1_000_000);
    if (more !== buildings) {
      content[String(more)] = await runTileContentBench(await ensureBenchDatabase(`sodertorn_bench_${more}`, { seed: 1, buildings: more }), { zooms, tilesPerZoom: 60 });
      report(`${more} buildings`, content[String(more)]!);
    }
    results.tileContent = content;
  }

  if (runs('mapnik')) {
    // Cold rendering against Mapnik on the main bench database: no change log, so the engine caches nothing.
    const m = (results.mapnik = await runMapnikBench(databaseUrl, { zooms: [12, 14, 16], rounds: 5, imagesDir: 'bench/results/mapnik' }));
    if (m.available) {
      console.log(`cold rendering vs Mapnik (${m.versions}; ${m.setup}; median of ${m.rounds} rounds, load average ${m.loadAverages.join(' / ')} as they started):`);
      for (const [z, r] of Object.entries(m.perZoom)) {
        console.log(`  z${z} (${r.tiles} tiles, ${r.metatiles} metatiles): engine ${r.engineTilesPerS} tiles/s (${r.engineRounds.join(' / ')}) vs Mapnik ${r.mapnikTilesPerS} tiles/s (${r.mapnikRounds.join(' / ')}; ${r.mapnikMsPerMetatile} ms per metatile): ${r.ratio}×; median PNG ${r.engineBytes} vs ${r.mapnikBytes} B`);
      }
      console.log(`  images (engine left, Mapnik right) and the Mapnik style in bench/results/mapnik/`);
    } else {
      console.log(`Mapnik: ${m.reason}`);
    }
  }

  if (runs('qgis')) {
    // WMS GetMap against QGIS Server on the main bench database (no change log: the engine draws every map).
    const q = (results.qgisServer = await runQgisServerBench(databaseUrl, { extentsPerScale: 12, throughputMaps: 160, imagesDir: 'bench/results/qgis' }));
    if (q.available) {
      for (const [scale, s] of Object.entries(q.perScale)) {
        console.log(`WMS GetMap ${q.sizePx}×${q.sizePx} PNG at ${scale} (style zoom ${s.styleZoom}): engine ${s.engineMs} ms vs QGIS Server ${s.qgisMs} ms: ${s.ratio}× (medians of ${s.extents} extents; ${s.engineKb} vs ${s.qgisKb} KB; ${(s.similarPixels * 100).toFixed(1)} % of pixels alike)`);
      }
      const t = q.throughput;
      console.log(`WMS throughput at 1:${t.scale}, ${t.clients} clients: engine ${t.engineMapsPerS} maps/s vs QGIS Server ${t.qgisMapsPerS} maps/s: ${t.ratio}× (${t.maps} maps each, the same extents: ${t.engineSeconds} vs ${t.qgisSeconds} s)`);
      console.log(`QGIS Server: ${q.versions}; ${q.qgisProcesses} fcgi processes, engine ${q.engineRenderThreads} render threads, cache ${q.engineCache}; image pairs in ${q.imagesDir}/`);
    } else {
      console.log(`QGIS Server: ${q.reason}`);
    }
  }

  mkdirSync('bench/results', { recursive: true });
  const file = `bench/results/${guard ? 'guard' : (only ?? 'latest')}.json`;
  writeFileSync(file, `${JSON.stringify(results, null, 2)}\n`);
  console.log(`results written to ${file}`);

  if (guard && overheadRatio !== undefined && overheadRatio > GUARD_MAX_OVERHEAD_RATIO) {
    console.error(`bench guard: pipeline overhead ${overheadRatio}× exceeds ${GUARD_MAX_OVERHEAD_RATIO}×`);
    process.exit(1);
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
