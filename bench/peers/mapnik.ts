/**
 * Cold rendering against Mapnik: the same XYZ tiles of grundkarta drawn with nothing cached,
 * by the engine (over HTTP, its 2 render threads) and by Mapnik 3.1 (python3-mapnik, 2
 * render processes, as renderd with num_threads=2) with a Mapnik translation of the style
 * (bench/peers/mapnik/grundkarta-xml.ts) over the same bench database, side by side in one
 * run. Both draw 4 × 4 metatiles with a 128-px buffer and cut them into 256-px palette PNGs
 * (the engine's defaults, render.metatile and render.pngPalette; Mapnik's png256, what
 * renderd writes). Where python3-mapnik cannot be installed the result says why instead of
 * failing the run.
 *
 *   engine: GET /tiles/grundkarta/{z}/{x}/{y}.png, the 16 tiles of a metatile at once (one
 *           render, joined by all 16) and 3 metatiles in flight, so both threads stay busy
 *           while the next metatile's vector tiles are read.
 *   Mapnik: a queue of metatiles feeding 2 processes, each loading the XML once, then per
 *           metatile: its PostGIS queries, one render, 16 png256 encodes.
 *
 * "Cold": a fresh engine process (no cache: the bench database has no change log, checked;
 * and exactly one render per metatile, checked) and fresh Mapnik processes every round,
 * each warmed on the same two metatiles outside the list (connections, fonts, JIT); no tile
 * is drawn twice by one process. The levels alternate which side goes first, since
 * PostgreSQL's page cache is shared and the machine's load drifts. Wall-clock time of each
 * level's whole list; the median over the rounds.
 */
import { type ChildProcess, execFileSync, spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import { loadConfig } from '../../src/config/load-config.ts';
import { metatileOf, tilesOf, type Metatile } from '../../src/grids/metatile.ts';
import { webMercatorQuad as grid } from '../../src/grids/web-mercator-quad.ts';
import { loadStyles } from '../../src/styles/style-store.ts';
import { MUNICIPALITIES } from '../../tools/demo/places.ts';
import { assertUncached, startEngineProcess, type EngineProcess } from '../lib/engine-process.ts';
import { median, round } from '../lib/stats.ts';
import { mapnikXmlOf } from './mapnik/grundkarta-xml.ts';

/** The engine's render.metatile and render.metatileBufferPx defaults, used on both sides. */
const METATILE = 4;
const BUFFER_PX = 128;
/** The engine's render.workers default: one per core of this machine; Mapnik gets as many processes. */
const THREADS = 2;
/** Metatiles the engine is asked for at once: 48 requests, within the 64 a client may have in flight. */
const ENGINE_METATILES_IN_FLIGHT = 3;
/** The bench data's bounds in EPSG:3006 (bench/peers/mod-tile/sodertorn.xml has the same). */
const EXTENT_3006 = [626000, 6520000, 698000, 6584000] as const;
/** The towns the tiles are taken around. */
const TOWNS = ['Huddinge', 'Södertälje'] as const;
const PYTHON = '/usr/bin/python3';
const WORKER = fileURLToPath(new URL('./mapnik/render-metatiles.py', import.meta.url));
const FONTS_DIR = resolve('fonts');
const ICONS_DIR = resolve('styles/icons');

/** Per XYZ level, both sides. */
export interface MapnikZoomFigures {
  readonly tiles: number;
  readonly metatiles: number;
  /** Median over the rounds of tiles / wall-clock seconds for the whole list of the level. */
  readonly engineTilesPerS: number;
  readonly mapnikTilesPerS: number;
  /**
   * Engine over Mapnik, the median of each round's ratio (its two passes ran back to back,
   * so a load that drifts over the run cancels); above 1 the engine renders faster.
   */
  readonly ratio: number;
  readonly engineRounds: readonly number[];
  readonly mapnikRounds: readonly number[];
  /** Median PNG bytes per tile. */
  readonly engineBytes: number;
  readonly mapnikBytes: number;
  /** Median over every round of the ms one metatile takes inside a Mapnik process (queries, render, 16 encodes). */
  readonly mapnikMsPerMetatile: number;
}

export type MapnikBenchResult =
  | { readonly available: false; readonly reason: string }
  | {
      readonly available: true;
      readonly versions: string;
      readonly setup: string;
      readonly rounds: number;
      /** The machine's 1-minute load average as each round started: above ~2 others shared the two cores. */
      readonly loadAverages: readonly number[];
      readonly perZoom: Record<string, MapnikZoomFigures>;
      /** Side-by-side images (engine left, Mapnik right) and each PNG, in imagesDir. */
      readonly images: readonly string[];
    };

/** A reason the peer cannot run here, reported in the results rather than thrown. */
class NotAvailable extends Error {}

const hasMapnik = () => spawnSync(PYTHON, ['-c', 'import mapnik'], { stdio: 'ignore' }).status === 0;

/** Installs python3-mapnik from Debian when missing, as the mod_tile peer installs its packages. */
function ensurePythonMapnik(): void {
  if (hasMapnik()) return;
  if (process.getuid?.() !== 0) throw new NotAvailable('python3-mapnik is not installed and this is not root (apt-get install python3-mapnik)');
  // Waits for another apt run (other benchmarks install their peers too) instead of failing.
  const apt = spawnSync('sh', ['-c', 'apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends python3-mapnik'], { encoding: 'utf8' });
  if (apt.status !== 0 || !hasMapnik()) {
    const last = `${apt.stderr ?? ''}${apt.stdout ?? ''}`.trim().split('\n').slice(-1)[0] ?? `exit ${apt.status}`;
    throw new NotAvailable(`python3-mapnik not installable here (apt-get: ${last})`);
  }
}

function versions(): string {
  const out = execFileSync('dpkg-query', ['-W', '-f', '${Package} ${Version}\\n', 'python3-mapnik', 'libmapnik3.1'], { encoding: 'utf8' });
  return out.trim().split('\n').join(', ');
}

/** A tile of a town's centre at level z, and its position within the tile in tile units. */
function townTile(town: string, z: number): { x: number; y: number; fx: number; fy: number } {
  const [lon, lat] = MUNICIPALITIES.find((m) => m.namn === town)!.center;
  const n = 2 ** z;
  const fx = ((lon + 180) / 360) * n;
  const fy = ((1 - Math.asinh(Math.tan((lat * Math.PI) / 180)) / Math.PI) / 2) * n;
  return { x: Math.floor(fx), y: Math.floor(fy), fx, fy };
}

/** Per town, the 2 × 2 metatiles around the metatile corner nearest its centre; shared ones once. */
function metatilesAt(z: number): Metatile[] {
  const blocks = new Map<string, Metatile>();
  for (const town of TOWNS) {
    const { fx, fy } = townTile(town, z);
    const cx = Math.round(fx / METATILE) * METATILE;
    const cy = Math.round(fy / METATILE) * METATILE;
    for (const x of [cx - METATILE, cx]) for (const y of [cy - METATILE, cy]) blocks.set(`${x}/${y}`, metatileOf(grid, z, x, y, METATILE));
  }
  return [...blocks.values()];
}

const tileCount = (metas: readonly Metatile[]) => metas.reduce((sum, m) => sum + m.cols * m.rows, 0);

/** Without the connection string or a password a message might carry. */
const scrub = (text: string) => text.replace(/password=\S+/g, 'password=…').replace(/postgres(ql)?:\/\/\S+/g, 'postgres://…');

/** One Mapnik render process (bench/peers/mapnik/render-metatiles.py). */
interface MapnikWorker {
  render(meta: Metatile, keep: readonly { x: number; y: number }[]): Promise<{ ms: number; bytes: number[] }>;
  stop(): Promise<void>;
}

async function startMapnikWorker(xmlPath: string, outDir: string): Promise<MapnikWorker> {
  const child: ChildProcess = spawn(PYTHON, [WORKER, xmlPath, FONTS_DIR, 'png256'], { stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString('utf8')).slice(-8192);
  });
  const lines = createInterface({ input: child.stdout! })[Symbol.asyncIterator]();
  const failure = () => new Error(`Mapnik render process: ${scrub(stderr.trim().split('\n').slice(-4).join(' | ')) || `exit ${child.exitCode}`}`);
  const next = async (): Promise<Record<string, unknown>> => {
    const line = await lines.next();
    if (line.done) throw failure();
    return JSON.parse(line.value) as Record<string, unknown>;
  };
  const stop = () =>
    new Promise<void>((resolveStop) => {
      if (child.exitCode !== null || child.signalCode !== null) return resolveStop();
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      child.once('exit', () => {
        clearTimeout(timer);
        resolveStop();
      });
      child.stdin!.end(); // end of input ends its loop
    });
  try {
    await next(); // {"ready": true}: the XML is loaded, its datasources connected
  } catch (error) {
    await stop();
    throw new NotAvailable(`Mapnik could not load the style: ${(error as Error).message}`);
  }
  return {
    async render(meta, keep) {
      child.stdin!.write(`${JSON.stringify({ z: meta.z, x0: meta.x0, y0: meta.y0, cols: meta.cols, rows: meta.rows, keep: keep.map((t) => [t.x, t.y]), out: outDir })}\n`);
      return (await next()) as unknown as { ms: number; bytes: number[] };
    },
    stop,
  };
}

/** Takes the items off a queue with `lanes` runners; resolves when all are done. */
async function drain<T>(items: readonly T[], lanes: number, run: (item: T, lane: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: lanes }, async (_, lane) => {
      while (next < items.length) await run(items[next++]!, lane);
    }),
  );
}

/** What one side made of one level's list: wall-clock seconds, every tile's bytes, the tiles asked to be kept. */
interface Pass {
  readonly seconds: number;
  readonly bytes: number[];
  readonly msPerMetatile: number[];
  readonly kept: Map<string, Buffer>;
}

async function mapnikPass(workers: readonly MapnikWorker[], metas: readonly Metatile[], keep: readonly { x: number; y: number }[], outDir: string): Promise<Pass> {
  const bytes: number[] = [];
  const ms: number[] = [];
  const start = performance.now();
  await drain(metas, workers.length, async (meta, lane) => {
    const inside = keep.filter((t) => t.x >= meta.x0 && t.x < meta.x0 + meta.cols && t.y >= meta.y0 && t.y < meta.y0 + meta.rows);
    const r = await workers[lane]!.render(meta, inside);
    bytes.push(...r.bytes);
    ms.push(r.ms);
  });
  const seconds = (performance.now() - start) / 1000;
  const z = metas[0]!.z;
  const kept = new Map(keep.map((t) => [`${t.x}/${t.y}`, readFileSync(join(outDir, `${z}-${t.x}-${t.y}.png`))]));
  return { seconds, bytes, msPerMetatile: ms, kept };
}

async function getTile(engine: EngineProcess, z: number, x: number, y: number): Promise<Buffer> {
  const res = await fetch(`${engine.url}/tiles/grundkarta/${z}/${x}/${y}.png`);
  const body = Buffer.from(await res.arrayBuffer());
  if (res.status !== 200 || res.headers.get('content-type') !== 'image/png') throw new Error(`engine: GET /tiles/grundkarta/${z}/${x}/${y}.png answered ${res.status}: ${body.subarray(0, 200).toString()}`);
  return body;
}

/** Renders the engine has completed since it started (its /health). */
async function rendersCompleted(engine: EngineProcess): Promise<number> {
  const health = (await (await fetch(`${engine.url}/health`)).json()) as { renders?: { completed?: number } };
  return health.renders?.completed ?? NaN;
}

async function enginePass(engine: EngineProcess, metas: readonly Metatile[], keep: readonly { x: number; y: number }[]): Promise<Pass> {
  const bytes: number[] = [];
  const kept = new Map<string, Buffer>();
  const wanted = new Set(keep.map((t) => `${t.x}/${t.y}`));
  const before = await rendersCompleted(engine);
  const start = performance.now();
  await drain(metas, ENGINE_METATILES_IN_FLIGHT, async (meta) => {
    // All 16 at once: they join one render of their metatile (nothing is cached to join later).
    await Promise.all(
      tilesOf(meta).map(async ({ x, y }) => {
        const body = await getTile(engine, meta.z, x, y);
        bytes.push(body.length);
        if (wanted.has(`${x}/${y}`)) kept.set(`${x}/${y}`, body);
      }),
    );
  });
  const seconds = (performance.now() - start) / 1000;
  const renders = (await rendersCompleted(engine)) - before;
  // More renders than metatiles would be the engine drawing a metatile twice: not what is compared.
  if (renders !== metas.length) throw new Error(`the engine rendered ${renders} times for ${metas.length} metatiles of z${metas[0]!.z}`);
  return { seconds, bytes, msPerMetatile: [], kept };
}

/** The two metatiles every side warms on: z13 at the two towns, in none of the lists. */
function warmUpMetatiles(): Metatile[] {
  return TOWNS.map((town) => {
    const { x, y } = townTile(town, 13);
    return metatileOf(grid, 13, x, y, METATILE);
  });
}

/** The postgis datasource parameters of a database URL. */
function postgisParameters(databaseUrl: string): Record<string, string> {
  const db = new URL(databaseUrl);
  return {
    host: db.hostname,
    port: db.port || '5432',
    user: decodeURIComponent(db.username),
    ...(db.password ? { password: decodeURIComponent(db.password) } : {}),
    dbname: decodeURIComponent(db.pathname.slice(1)),
  };
}

/**
 * Runs `rounds` rounds over the levels; each round starts a fresh engine and fresh Mapnik
 * processes. Expects a database without the change log (the engine's cache stays off).
 */
export async function runMapnikBench(databaseUrl: string, options: { zooms: number[]; rounds: number; imagesDir: string }): Promise<MapnikBenchResult> {
  try {
    ensurePythonMapnik();
  } catch (error) {
    if (error instanceof NotAvailable) return { available: false, reason: error.message };
    throw error;
  }
  const config = loadConfig({});
  const style = loadStyles(config.render.stylesDir, new Set(config.tilesets.map((t) => t.id))).find((s) => s.id === 'grundkarta');
  if (!style) throw new Error(`no style grundkarta in ${config.render.stylesDir}`);
  const xmlOf = (postgis: Record<string, string>) =>
    mapnikXmlOf(style.style, { postgis, iconsDir: ICONS_DIR, fontsDir: FONTS_DIR, zooms: [6, 19], bufferPx: BUFFER_PX, extent3006: EXTENT_3006 });

  const dir = mkdtempSync(join(tmpdir(), 'mapnik-bench-'));
  const stops: (() => Promise<void>)[] = [];
  const stopAll = async () => {
    for (const stop of stops.splice(0).reverse()) await stop();
  };
  try {
    const xmlPath = join(dir, 'grundkarta.xml');
    // It may hold the database password: readable by this user only.
    writeFileSync(xmlPath, xmlOf(postgisParameters(databaseUrl)), { mode: 0o600 });
    mkdirSync(options.imagesDir, { recursive: true });
    // The translation for review, with the connection left as placeholders.
    writeFileSync(join(options.imagesDir, 'grundkarta.xml'), xmlOf({ host: '@PG_HOST@', port: '@PG_PORT@', user: '@PG_USER@', dbname: '@PG_DBNAME@' }));

    const lists = options.zooms.map((z) => ({ z, metas: metatilesAt(z), keep: TOWNS.map((town) => townTile(town, z)) }));
    const warm = warmUpMetatiles();
    const engineSeconds = new Map<number, number[]>(options.zooms.map((z) => [z, []]));
    const mapnikSeconds = new Map<number, number[]>(options.zooms.map((z) => [z, []]));
    const mapnikMs = new Map<number, number[]>(options.zooms.map((z) => [z, []]));
    const last = new Map<number, { engine?: Pass; mapnik?: Pass }>(options.zooms.map((z) => [z, {}]));

    const loadAverages: number[] = [];
    // Both sides' processes are up for the whole round (an idle one costs no CPU), and the
    // levels alternate which side goes first (E M, M E, E M, … continued over the rounds):
    // on a shared machine the load drifts, and the passes of one level stay close in time.
    let engineFirst = true;
    for (let r = 0; r < options.rounds; r++) {
      loadAverages.push(round(loadavg()[0]!, 2));
      const engine = await startEngineProcess({ DATABASE_URL: databaseUrl });
      stops.push(() => engine.stop());
      await assertUncached(engine.url);
      const workers: MapnikWorker[] = [];
      for (let i = 0; i < THREADS; i++) {
        const worker = await startMapnikWorker(xmlPath, dir);
        stops.push(() => worker.stop());
        workers.push(worker);
      }
      await Promise.all(warm.map((meta) => Promise.all(tilesOf(meta).map(({ x, y }) => getTile(engine, meta.z, x, y)))));
      await Promise.all(workers.map((w, i) => w.render(warm[i % warm.length]!, [])));
      for (const { z, metas, keep } of lists) {
        const runEngine = async () => {
          const pass = await enginePass(engine, metas, keep);
          engineSeconds.get(z)!.push(pass.seconds);
          last.get(z)!.engine = pass;
        };
        const runMapnik = async () => {
          const pass = await mapnikPass(workers, metas, keep, dir);
          mapnikSeconds.get(z)!.push(pass.seconds);
          mapnikMs.get(z)!.push(...pass.msPerMetatile);
          last.get(z)!.mapnik = pass;
        };
        for (const run of engineFirst ? [runEngine, runMapnik] : [runMapnik, runEngine]) await run();
        engineFirst = !engineFirst;
      }
      await stopAll();
    }

    const images: string[] = [];
    const perZoom: Record<string, MapnikZoomFigures> = {};
    for (const { z, metas, keep } of lists) {
      const { engine, mapnik } = last.get(z)! as { engine: Pass; mapnik: Pass };
      const tiles = tileCount(metas);
      const engineRounds = engineSeconds.get(z)!.map((s) => round(tiles / s, 1));
      const mapnikRounds = mapnikSeconds.get(z)!.map((s) => round(tiles / s, 1));
      const engineTilesPerS = median(engineRounds);
      const mapnikTilesPerS = median(mapnikRounds);
      perZoom[z] = {
        tiles,
        metatiles: metas.length,
        engineTilesPerS: round(engineTilesPerS, 1),
        mapnikTilesPerS: round(mapnikTilesPerS, 1),
        ratio: round(median(engineRounds.map((e, i) => e / mapnikRounds[i]!)), 2),
        engineRounds,
        mapnikRounds,
        engineBytes: Math.round(median(engine.bytes)),
        mapnikBytes: Math.round(median(mapnik.bytes)),
        mapnikMsPerMetatile: round(median(mapnikMs.get(z)!), 1),
      };
      for (const [i, t] of keep.entries()) {
        const name = `z${z}-${TOWNS[i]!.toLowerCase().normalize('NFD').replace(/[^a-z]/g, '')}`;
        images.push(...(await writeImagePair(options.imagesDir, name, engine.kept.get(`${t.x}/${t.y}`)!, mapnik.kept.get(`${t.x}/${t.y}`)!)));
      }
    }
    return {
      available: true,
      versions: versions(),
      setup: `${METATILE}×${METATILE} metatiles with a ${BUFFER_PX}-px buffer, 256-px tiles, 8-bit palette PNG (engine: libimagequant quality ${config.render.pngPaletteQuality}; Mapnik: png256); engine over HTTP with ${THREADS} render threads, ${ENGINE_METATILES_IN_FLIGHT} metatiles in flight; Mapnik: ${THREADS} python3-mapnik processes fed from one queue`,
      rounds: options.rounds,
      loadAverages,
      perZoom,
      images,
    };
  } catch (error) {
    if (error instanceof NotAvailable) return { available: false, reason: error.message };
    throw error;
  } finally {
    await stopAll();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** NAME-engine.png, NAME-mapnik.png and NAME.png (side by side: engine left, Mapnik right). */
async function writeImagePair(dir: string, name: string, engine: Buffer, mapnik: Buffer): Promise<string[]> {
  const gapPx = 8;
  const files = [`${name}-engine.png`, `${name}-mapnik.png`, `${name}.png`];
  writeFileSync(join(dir, files[0]!), engine);
  writeFileSync(join(dir, files[1]!), mapnik);
  await sharp({ create: { width: 2 * grid.tileSizePx + gapPx, height: grid.tileSizePx, channels: 3, background: '#ffffff' } })
    .composite([
      { input: engine, left: 0, top: 0 },
      { input: mapnik, left: grid.tileSizePx + gapPx, top: 0 },
    ])
    .png()
    .toFile(join(dir, files[2]!));
  return files;
}
