import { describe, expect, it } from 'vitest';
import { intRangePattern } from '../../cache/purge/int-range-pattern.ts';
import { MAX_BAN_PATTERN_CHARS, purgeRequests, type PurgeSettings } from '../../cache/purge/purge-requests.ts';
import { tilePathPattern, tilePaths, urlCount, type UrlModel } from '../../cache/purge/tile-urls.ts';
import type { LevelRange } from '../../cache/tile-key.ts';
import { parseConfig } from '../../src/config/load-config.ts';

const PUBLIC = 'https://karta.example.se/api';

const model: UrlModel = {
  tilesets: [{ id: 'byggnader' }, { id: 'vägar' }, { id: 'terräng' }],
  styles: [
    { id: 'karta', tilesetIds: ['byggnader', 'vägar'] },
    { id: 'gra', tilesetIds: ['byggnader'] },
  ],
  defaultStyle: 'gra',
};
const vector: LevelRange = { kind: 'vector', name: 'byggnader', grid: 'WebMercatorQuad', z: 14, minX: 9010, maxX: 9010, minY: 4826, maxY: 4826 };
const settings: PurgeSettings = { mode: 'ban', url: 'http://127.0.0.1:6081/', headers: { Authorization: 'Bearer hemlig' }, banHeader: 'X-Ban-Url', publicUrl: 'https://karta.example.se/api', maxUrls: 10_000, batchSize: 30 };

/** Every URL of every tile in the range and the ring of tiles around it, by tile. */
function ring(r: LevelRange): { inside: string[]; outside: string[] } {
  const inside = [...tilePaths(r, model)];
  const outside: string[] = [];
  for (let y = r.minY - 1; y <= r.maxY + 1; y++) {
    for (let x = r.minX - 1; x <= r.maxX + 1; x++) {
      if (x < 0 || y < 0 || (x >= r.minX && x <= r.maxX && y >= r.minY && y <= r.maxY)) continue;
      outside.push(...tilePaths({ ...r, minX: x, maxX: x, minY: y, maxY: y }, model));
    }
  }
  return { inside, outside };
}

describe('intRangePattern', () => {
  it('matches exactly the integers of ranges up to 400, without leading zeros', () => {
    const wrong: string[] = [];
    for (let min = 0; min <= 400; min += 3) {
      for (let max = min; max <= 400; max += 7) {
        const re = new RegExp(`^${intRangePattern(min, max)}$`);
        for (let n = 0; n <= 1100; n++) if (re.test(String(n)) !== (n >= min && n <= max)) wrong.push(`${n} in ${min}..${max}`);
        if (re.test(`0${min}`)) wrong.push(`0${min}`);
      }
    }
    expect(wrong).toEqual([]);
  });

  it('stays short for the widest ranges and matches at their edges', () => {
    const pattern = intRangePattern(0, 2 ** 24 - 1);
    expect(pattern.length).toBeLessThan(200);
    const re = new RegExp(`^${pattern}$`);
    for (const n of [0, 9, 10, 16_777_215, 1_234_567]) expect(re.test(String(n))).toBe(true);
    expect(re.test('16777216')).toBe(false);
    const mid = new RegExp(`^${intRangePattern(123_456, 7_654_321)}$`);
    for (const n of [123_455, 123_456, 999_999, 1_000_000, 7_654_321, 7_654_322]) expect(mid.test(String(n))).toBe(n >= 123_456 && n <= 7_654_321);
  });
});

describe('tile URLs of a level range', () => {
  it('lists every shape of a vector tile: XYZ with and without the grid, both formats, WMTS under every style, OGC API', () => {
    expect(new Set(tilePaths(vector, model))).toEqual(
      new Set([
        '/tiles/byggnader/14/9010/4826.mvt',
        '/tiles/byggnader/14/9010/4826.pbf',
        '/tiles/byggnader/WebMercatorQuad/14/9010/4826.mvt',
        '/tiles/byggnader/WebMercatorQuad/14/9010/4826.pbf',
        ...['default', 'gra', 'karta'].flatMap((s) => ['mvt', 'pbf'].map((f) => `/wmts/1.0.0/byggnader/${s}/WebMercatorQuad/14/4826/9010.${f}`)),
        '/ogcapi/collections/byggnader/tiles/WebMercatorQuad/14/4826/9010',
      ]),
    );
    expect(urlCount(vector, model)).toBe(11);
  });

  it('lists a raster tile under its style and every tileset drawn with it by default, every format and scale, XYZ, WMTS and OGC API', () => {
    const paths = [...tilePaths({ kind: 'raster', name: 'karta', grid: '3006', z: 5, minX: 3, maxX: 3, minY: 7, maxY: 7 }, model)];
    // vägar is drawn with karta by default, byggnader with gra (render.defaultStyle).
    const xyz = ['karta', 'v%C3%A4gar'].flatMap((n) => ['', '@1x', '@2x'].flatMap((s) => ['png', 'webp', 'jpg'].map((f) => `/tiles/${n}/3006/5/3/7${s}.${f}`)));
    // …and the style as a WMTS layer of its own, with the style "default".
    const wmts = [['byggnader', 'karta'], ['v%C3%A4gar', 'karta'], ['v%C3%A4gar', 'default'], ['karta', 'default']].flatMap(([l, s]) => ['png', 'webp', 'jpg'].map((f) => `/wmts/1.0.0/${l}/${s}/3006/5/7/3.${f}`));
    // …and OGC API map tiles (row, then column), PNG without a query and each format by ?f=.
    const ogc = ['karta', 'v%C3%A4gar'].flatMap((n) => ['', '?f=png', '?f=webp', '?f=jpeg'].map((q) => `/ogcapi/collections/${n}/map/tiles/3006/5/7/3${q}`));
    expect(new Set(paths)).toEqual(new Set([...xyz, ...wmts, ...ogc]));
    expect(paths).toHaveLength(xyz.length + wmts.length + ogc.length);
    // Outside WebMercatorQuad there is no path without the grid.
    expect(paths.some((p) => p.startsWith('/tiles/karta/5/'))).toBe(false);
  });

  it('bans with a regex matching the range\'s URLs (any query, the base path) and not its neighbours\', another tileset\'s, level\'s or grid\'s', () => {
    const range: LevelRange = { ...vector, minX: 9008, maxX: 9011, minY: 4820, maxY: 4830 };
    const re = new RegExp(tilePathPattern(range, model, '/api'));
    const { inside, outside } = ring(range);
    expect(inside).toHaveLength(11 * 4 * 11);
    for (const p of inside) {
      expect(re.test(`/api${p}`), p).toBe(true);
      expect(re.test(`/api${p}?v=2`), p).toBe(true);
      expect(re.test(`/api/k/some-key${p}`), `${p} asked for with a key in the path`).toBe(true);
      expect(re.test(p), `${p} without the base path`).toBe(false);
      expect(re.test(`/api/x/some-key${p}`), `${p} under another prefix`).toBe(false);
    }
    const others = [
      ...outside,
      ...tilePaths({ ...range, name: 'vägar' }, model),
      ...tilePaths({ ...range, z: 13, minX: 4504, maxX: 4505, minY: 2410, maxY: 2415 }, model),
      ...tilePaths({ ...range, grid: '3006' }, model),
    ];
    for (const p of others) expect(re.test(`/api${p}`), p).toBe(false);
  });

  it('bans raster tiles by style and by the tilesets it draws by default, with names percent-encoded in either case or raw', () => {
    const range: LevelRange = { kind: 'raster', name: 'karta', grid: 'WebMercatorQuad', z: 16, minX: 36052, maxX: 36055, minY: 19308, maxY: 19311 };
    const re = new RegExp(tilePathPattern(range, model, ''));
    const { inside, outside } = ring(range);
    for (const p of inside) expect(re.test(p), p).toBe(true);
    for (const p of [...outside, ...tilePaths({ ...range, name: 'gra' }, model)]) expect(re.test(p), p).toBe(false);
    expect(re.test('/tiles/v%c3%a4gar/16/36053/19310@2x.webp')).toBe(true);
    // Varnish matches bytes: raw UTF-8, seen here as latin-1 characters.
    expect(re.test(Buffer.from('/tiles/vägar/16/36053/19310.png').toString('latin1'))).toBe(true);
    expect(re.test('/tiles/byggnader/16/36053/19310.png')).toBe(false); // drawn with gra
  });
});

describe('purgeRequests', () => {
  const ranges: LevelRange[] = [vector, { ...vector, z: 15, minX: 18020, maxX: 18021, minY: 9652, maxY: 9653 }];

  it('ban: one BAN to the cache with the configured header, its regex covering every range', () => {
    const plan = purgeRequests(ranges, model, { ...settings, banHeader: 'X-Purge-Regex' });
    expect(plan.requests).toHaveLength(1);
    const [ban] = plan.requests;
    expect(ban).toMatchObject({ method: 'BAN', url: 'http://127.0.0.1:6081/', headers: { Authorization: 'Bearer hemlig' } });
    const re = new RegExp(ban!.headers['X-Purge-Regex']!);
    for (const r of ranges) for (const p of tilePaths(r, model)) expect(re.test(`/api${p}`)).toBe(true);
  });

  it('ban: many ranges are split into requests whose header stays under the limit, and whole levels are short', () => {
    const many = Array.from({ length: 200 }, (_, i): LevelRange => ({ ...vector, minX: 100 * i, maxX: 100 * i + 37 }));
    const plan = purgeRequests(many, model, settings);
    expect(plan.requests.length).toBeGreaterThan(1);
    for (const r of plan.requests) expect(r.headers['X-Ban-Url']!.length).toBeLessThanOrEqual(MAX_BAN_PATTERN_CHARS);
    const whole = purgeRequests([{ ...vector, minX: 0, maxX: 2 ** 14 - 1, minY: 0, maxY: 2 ** 14 - 1 }], model, settings);
    expect(whole.requests).toHaveLength(1);
    expect(whole.requests[0]!.headers['X-Ban-Url']!.length).toBeLessThan(1000);
  });

  it('purge: one PURGE per URL to the cache, with the public Host', () => {
    const plan = purgeRequests(ranges, model, { ...settings, mode: 'purge' });
    expect(plan.urls).toBe(11 * 5);
    expect(plan.requests).toHaveLength(11 * 5);
    expect(plan.requests).toContainEqual({ method: 'PURGE', url: 'http://127.0.0.1:6081/api/tiles/byggnader/14/9010/4826.mvt', headers: { Authorization: 'Bearer hemlig', host: 'karta.example.se' } });
  });

  it('cdn: absolute URLs in batches of batchSize, each once', () => {
    const plan = purgeRequests([...ranges, vector], model, { ...settings, mode: 'cdn', url: 'https://api.cloudflare.com/client/v4/zones/z/purge_cache' });
    const files = plan.requests.map((r) => (JSON.parse(r.body!) as { files: string[] }).files);
    expect(files.map((f) => f.length)).toEqual([30, 25]);
    expect(new Set(files.flat()).size).toBe(55);
    expect(files.flat()).toContain('https://karta.example.se/api/ogcapi/collections/byggnader/tiles/WebMercatorQuad/14/4826/9010');
    expect(plan.requests[0]).toMatchObject({ method: 'POST', headers: { Authorization: 'Bearer hemlig', 'content-type': 'application/json' } });
  });

  it('above maxUrls sends the purge-everything request, or nothing, instead of listing URLs', () => {
    const huge: LevelRange = { ...vector, minX: 0, maxX: 2 ** 14 - 1, minY: 0, maxY: 2 ** 14 - 1 };
    const cdn = { ...settings, mode: 'cdn' as const, url: 'https://cdn.example/purge' };
    const everything = purgeRequests([huge], model, { ...cdn, purgeEverything: { method: 'POST', body: '{"purge_everything":true}' } });
    expect(everything).toMatchObject({ overLimit: true, urls: 11 * 2 ** 28 });
    expect(everything.requests).toEqual([{ method: 'POST', url: 'https://cdn.example/purge', headers: settings.headers, body: '{"purge_everything":true}' }]);
    expect(purgeRequests([huge], model, cdn)).toMatchObject({ overLimit: true, requests: [] });
    expect(purgeRequests(ranges, model, { ...cdn, maxUrls: 54 }).overLimit).toBe(true);
    expect(purgeRequests(ranges, model, { ...cdn, maxUrls: 55 }).overLimit).toBe(false);
  });
});

describe('config cache.purge', () => {
  it('is off by default, and purge and cdn modes need a public URL', () => {
    expect(parseConfig({}).cache.purge).toBeUndefined();
    expect(() => parseConfig({ cache: { purge: { mode: 'cdn', url: 'https://cdn.example/purge' } } })).toThrow(/cache\.purge\.publicUrl: purge and cdn modes/);
    const config = parseConfig({ server: { publicUrl: PUBLIC }, cache: { purge: { mode: 'cdn', url: 'https://cdn.example/purge' } } });
    expect(config.cache.purge).toMatchObject({ banHeader: 'X-Ban-Url', maxUrls: 10_000, batchSize: 30, headers: {} });
    expect(parseConfig({ cache: { purge: { mode: 'ban', url: 'http://127.0.0.1:6081/' } } }).cache.purge?.mode).toBe('ban');
  });
});
