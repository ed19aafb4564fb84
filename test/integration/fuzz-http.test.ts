/**
 * Fuzzing of the HTTP front over real sockets (the project issue: "never a 500, never a
 * hang"): request paths and query strings from fast-check, junk and near-valid ones, sent
 * raw (malformed percent-encoding reaches the server) at every public route. Every answer
 * must come (within 25 s: a hang, not slowness), whole, with a status below 500 (503 for overload is allowed; 501
 * only for an OGC OperationNotSupported), and an error must say what it is: a JSON
 * `{ error: { code } }` or an OGC exception report. FUZZ_SEED=<seed> replays a failure.
 */
import { Agent, request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GRIDS } from '../../src/grids/grids.ts';
import { startEngine, type RunningEngine } from '../helpers/engine.ts';
import { fuzzParameters, junkPairsArb, nearValidArb, NASTY_VALUES, type Pairs, PROTOTYPE_KEYS, queryArb, segmentArb, toWire, wireJunkArb, WMS_CAPABILITIES, WMS_LEGEND, wmsFeatureInfo, wmsGetMap, wmtsGetTile } from '../helpers/fuzz-inputs.ts';

/** An answer later than this is a hang (renders here are tiny, a full queue answers 503 at once), however busy the machine. */
const ANSWER_TIMEOUT_MS = 25_000;
/** Requests sent at once by one property run (and sockets of the keep-alive agent). */
const CONCURRENCY = 4;
/** Longest request line node's parser takes (16 KB of headers): longer ones are Node's 431, not the engine's. */
const MAX_PATH_CHARS = 8_000;

let running: RunningEngine;
let agent: Agent;

beforeAll(async () => {
  // Prints are bounded small, so a mutated size is a quick 413 and an accepted print a quick render.
  running = await startEngine({ database: null, overrides: { print: { maxPixels: 300_000 } } });
  agent = new Agent({ keepAlive: true, maxSockets: CONCURRENCY });
});
afterAll(async () => {
  agent?.destroy();
  await running?.close();
});

interface Answer {
  readonly method: 'GET' | 'HEAD';
  readonly path: string;
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer;
  /** False when the connection closed before the whole body came: a failure after the headers were sent. */
  readonly complete: boolean;
}

/** Sends a raw path (node's client sends it byte for byte) and reads the whole answer, or rejects after ANSWER_TIMEOUT_MS. */
function send(method: 'GET' | 'HEAD', path: string): Promise<Answer> {
  const { hostname, port } = new URL(running.url);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      req.destroy();
      reject(new Error(`no answer within ${ANSWER_TIMEOUT_MS} ms: ${method} ${path.slice(0, 300)}`));
    }, ANSWER_TIMEOUT_MS);
    const req = httpRequest({ agent, host: hostname, port, method, path }, (res) => {
      const chunks: Buffer[] = [];
      let settled = false;
      const settle = (complete: boolean) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        resolve({ method, path, status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks), complete });
      };
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => settle(res.complete));
      res.on('error', () => settle(false));
      res.on('close', () => settle(res.complete));
    });
    req.on('error', (error) => {
      clearTimeout(timer);
      reject(new Error(`${method} ${path.slice(0, 300)}: ${error.message}`));
    });
    req.end();
  });
}

/** Statuses seen per route family: the fuzzing must reach both answers and refusals. */
const seen = new Map<string, Map<number, number>>();

/** What every answer must be; returns nothing, fails with the request in the message. */
function expectSound(answer: Answer): void {
  const { method, path, status, headers, body } = answer;
  const type = String(headers['content-type'] ?? '');
  const where = `${method} ${path.slice(0, 300)} → ${status} ${type} ${body.subarray(0, 300).toString()}`;
  expect(answer.complete, `body cut off: ${where}`).toBe(true);
  const notImplemented = status === 501 && /OperationNotSupported/.test(body.toString());
  expect(status < 500 || status === 503 || (status === 501 && (method === 'HEAD' || notImplemented)), where).toBe(true);
  expect(status, where).toBeGreaterThanOrEqual(200);
  if (status === 200 && method === 'GET') expect(type, where).not.toBe('');
  if (status < 400 || method === 'HEAD') return;
  if (type.startsWith('application/json')) {
    const parsed = JSON.parse(body.toString()) as { error?: { code?: unknown; message?: unknown } };
    expect(typeof parsed.error?.code, where).toBe('string');
    expect(typeof parsed.error?.message, where).toBe('string');
  } else {
    expect(type, where).toMatch(/^(application|text)\/xml/);
    // OWS 1.1 ExceptionReport (WMTS) or WMS 1.3.0 ServiceExceptionReport.
    expect(body.toString(), where).toMatch(/<ows:Exception exceptionCode="\w+"|<ServiceException code="\w+"/);
  }
}

interface Probe {
  readonly method: 'GET' | 'HEAD';
  readonly path: string;
}

/** A request: mostly GET; HEAD must be as sound. */
function probeArb(path: fc.Arbitrary<string>): fc.Arbitrary<Probe> {
  return fc.record({ method: fc.constantFrom<'GET' | 'HEAD'>('GET', 'GET', 'GET', 'GET', 'GET', 'GET', 'GET', 'GET', 'GET', 'HEAD'), path }).filter((p) => p.path.length <= MAX_PATH_CHARS);
}

/** Tile formats by extension: a tile route answers 200 or 204 only for these. */
const SERVED_EXTENSIONS = ['mvt', 'pbf', 'png', 'webp', 'jpg'];

/** For tile routes: a success names a served format (a prototype key like ".constructor" once got a 204). */
function expectServedFormat(answer: Answer): void {
  if (answer.status !== 200 && answer.status !== 204) return;
  // The server routes the decoded path (a success means it decoded).
  const path = decodeURIComponent(answer.path.split('?')[0]!);
  if (!/^\/(tiles|wmts\/1\.0\.0)\/.+\/[^/]+\.[^/.]+$/.test(path) || path.endsWith('.json') || path.endsWith('.xml')) return;
  const extension = path.slice(path.lastIndexOf('.') + 1);
  expect(SERVED_EXTENSIONS, `${answer.method} ${answer.path} → ${answer.status}`).toContain(extension);
}

/** Fires batches of up to CONCURRENCY requests per run and checks every answer. */
async function fuzz(family: string, paths: fc.Arbitrary<string>, numRuns: number, expectMore: (answer: Answer) => void = () => {}): Promise<void> {
  const statuses = seen.get(family) ?? new Map<number, number>();
  seen.set(family, statuses);
  await fc.assert(
    fc.asyncProperty(fc.array(probeArb(paths), { minLength: 1, maxLength: CONCURRENCY }), async (probes) => {
      const answers = await Promise.all(probes.map((p) => send(p.method, p.path)));
      for (const answer of answers) {
        statuses.set(answer.status, (statuses.get(answer.status) ?? 0) + 1);
        expectSound(answer);
        expectMore(answer);
      }
    }),
    // A failure found late still gets shrunk and reported, but not for longer than this.
    { ...fuzzParameters(numRuns), interruptAfterTimeLimit: 60_000 },
  );
}

/** Expects the family's answers to have included successes and refusals: the inputs reached the routes' logic. */
function expectReached(family: string, { success = true } = {}): void {
  const statuses = [...(seen.get(family)?.keys() ?? [])];
  if (success) expect(statuses.some((s) => s === 200 || s === 204), `${family}: no success among ${statuses.join(', ')}`).toBe(true);
  expect(statuses.some((s) => s >= 400 && s < 500), `${family}: no refusal among ${statuses.join(', ')}`).toBe(true);
}

const TILESETS = ['sodertorn', 'byggnader', 'fastighetsregister'];
const STYLES = ['grundkarta', 'gra', 'utskrift'];
const GRID_IDS = GRIDS.map((g) => g.id);

/** A tile that exists: a grid, a level up to 14 of it and a column and row inside it. */
const validTileArb = fc.constantFrom(...GRIDS).chain((g) =>
  fc.integer({ min: 0, max: Math.min(14, g.levels.length - 1) }).chain((z) =>
    fc.record({ grid: fc.constant(g.id), z: fc.constant(String(z)), x: fc.nat(g.levels[z]!.matrixWidth - 1).map(String), y: fc.nat(g.levels[z]!.matrixHeight - 1).map(String) }),
  ),
);

/** What may replace one part of a valid path: numbers off the edges, nasty values, prototype keys, wire junk. */
const fieldJunkArb: fc.Arbitrary<string> = fc.oneof(
  { arbitrary: fc.oneof(fc.integer({ min: -2, max: 2 ** 21 }), fc.integer(), fc.constantFrom(2 ** 31, 2 ** 53, 1e21)).map(String), weight: 3 },
  { arbitrary: fc.constantFrom(...NASTY_VALUES).map((v) => toWire(v, 'encoded')), weight: 3 },
  { arbitrary: fc.constantFrom(...PROTOTYPE_KEYS, 'MVT', 'Png', 'json', 'gif', 'EPSG:3006', 'webmercatorquad', 'okänd', 'fastighetsregister', 'default').map((v) => toWire(v, 'encoded')), weight: 2 },
  { arbitrary: wireJunkArb, weight: 2 },
);

/**
 * The fields of a valid request path with at most one replaced by junk (a third are kept
 * whole): the other fields pass their checks, so the junk reaches the check of its own.
 */
function oneFieldMutated<T extends Record<string, string>>(valid: fc.Arbitrary<T>): fc.Arbitrary<T> {
  return fc.tuple(valid, fc.nat(), fieldJunkArb, fc.nat(2)).map(([fields, i, junk, keep]) => {
    if (keep === 0) return fields;
    const keys = Object.keys(fields);
    return { ...fields, [keys[i % keys.length]!]: junk };
  });
}

/** A tile of a tileset or a style, in a format it is served in: vector tiles mostly (a raster tile is a render, cached). */
const validTilePathArb = fc.tuple(
  validTileArb,
  fc.oneof(
    { arbitrary: fc.record({ name: fc.constantFrom('sodertorn', 'byggnader'), scale: fc.constant(''), format: fc.constantFrom('mvt', 'pbf') }), weight: 3 },
    { arbitrary: fc.record({ name: fc.constantFrom(...STYLES, 'sodertorn'), scale: fc.constantFrom('', '@2x'), format: fc.constantFrom('png', 'webp', 'jpg') }), weight: 1 },
  ),
).map(([tile, served]) => ({ name: served.name, grid: tile.grid, z: tile.z, x: tile.x, y: tile.y, scale: served.scale, format: served.format }));

const optionalQuery = fc.oneof(
  { arbitrary: fc.constant(''), weight: 6 },
  { arbitrary: queryArb(junkPairsArb(['key', 'format', 'SERVICE'])).map((q) => `?${q}`), weight: 1 },
  { arbitrary: wireJunkArb.map((q) => `?${q}`), weight: 1 },
);

/** A tileset or style segment for the routes that only look one up. */
const tileset = segmentArb([...TILESETS, ...TILESETS, ...STYLES, 'okänd'].map((s) => toWire(s, 'encoded')), undefined, 18);
const grid = segmentArb([...GRID_IDS, 'EPSG:3006', 'webmercatorquad'], undefined, 12);

describe('fuzzed HTTP requests', () => {
  it('tiles: /tiles/{ts}/{z}/{x}/{y}.{fmt} and /tiles/{ts}/{grid}/{z}/{x}/{y}.{fmt}', async () => {
    const tilePath = fc.tuple(oneFieldMutated(validTilePathArb), fc.boolean(), optionalQuery).map(([t, xyz, q]) => {
      const scale = t.scale === '' || t.scale === '@2x' ? t.scale : `@${t.scale}x`;
      // The XYZ form has no grid: it is WebMercatorQuad's (another grid's z/x/y there is just another tile).
      return xyz ? `/tiles/${t.name}/${t.z}/${t.x}/${t.y}${scale}.${t.format}${q}` : `/tiles/${t.name}/${t.grid}/${t.z}/${t.x}/${t.y}${scale}.${t.format}${q}`;
    });
    const other = fc.oneof(tileset.map((t) => `/tiles/${t}.json`), wireJunkArb.map((j) => `/tiles/${j}`), fc.constant('/tiles'));
    await fuzz('tiles', fc.oneof({ arbitrary: tilePath, weight: 8 }, { arbitrary: other, weight: 1 }), 80, expectServedFormat);
    expectReached('tiles');
  }, 90_000);

  it('WMTS: KVP at /wmts? and RESTful at /wmts/1.0.0/…', async () => {
    const getTile: Pairs = wmtsGetTile('3006', 5, 10, 12);
    const capabilities: Pairs = [
      ['SERVICE', 'WMTS'],
      ['REQUEST', 'GetCapabilities'],
    ];
    const kvp = fc.oneof({ arbitrary: nearValidArb([getTile, capabilities]), weight: 4 }, { arbitrary: junkPairsArb(getTile.map(([k]) => k)), weight: 1 });
    const kvpPath = fc.tuple(fc.constantFrom('/wmts', '/wmts/'), queryArb(kvp)).map(([p, q]) => `${p}?${q}`);
    const validRest = fc
      .tuple(validTileArb, fc.constantFrom('sodertorn', 'byggnader'), fc.oneof({ arbitrary: fc.constantFrom('mvt', 'pbf'), weight: 3 }, { arbitrary: fc.constant('png'), weight: 1 }), fc.constantFrom('default', 'default', ...STYLES))
      .map(([t, layer, ext, style]) => ({ layer, style, tms: t.grid, z: t.z, row: t.y, col: t.x, ext }));
    const rest = oneFieldMutated(validRest).map((r) => `/wmts/1.0.0/${r.layer}/${r.style}/${r.tms}/${r.z}/${r.row}/${r.col}.${r.ext}`);
    const other = fc.oneof(fc.constant('/wmts/1.0.0/WMTSCapabilities.xml'), wireJunkArb.map((j) => `/wmts/1.0.0/${j}`), wireJunkArb.map((j) => `/wmts?${j}`));
    await fuzz('wmts', fc.oneof({ arbitrary: kvpPath, weight: 4 }, { arbitrary: rest, weight: 3 }, { arbitrary: other, weight: 1 }), 100, expectServedFormat);
    expectReached('wmts');
  }, 90_000);

  it('WMS: /wms?…', async () => {
    // Small maps: a mutated size is a refusal, an accepted map a quick render.
    const getMap: Pairs = wmsGetMap(64, 48);
    const getMap84: Pairs = getMap.map(([k, v]) => (k === 'CRS' ? [k, 'CRS:84'] : k === 'BBOX' ? [k, '17.9,59.1,18.1,59.3'] : k === 'FORMAT' ? [k, 'image/jpeg'] : [k, v]));
    const query = fc.oneof({ arbitrary: nearValidArb([getMap, getMap84, WMS_LEGEND, WMS_CAPABILITIES, wmsFeatureInfo(getMap)]), weight: 5 }, { arbitrary: junkPairsArb(getMap.map(([k]) => k)), weight: 1 });
    const paths = fc.oneof({ arbitrary: fc.tuple(fc.constantFrom('/wms', '/wms/'), queryArb(query)).map(([p, q]) => `${p}?${q}`), weight: 6 }, { arbitrary: wireJunkArb.map((j) => `/wms?${j}`), weight: 1 });
    await fuzz('wms', paths, 80);
    expectReached('wms');
  }, 90_000);

  it('prints: /print?…', async () => {
    const byBbox: Pairs = [
      ['style', 'grundkarta'],
      ['bbox', '670000,6569000,671000,6570000'],
      ['width', '64'],
      ['height', '48'],
      ['format', 'png'],
    ];
    const byPaper: Pairs = [
      ['style', 'utskrift'],
      ['center', '670500,6569500'],
      ['scale', '50000'],
      ['paper', 'A4'],
      ['dpi', '24'],
      ['bearing', '30'],
      ['format', 'jpg'],
    ];
    const worldFile: Pairs = [
      ['style', 'gra'],
      ['crs', 'EPSG:3011'],
      ['center', '153000,6570000'],
      ['scale', '10000'],
      ['width', '100'],
      ['height', '100'],
      ['format', 'wld'],
    ];
    // World files are free to make, so they carry most of the parameter fuzzing.
    const query = fc.oneof({ arbitrary: nearValidArb([byBbox, byPaper, worldFile, worldFile, worldFile]), weight: 5 }, { arbitrary: junkPairsArb(byPaper.map(([k]) => k)), weight: 1 });
    const paths = fc.oneof({ arbitrary: fc.tuple(fc.constantFrom('/print', '/print/'), queryArb(query)).map(([p, q]) => `${p}?${q}`), weight: 6 }, { arbitrary: wireJunkArb.map((j) => `/print?${j}`), weight: 1 });
    await fuzz('print', paths, 80);
    expectReached('print');
  }, 90_000);

  it('styles, sprites and glyphs: /styles/…, /fonts/{stack}/{range}.pbf', async () => {
    const style = segmentArb([...STYLES, ...TILESETS]);
    const styles = fc.oneof(
      style.map((s) => `/styles/${s}/style.json`),
      style.map((s) => `/styles/${s}.json`),
      fc.tuple(style, fc.constantFrom('', '@2x', '@3x'), fc.constantFrom('json', 'png', 'svg', ...PROTOTYPE_KEYS)).map(([s, at, ext]) => `/styles/${s}/sprite${at}.${ext}`),
      wireJunkArb.map((j) => `/styles/${j}`),
      fc.constantFrom('/styles', '/styles.json', '/fonts.json'),
    );
    const stack = fc.oneof(
      { arbitrary: fc.constantFrom('Noto Sans Regular', 'Noto Sans Bold,Noto Sans Italic', 'Open Sans Semibold,Arial Unicode MS Bold', 'Noto Sans Regular,'.repeat(9)).map((s) => toWire(s, 'encoded')), weight: 3 },
      { arbitrary: fc.constantFrom(...NASTY_VALUES).map((s) => toWire(s, 'encoded')), weight: 2 },
      { arbitrary: wireJunkArb, weight: 1 },
    );
    const range = fc.oneof({ arbitrary: fc.integer({ min: 0, max: 255 }).map((n) => `${n * 256}-${n * 256 + 255}`), weight: 3 }, { arbitrary: segmentArb(['0-255', '256-511', '65280-65535', '65536-65791', '0-256', '-256--1']), weight: 2 });
    const fonts = fc.tuple(stack, range).map(([s, r]) => `/fonts/${s}/${r}.pbf`);
    await fuzz('styles-fonts', fc.oneof({ arbitrary: styles, weight: 1 }, { arbitrary: fonts, weight: 1 }), 50);
    expectReached('styles-fonts');
  }, 90_000);

  it('OGC API – Tiles and tile matrix sets: /ogcapi/…, /tileMatrixSets/…', async () => {
    const paths = fc.oneof(
      {
        arbitrary: oneFieldMutated(fc.tuple(validTileArb, fc.constantFrom('sodertorn', 'byggnader')).map(([t, tileset]) => ({ tileset, ...t }))).map((t) => `/ogcapi/collections/${t.tileset}/tiles/${t.grid}/${t.z}/${t.y}/${t.x}`),
        weight: 4,
      },
      { arbitrary: fc.tuple(tileset, grid).map(([t, g]) => `/ogcapi/collections/${t}/tiles/${g}`), weight: 1 },
      { arbitrary: tileset.map((t) => `/ogcapi/collections/${t}/tiles`), weight: 1 },
      { arbitrary: tileset.map((t) => `/ogcapi/collections/${t}`), weight: 1 },
      { arbitrary: grid.map((g) => `/tileMatrixSets/${g}`), weight: 1 },
      { arbitrary: fc.constantFrom('/ogcapi', '/ogcapi/', '/ogcapi/conformance', '/ogcapi/collections', '/tileMatrixSets', '/ogcapi/tileMatrixSets'), weight: 1 },
      { arbitrary: wireJunkArb.map((j) => `/ogcapi/${j}`), weight: 1 },
    );
    await fuzz('ogcapi', paths, 50);
    expectReached('ogcapi');
  }, 90_000);

  it('anything else: junk paths and queries at the root', async () => {
    const paths = fc.tuple(fc.array(wireJunkArb, { minLength: 1, maxLength: 4 }), optionalQuery).map(([parts, q]) => `/${parts.join('/')}${q}`);
    await fuzz('junk', paths, 40);
    expectReached('junk', { success: false });
  }, 90_000);
});

describe('requests fuzzing found answered 500, a NaN world file, a cut-off PNG or a 204', () => {
  const getTile = 'SERVICE=WMTS&REQUEST=GetTile&VERSION=1.0.0&LAYER=sodertorn&STYLE=default&TILEMATRIXSET=WebMercatorQuad&TILEMATRIX=1&TILEROW=0&TILECOL=0';
  const getMap = 'SERVICE=WMS&VERSION=1.3.0&REQUEST=GetMap&LAYERS=grundkarta&STYLES=&CRS=EPSG:3006&WIDTH=8&HEIGHT=8';
  it.each([
    // Object.prototype members were taken for formats: a TypeError (500), a render of format "constructor" (500), a 204.
    [`/wmts?${getTile}&FORMAT=constructor`, 400, 'InvalidParameterValue'],
    ['/wmts/1.0.0/sodertorn/default/WebMercatorQuad/1/0/0.constructor', 400, 'InvalidParameterValue'],
    ['/wmts/1.0.0/sodertorn/default/WebMercatorQuad/1/0/0.toString', 400, 'InvalidParameterValue'],
    [`/wms?${getMap}&BBOX=6565000,670000,6573000,678000&FORMAT=constructor`, 400, 'InvalidFormat'],
    // Extents that overflow to Infinity, or whose pixel is 0: NaN world files, a 200 cut off mid-PNG, a 500.
    [`/wms?${getMap}&BBOX=-1e308,-1e308,1e308,1e308&FORMAT=image/png`, 400, 'InvalidParameterValue'],
    ['/print?style=grundkarta&bbox=-1e308,0,1e308,1&width=8&height=8&format=wld', 400, 'INVALID_PRINT_REQUEST'],
    ['/print?style=grundkarta&bbox=-1e308,0,1e308,1&width=8&height=8', 400, 'INVALID_PRINT_REQUEST'],
    ['/print?style=grundkarta&bbox=0,0,5e-324,5e-324&width=100&height=8', 400, 'INVALID_PRINT_REQUEST'],
    ['/print?style=utskrift&center=-1e%2B308,0&scale=50000&paper=A4&dpi=24&bearing=30&format=jpg', 400, 'INVALID_PRINT_REQUEST'],
    ['/print?style=utskrift&center=0,1e300&scale=10000&width=10&height=10', 400, 'INVALID_PRINT_REQUEST'],
  ])('GET %s → %i %s', async (path, status, code) => {
    const answer = await send('GET', path);
    expectSound(answer);
    expect(answer.status).toBe(status);
    expect(answer.body.toString()).toContain(code);
  });
});
