/**
 * The engine's own cost per uncached vector tile, with the data taken away: every tileset
 * over a null source (the same 4 KB of MVT at once, no database), the cache off, so each
 * request goes the whole way (routing, parsing, access, single flight, production, ETag,
 * gzip off) — against a bare node:http server answering the same bytes, both loaded by
 * wrk over distinct tile URLs in one run.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startBareServer, startScript } from './cache.ts';
import { round } from './lib/stats.ts';
import { ensureWrk, runWrk } from './lib/wrk.ts';

export interface NullSourceResult {
  readonly engineRequestsPerS: number;
  readonly bareRequestsPerS: number;
  readonly ratio: number;
  readonly engineP99Ms: number;
  readonly bareP99Ms: number;
}

/** 4 KB: about a busy z16 tile of the demo. */
const BODY = new Uint8Array(4096).map((_, i) => (i * 31) & 0xff);

export async function runNullSourceBench(options: { connections: number; durationS: number }): Promise<NullSourceResult> {
  ensureWrk();
  const dir = mkdtempSync(join(tmpdir(), 'null-source-'));
  writeFileSync(join(dir, 'tile.mvt'), BODY);
  // Both as processes of their own: wrk runs synchronously in this one.
  const engine = await startScript('bench/lib/null-engine.ts', [join(dir, 'tile.mvt')]);
  const url = engine.url;
  const bare = await startBareServer(join(dir, 'tile.mvt'), 'application/vnd.mapbox-vector-tile');
  // Distinct z16 tiles around Huddinge: nothing is shared between requests.
  const paths = Array.from({ length: 4096 }, (_, i) => `/tiles/sodertorn/16/${36000 + (i % 64)}/${19280 + Math.floor(i / 64)}.mvt`);
  try {
    const wrk = { connections: options.connections, durationS: options.durationS };
    runWrk(url, paths, { ...wrk, durationS: 2 }); // warm: JIT, sockets
    runWrk(bare.url, paths, { ...wrk, durationS: 2 });
    const engineRun = runWrk(url, paths, wrk);
    const bareRun = runWrk(bare.url, paths, wrk);
    if (engineRun.non2xx > 0) throw new Error(`${engineRun.non2xx} engine answers were not 2xx`);
    return {
      engineRequestsPerS: Math.round(engineRun.requestsPerS),
      bareRequestsPerS: Math.round(bareRun.requestsPerS),
      ratio: round(engineRun.requestsPerS / bareRun.requestsPerS),
      engineP99Ms: engineRun.latencyP99Ms,
      bareP99Ms: bareRun.latencyP99Ms,
    };
  } finally {
    bare.stop();
    engine.stop();
  }
}
