/**
 * The tile cache: cached-tile throughput over HTTP (wrk) against a bare node:http server
 * answering the same bytes, both as their own processes, in one run (target ≥ 0.8×); and
 * commit-to-fresh-tile latency: a building's attribute is updated and committed, and the
 * tile over it is requested until its bytes change (target p99 ≤ 100 ms on one node).
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import pg from 'pg';
import { ensureChangeLog } from './lib/bench-db.ts';
import { startEngineProcess } from './lib/engine-process.ts';
import { median, percentile, round } from './lib/stats.ts';
import { ensureWrk, runWrk } from './lib/wrk.ts';

export interface CacheBenchResult {
  readonly cachedTile: { path: string; bytes: number; engineRequestsPerS: number; bareRequestsPerS: number; ratio: number; engineP99Ms: number; bareP99Ms: number };
  readonly commitToFresh: { rounds: number; p50Ms: number; p99Ms: number; maxMs: number };
}

/** Huddinge centre at XYZ z16: buildings, so a building's change shows in it. */
const TILE = '/tiles/sodertorn/16/36041/19305.mvt';

/** Starts bench/lib/bare-server.ts as its own process, answering every request with the file's bytes. */
export function startBareServer(file: string, contentType: string): Promise<{ url: string; stop(): void }> {
  return startScript('bench/lib/bare-server.ts', [file, contentType]);
}

/** Runs a TypeScript file as its own process until it prints {"url": …}. */
export function startScript(script: string, args: readonly string[]): Promise<{ url: string; stop(): void }> {
  const child = spawn(process.execPath, ['--import', 'tsx', script, ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`${script} exited with ${code}`)));
    createInterface({ input: child.stdout! }).once('line', (line) => resolve({ url: (JSON.parse(line) as { url: string }).url, stop: () => child.kill() }));
  });
}

async function fetchBytes(url: string): Promise<Buffer> {
  const res = await fetch(url);
  if (res.status !== 200) throw new Error(`GET ${url}: ${res.status}`);
  return Buffer.from(await res.arrayBuffer());
}

export async function runCacheBench(databaseUrl: string, options: { connections: number; durationS: number; rounds: number }): Promise<CacheBenchResult> {
  ensureWrk();
  await ensureChangeLog(databaseUrl);
  const db = new pg.Pool({ connectionString: databaseUrl, max: 2 });
  const engine = await startEngineProcess({ DATABASE_URL: databaseUrl });
  try {
    const body = await fetchBytes(`${engine.url}${TILE}`);
    await fetchBytes(`${engine.url}${TILE}`); // now a hit
    const file = join(mkdtempSync(join(tmpdir(), 'cache-bench-')), 'tile.mvt');
    writeFileSync(file, body);
    const bare = await startBareServer(file, 'application/vnd.mapbox-vector-tile');
    let engineRun;
    let bareRun;
    try {
      // Warm both (JIT, sockets), then measure each for the same duration.
      runWrk(engine.url, [TILE], { connections: options.connections, durationS: 2 });
      runWrk(bare.url, [TILE], { connections: options.connections, durationS: 2 });
      engineRun = runWrk(engine.url, [TILE], options);
      bareRun = runWrk(bare.url, [TILE], options);
    } finally {
      bare.stop();
    }

    // A building in the tile, its purpose flipped each round: the tile's bytes change.
    const { rows } = await db.query<{ id: number; andamal: string }>(
      `SELECT id, andamal FROM byggnad WHERE geom && ST_Transform(ST_TileEnvelope(16, 36041, 19305), 3006) ORDER BY id LIMIT 1`,
    );
    const building = rows[0];
    if (!building) throw new Error(`no building in ${TILE}`);
    const lags: number[] = [];
    let previous = await fetchBytes(`${engine.url}${TILE}`);
    for (let i = 0; i < options.rounds; i++) {
      const value = i % 2 === 0 ? 'samhällsfunktion' : building.andamal;
      await db.query('UPDATE byggnad SET andamal = $2 WHERE id = $1', [building.id, value]);
      const committed = performance.now();
      for (;;) {
        const now = await fetchBytes(`${engine.url}${TILE}`);
        if (!now.equals(previous)) {
          lags.push(performance.now() - committed);
          previous = now;
          break;
        }
        if (performance.now() - committed > 5000) throw new Error('tile still stale 5 s after commit');
      }
      await fetchBytes(`${engine.url}${TILE}`); // cached again before the next change
    }
    await db.query('UPDATE byggnad SET andamal = $2 WHERE id = $1', [building.id, building.andamal]);
    return {
      cachedTile: {
        path: TILE,
        bytes: body.length,
        engineRequestsPerS: Math.round(engineRun.requestsPerS),
        bareRequestsPerS: Math.round(bareRun.requestsPerS),
        ratio: round(engineRun.requestsPerS / bareRun.requestsPerS),
        engineP99Ms: engineRun.latencyP99Ms,
        bareP99Ms: bareRun.latencyP99Ms,
      },
      commitToFresh: { rounds: lags.length, p50Ms: round(median(lags), 1), p99Ms: round(percentile(lags, 99), 1), maxMs: round(Math.max(...lags), 1) },
    };
  } finally {
    await engine.stop();
    await db.end();
  }
}
