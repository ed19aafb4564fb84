import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterEach, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { startEngineGroup, type EngineProcess } from '../helpers/process-group.ts';

// The engine as its own process, stopped by SIGTERM as a container runtime stops it.
let engine: EngineProcess | undefined;
afterEach(async () => {
  await engine?.process.stop(1000);
  engine = undefined;
});

/** The shipped config with the given shutdown grace, as a file. */
function configWithGrace(graceMs: number): string {
  const doc = parse(readFileSync('config/sodertorn.yaml', 'utf8')) as { limits: Record<string, unknown> };
  doc.limits = { ...doc.limits, shutdownGraceMs: graceMs };
  const path = join(mkdtempSync(join(tmpdir(), 'sodertorn-shutdown-')), 'config.yaml');
  writeFileSync(path, stringify(doc));
  return path;
}

const printUrl = (url: string, size: number) => `${url}/print?style=grundkarta&crs=EPSG:3006&bbox=650000,6550000,690000,6590000&width=${size}&height=${size}`;
const exitCodeOf = (e: EngineProcess) => e.process.exited.then(() => e.process.child.exitCode);

describe('graceful shutdown', () => {
  it('on SIGTERM finishes the print in flight, refuses new connections, and exits 0', async () => {
    engine = await startEngineGroup({ CONFIG: configWithGrace(20_000), DATABASE_URL: '' });
    const running = engine;
    // Under way once its answer has begun: a PNG's header goes out before the first piece is drawn.
    const print = await fetch(printUrl(running.url, 2000));
    process.kill(running.process.pid, 'SIGTERM');
    await new Promise((r) => setTimeout(r, 200));
    // No longer listening; a connection the kernel took just before is told the process is draining.
    const ready = await fetch(`${running.url}/ready`).then((r) => r.json().then((body) => ({ status: r.status, body, connection: r.headers.get('connection') })), () => 'refused' as const);
    if (ready !== 'refused') expect(ready).toEqual({ status: 503, body: { ready: false, draining: true }, connection: 'close' });
    expect(print.status).toBe(200);
    const meta = await sharp(Buffer.from(await print.arrayBuffer())).metadata();
    expect([meta.width, meta.height]).toEqual([2000, 2000]);
    expect(await exitCodeOf(running)).toBe(0);
  });

  it('cuts what is still running after limits.shutdownGraceMs, and still exits 0', async () => {
    engine = await startEngineGroup({ CONFIG: configWithGrace(300), DATABASE_URL: '' });
    const running = engine;
    const print = await fetch(printUrl(running.url, 7000));
    process.kill(running.process.pid, 'SIGTERM');
    // Cut by the drain after the grace: a print of a minute does not hold the process (or the test) for a minute.
    const outcome = await print.arrayBuffer().then(() => 'complete', () => 'cut');
    expect(outcome).toBe('cut');
    expect(await exitCodeOf(running)).toBe(0);
  });
});
