/**
 * The cached raster tile served by Apache with mod_tile (renderd + Mapnik over the same
 * PostGIS tables) next to the engine's cached PNG of the same XYZ tile and a bare node:http
 * server answering the engine's bytes (and mod_tile's, since its PNG is smaller), measured
 * with wrk in one run. mod_tile serves each tile out of the 8 × 8 metatile file renderd
 * wrote, so once the tile has been rendered both sides answer from their cache. Where the
 * Debian packages cannot be installed, or renderd cannot render, the result says why
 * instead of failing the run.
 */
import { type ChildProcess, execFileSync, spawn, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startBareServer } from '../cache.ts';
import { startEngineProcess } from '../lib/engine-process.ts';
import { round } from '../lib/stats.ts';
import { ensureWrk, runWrk, type WrkResult } from '../lib/wrk.ts';
import { freePort } from '../../test/helpers/free-port.ts';

/** Huddinge centre at XYZ z16, the tile of the cached-tile benchmark in bench/cache.ts. */
const TILE = { z: 16, x: 36041, y: 19305 } as const;
const ENGINE_PATH = `/tiles/grundkarta/${TILE.z}/${TILE.x}/${TILE.y}.png`;
const MOD_TILE_PATH = `/sodertorn/${TILE.z}/${TILE.x}/${TILE.y}.png`;
const PACKAGES = ['apache2', 'libapache2-mod-tile', 'renderd'] as const;
const TEMPLATES = fileURLToPath(new URL('./mod-tile', import.meta.url));

export interface ServerFigures {
  readonly requestsPerS: number;
  readonly p99Ms: number;
  readonly non2xx: number;
}

export type ModTileBenchResult =
  | { readonly available: false; readonly reason: string }
  | {
      readonly available: true;
      readonly versions: string;
      readonly enginePath: string;
      readonly modTilePath: string;
      readonly engineBytes: number;
      readonly modTileBytes: number;
      /** Width × height of each PNG (the styles differ; only serving is compared). */
      readonly enginePx: string;
      readonly modTilePx: string;
      /** The first request: renderd renders the 8 × 8 metatile and mod_tile answers. */
      readonly modTileFirstMs: number;
      readonly engine: ServerFigures;
      readonly modTile: ServerFigures;
      /** A bare node:http server answering the engine's bytes. */
      readonly bare: ServerFigures;
      /** The same bare server answering mod_tile's (smaller) bytes: the body size's share. */
      readonly bareModTileBytes: ServerFigures;
      /** Engine requests/s over mod_tile's; above 1 the engine serves more. */
      readonly ratio: number;
      /** Each against the bare server answering the engine's bytes, for reference. */
      readonly engineVsBare: number;
      readonly modTileVsBare: number;
      /** mod_tile against the bare server answering mod_tile's own bytes. */
      readonly modTileVsBareSameBytes: number;
    };

/** A reason the peer cannot run here, reported in the results rather than thrown. */
class NotAvailable extends Error {}

const installed = (): boolean => existsSync('/usr/lib/apache2/modules/mod_tile.so') && spawnSync('sh', ['-c', 'command -v renderd && command -v apache2']).status === 0;

/** Installs apache2, mod_tile and renderd from Debian when missing, as ensureWrk does. */
function ensureModTile(): void {
  if (installed()) return;
  if (process.getuid?.() !== 0) throw new NotAvailable(`not installable here (not root: apt-get install ${PACKAGES.join(' ')})`);
  const apt = spawnSync('sh', ['-c', `apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends ${PACKAGES.join(' ')}`], { encoding: 'utf8' });
  if (apt.status !== 0 || !installed()) {
    const last = `${apt.stderr ?? ''}${apt.stdout ?? ''}`.trim().split('\n').slice(-1)[0] ?? `exit ${apt.status}`;
    throw new NotAvailable(`not installable here (apt-get: ${last})`);
  }
}

/** Package versions of the peer, for the report. */
function versions(): string {
  const out = execFileSync('dpkg-query', ['-W', '-f', '${Package} ${Version}\\n', 'apache2', 'libapache2-mod-tile', 'renderd', 'libmapnik3.1'], { encoding: 'utf8' });
  return out.trim().split('\n').join(', ');
}

const xmlEscape = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/**
 * Writes the scratch configuration from the templates in bench/peers/mod-tile/: @DIR@ is the
 * scratch folder, @PORT@ Apache's loopback port, @PG_*@ the parts of the database URL.
 */
function writeConfig(dir: string, port: number, databaseUrl: string): void {
  const db = new URL(databaseUrl);
  const values: Record<string, string> = {
    DIR: dir,
    PORT: String(port),
    PG_HOST: xmlEscape(db.hostname),
    PG_PORT: db.port || '5432',
    PG_USER: xmlEscape(decodeURIComponent(db.username)),
    PG_PASSWORD: xmlEscape(decodeURIComponent(db.password)),
    PG_DBNAME: xmlEscape(decodeURIComponent(db.pathname.slice(1))),
  };
  const fill = (name: string) => readFileSync(join(TEMPLATES, name), 'utf8').replace(/@([A-Z_]+)@/g, (m, key: string) => values[key] ?? m);
  for (const sub of ['apache/logs', 'renderd/tiles']) mkdirSync(join(dir, sub), { recursive: true });
  writeFileSync(join(dir, 'apache/httpd.conf'), fill('httpd.conf'));
  writeFileSync(join(dir, 'renderd/renderd.conf'), fill('renderd.conf'));
  // The style holds the database password: readable by renderd (root) only.
  writeFileSync(join(dir, 'renderd/sodertorn.xml'), fill('sodertorn.xml'), { mode: 0o600 });
  // Apache's workers run as www-data: they walk to the metatiles and connect to renderd's socket.
  for (const sub of ['', 'renderd', 'renderd/tiles']) chmodSync(join(dir, sub), 0o755);
}

/** A foreground daemon whose output is kept (the last 64 KiB) to explain a failure. */
interface Daemon {
  readonly name: string;
  readonly child: ChildProcess;
  output(): string;
  stop(): Promise<void>;
}

function startDaemon(name: string, command: string, args: readonly string[]): Daemon {
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  const keep = (chunk: Buffer) => {
    log = (log + chunk.toString('utf8')).slice(-65_536);
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  child.on('error', (error) => keep(Buffer.from(`${name}: ${error.message}\n`)));
  return {
    name,
    child,
    output: () => log,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        // SIGTERM stops both (Apache at once, its children with it); SIGKILL if one hangs.
        const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
        child.once('exit', () => {
          clearTimeout(timer);
          resolve();
        });
        child.kill('SIGTERM');
      }),
  };
}

async function waitFor(what: string, daemon: Daemon, ready: () => Promise<boolean> | boolean, timeoutMs: number): Promise<void> {
  const start = performance.now();
  while (performance.now() - start < timeoutMs) {
    if (daemon.child.exitCode !== null) throw new NotAvailable(`${daemon.name} exited with ${daemon.child.exitCode}: ${lastLines(daemon.output())}`);
    if (await ready()) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new NotAvailable(`${what} not ready within ${timeoutMs / 1000} s: ${lastLines(daemon.output())}`);
}

/**
 * The last non-empty lines of a daemon's output for a report, without the connection string
 * Mapnik's PostGIS plugin prints on a failed connection (it may hold the password).
 */
const lastLines = (text: string, n = 6) =>
  text
    .replace(/\s*Connection string: '[^']*'/g, '')
    .replace(/password=\S+/g, 'password=…')
    .split('\n')
    .map((line) => line.trim())
    .filter(Boolean)
    .slice(-n)
    .join(' | ') || '(no output)';

async function get(url: string): Promise<{ status: number; type: string; body: Buffer }> {
  const res = await fetch(url);
  return { status: res.status, type: res.headers.get('content-type') ?? '', body: Buffer.from(await res.arrayBuffer()) };
}

/** Width × height from a PNG's IHDR chunk. */
const pngSize = (png: Buffer) => (png.length >= 24 ? `${png.readUInt32BE(16)}×${png.readUInt32BE(20)}` : '?');

/** Runs of equal duration as one: mean requests/s, the worse p99. */
const combine = (runs: readonly WrkResult[]): ServerFigures => ({
  requestsPerS: Math.round(runs.reduce((sum, r) => sum + r.requestsPerS, 0) / runs.length),
  p99Ms: Math.max(...runs.map((r) => r.latencyP99Ms)),
  non2xx: runs.reduce((sum, r) => sum + r.non2xx, 0),
});

/**
 * Runs the comparison, `durationS` of wrk per server (in two halves); expects the change log
 * to be installed in the database (runCacheBench does it), since without it the engine's
 * cache stays off.
 */
export async function runModTileBench(databaseUrl: string, options: { connections: number; durationS: number }): Promise<ModTileBenchResult> {
  try {
    ensureModTile();
  } catch (error) {
    if (error instanceof NotAvailable) return { available: false, reason: error.message };
    throw error;
  }
  ensureWrk();
  const dir = mkdtempSync(join(tmpdir(), 'mod-tile-bench-'));
  const daemons: Daemon[] = [];
  const stops: (() => Promise<void> | void)[] = [];
  try {
    const port = await freePort();
    writeConfig(dir, port, databaseUrl);
    const renderd = startDaemon('renderd', 'renderd', ['-f', '-c', join(dir, 'renderd/renderd.conf')]);
    daemons.push(renderd);
    await waitFor('renderd socket', renderd, () => existsSync(join(dir, 'renderd/renderd.sock')), 30_000);
    const apache = startDaemon('apache2', 'apache2', ['-d', join(dir, 'apache'), '-f', join(dir, 'apache/httpd.conf'), '-DFOREGROUND']);
    daemons.push(apache);
    const modTileUrl = `http://127.0.0.1:${port}`;
    await waitFor('Apache', apache, () => fetch(`${modTileUrl}/`).then(() => true, () => false), 15_000);

    // Once: renderd renders the metatile holding the tile, mod_tile stores and answers it.
    const first = performance.now();
    const rendered = await get(`${modTileUrl}${MOD_TILE_PATH}`);
    const modTileFirstMs = round(performance.now() - first, 0);
    if (rendered.status !== 200 || !rendered.type.startsWith('image/png')) {
      const logFile = join(dir, 'apache/logs/error.log');
      // Apache's problems only, not its start-up notices.
      const errorLog = existsSync(logFile) ? readFileSync(logFile, 'utf8').split('\n').filter((line) => /:(warn|error|crit|alert|emerg)\]/.test(line)).join('\n') : '';
      throw new NotAvailable(`tile not rendered (HTTP ${rendered.status}); renderd: ${lastLines(renderd.output())}; apache: ${lastLines(errorLog, 3)}`);
    }

    const engine = await startEngineProcess({ DATABASE_URL: databaseUrl });
    stops.push(() => engine.stop());
    const produced = await get(`${engine.url}${ENGINE_PATH}`);
    if (produced.status !== 200 || produced.type !== 'image/png') throw new Error(`GET ${ENGINE_PATH}: ${produced.status} ${produced.type}`);
    await get(`${engine.url}${ENGINE_PATH}`); // now a hit
    writeFileSync(join(dir, 'engine.png'), produced.body);
    writeFileSync(join(dir, 'mod-tile.png'), rendered.body);
    const bare = await startBareServer(join(dir, 'engine.png'), 'image/png');
    stops.push(() => bare.stop());
    const bareModTile = await startBareServer(join(dir, 'mod-tile.png'), 'image/png');
    stops.push(() => bareModTile.stop());

    const targets = [
      { name: 'engine', base: engine.url, path: ENGINE_PATH },
      { name: 'modTile', base: modTileUrl, path: MOD_TILE_PATH },
      { name: 'bare', base: bare.url, path: ENGINE_PATH },
      { name: 'bareModTileBytes', base: bareModTile.url, path: MOD_TILE_PATH },
    ] as const;
    // Warm each (JIT, Apache's workers, sockets), then measure each for the same duration,
    // in two halves run in opposite orders (A B C D D C B A): on a shared machine the load
    // drifts within a run, and this cancels a linear drift.
    for (const t of targets) runWrk(t.base, [t.path], { connections: options.connections, durationS: 2 });
    const halves = new Map<string, WrkResult[]>(targets.map((t) => [t.name, []]));
    for (const t of [...targets, ...[...targets].reverse()]) {
      halves.get(t.name)!.push(runWrk(t.base, [t.path], { connections: options.connections, durationS: Math.max(1, Math.round(options.durationS / 2)) }));
    }
    const runs = Object.fromEntries(targets.map((t) => [t.name, combine(halves.get(t.name)!)])) as Record<(typeof targets)[number]['name'], ServerFigures>;
    for (const [name, r] of Object.entries(runs)) if (r.non2xx > 0) throw new Error(`${name} answered ${r.non2xx} requests with a non-2xx status`);
    return {
      available: true,
      versions: versions(),
      enginePath: ENGINE_PATH,
      modTilePath: MOD_TILE_PATH,
      engineBytes: produced.body.length,
      modTileBytes: rendered.body.length,
      enginePx: pngSize(produced.body),
      modTilePx: pngSize(rendered.body),
      modTileFirstMs,
      engine: runs.engine,
      modTile: runs.modTile,
      bare: runs.bare,
      bareModTileBytes: runs.bareModTileBytes,
      ratio: round(runs.engine.requestsPerS / runs.modTile.requestsPerS),
      engineVsBare: round(runs.engine.requestsPerS / runs.bare.requestsPerS),
      modTileVsBare: round(runs.modTile.requestsPerS / runs.bare.requestsPerS),
      modTileVsBareSameBytes: round(runs.modTile.requestsPerS / runs.bareModTileBytes.requestsPerS),
    };
  } catch (error) {
    if (error instanceof NotAvailable) return { available: false, reason: error.message };
    throw error;
  } finally {
    for (const stop of stops.reverse()) await stop();
    for (const daemon of daemons.reverse()) await daemon.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}
