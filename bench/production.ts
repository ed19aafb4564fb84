/**
 * What running for production costs on the hot path, each against a baseline of the same
 * run: a cached restricted tile (with an API key, and with a JWT, each remembered after its
 * first check) and a public one against a bare node:http server answering the same bytes;
 * the shipped nginx config (deploy/nginx.conf) in front of the engine against the engine
 * alone; and the first check of a new JWT, which every token pays once.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { AccessPolicy, sha256Hex } from '../src/access/access-policy.ts';
import { signToken, TokenVerifier } from '../src/access/jwt-tokens.ts';
import { loopbackNginxConf } from '../test/helpers/nginx-conf.ts';
import { startNginx } from '../test/helpers/nginx.ts';
import { startBareServer } from './cache.ts';
import { ensureChangeLog } from './lib/bench-db.ts';
import { startEngineProcess } from './lib/engine-process.ts';
import { median, round } from './lib/stats.ts';
import { ensureWrk, runWrk, type WrkResult } from './lib/wrk.ts';
import { freePort } from '../test/helpers/free-port.ts';

const PUBLIC_TILE = '/tiles/sodertorn/16/36041/19305.mvt';
const RESTRICTED_TILE = '/tiles/fastighetsregister/16/36041/19305.mvt';
const KEY = 'bench-key-0123456789abcdefghijkl';
const TOKEN_SECRET = 'bench-token-secret-of-at-least-32-characters';

export interface ProductionBenchResult {
  readonly bareRequestsPerS: number;
  readonly publicTile: { requestsPerS: number; ratioToBare: number };
  readonly restrictedTileWithKey: { requestsPerS: number; ratioToBare: number; ratioToPublic: number };
  readonly restrictedTileWithJwt: { requestsPerS: number; ratioToBare: number; ratioToPublic: number };
  /** The first check of a new HS256 token, median microseconds. */
  readonly newJwtCheckUs: number;
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
  const engine = await startEngineProcess({ DATABASE_URL: databaseUrl, CONFIG: join(dir, 'config.yaml'), ACCESS_TOKEN_SECRET: TOKEN_SECRET });
  const keyHeader = { 'X-Api-Key': KEY };
  const jwtHeader = { Authorization: `Bearer ${await signToken(TOKEN_SECRET, { sub: 'bench', grants: ['fastighetsregister'], expiresInS: 3600 })}` };
  try {
    const body = await fetchOk(`${engine.url}${PUBLIC_TILE}`);
    await fetchOk(`${engine.url}${RESTRICTED_TILE}`, keyHeader);
    await fetchOk(`${engine.url}${RESTRICTED_TILE}`, jwtHeader);
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
          jwt: () => runWrk(engine.url, [RESTRICTED_TILE], { ...wrk, headers: jwtHeader }),
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
        restrictedTileWithJwt: { requestsPerS: Math.round(rps('jwt')), ratioToBare: round(rps('jwt') / rps('bare')), ratioToPublic: round(rps('jwt') / rps('public')) },
        newJwtCheckUs: await newTokenCheckUs(2000),
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

/** Microseconds of the first check of a new token, through the policy as a request makes it. */
async function newTokenCheckUs(count: number): Promise<number> {
  const nowS = Math.floor(Date.now() / 1000);
  const verifier = new TokenVerifier({ secret: TOKEN_SECRET, clockToleranceS: 30, grantsClaim: 'grants', subjectClaim: 'sub', maxTtlS: 3600 });
  const policy = new AccessPolicy({ keys: [], tokens: verifier, restrictedStyles: new Set(), accessOfTileset: () => undefined, tilesetsOfStyle: () => [], tilesetIds: () => [], styleIds: () => [] });
  const tokens = await Promise.all(Array.from({ length: count }, (_, i) => signToken(TOKEN_SECRET, { sub: `user-${i}`, grants: ['fastighetsregister'], exp: nowS + 600 })));
  const us: number[] = [];
  for (const token of tokens) {
    const started = performance.now();
    await policy.authenticate(token, nowS);
    us.push((performance.now() - started) * 1000);
  }
  return round(median(us.slice(Math.floor(count / 10))), 1); // the first tenth warms the JIT
}
