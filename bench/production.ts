/**
 * What running for production costs on the hot path, each against a baseline of the same
 * run: a cached restricted tile (key checked on the routed path) and a public one (fast
 * path) against a bare node:http server answering the same bytes; and the shipped nginx
 * config (deploy/nginx.conf) in front of the engine against the engine alone.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { sha256Hex } from '../src/access/access-policy.ts';
import { loopbackNginxConf } from '../test/helpers/nginx-conf.ts';
import { startNginx } from '../test/helpers/nginx.ts';
import { startBareServer } from './cache.ts';
import { ensureChangeLog } from './lib/bench-db.ts';
import { startEngineProcess } from './lib/engine-process.ts';
import { round } from './lib/stats.ts';
import { ensureWrk, runWrk, type WrkResult } from './lib/wrk.ts';
import { freePort } from '../test/helpers/free-port.ts';

const PUBLIC_TILE = '/tiles/sodertorn/16/36041/19305.mvt';
const RESTRICTED_TILE = '/tiles/fastighetsregister/16/36041/19305.mvt';
const KEY = 'bench-key-0123456789abcdefghijkl';

export interface ProductionBenchResult {
  readonly bareRequestsPerS: number;
  readonly publicTile: { requestsPerS: number; ratioToBare: number };
  readonly restrictedTileWithKey: { requestsPerS: number; ratioToBare: number; ratioToPublic: number };
  readonly throughNginx: { requestsPerS: number; ratioToDirect: number; p99Ms: number; directP99Ms: number };
}

async function fetchOk(url: string, headers: Record<string, string> = {}): Promise<Buffer> {
  const res = await fetch(url, { headers });
  if (res.status !== 200) throw new Error(`GET ${url}: ${res.status}`);
  return Buffer.from(await res.arrayBuffer());
}

/** Runs each target for the same time after a warm-up, alternating rounds so drift hits all alike. */
function measure(targets: Record<string, () => WrkResult>, rounds: number): Record<string, WrkResult> {
  for (const run of Object.values(targets)) run();
  const best: Record<string, WrkResult[]> = {};
  for (let r = 0; r < rounds; r++) for (const [name, run] of Object.entries(targets)) (best[name] ??= []).push(run());
  // The median round of each, by requests per second.
  return Object.fromEntries(Object.entries(best).map(([name, runs]) => [name, runs.sort((a, b) => a.requestsPerS - b.requestsPerS)[Math.floor(runs.length / 2)]!]));
}

export async function runProductionBench(databaseUrl: string, options: { connections: number; durationS: number; rounds: number }): Promise<ProductionBenchResult> {
  ensureWrk();
  await ensureChangeLog(databaseUrl);
  const doc = parse(readFileSync('config/sodertorn.yaml', 'utf8')) as Record<string, Record<string, unknown>>;
  doc.access = { ...doc.access, keys: [{ name: 'bench', sha256: sha256Hex(KEY), grants: ['fastighetsregister'] }] };
  const dir = mkdtempSync(join(tmpdir(), 'production-bench-'));
  writeFileSync(join(dir, 'config.yaml'), stringify(doc));
  const engine = await startEngineProcess({ DATABASE_URL: databaseUrl, CONFIG: join(dir, 'config.yaml') });
  const keyHeader = { 'X-Api-Key': KEY };
  try {
    const body = await fetchOk(`${engine.url}${PUBLIC_TILE}`);
    await fetchOk(`${engine.url}${RESTRICTED_TILE}`, keyHeader);
    writeFileSync(join(dir, 'tile.mvt'), body);
    const bare = await startBareServer(join(dir, 'tile.mvt'), 'application/vnd.mapbox-vector-tile');
    const port = await freePort();
    const host = new URL(engine.url).host;
    const nginx = startNginx(loopbackNginxConf(readFileSync('deploy/nginx.conf', 'utf8'), { servers: [host], listen: `127.0.0.1:${port}` }));
    const proxy = `http://127.0.0.1:${port}`;
    try {
      for (let i = 0; i < 50 && !(await fetch(`${proxy}/health`).then((r) => r.ok, () => false)); i++) await new Promise((r) => setTimeout(r, 100));
      const wrk = { connections: options.connections, durationS: options.durationS };
      const results = measure(
        {
          bare: () => runWrk(bare.url, [PUBLIC_TILE], wrk),
          public: () => runWrk(engine.url, [PUBLIC_TILE], wrk),
          restricted: () => runWrk(engine.url, [RESTRICTED_TILE], { ...wrk, headers: keyHeader }),
          nginx: () => runWrk(proxy, [PUBLIC_TILE], wrk),
        },
        options.rounds,
      );
      for (const [name, r] of Object.entries(results)) if (r.non2xx > 0) throw new Error(`${name}: ${r.non2xx} answers were not 2xx`);
      const rps = (name: string) => results[name]!.requestsPerS;
      return {
        bareRequestsPerS: Math.round(rps('bare')),
        publicTile: { requestsPerS: Math.round(rps('public')), ratioToBare: round(rps('public') / rps('bare')) },
        restrictedTileWithKey: { requestsPerS: Math.round(rps('restricted')), ratioToBare: round(rps('restricted') / rps('bare')), ratioToPublic: round(rps('restricted') / rps('public')) },
        throughNginx: { requestsPerS: Math.round(rps('nginx')), ratioToDirect: round(rps('nginx') / rps('public')), p99Ms: results.nginx!.latencyP99Ms, directP99Ms: results.public!.latencyP99Ms },
      };
    } finally {
      bare.stop();
      await nginx.stop();
    }
  } finally {
    await engine.stop();
  }
}
