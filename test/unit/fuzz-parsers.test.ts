/**
 * Fuzzing of the public parsers (the project issue: "never a 500, never a hang"): every
 * input, junk or a valid request with a few parameters mutated, either parses to a
 * well-formed request or is refused with the engine's own client error (EngineError,
 * OwsException, WmsException with a 4xx status), quickly. A TypeError, a RangeError or a
 * 5xx here is what becomes a 500 over HTTP. FUZZ_SEED=<seed> replays a reported failure.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { EngineError } from '../../src/errors.ts';
import { parseFontstack, parseGlyphRange } from '../../src/fonts/fontstack.ts';
import { GRIDS } from '../../src/grids/grids.ts';
import { zoomRange } from '../../src/grids/tile-grid.ts';
import { OwsException } from '../../src/ows/ows-exception.ts';
import { INFO_FORMATS, parseWmsKvp, WMS_MAX_FEATURE_COUNT, WMS_MAX_SIZE, WmsException } from '../../src/ows/wms.ts';
import { WMTS_FORMATS } from '../../src/core/tile-formats.ts';
import { parseWmtsKvp } from '../../src/ows/wmts-request.ts';
import { parseTileCoordinates } from '../../src/pipeline/tile-coordinates.ts';
import { parsePrintRequest, type PrintRequest } from '../../src/print/print-request.ts';
import { RASTER_FORMATS } from '../../src/core/tile-formats.ts';
import { fuzzParameters, junkPairsArb, nearValidArb, NASTY_VALUES, type Pairs, valueArb, WMS_CAPABILITIES, WMS_LEGEND, wmsFeatureInfo, wmsGetMap, wmtsGetTile } from '../helpers/fuzz-inputs.ts';

/** Runs per property: a parse is microseconds, so a thousand cost well under a second. */
const RUNS = 1000;

type Outcome<T> = { ok: true; value: T } | { ok: false; error: unknown };

/**
 * Runs a parse and keeps what it gave or threw. No clock: inputs are at most a few KB and a
 * parse is microseconds, so super-linear work (a backtracking regex, a loop over a parsed
 * number) shows as a test that does not finish within its timeout, on any machine.
 */
function attempt<T>(parse: () => T): Outcome<T> {
  try {
    return { ok: true, value: parse() };
  } catch (error) {
    return { ok: false, error };
  }
}

/** The status a client error has; fails for anything else (a bug that would become a 500). */
function expectClientError(error: unknown, kinds: readonly (abstract new (...args: never[]) => Error)[]): { status: number; code: string } {
  const known = kinds.some((kind) => error instanceof kind);
  expect(known, `not a client error: ${error instanceof Error ? error.stack : String(error)}`).toBe(true);
  const { status, code, message } = error as Error & { status: number; code: string };
  // OGC answers OperationNotSupported with 501 Not Implemented (OWS Common 1.1, WMTS 07-057r7 table 28): a client error in all but number.
  if (code !== 'OperationNotSupported') {
    expect(status, `${code}: ${message}`).toBeGreaterThanOrEqual(400);
    expect(status, `${code}: ${message}`).toBeLessThan(500);
  } else {
    expect(status).toBe(501);
  }
  expect(typeof code).toBe('string');
  expect(message.length).toBeGreaterThan(0);
  // Messages quote what was wrong, cut short: a 10 KB value is not echoed back whole.
  expect(message.length, message.slice(0, 100)).toBeLessThan(1000);
  return { status, code };
}

const queryOf = (pairs: Pairs) => new URLSearchParams(pairs as [string, string][]);

/** A query as a raw string: every parser sees URLSearchParams built from what arrived. */
const rawQueryArb = fc.oneof(fc.string({ maxLength: 80 }), fc.string({ unit: 'binary', maxLength: 40 }), fc.constantFrom('&&&', '=', '==&=', '%', 'a=%E0%A4%A', '%00=%00', 'SERVICE'));

describe('parseWmtsKvp', () => {
  const getTile: Pairs = wmtsGetTile('WebMercatorQuad', 14, 4826, 9010);
  const getCapabilities: Pairs = [
    ['SERVICE', 'WMTS'],
    ['REQUEST', 'GetCapabilities'],
    ['ACCEPTVERSIONS', '1.0.0'],
  ];
  const pngTile: Pairs = getTile.map(([k, v]) => (k === 'FORMAT' ? [k, 'image/png'] : [k, v]));
  const inputs = fc.oneof(nearValidArb([getTile, getCapabilities, pngTile]).map(queryOf), junkPairsArb(getTile.map(([k]) => k)).map(queryOf), rawQueryArb.map((q) => new URLSearchParams(q)));

  it('parses or refuses with an OWS exception, quickly; a GetTile has string parameters and a served format', () => {
    fc.assert(
      fc.property(inputs, (query) => {
        const outcome = attempt(() => parseWmtsKvp(query));
        if (!outcome.ok) return void expectClientError(outcome.error, [OwsException]);
        const request = outcome.value;
        if (request.request === 'GetCapabilities') return;
        expect(request.request).toBe('GetTile');
        expect(Object.values(WMTS_FORMATS)).toContain(request.format);
        for (const value of [request.layer, request.style, request.format, request.tileMatrixSet, request.tileMatrix, request.tileRow, request.tileCol]) {
          expect(typeof value).toBe('string');
        }
        for (const value of [request.layer, request.tileMatrixSet, request.tileMatrix, request.tileRow, request.tileCol]) expect(value).not.toBe('');
      }),
      fuzzParameters(RUNS),
    );
  });

  it('reads parameter names in any case, and takes the first of a repeated one', () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom<'upper' | 'lower' | 'same'>('upper', 'lower', 'same'), { minLength: getTile.length, maxLength: getTile.length }), valueArb, (cases, extra) => {
        const recased = getTile.map(([k, v], i): [string, string] => [cases[i] === 'upper' ? k.toUpperCase() : cases[i] === 'lower' ? k.toLowerCase() : k, v]);
        const repeated: Pairs = [...recased, ['layer', extra], ['TileMatrix', extra]];
        expect(parseWmtsKvp(queryOf(repeated))).toEqual(parseWmtsKvp(queryOf(getTile)));
      }),
      fuzzParameters(100),
    );
  });

  it('does not take an Object.prototype member for a format', () => {
    for (const format of ['constructor', 'toString', '__proto__', 'hasOwnProperty', 'valueOf']) {
      const query = queryOf(getTile.map(([k, v]) => (k === 'FORMAT' ? [k, format] : [k, v])));
      expect(() => parseWmtsKvp(query), format).toThrow(expect.objectContaining({ code: 'InvalidParameterValue', locator: 'FORMAT', status: 400 }));
    }
  });
});

describe('parseWmsKvp', () => {
  const LAYERS = ['gra', 'grundkarta', 'utskrift'];
  const getMap: Pairs = [...wmsGetMap(800, 600), ['DPI', '150']];
  const getMap84: Pairs = getMap.map(([k, v]) => (k === 'CRS' ? [k, 'CRS:84'] : k === 'BBOX' ? [k, '17.5,59,18.5,59.5'] : k === 'DPI' ? ['FORMAT_OPTIONS', 'dpi:300'] : [k, v]));
  const inputs = fc.oneof(
    { arbitrary: nearValidArb([getMap, getMap84, WMS_LEGEND, WMS_CAPABILITIES, wmsFeatureInfo(getMap)]).map(queryOf), weight: 4 },
    { arbitrary: junkPairsArb(getMap.map(([k]) => k)).map(queryOf), weight: 1 },
    { arbitrary: rawQueryArb.map((q) => new URLSearchParams(q)), weight: 1 },
  );

  it('parses or refuses with a WMS exception, quickly; a GetMap is a finite extent at a bounded size in a served format', () => {
    fc.assert(
      fc.property(inputs, (query) => {
        const outcome = attempt(() => parseWmsKvp(query, GRIDS, LAYERS));
        if (!outcome.ok) return void expectClientError(outcome.error, [WmsException]);
        const request = outcome.value;
        if (request.request === 'GetCapabilities') return;
        expect(LAYERS).toContain(request.layer);
        if (request.request === 'GetLegendGraphic') return;
        expect(GRIDS).toContain(request.grid);
        if (request.request === 'GetMap') expect([...Object.keys(RASTER_FORMATS), 'tiff']).toContain(request.format);
        else {
          expect(INFO_FORMATS).toContain(request.infoFormat);
          expect(request.i >= 0 && request.i < request.width && request.j >= 0 && request.j < request.height, 'the point is a pixel of the map').toBe(true);
          expect(request.featureCount >= 1 && request.featureCount <= WMS_MAX_FEATURE_COUNT).toBe(true);
        }
        for (const side of [request.width, request.height]) {
          expect(Number.isInteger(side)).toBe(true);
          expect(side).toBeGreaterThanOrEqual(1);
          expect(side).toBeLessThanOrEqual(WMS_MAX_SIZE);
        }
        const [minx, miny, maxx, maxy] = request.bbox;
        expect(request.bbox.every(Number.isFinite)).toBe(true);
        expect(minx).toBeLessThan(maxx);
        expect(miny).toBeLessThan(maxy);
        expect(Number.isFinite(maxx - minx) && Number.isFinite(maxy - miny), 'extent is finite').toBe(true);
        // DPI 24–1200 over the 96 of CSS pixels.
        expect(request.pixelRatio).toBeGreaterThanOrEqual(0.25);
        expect(request.pixelRatio).toBeLessThanOrEqual(12.5);
      }),
      fuzzParameters(RUNS),
    );
  });

  it('refuses a BBOX whose extent overflows, and an Object.prototype member as FORMAT', () => {
    const withParam = (name: string, value: string) => queryOf(getMap.map(([k, v]) => (k === name ? [k, value] : [k, v])));
    expect(() => parseWmsKvp(withParam('BBOX', '-1e308,-1e308,1e308,1e308'), GRIDS, LAYERS)).toThrow(expect.objectContaining({ code: 'InvalidParameterValue', status: 400, message: expect.stringContaining('finite') }));
    for (const format of ['constructor', 'toString', '__proto__']) {
      expect(() => parseWmsKvp(withParam('FORMAT', format), GRIDS, LAYERS), format).toThrow(expect.objectContaining({ code: 'InvalidFormat', status: 400 }));
    }
  });
});

describe('parsePrintRequest', () => {
  const LIMITS = { maxPixels: 150_000_000 };
  const PRINT_FORMATS = ['png', 'jpg', 'webp', 'pdf', 'wld'];
  const byBbox: Pairs = [
    ['style', 'grundkarta'],
    ['bbox', '670000,6569000,671000,6570000'],
    ['width', '800'],
    ['height', '600'],
    ['dpi', '150'],
    ['format', 'png'],
  ];
  const byPaper: Pairs = [
    ['style', 'utskrift'],
    ['center', '670500,6569500'],
    ['scale', '10000'],
    ['paper', 'A3'],
    ['orientation', 'landscape'],
    ['dpi', '300'],
    ['bearing', '30'],
    ['crs', 'EPSG:3011'],
    ['format', 'pdf'],
  ];
  const worldFile: Pairs = [
    ['style', 'gra'],
    ['bbox', '17.9,59.1,18.0,59.2'],
    ['crs', '4326'],
    ['width', '100'],
    ['height', '100'],
    ['format', 'wld'],
  ];
  const inputs = fc.oneof(
    { arbitrary: nearValidArb([byBbox, byPaper, worldFile]).map(queryOf), weight: 4 },
    { arbitrary: junkPairsArb(byPaper.map(([k]) => k)).map(queryOf), weight: 1 },
    { arbitrary: rawQueryArb.map((q) => new URLSearchParams(q)), weight: 1 },
  );

  function expectWellFormed(request: PrintRequest, maxPixels: number): void {
    expect(request.styleId).not.toBe('');
    expect(GRIDS).toContain(request.grid);
    expect(PRINT_FORMATS).toContain(request.format);
    for (const side of [request.widthPx, request.heightPx]) {
      expect(Number.isInteger(side)).toBe(true);
      expect(side).toBeGreaterThanOrEqual(1);
    }
    expect(request.widthPx * request.heightPx).toBeLessThanOrEqual(maxPixels);
    expect(request.dpi).toBeGreaterThanOrEqual(24);
    expect(request.dpi).toBeLessThanOrEqual(1200);
    expect(request.bearing).toBeGreaterThanOrEqual(0);
    expect(request.bearing).toBeLessThan(360);
    const [minx, miny, maxx, maxy] = request.bbox;
    expect(request.bbox.every(Number.isFinite), `bbox ${request.bbox.join(',')}`).toBe(true);
    expect(minx).toBeLessThan(maxx);
    expect(miny).toBeLessThan(maxy);
    // The world file divides by this: it must be a real, non-zero size.
    const pixel = (maxx - minx) / request.widthPx;
    expect(pixel > 0 && Number.isFinite(pixel), `pixel size ${pixel}`).toBe(true);
  }

  it('parses or refuses with INVALID_PRINT_REQUEST or PRINT_TOO_LARGE, quickly; a print is a finite page within the pixel limit', () => {
    fc.assert(
      fc.property(inputs, fc.constantFrom(LIMITS.maxPixels, 1_000_000, Infinity), (query, maxPixels) => {
        const outcome = attempt(() => parsePrintRequest(query, GRIDS, { maxPixels }));
        if (!outcome.ok) {
          const { code } = expectClientError(outcome.error, [EngineError]);
          expect(['INVALID_PRINT_REQUEST', 'PRINT_TOO_LARGE']).toContain(code);
          return;
        }
        expectWellFormed(outcome.value, maxPixels);
      }),
      fuzzParameters(RUNS),
    );
  });

  it('accepts every bbox of the grid extent at any size and DPI in range, as a finite page', () => {
    const coordinate = fc.double({ min: -2e7, max: 2e7, noNaN: true });
    const extent = fc.double({ min: 1e-3, max: 4e7, noNaN: true });
    fc.assert(
      fc.property(coordinate, coordinate, extent, extent, fc.integer({ min: 1, max: 4000 }), fc.integer({ min: 1, max: 4000 }), fc.integer({ min: 24, max: 1200 }), (a, b, dx, dy, w, h, dpi) => {
        const [c, d] = [a + dx, b + dy];
        const query = queryOf([['style', 'grundkarta'], ['crs', 'EPSG:3857'], ['bbox', `${a},${b},${c},${d}`], ['width', String(w)], ['height', String(h)], ['dpi', String(dpi)]]);
        expectWellFormed(parsePrintRequest(query, GRIDS, LIMITS), LIMITS.maxPixels);
      }),
      fuzzParameters(200),
    );
  });

  it('refuses a page whose extent overflows or whose pixel is nothing (they were a 200 of NaN and a truncated PNG)', () => {
    const parse = (bbox: string) => parsePrintRequest(queryOf([['style', 'grundkarta'], ['bbox', bbox], ['width', '8'], ['height', '8'], ['format', 'wld']]), GRIDS, LIMITS);
    for (const bbox of ['-1e308,0,1e308,1', '1e308,0,1.7e308,1', '0,-1.7e308,1,1.7e308', '0,0,5e-324,5e-324']) {
      expect(() => parse(bbox), bbox).toThrow(expect.objectContaining({ code: 'INVALID_PRINT_REQUEST', status: 400, detail: { parameter: 'bbox' } }));
    }
  });
});

describe('parseTileCoordinates', () => {
  /** A grid and a tileset zoom range that overlaps it (or not: then every z is refused). */
  const setup = fc.record({
    grid: fc.constantFrom(...GRIDS),
    minzoom: fc.integer({ min: 0, max: 24 }),
    span: fc.integer({ min: -1, max: 24 }),
    gridId: fc.option(fc.constantFrom('3006', 'WebMercatorQuad'), { nil: undefined }),
  });
  const digits = (max: number) => fc.oneof(fc.integer({ min: 0, max }), fc.integer({ min: max - 2, max: max + 2 }), fc.integer({ min: -3, max: 2 ** 40 }), fc.constant(Number.MAX_SAFE_INTEGER)).map(String);
  const rawPart = fc.oneof({ arbitrary: digits(1 << 20), weight: 3 }, { arbitrary: fc.constantFrom(...NASTY_VALUES), weight: 2 }, { arbitrary: fc.string({ maxLength: 12 }), weight: 1 });

  it('parses or refuses with INVALID_TILE_COORDINATE or ZOOM_OUT_OF_RANGE, naming the parameter; a tile lies in the grid and the zoom range', () => {
    fc.assert(
      fc.property(setup, fc.record({ z: fc.oneof(digits(30), rawPart), x: rawPart, y: rawPart }), ({ grid, minzoom, span, gridId }, raw) => {
        const zoom = { minzoom, maxzoom: minzoom + span, tilesetId: 'sodertorn', ...(gridId ? { gridId } : {}) };
        const outcome = attempt(() => parseTileCoordinates(grid, zoom, raw));
        if (!outcome.ok) {
          const { code } = expectClientError(outcome.error, [EngineError]);
          expect(['INVALID_TILE_COORDINATE', 'ZOOM_OUT_OF_RANGE']).toContain(code);
          expect(['z', 'x', 'y']).toContain((outcome.error as EngineError).detail?.parameter);
          return;
        }
        const { z, x, y } = outcome.value;
        expect(z).toBeGreaterThanOrEqual(minzoom);
        expect(z).toBeLessThanOrEqual(Math.min(minzoom + span, zoomRange(grid)[1]));
        const level = grid.levels[z]!;
        expect(Number.isInteger(x) && x >= 0 && x < level.matrixWidth, `x ${x}`).toBe(true);
        expect(Number.isInteger(y) && y >= 0 && y < level.matrixHeight, `y ${y}`).toBe(true);
        // Only the canonical decimal spelling is a coordinate: no '01', '+1', '1e3', ' 1'.
        expect([String(z), String(x), String(y)]).toEqual([raw.z, raw.x, raw.y]);
      }),
      fuzzParameters(RUNS * 2),
    );
  });

  it('accepts exactly the tiles of the grid within the zoom range (an oracle over decimal numbers)', () => {
    fc.assert(
      fc.property(fc.constantFrom(...GRIDS), fc.integer({ min: -1, max: 25 }), fc.integer({ min: -2, max: 1 << 22 }), fc.integer({ min: -2, max: 1 << 22 }), (grid, z, x, y) => {
        const zoom = { minzoom: 2, maxzoom: 16, tilesetId: 'sodertorn' };
        const level = grid.levels[z];
        const inside = z >= 2 && z <= Math.min(16, grid.levels.length - 1) && level !== undefined && x >= 0 && y >= 0 && x < level.matrixWidth && y < level.matrixHeight;
        const outcome = attempt(() => parseTileCoordinates(grid, zoom, { z: String(z), x: String(x), y: String(y) }));
        expect(outcome.ok, `${grid.id} ${z}/${x}/${y}`).toBe(inside);
        if (outcome.ok) expect(outcome.value).toEqual({ z, x, y });
        else expectClientError(outcome.error, [EngineError]);
      }),
      fuzzParameters(RUNS),
    );
  });
});

describe('glyph requests (/fonts/{fontstack}/{range}.pbf)', () => {
  it('parse or refuse with INVALID_GLYPH_REQUEST, quickly', () => {
    const range = fc.oneof(fc.integer({ min: -1, max: 70_000 }).map((s) => `${s}-${s + 255}`), fc.tuple(fc.nat(99_999), fc.nat(99_999)).map(([a, b]) => `${a}-${b}`), fc.constantFrom(...NASTY_VALUES), fc.string({ maxLength: 12 }));
    const stack = fc.oneof(fc.constantFrom('Noto Sans Regular', 'Noto Sans Bold,Arial Unicode MS Bold', ',,,', ' , ', 'a,'.repeat(300)), fc.constantFrom(...NASTY_VALUES), fc.array(fc.string({ maxLength: 20 }), { maxLength: 12 }).map((a) => a.join(',')));
    fc.assert(
      fc.property(range, stack, (r, s) => {
        const start = attempt(() => parseGlyphRange(r));
        if (start.ok) {
          expect(start.value % 256).toBe(0);
          expect(start.value).toBeGreaterThanOrEqual(0);
          expect(start.value).toBeLessThanOrEqual(65_280);
          expect(r).toBe(`${start.value}-${start.value + 255}`);
        } else expect(expectClientError(start.error, [EngineError]).code).toBe('INVALID_GLYPH_REQUEST');
        const names = attempt(() => parseFontstack(s));
        if (names.ok) {
          expect(names.value.length).toBeGreaterThanOrEqual(1);
          expect(names.value.length).toBeLessThanOrEqual(8);
          expect(new Set(names.value).size).toBe(names.value.length);
        } else expect(expectClientError(names.error, [EngineError]).code).toBe('INVALID_GLYPH_REQUEST');
      }),
      fuzzParameters(RUNS),
    );
  });
});
