import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seed, type SeedRequest } from '../../src/seed-command.ts';
import { planSeed, unitsOf } from '../../cache/seed/seed-plan.ts';
import type { SeedState } from '../../cache/seed/seed-state.ts';
import { loadConfig } from '../../src/config/load-config.ts';
import type { EngineConfig } from '../../src/config/schema.ts';
import { GRIDS_BY_ID } from '../../src/grids/grids.ts';
import type { Bbox } from '../../src/grids/tile-grid.ts';
import { startEngine, type RunningEngine } from '../helpers/engine.ts';
import { TcpProxy } from '../helpers/tcp-proxy.ts';
import { TEST_DATABASE_URL } from '../helpers/test-db.ts';

/** Salem: the smallest municipality, so a seed of a few levels takes seconds. */
const SALEM = '0128';
const DISK_BYTES = 256 * 1024 * 1024;

interface Health {
  cache: { hits: Record<string, number>; misses: number; invalidation: string };
}

describe('seed', () => {
  let dir: string;
  let config: EngineConfig;
  const cacheOverrides = () => ({ memory: { enabled: false, maxBytes: 1024 }, disk: { enabled: true, dir: join(dir, 'cache'), maxBytes: DISK_BYTES } });

  /** Runs the seed command in this process; resolves to its exit code and output. */
  async function run(request: Partial<SeedRequest> & Pick<SeedRequest, 'target' | 'zoom'>, signal = new AbortController().signal) {
    const out: string[] = [];
    const err: string[] = [];
    const code = await seed(config, { kommun: [SALEM], ...request }, { out: (l) => out.push(l), err: (l) => err.push(l), line: (l) => err.push(l) }, signal);
    return { code, out: out.join('\n'), err: err.join('\n') };
  }

  /** Salem's WGS84 extent, as the seed command reads it. */
  async function salem(engine: RunningEngine): Promise<Bbox> {
    const extents = await engine.engine.pipeline.resolve('sodertorn').source.extentsBy('kommun', 'kommunkod', 'namn');
    return extents.find((e) => e.key === SALEM)!.bounds;
  }

  async function health(engine: RunningEngine): Promise<Health> {
    return (await (await fetch(`${engine.url}/health`)).json()) as Health;
  }

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'seed-'));
    const base = loadConfig({});
    config = { ...base, server: { ...base.server, logLevel: 'silent' }, database: { ...base.database, url: TEST_DATABASE_URL }, cache: { ...base.cache, ...cacheOverrides() } };
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('seeds vector and raster tiles that a later engine over the same disk serves as hits', async () => {
    const vector = await run({ target: { kind: 'vector', tileset: 'sodertorn' }, grids: ['WebMercatorQuad', '3006'], zoom: [11, 13] });
    expect(vector.code, vector.err).toBe(0);
    expect(vector.out).toMatch(/seeded \d+ tiles \(\d+ empty\), 0 errors/);
    const raster = await run({ target: { kind: 'raster', style: 'grundkarta', format: 'png', scale: 1 }, grids: ['WebMercatorQuad'], zoom: [12, 13] });
    expect(raster.code, raster.err).toBe(0);
    // Salem at XYZ 12–13 is 2 + 4 metatiles of 4 × 4.
    expect(raster.out).toContain('6 metatiles, 96 tiles');
    expect(raster.out).toContain('seeded 96 tiles');
    // Finished jobs leave no state behind.
    expect((await readdir(join(dir, 'cache'))).filter((f) => f.startsWith('seed-state'))).toEqual([]);

    const engine = await startEngine({ overrides: { cache: cacheOverrides() } });
    try {
      await expect.poll(async () => (await health(engine)).cache.invalidation, { timeout: 30_000, interval: 100 }).toBe('listening');
      const area = await salem(engine);
      const vectorTiles = [...unitsOf(planSeed([{ grid: GRIDS_BY_ID.get('3006')!, served: [0, 13] }], [11, 11], [area], 1).levels[0]!)];
      const rasterTiles = [...unitsOf(planSeed([{ grid: GRIDS_BY_ID.get('WebMercatorQuad')!, served: [0, 24] }], [13, 13], [area], 1).levels[0]!)];
      const urls = [
        ...vectorTiles.slice(0, 10).map((t) => `/tiles/sodertorn/3006/${t.z}/${t.x}/${t.y}.mvt`),
        ...rasterTiles.slice(0, 10).map((t) => `/tiles/grundkarta/WebMercatorQuad/${t.z}/${t.x}/${t.y}.png`),
      ];
      for (const url of urls) expect((await fetch(`${engine.url}${url}`)).status, url).toBeLessThan(300);
      const { cache } = await health(engine);
      expect(cache.hits.disk).toBe(urls.length);
      expect(cache.misses).toBe(0);
    } finally {
      await engine.close();
    }
    // Real seeding of two tilesets' levels: time enough on a busy machine.
  }, 120_000);

  it('interrupted by SIGINT, keeps its progress and exits 130; the resumed run does only the rest', async () => {
    const configFile = join(dir, 'config.json');
    await writeFile(configFile, JSON.stringify({ ...loadConfig({}), cache: config.cache }));
    const statePath = join(dir, 'state.json');
    // 3006 level 12 over Salem: 1908 tiles, none seeded before, so the run is still going when interrupted.
    const args = ['seed', '--tileset', 'sodertorn', '--kommun', SALEM, '--grid', '3006', '--zoom', '12', '--state', statePath, '--concurrency', '2', '--config', configFile];
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli.ts', ...args], { env: { ...process.env, DATABASE_URL: TEST_DATABASE_URL }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    // The state is first written after the first tile: interrupt then.
    while (!existsSync(statePath) && child.exitCode === null) await new Promise((r) => setTimeout(r, 10));
    child.kill('SIGINT');
    expect(await exited, stderr).toBe(130);
    expect(stderr).toContain('interrupted: progress kept in');
    const saved = JSON.parse(await readFile(statePath, 'utf8')) as SeedState;
    const doneBefore = saved.counts.tiles;
    expect(doneBefore).toBeGreaterThan(0);

    const resumed = await run({ target: { kind: 'vector', tileset: 'sodertorn' }, grids: ['3006'], zoom: [12, 12], statePath });
    expect(resumed.code, resumed.err).toBe(0);
    const total = Number(/(\d+) tiles in 1 levels/.exec(resumed.out)?.[1]);
    expect(resumed.out).toContain('resuming vector sodertorn');
    expect(resumed.out).toContain(`seeded ${total - doneBefore} tiles`);
    expect(existsSync(statePath)).toBe(false);
  });

  it('stops when its signal is aborted and resumes to the same total', async () => {
    const stop = new AbortController();
    const statePath = join(dir, 'abort-state.json');
    const request = { target: { kind: 'raster', style: 'grundkarta', format: 'webp', scale: 1 }, grids: ['3006'], zoom: [10, 10], statePath } as const;
    const watcher = setInterval(() => existsSync(statePath) && stop.abort(), 10);
    const first = await run(request, stop.signal);
    clearInterval(watcher);
    expect(first.code, first.err).toBe(130);
    const done = (JSON.parse(await readFile(statePath, 'utf8')) as SeedState).counts.tiles;
    const second = await run(request);
    expect(second.code, second.err).toBe(0);
    const total = Number(/, (\d+) tiles in 1 levels/.exec(second.out)?.[1]);
    expect(second.out).toContain(`seeded ${total - done} tiles`);
  });

  it('stops with a clear message when the database goes away, keeping the progress', async () => {
    const url = new URL(TEST_DATABASE_URL);
    const proxy = new TcpProxy(url.hostname, Number(url.port || 5432));
    url.port = String(await proxy.start());
    const statePath = join(dir, 'down-state.json');
    const cut = setInterval(() => existsSync(statePath) && void proxy.stop(), 10);
    const saved = config;
    try {
      config = { ...config, database: { ...config.database, url: url.href } };
      // 3011 level 9 over Salem: thousands of tiles, so the run is going when the database goes.
      const result = await run({ target: { kind: 'vector', tileset: 'sodertorn' }, grids: ['3011'], zoom: [9, 9], statePath });
      expect(result.code).toBe(1);
      expect(result.err).toMatch(/stopped: (the database is unavailable|the change feed was lost).*progress kept in/);
      expect((JSON.parse(await readFile(statePath, 'utf8')) as SeedState).counts.tiles).toBeGreaterThan(0);
    } finally {
      config = saved;
      clearInterval(cut);
      await proxy.stop();
    }
  });
});
