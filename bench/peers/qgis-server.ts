/**
 * WMS GetMap against QGIS Server: the engine's /wms next to Debian's QGIS Server
 * (qgis_mapserv.fcgi, 2 processes under spawn-fcgi, behind nginx) over the same bench
 * database, in one run. QGIS draws a project built from the engine's own grundkarta style
 * (bench/peers/qgis-server/build-project.py: the same layers, colours, widths per scale,
 * scale ranges and labels in the same Noto Sans), so both draw the same map.
 *
 *   latency:    1024 × 1024 PNG in EPSG:3006 at 1:5 000, 1:20 000, 1:100 000 and 1:400 000
 *               around Flemingsberg/Huddinge (extent from the scale with OGC's 0.28 mm pixel),
 *               one map at a time, alternating which side goes first; median over distinct
 *               nearby extents, so neither side answers from a cache (the engine's cache is
 *               off on this database: checked).
 *   throughput: maps/s with 4 concurrent clients at 1:20 000, the same new extents for both,
 *               in halves run engine, QGIS, QGIS, engine (a linear drift of the shared
 *               machine's load cancels).
 *
 * One image pair per scale is written to bench/results/qgis/ to compare the styles by eye.
 * Where the Debian packages cannot be installed, or QGIS Server cannot draw, the result says
 * why instead of failing the run.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import { loadConfig } from '../../src/config/load-config.ts';
import { GRIDS_BY_ID } from '../../src/grids/grids.ts';
import { VECTOR_TILE_PX } from '../../src/grids/metatile.ts';
import { zoomAtCellSize } from '../../src/grids/tile-grid.ts';
import { loadStyles, type LoadedStyle } from '../../src/styles/style-store.ts';
import { assertUncached, startEngineProcess } from '../lib/engine-process.ts';
import { median, round } from '../lib/stats.ts';
import { freePort } from '../../test/helpers/free-port.ts';
import { startNginx } from '../../test/helpers/nginx.ts';

const STYLE_ID = 'grundkarta';
/** Between Flemingsberg and Huddinge centre (SWEREF 99 TM), inside the data at every scale. */
const CENTRE = [669_000, 6_569_200] as const;
const SCALES = [5_000, 20_000, 100_000, 400_000] as const;
const SIZE_PX = 1024;
/** OGC's standardised rendering pixel (WMS 1.3.0, 7.2.4.6.9): what a scale means to both servers. */
const OGC_PIXEL_M = 0.00028;
const THROUGHPUT_SCALE = 20_000;
const CLIENTS = 4;
/** Nearby extents are this share of a map's width apart: distinct maps over the same ground. */
const EXTENT_STEP = 0.1;
const FCGI_PROCESSES = 2;
const PACKAGES = ['qgis-server', 'spawn-fcgi', 'nginx', 'python3-qgis'] as const;
const FCGI = '/usr/lib/cgi-bin/qgis_mapserv.fcgi';
/** Debian's Python, which has python3-qgis (a python3 earlier on PATH, e.g. pyenv's, does not). */
const PYTHON = '/usr/bin/python3';
const TEMPLATES = fileURLToPath(new URL('./qgis-server', import.meta.url));
/**
 * Zoom-dependent widths and sizes become QGIS rules per quarter zoom between z6 and z19
 * (constant beyond): within ±1/8 zoom of the engine's value, about 6 % of a line width that
 * grows 1.6× a zoom.
 */
const BANDS_PER_ZOOM = 4;
const ZOOM_RANGE = [6, 19] as const;

export interface ScaleFigures {
  readonly extents: number;
  /** Width (and height) of each map on the ground. */
  readonly extentM: number;
  /** The engine style's zoom at this scale (what decides its layers and widths). */
  readonly styleZoom: number;
  readonly engineMs: number;
  readonly qgisMs: number;
  /** Engine median over QGIS median; below 1 the engine is faster. */
  readonly ratio: number;
  readonly engineRangeMs: readonly [number, number];
  readonly qgisRangeMs: readonly [number, number];
  readonly engineKb: number;
  readonly qgisKb: number;
  /** Share of pixels of the saved pair whose colours differ by at most 32 of 255 levels in every channel. */
  readonly similarPixels: number;
}

export type QgisServerBenchResult =
  | { readonly available: false; readonly reason: string }
  | {
      readonly available: true;
      readonly versions: string;
      readonly centre: readonly [number, number];
      readonly sizePx: number;
      readonly engineRenderThreads: number;
      /** The engine's tile cache (off: the bench database has no change log) and its renders, one per map answered. */
      readonly engineCache: 'on' | 'off';
      readonly engineRenders: number;
      readonly qgisProcesses: number;
      /** QGIS layers of the project, bottom to top. */
      readonly qgisLayers: readonly string[];
      readonly perScale: Readonly<Record<string, ScaleFigures>>;
      readonly throughput: {
        readonly scale: number;
        readonly clients: number;
        /** Maps each side drew, at the same extents. */
        readonly maps: number;
        readonly engineSeconds: number;
        readonly qgisSeconds: number;
        readonly engineMapsPerS: number;
        readonly qgisMapsPerS: number;
        /** Engine maps/s over QGIS maps/s; above 1 the engine draws more. */
        readonly ratio: number;
      };
      readonly imagesDir: string;
    };

/** A reason the peer cannot run here, reported in the results rather than thrown. */
class NotAvailable extends Error {}

type Bbox = readonly [number, number, number, number];

const installed = (): boolean => [FCGI, '/usr/bin/spawn-fcgi', '/usr/sbin/nginx', PYTHON].every((f) => existsSync(f)) && spawnSync(PYTHON, ['-c', 'import qgis.core']).status === 0;

/** Installs QGIS Server, spawn-fcgi, nginx and python3-qgis (for the project build) from Debian when missing. */
function ensureQgisServer(): void {
  if (installed()) return;
  if (process.getuid?.() !== 0) throw new NotAvailable(`not installable here (not root: apt-get install ${PACKAGES.join(' ')})`);
  // policy-rc.d exit 101: installing nginx starts no daemon on port 80 (as scripts/test-setup.mjs does).
  const policy = '/usr/sbin/policy-rc.d';
  const ownPolicy = !existsSync(policy);
  if (ownPolicy) writeFileSync(policy, '#!/bin/sh\nexit 101\n', { mode: 0o755 });
  try {
    const apt = spawnSync('sh', ['-c', `apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends ${PACKAGES.join(' ')}`], { encoding: 'utf8' });
    if (apt.status !== 0 || !installed()) {
      const last = `${apt.stderr ?? ''}${apt.stdout ?? ''}`.trim().split('\n').slice(-1)[0] ?? `exit ${apt.status}`;
      throw new NotAvailable(`not installable here (apt-get: ${last})`);
    }
  } finally {
    if (ownPolicy) rmSync(policy, { force: true });
  }
}

function versions(): string {
  const out = execFileSync('dpkg-query', ['-W', '-f', '${Package} ${Version}\\n', 'qgis-server-bin', 'python3-qgis', 'spawn-fcgi', 'nginx'], { encoding: 'utf8' });
  return `${out.trim().split('\n').join(', ')}; engine on Node ${process.version}`;
}

/** The last non-empty lines of a log, for a reason. */
const lastLines = (text: string, n = 4) =>
  text
    .split('\n')
    .map((line) => line.trim())
    .filter(Boolean)
    .slice(-n)
    .join(' | ') || '(no output)';

const fill = (template: string, values: Record<string, string>) => readFileSync(join(TEMPLATES, template), 'utf8').replace(/@([A-Z_]+)@/g, (m, key: string) => values[key] ?? m);

/**
 * The scale denominator of MapLibre zoom 0 in the engine's WMS over the EPSG:3006 grid: a map
 * of cell size c metres is drawn at zoom zoomAtCellSize(c) + log2(tile px / 512), and the
 * scale of c is c / 0.28 mm, so zoom z is scale K / 2^z.
 */
function scaleAtZoom0(): number {
  const grid = GRIDS_BY_ID.get('3006');
  if (!grid) throw new Error('the engine has no EPSG:3006 grid');
  return 2 ** (zoomAtCellSize(grid, OGC_PIXEL_M) + Math.log2(grid.tileSizePx / VECTOR_TILE_PX));
}

/** The engine's style, composed as the engine loads it. */
function engineStyle(): LoadedStyle {
  const config = loadConfig({});
  const style = loadStyles(config.render.stylesDir, new Set(config.tilesets.map((t) => t.id))).find((s) => s.id === STYLE_ID);
  if (!style) throw new Error(`no style ${STYLE_ID} in ${config.render.stylesDir}`);
  return style;
}

/**
 * The style's background as WMS BGCOLOR (0xRRGGBB): QGIS Server fills a map with BGCOLOR
 * (white by default), not the project's background; the engine draws its style's own.
 */
function bgcolorOf(style: LoadedStyle): string | undefined {
  const background = style.style.layers.find((l) => l.type === 'background');
  const colour = background?.paint?.['background-color'];
  return typeof colour === 'string' && /^#[0-9a-f]{6}$/i.test(colour) ? `0x${colour.slice(1).toUpperCase()}` : undefined;
}

/** What build-project.py translates: the composed style, its tables and the database. */
function projectSpec(style: LoadedStyle, databaseUrl: string): object {
  const config = loadConfig({});
  const tilesetIds = new Set(style.sources.values());
  const sourceLayers = Object.fromEntries(
    config.tilesets
      .filter((t) => tilesetIds.has(t.id))
      .flatMap((t) => t.layers)
      .map((l) => [l.id, { table: l.table, geometryColumn: l.geometryColumn, idColumn: l.idColumn, srid: l.srid, attributes: l.attributes, labelPoint: l.labelPoint ?? false, filter: l.filter ?? null }]),
  );
  const db = new URL(databaseUrl);
  return {
    title: STYLE_ID,
    crs: 'EPSG:3006',
    database: { host: db.hostname, port: Number(db.port || 5432), dbname: decodeURIComponent(db.pathname.slice(1)), user: decodeURIComponent(db.username), password: decodeURIComponent(db.password) },
    scaleAtZoom0: scaleAtZoom0(),
    bandsPerZoom: BANDS_PER_ZOOM,
    zoomRange: ZOOM_RANGE,
    sourceLayers,
    layers: style.style.layers,
    iconsDir: resolve(config.render.stylesDir, style.spriteFolder ?? 'icons'),
  };
}

/**
 * The k-th extent of a scale: a map of SIZE_PX at that scale, centred on the k-th point of a
 * square spiral around CENTRE with EXTENT_STEP of its width between points.
 */
function extentAt(scale: number, k: number): Bbox {
  const widthM = SIZE_PX * OGC_PIXEL_M * scale;
  const [i, j] = spiral(k);
  const cx = CENTRE[0] + i * EXTENT_STEP * widthM;
  const cy = CENTRE[1] + j * EXTENT_STEP * widthM;
  return [cx - widthM / 2, cy - widthM / 2, cx + widthM / 2, cy + widthM / 2];
}

/** Lattice point k of a square spiral from (0, 0): ring r holds the 8r points at distance r. */
function spiral(k: number): [number, number] {
  if (k === 0) return [0, 0];
  const r = Math.ceil((Math.sqrt(k + 1) - 1) / 2);
  const side = 2 * r;
  const t = k - (2 * r - 1) ** 2; // position on ring r, 0 … 8r − 1
  if (t < side) return [r, -r + 1 + t];
  if (t < 2 * side) return [r - 1 - (t - side), r];
  if (t < 3 * side) return [-r, r - 1 - (t - 2 * side)];
  return [-r + 1 + (t - 3 * side), -r];
}

/**
 * GetMap, WMS 1.3.0, the same on both servers: EPSG:3006 has northing first, so BBOX is
 * minN,minE,maxN,maxE.
 */
function getMapQuery(layer: string, bbox: Bbox, bgcolor: string | undefined): string {
  const [minE, minN, maxE, maxN] = bbox.map((v) => round(v, 2));
  return `SERVICE=WMS&REQUEST=GetMap&VERSION=1.3.0&LAYERS=${layer}&STYLES=&CRS=EPSG:3006&BBOX=${minN},${minE},${maxN},${maxE}&WIDTH=${SIZE_PX}&HEIGHT=${SIZE_PX}&FORMAT=image/png${bgcolor ? `&BGCOLOR=${bgcolor}` : ''}`;
}

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47]);

interface Side {
  readonly name: 'engine' | 'qgis';
  /** GetMap URL of an extent. */
  url(bbox: Bbox): string;
  /** Maps drawn so far. */
  drawn: number;
}

/** One map: milliseconds until the whole PNG has arrived. */
async function drawMap(side: Side, bbox: Bbox): Promise<{ ms: number; png: Buffer }> {
  const start = performance.now();
  const res = await fetch(side.url(bbox));
  const body = Buffer.from(await res.arrayBuffer());
  const ms = performance.now() - start;
  // QGIS Server answers some errors as a 200 with an XML exception report.
  if (res.status !== 200 || !body.subarray(0, 4).equals(PNG_SIGNATURE)) {
    const message = `${side.name} GetMap ${res.status} ${res.headers.get('content-type') ?? ''}: ${body.toString('utf8', 0, 300).replace(/\s+/g, ' ')}`;
    throw side.name === 'qgis' ? new NotAvailable(message) : new Error(message);
  }
  side.drawn++;
  return { ms, png: body };
}

/** RGB pixels of a PNG. */
const rgbOf = (png: Buffer) => sharp(png).removeAlpha().raw().toBuffer({ resolveWithObject: true });

/** Share of pixels whose channels all differ by at most `levels`. */
async function similarShare(a: Buffer, b: Buffer, levels = 32): Promise<number> {
  const [pa, pb] = await Promise.all([rgbOf(a), rgbOf(b)]);
  if (pa.info.width !== pb.info.width || pa.info.height !== pb.info.height) return 0;
  let similar = 0;
  for (let i = 0; i < pa.data.length; i += 3) {
    if (Math.abs(pa.data[i]! - pb.data[i]!) <= levels && Math.abs(pa.data[i + 1]! - pb.data[i + 1]!) <= levels && Math.abs(pa.data[i + 2]! - pb.data[i + 2]!) <= levels) similar++;
  }
  return similar / (pa.data.length / 3);
}

/** Fails when QGIS drew a map of one colour: a layer it could not open is drawn as nothing. */
async function assertDrawn(png: Buffer, what: string): Promise<void> {
  const { channels } = await sharp(png).stats();
  if (channels.slice(0, 3).every((c) => c.stdev < 1)) throw new NotAvailable(`${what} is a map of one colour: QGIS Server drew no layer (see its log)`);
}

/** `clients` loops drawing the maps of `scale` at the extents `ks`, each once; seconds until the last arrived. */
async function drawAll(side: Side, scale: number, clients: number, ks: readonly number[]): Promise<number> {
  const start = performance.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: clients }, async () => {
      while (next < ks.length) await drawMap(side, extentAt(scale, ks[next++]!));
    }),
  );
  return (performance.now() - start) / 1000;
}

/** spawn-fcgi's children, by the pid file it writes: stopped with SIGTERM, then SIGKILL. */
function fcgiStopper(pidFile: string): { pids: () => number[]; kill: (signal: NodeJS.Signals) => void; stop: () => Promise<void> } {
  const pids = () => (existsSync(pidFile) ? readFileSync(pidFile, 'utf8').split(/\s+/).filter(Boolean).map(Number) : []);
  const alive = (pid: number) => {
    try {
      process.kill(pid, 0);
      return true;
    } catch {
      return false;
    }
  };
  const kill = (signal: NodeJS.Signals) => {
    for (const pid of pids()) {
      try {
        process.kill(pid, signal);
      } catch {
        // gone already
      }
    }
  };
  return {
    pids,
    kill,
    async stop() {
      kill('SIGTERM');
      for (let i = 0; i < 50 && pids().some(alive); i++) await new Promise((r) => setTimeout(r, 100));
      kill('SIGKILL');
    },
  };
}

/**
 * Runs the comparison: `extentsPerScale` maps per scale and side one at a time, then
 * `throughputMaps` maps per side from CLIENTS concurrent clients.
 */
export async function runQgisServerBench(databaseUrl: string, options: { extentsPerScale: number; throughputMaps: number; imagesDir: string }): Promise<QgisServerBenchResult> {
  try {
    ensureQgisServer();
  } catch (error) {
    if (error instanceof NotAvailable) return { available: false, reason: error.message };
    throw error;
  }
  const dir = mkdtempSync(join(tmpdir(), 'qgis-server-bench-'));
  // nginx's worker (not root) connects to the socket in here.
  chmodSync(dir, 0o755);
  const stops: (() => Promise<void> | void)[] = [];
  const fcgi = fcgiStopper(join(dir, 'spawn-fcgi.pid'));
  // An interrupted run (Ctrl-C, SIGTERM) exits without the finally below: what it started is
  // killed and removed on exit instead. spawn-fcgi's children have left its process group.
  const atExit: (() => void)[] = [() => fcgi.kill('SIGKILL'), () => rmSync(dir, { recursive: true, force: true })];
  const onExit = () => {
    for (const f of atExit) {
      try {
        f();
      } catch {
        // gone already
      }
    }
  };
  const onSignal = () => process.exit(130);
  process.once('exit', onExit);
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    const env = {
      ...process.env,
      QT_QPA_PLATFORM: 'offscreen',
      FONTCONFIG_FILE: join(dir, 'fonts.conf'),
      // QGIS's profile and settings in the scratch folder, not in root's home.
      QGIS_CUSTOM_CONFIG_PATH: join(dir, 'qgis-config'),
      QGIS_OPTIONS_PATH: join(dir, 'qgis-config'),
      HOME: dir,
      XDG_RUNTIME_DIR: join(dir, 'runtime'),
    };
    mkdirSync(env.XDG_RUNTIME_DIR, { mode: 0o700 });
    writeFileSync(env.FONTCONFIG_FILE, fill('fonts.conf', { FONTS_DIR: resolve('fonts'), DIR: dir }));

    // The project, from the engine's style.
    const specFile = join(dir, 'project-spec.json');
    const projectFile = join(dir, `${STYLE_ID}.qgs`);
    const style = engineStyle();
    writeFileSync(specFile, JSON.stringify(projectSpec(style, databaseUrl)), { mode: 0o600 });
    // In the temporary folder: QGIS leaves a symbology-style.db where it runs.
    const built = spawnSync(PYTHON, [join(TEMPLATES, 'build-project.py'), specFile, projectFile], { env, cwd: dir, encoding: 'utf8', timeout: 300_000 });
    if (built.status !== 0) throw new NotAvailable(`QGIS project not built (exit ${built.status ?? built.signal}): ${lastLines(built.stderr ?? '')}`);
    // Its data sources hold the database credentials.
    chmodSync(projectFile, 0o600);
    const qgisLayers = (JSON.parse(built.stdout.trim().split('\n').at(-1)!) as { layers: string[] }).layers;

    // FCGI_PROCESSES of qgis_mapserv.fcgi on one socket: whichever is idle accepts the next map.
    // The socket is 0666 (nginx's worker runs as nobody), in this run's own folder.
    const socket = join(dir, 'qgis.sock');
    const log = openSync(join(dir, 'spawn-fcgi.log'), 'a');
    const qgisLog = join(dir, 'qgis-server.log');
    const spawned = spawnSync('spawn-fcgi', ['-s', socket, '-M', '0666', '-F', String(FCGI_PROCESSES), '-P', join(dir, 'spawn-fcgi.pid'), '--', FCGI], {
      env: { ...env, QGIS_PROJECT_FILE: projectFile, QGIS_SERVER_LOG_FILE: qgisLog, QGIS_SERVER_LOG_LEVEL: '1', QGIS_SERVER_IGNORE_BAD_LAYERS: 'false' },
      // Files, not pipes: the children keep them open, and spawnSync would wait for them.
      stdio: ['ignore', log, log],
    });
    closeSync(log);
    stops.push(() => fcgi.stop());
    if (spawned.status !== 0 || fcgi.pids().length !== FCGI_PROCESSES) {
      throw new NotAvailable(`spawn-fcgi did not start ${FCGI_PROCESSES} processes (exit ${spawned.status}): ${lastLines(readFileSync(join(dir, 'spawn-fcgi.log'), 'utf8'))}`);
    }

    const port = await freePort();
    const nginx = startNginx(fill('nginx.conf', { PORT: String(port), SOCKET: socket }));
    stops.push(async () => {
      await nginx.stop();
      rmSync(nginx.dir, { recursive: true, force: true });
    });
    atExit.push(() => rmSync(nginx.dir, { recursive: true, force: true }));
    const qgisUrl = `http://127.0.0.1:${port}/qgis`;
    const qgisLogTail = () => (existsSync(qgisLog) ? lastLines(readFileSync(qgisLog, 'utf8')) : '(no QGIS Server log)');
    // Up when QGIS answers its capabilities (one process has loaded the project).
    const started = performance.now();
    for (;;) {
      const ok = await fetch(`${qgisUrl}?SERVICE=WMS&REQUEST=GetCapabilities&VERSION=1.3.0`).then((r) => r.ok, () => false);
      if (ok) break;
      if (nginx.process.child.exitCode !== null) throw new NotAvailable(`nginx exited: ${lastLines(nginx.errors())}`);
      if (performance.now() - started > 60_000) throw new NotAvailable(`QGIS Server not answering within 60 s: ${qgisLogTail()} ${lastLines(nginx.errors(), 2)}`);
      await new Promise((r) => setTimeout(r, 250));
    }

    const engine = await startEngineProcess({ DATABASE_URL: databaseUrl });
    stops.push(() => engine.stop());
    atExit.push(() => process.kill(engine.pid, 'SIGTERM'));
    await assertUncached(engine.url);
    const bgcolor = bgcolorOf(style);
    const sides: Side[] = [
      { name: 'engine', url: (bbox) => `${engine.url}/wms?${getMapQuery(STYLE_ID, bbox, bgcolor)}`, drawn: 0 },
      { name: 'qgis', url: (bbox) => `${qgisUrl}?${getMapQuery(STYLE_ID, bbox, bgcolor)}`, drawn: 0 },
    ];
    const [engineSide, qgisSide] = sides as [Side, Side];

    // Warm-up at a scale not measured: both QGIS processes load the project and connect, the
    // engine's threads and connections start; two maps at a time, twice.
    for (const side of sides) for (let k = 0; k < 4; k += 2) await Promise.all([drawMap(side, extentAt(50_000, k)), drawMap(side, extentAt(50_000, k + 1))]);

    mkdirSync(options.imagesDir, { recursive: true });
    const perScale: Record<string, ScaleFigures> = {};
    for (const scale of SCALES) {
      const times = { engine: [] as number[], qgis: [] as number[] };
      const kb = { engine: [] as number[], qgis: [] as number[] };
      const first: Partial<Record<Side['name'], Buffer>> = {};
      for (let k = 0; k < options.extentsPerScale; k++) {
        // PostgreSQL's page cache is shared: who goes first alternates.
        for (const side of k % 2 === 0 ? [engineSide, qgisSide] : [qgisSide, engineSide]) {
          const map = await drawMap(side, extentAt(scale, k));
          times[side.name].push(map.ms);
          kb[side.name].push(map.png.length / 1024);
          first[side.name] ??= map.png;
        }
      }
      await assertDrawn(first.qgis!, `QGIS's map at 1:${scale}`);
      writeFileSync(join(options.imagesDir, `${scale}-engine.png`), first.engine!);
      writeFileSync(join(options.imagesDir, `${scale}-qgis.png`), first.qgis!);
      const engineMs = median(times.engine);
      const qgisMs = median(times.qgis);
      perScale[`1:${scale}`] = {
        extents: options.extentsPerScale,
        extentM: round(SIZE_PX * OGC_PIXEL_M * scale, 1),
        styleZoom: round(Math.log2(scaleAtZoom0() / scale), 2),
        engineMs: round(engineMs, 1),
        qgisMs: round(qgisMs, 1),
        ratio: round(engineMs / qgisMs),
        engineRangeMs: [round(Math.min(...times.engine), 1), round(Math.max(...times.engine), 1)],
        qgisRangeMs: [round(Math.min(...times.qgis), 1), round(Math.max(...times.qgis), 1)],
        engineKb: round(median(kb.engine), 1),
        qgisKb: round(median(kb.qgis), 1),
        similarPixels: round(await similarShare(first.engine!, first.qgis!), 3),
      };
    }

    // Throughput: the same extents for both sides (the spiral's outer ones hold less), each
    // drawn once per side and new to it (after those measured above), in halves run engine,
    // QGIS, QGIS, engine.
    const half = Math.ceil(options.throughputMaps / 2);
    const halves = [0, 1].map((h) => Array.from({ length: half }, (_, i) => options.extentsPerScale + h * half + i));
    const seconds = { engine: 0, qgis: 0 };
    for (const [side, ks] of [[engineSide, halves[0]!], [qgisSide, halves[0]!], [qgisSide, halves[1]!], [engineSide, halves[1]!]] as const) {
      seconds[side.name] += await drawAll(side, THROUGHPUT_SCALE, CLIENTS, ks);
    }
    // Every map the engine answered was drawn: one render each, none from a cache.
    const health = (await (await fetch(`${engine.url}/health`)).json()) as { renders: { completed: number }; cache: { enabled?: boolean } };
    if (health.renders.completed !== engineSide.drawn) throw new Error(`the engine answered ${engineSide.drawn} maps with ${health.renders.completed} renders`);
    const engineMapsPerS = (2 * half) / seconds.engine;
    const qgisMapsPerS = (2 * half) / seconds.qgis;

    return {
      available: true,
      versions: versions(),
      centre: CENTRE,
      sizePx: SIZE_PX,
      engineRenderThreads: loadConfig({}).render.workers,
      engineCache: health.cache.enabled === true ? 'on' : 'off',
      engineRenders: health.renders.completed,
      qgisProcesses: FCGI_PROCESSES,
      qgisLayers,
      perScale,
      throughput: {
        scale: THROUGHPUT_SCALE,
        clients: CLIENTS,
        maps: 2 * half,
        engineSeconds: round(seconds.engine, 1),
        qgisSeconds: round(seconds.qgis, 1),
        engineMapsPerS: round(engineMapsPerS, 2),
        qgisMapsPerS: round(qgisMapsPerS, 2),
        ratio: round(engineMapsPerS / qgisMapsPerS),
      },
      imagesDir: options.imagesDir,
    };
  } catch (error) {
    if (error instanceof NotAvailable) return { available: false, reason: error.message };
    throw error;
  } finally {
    for (const stop of stops.reverse()) await stop();
    process.removeListener('exit', onExit);
    process.removeListener('SIGINT', onSignal);
    process.removeListener('SIGTERM', onSignal);
    rmSync(dir, { recursive: true, force: true });
  }
}
