/**
 * Inputs for fuzzing the public parsers (unit) and the HTTP front (integration): values
 * known to break parsers, near-valid requests (a valid one with a few parameters mutated)
 * and their wire form, where a query can carry malformed percent-encoding.
 */
import fc from 'fast-check';

/** Parameters of a KVP request, in order; keys may repeat. */
export type Pairs = readonly (readonly [string, string])[];

/** A valid WMTS GetTile of a vector tile of the sodertorn tileset. */
export function wmtsGetTile(tileMatrixSet: string, z: number, row: number, col: number): [string, string][] {
  return [
    ['SERVICE', 'WMTS'],
    ['REQUEST', 'GetTile'],
    ['VERSION', '1.0.0'],
    ['LAYER', 'sodertorn'],
    ['STYLE', 'default'],
    ['FORMAT', 'application/vnd.mapbox-vector-tile'],
    ['TILEMATRIXSET', tileMatrixSet],
    ['TILEMATRIX', String(z)],
    ['TILEROW', String(row)],
    ['TILECOL', String(col)],
  ];
}

/** A valid WMS GetMap of Huddinge in EPSG:3006 (northing first), of the given size. */
export function wmsGetMap(width: number, height: number): [string, string][] {
  return [
    ['SERVICE', 'WMS'],
    ['VERSION', '1.3.0'],
    ['REQUEST', 'GetMap'],
    ['LAYERS', 'grundkarta'],
    ['STYLES', ''],
    ['CRS', 'EPSG:3006'],
    ['BBOX', '6565000,670000,6573000,678000'],
    ['WIDTH', String(width)],
    ['HEIGHT', String(height)],
    ['FORMAT', 'image/png'],
  ];
}

/** A valid GetFeatureInfo at a pixel of that GetMap. */
export function wmsFeatureInfo(getMap: Pairs): Pairs {
  return [...getMap.map(([k, v]): [string, string] => (k === 'REQUEST' ? [k, 'GetFeatureInfo'] : [k, v])), ['QUERY_LAYERS', 'grundkarta'], ['I', '10'], ['J', '12'], ['INFO_FORMAT', 'application/json'], ['FEATURE_COUNT', '3']];
}

/** Valid WMS requests besides GetMap, as the fuzzers mutate them. */
export const WMS_LEGEND: Pairs = [
  ['SERVICE', 'WMS'],
  ['REQUEST', 'GetLegendGraphic'],
  ['LAYER', 'gra'],
  ['FORMAT', 'image/png'],
];
export const WMS_CAPABILITIES: Pairs = [
  ['SERVICE', 'WMS'],
  ['REQUEST', 'GetCapabilities'],
];

/** Seed from FUZZ_SEED (to replay a failure fast-check reported), else fast-check's own. */
export function fuzzParameters(numRuns: number): fc.Parameters<unknown> {
  const seed = process.env.FUZZ_SEED;
  return { numRuns, ...(seed === undefined ? {} : { seed: Number(seed) }) };
}

/** Values that have broken parsers elsewhere: float edge cases, prototype keys, traversal, control and odd Unicode. */
export const NASTY_VALUES: readonly string[] = [
  '',
  ' ',
  '0',
  '-0',
  '-1',
  '01',
  '+1',
  '1.5',
  '1e3',
  '0x10',
  '0b1',
  'NaN',
  'Infinity',
  '-Infinity',
  '1e308',
  '-1e308',
  '1.7976931348623157e308',
  '1e309',
  '5e-324',
  '1e-400',
  '9007199254740993',
  '99999999999999999999',
  '9'.repeat(400),
  '4097',
  '100001',
  '2147483648',
  '1,2',
  '1,2,3,4,5',
  ',,,',
  '1;2',
  '..',
  '../',
  '../../etc/passwd',
  '..\\..\\windows',
  '/',
  '\\',
  '%',
  '%2e%2e',
  '%00',
  '\u0000',
  '\u0000mvt',
  '\n',
  '\t1',
  'constructor',
  '__proto__',
  'toString',
  'hasOwnProperty',
  'valueOf',
  'CONSTRUCTOR',
  'ö',
  'ﬀ',
  'İ',
  'ß',
  '\u202e',
  '\ufeff1',
  '١٢',
  '🗺️',
  '\ud800',
  'a'.repeat(10_000),
  '<x>&"\'',
  "'; DROP TABLE kommun; --",
  'EPSG:',
  'EPSG:3006x',
  'image/png;',
  'image/png; mode=8bit',
];

/** Names of Object.prototype members: a lookup in a plain object finds them. */
export const PROTOTYPE_KEYS: readonly string[] = ['constructor', '__proto__', 'toString', 'valueOf', 'hasOwnProperty', 'isPrototypeOf', 'toLocaleString'];

/** A number as a client may write one, from the float extremes (±1.7e308, 5e-324, -0) to plain map coordinates. */
const numberArb: fc.Arbitrary<number> = fc.oneof(
  fc.double(),
  fc.double({ min: -1e7, max: 1e7, noNaN: true }),
  fc.constantFrom(0, -0, 5e-324, 1e-300, 1e300, 1e308, -1e308, Number.MAX_VALUE, -Number.MAX_VALUE, 2 ** 53 + 2),
);

/** A value to put where a parameter's value goes: nasty, random or numeric (one number or a list, as BBOX and center take). */
export const valueArb: fc.Arbitrary<string> = fc.oneof(
  { arbitrary: fc.constantFrom(...NASTY_VALUES), weight: 4 },
  { arbitrary: fc.constantFrom(...PROTOTYPE_KEYS), weight: 2 },
  { arbitrary: fc.string({ maxLength: 24 }), weight: 2 },
  { arbitrary: fc.string({ unit: 'binary', maxLength: 12 }), weight: 1 },
  { arbitrary: fc.integer().map(String), weight: 1 },
  { arbitrary: numberArb.map(String), weight: 1 },
  { arbitrary: fc.array(numberArb, { minLength: 1, maxLength: 5 }).map((a) => a.join(',')), weight: 3 },
);

/** A key to add: a known parameter in another case, or junk. */
function keyArb(known: readonly string[]): fc.Arbitrary<string> {
  return fc.oneof(fc.constantFrom(...known).chain((k) => fc.mixedCase(fc.constant(k))), fc.constantFrom(...NASTY_VALUES), fc.string({ maxLength: 12 }));
}

type Mutation = (pairs: Pairs) => Pairs;

/** One change to a request: a value replaced, a key dropped, repeated, re-cased or added. */
function mutationArb(known: readonly string[]): fc.Arbitrary<Mutation> {
  const at = fc.nat();
  return fc.oneof(
    { arbitrary: fc.tuple(at, valueArb).map(([i, v]): Mutation => (p) => p.map((pair, j) => (j === i % p.length ? [pair[0], v] : pair))), weight: 6 },
    { arbitrary: at.map((i): Mutation => (p) => p.filter((_, j) => j !== i % p.length)), weight: 2 },
    { arbitrary: fc.tuple(at, valueArb, fc.boolean()).map(([i, v, before]): Mutation => (p) => { const k = p[i % p.length]![0]; return before ? [[k, v], ...p] : [...p, [k, v]]; }), weight: 2 },
    { arbitrary: fc.tuple(at, fc.constantFrom('upper', 'lower', 'title')).map(([i, how]): Mutation => (p) => p.map((pair, j) => (j === i % p.length ? [recase(pair[0], how), pair[1]] : pair))), weight: 1 },
    { arbitrary: fc.tuple(keyArb(known), valueArb).map(([k, v]): Mutation => (p) => [...p, [k, v]]), weight: 1 },
  );
}

function recase(text: string, how: 'upper' | 'lower' | 'title'): string {
  if (how === 'upper') return text.toUpperCase();
  if (how === 'lower') return text.toLowerCase();
  return text.charAt(0).toUpperCase() + text.slice(1).toLowerCase();
}

/**
 * One of the valid requests with a few mutations: mostly one, so the rest of the request
 * stays valid and the mutated parameter reaches the code behind the checks of the others;
 * sometimes none, so valid requests are checked too.
 */
export function nearValidArb(valid: readonly Pairs[]): fc.Arbitrary<Pairs> {
  const known = [...new Set(valid.flatMap((p) => p.map(([k]) => k)))];
  const mutations = fc.oneof(
    { arbitrary: fc.constant([]), weight: 1 },
    { arbitrary: fc.array(mutationArb(known), { minLength: 1, maxLength: 1 }), weight: 5 },
    { arbitrary: fc.array(mutationArb(known), { minLength: 2, maxLength: 3 }), weight: 2 },
  );
  return fc.tuple(fc.constantFrom(...valid), mutations).map(([base, list]) => list.reduce<Pairs>((p, m) => (p.length === 0 ? p : m(p)), base));
}

/** Parameters made of nothing valid: random keys (some known ones) and values. */
export function junkPairsArb(known: readonly string[]): fc.Arbitrary<Pairs> {
  return fc.array(fc.tuple(keyArb(known), valueArb), { maxLength: 8 });
}

/** UTF-8 percent-encoding of one character, as a browser would send it. */
function percentEncode(char: string): string {
  return [...Buffer.from(char, 'utf8')].map((b) => `%${b.toString(16).toUpperCase().padStart(2, '0')}`).join('');
}

/**
 * The wire form of a text in a URL: `encoded` as URLSearchParams would send it (a lone
 * surrogate, which has no UTF-8, becomes an invalid %ED%A0%80); `raw` keeps '%', '&', '=',
 * '/' and '+' as they are (malformed escapes reach the server) and escapes only what
 * node's http client refuses in a path (space, controls, non-ASCII).
 */
export function toWire(text: string, mode: 'encoded' | 'raw'): string {
  if (mode === 'encoded') {
    try {
      return encodeURIComponent(text);
    } catch {
      return [...text].map((c) => (/[\ud800-\udfff]/.test(c) ? '%ED%A0%80' : encodeURIComponent(c))).join('');
    }
  }
  return [...text].map((c) => (/^[\x21-\x7e]$/.test(c) ? c : /[\ud800-\udfff]/.test(c) ? '%ED%A0%80' : percentEncode(c))).join('');
}

/** A query string of parameters, each part encoded or raw. */
export function queryArb(pairs: fc.Arbitrary<Pairs>): fc.Arbitrary<string> {
  return pairs.chain((p) =>
    fc
      .array(fc.constantFrom<'encoded' | 'raw'>('encoded', 'encoded', 'encoded', 'raw'), { minLength: p.length, maxLength: p.length })
      .map((modes) => p.map(([k, v], i) => `${toWire(k, modes[i]!)}=${toWire(v, modes[i]!)}`).join('&')),
  );
}

/** Raw bytes of a path segment or query: printable ASCII and percent sequences, valid or not. */
export const wireJunkArb: fc.Arbitrary<string> = fc
  .array(
    fc.oneof(
      { arbitrary: fc.string({ minLength: 1, maxLength: 4 }).map((s) => toWire(s, 'raw')), weight: 4 },
      { arbitrary: fc.constantFrom('%', '%%', '%2', '%zz', '%E0%A4%A', '%FF', '%C0%AF', '%00', '%2F', '%2e%2e', '%5C', '..', '.', '//', '&', '=', '?', '#', '+', ';'), weight: 2 },
      { arbitrary: fc.string({ unit: 'binary', minLength: 1, maxLength: 3 }).map((s) => toWire(s, 'encoded')), weight: 1 },
    ),
    { maxLength: 8 },
  )
  .map((parts) => parts.join(''));

/** A path segment: a known good value (goodWeight in 12), a number near the edges, a nasty value or wire junk. */
export function segmentArb(good: readonly string[], numbers: fc.Arbitrary<number> = fc.integer({ min: -2, max: 1 << 20 }), goodWeight = 6): fc.Arbitrary<string> {
  return fc.oneof(
    { arbitrary: fc.constantFrom(...good), weight: goodWeight },
    { arbitrary: numbers.map(String), weight: 3 },
    { arbitrary: fc.constantFrom(...NASTY_VALUES).map((v) => toWire(v, 'encoded')), weight: 2 },
    { arbitrary: wireJunkArb, weight: 1 },
  );
}
