import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface WrkResult {
  readonly requestsPerS: number;
  readonly latencyP50Ms: number;
  readonly latencyP99Ms: number;
  readonly non2xx: number;
  readonly requests: number;
}

/** Installs wrk from Debian when missing (the load generator that saturates last on 2 cores). */
export function ensureWrk(): void {
  if (spawnSync('sh', ['-c', 'command -v wrk']).status === 0) return;
  if (process.getuid?.() !== 0) throw new Error('wrk is missing: apt-get install wrk');
  execFileSync('sh', ['-c', 'apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk'], { stdio: 'inherit' });
}


/** Runs wrk against a base URL, cycling through the given paths (round robin per thread). */
export function runWrk(baseUrl: string, paths: readonly string[], options: { connections: number; durationS: number; threads?: number; headers?: Record<string, string> }): WrkResult {
  const dir = mkdtempSync(join(tmpdir(), 'wrk-'));
  const script = join(dir, 'paths.lua');
  writeFileSync(
    script,
    `local paths = {${paths.map((p) => JSON.stringify(p)).join(',')}}\n` +
      `local i = 0\nrequest = function()\n  i = i % #paths + 1\n  return wrk.format("GET", paths[i])\nend\n` +
      `done = function(summary, latency, requests)\n  io.write(string.format("P50 %d\\nP99 %d\\nNON2XX %d\\n", latency:percentile(50), latency:percentile(99), summary.errors.status))\nend\n`,
  );
  const headers = Object.entries(options.headers ?? {}).flatMap(([name, value]) => ['-H', `${name}: ${value}`]);
  const out = execFileSync('wrk', [`-t${options.threads ?? 1}`, `-c${options.connections}`, `-d${options.durationS}s`, ...headers, '-s', script, baseUrl], { encoding: 'utf8' });
  const rps = /Requests\/sec:\s+([\d.]+)/.exec(out);
  const total = /(\d+) requests in/.exec(out);
  if (!rps || !total) throw new Error(`cannot read wrk output:\n${out}`);
  const us = (name: string) => Number(new RegExp(`${name} (\\d+)`).exec(out)?.[1] ?? NaN) / 1000;
  return { requestsPerS: Number(rps[1]), requests: Number(total[1]), latencyP50Ms: us('P50'), latencyP99Ms: us('P99'), non2xx: Number(/NON2XX (\d+)/.exec(out)?.[1] ?? 0) };
}
