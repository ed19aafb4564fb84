/**
 * Through real Varnish, nothing fetched with a key reaches a caller without one, on every
 * probe of restricted data, and a foreign Host changes no cached link. Run twice: with the
 * README's VCL (read from the README itself), and with Varnish's built-in VCL alone, which
 * caches whatever the engine lets it: the engine's own headers must be enough.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEngine, type RunningEngine } from '../helpers/engine.ts';
import { freePort } from '../helpers/free-port.ts';
import { ALL_KEY, createView, dropView, leaks, PROBE_CASES, readable, restrictedDataOverrides, SECRET_VALUES_SQL, VIEW_SCHEMA_PREFIX, type Answer } from '../helpers/restricted-probes.ts';
import { TEST_DATABASE_URL } from '../helpers/test-db.ts';

/** The VCL the README gives operators, between its ```vcl fence. */
function readmeVcl(): string {
  const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
  const m = /```vcl\n([\s\S]*?)```/.exec(readme);
  if (!m) throw new Error('README.md has no vcl block');
  return m[1]!;
}

const VIEW_SCHEMA = `${VIEW_SCHEMA_PREFIX}_varnish`;
let running: RunningEngine;
let secrets: string[] = [];

beforeAll(async () => {
  const db = new pg.Pool({ connectionString: TEST_DATABASE_URL, max: 1 });
  try {
    await db.query(createView(VIEW_SCHEMA));
    secrets = (await db.query<{ value: string }>(SECRET_VALUES_SQL)).rows.map((r) => r.value);
  } finally {
    await db.end();
  }
  running = await startEngine({ overrides: restrictedDataOverrides(VIEW_SCHEMA) });
}, 120_000);
afterAll(async () => {
  await running?.close();
  const db = new pg.Pool({ connectionString: TEST_DATABASE_URL, max: 1 });
  await db.query(dropView(VIEW_SCHEMA)).finally(() => db.end());
});

/** varnishd in the foreground on a free port, in front of the engine, with this VCL after the backend. */
async function startVarnish(vcl: string): Promise<{ url: string; stop: () => void }> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'varnish-access-'));
  chmodSync(dir, 0o755); // varnishd reads the VCL as its own user
  const backend = new URL(running.url);
  writeFileSync(join(dir, 'front.vcl'), `vcl 4.1;\nbackend engine { .host = "127.0.0.1"; .port = "${backend.port}"; }\n${vcl}`);
  const varnish: ChildProcess = spawn('varnishd', ['-F', '-a', `127.0.0.1:${port}`, '-f', join(dir, 'front.vcl'), '-n', join(dir, 'work'), '-s', 'malloc,64m'], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  varnish.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const url = `http://127.0.0.1:${port}`;
  for (let attempt = 0; ; attempt++) {
    if (varnish.exitCode !== null) throw new Error(`varnishd exited: ${stderr}`);
    if (await fetch(`${url}/health`).then(() => true, () => false)) break;
    if (attempt > 200) throw new Error(`varnishd did not answer: ${stderr}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return { url, stop: () => varnish.kill() };
}

const fetchAnswer = async (url: string, headers: Record<string, string> = {}): Promise<Answer> => {
  const res = await fetch(url, { headers: { Accept: '*/*', ...headers } });
  return { status: res.status, headers: res.headers, bytes: new Uint8Array(await res.arrayBuffer()) };
};

describe.each([
  ['the README’s VCL', readmeVcl],
  ['Varnish’s built-in VCL alone', () => ''],
])('through Varnish with %s', (_name, vcl) => {
  let front: { url: string; stop: () => void };
  beforeAll(async () => {
    front = await startVarnish(vcl());
  }, 60_000);
  afterAll(() => front?.stop());

  it('no answer fetched with a key is ever served to a caller without one', async () => {
    const served: string[] = [];
    for (const [, path, probe] of PROBE_CASES) {
      if (path === '/metrics') continue; // no-store, and refused without a key
      // Fetched with a key (a header: the same URL a keyless caller asks), twice, so a cache that would keep it has.
      for (let i = 0; i < 2; i++) await fetchAnswer(`${front.url}${path}`, { 'X-Api-Key': ALL_KEY });
      const keyless = await fetchAnswer(`${front.url}${path}`);
      const text = probe.names ? readable(keyless).replaceAll(probe.names, '…') : readable(keyless);
      const found = leaks(text, secrets);
      if (found.length > 0) served.push(`${path}: ${keyless.status} ${found.slice(0, 3).join(', ')}`);
    }
    expect(served).toEqual([]);
  }, 300_000);

  it('a request with a foreign Host changes no cached link', async () => {
    for (const path of ['/tiles/sodertorn.json', '/styles/grundkarta/style.json', '/wmts/1.0.0/WMTSCapabilities.xml', '/ogcapi/collections', '/tiles']) {
      for (let i = 0; i < 2; i++) await fetchAnswer(`${front.url}${path}`, { Host: 'evil.example' });
      const text = readable(await fetchAnswer(`${front.url}${path}`));
      expect(text, path).not.toContain('evil.example');
      expect(text, path).toContain('http');
    }
  });
});
