import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { promisify } from 'node:util';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey } from 'jose';
import sharp from 'sharp';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sha256Hex } from '../../src/access/access-policy.ts';
import { signToken } from '../../src/access/jwt-tokens.ts';
import { loadConfig } from '../../src/config/load-config.ts';
import { startEngine, type RunningEngine } from '../helpers/engine.ts';
import { runPython } from '../helpers/ogc-clients.ts';

const run = promisify(execFile);

// The shipped config restricts the tileset fastighetsregister; the test also restricts
// the style gra. Keys: one per grant, one for everything.
const PROPERTY_KEY = 'property-key-0123456789abcdef';
const GREY_KEY = 'grey-style-key-0123456789abcdef';
const ALL_KEY = 'everything-key-0123456789abcdef';
const TOKEN_SECRET = 'a-token-secret-of-at-least-32-characters!';

const logLines: string[] = [];
let running: RunningEngine;

beforeAll(async () => {
  const logger = pino({ level: 'info', redact: ['authorization', '*.authorization'] }, new Writable({ write: (chunk, _enc, done) => (logLines.push(String(chunk)), done()) }));
  running = await startEngine({
    database: null,
    logger,
    overrides: {
      server: { accessLog: true, logLevel: 'info' },
      access: {
        restrictedStyles: ['gra'],
        // Overrides skip the schema: its defaults spread first. No clock tolerance, so a token ends at its exp.
        tokens: { ...loadConfig({}).access.tokens, secret: TOKEN_SECRET, clockToleranceS: 0 },
        maxTokenTtlS: 3600,
        keys: [
          { name: 'planning', sha256: sha256Hex(PROPERTY_KEY), grants: ['fastighetsregister'] },
          { name: 'grey', sha256: sha256Hex(GREY_KEY), grants: ['gra'] },
          { name: 'ops', sha256: sha256Hex(ALL_KEY), grants: ['*'] },
        ],
      },
    },
  });
});
afterAll(() => running?.close());

/** XYZ tile over Huddinge at z (fastighetsregister starts at 13). */
function tileAt(z: number): string {
  const [lon, lat] = [17.98, 59.235];
  const n = 2 ** z;
  const x = Math.floor(((lon + 180) / 360) * n);
  const rad = (lat * Math.PI) / 180;
  const y = Math.floor(((1 - Math.log(Math.tan(rad) + 1 / Math.cos(rad)) / Math.PI) / 2) * n);
  return `${z}/${x}/${y}`;
}

const get = (path: string, headers: Record<string, string> = {}) => fetch(`${running.url}${path}`, { headers });
const withKey = (path: string, key: string) => get(path, { 'X-Api-Key': key });

const wmsMap = (layer: string) => `/wms?SERVICE=WMS&VERSION=1.3.0&REQUEST=GetMap&LAYERS=${layer}&STYLES=&CRS=EPSG:3006&BBOX=6570000,665000,6572000,667000&WIDTH=64&HEIGHT=64&FORMAT=image/png`;
const print = (style: string) => `/print?style=${style}&crs=EPSG:3006&bbox=665000,6570000,667000,6572000&width=64&height=64`;

/** Every route that exposes a restricted tileset's data, or a restricted style's. */
const PROPERTY_ROUTES = [
  `/tiles/fastighetsregister/${tileAt(15)}.mvt`,
  `/tiles/fastighetsregister/${tileAt(15)}.pbf`,
  `/tiles/fastighetsregister/WebMercatorQuad/${tileAt(15)}.mvt`,
  '/tiles/fastighetsregister/3006/10/1000/1000.mvt',
  '/tiles/fastighetsregister.json',
  `/wmts?SERVICE=WMTS&REQUEST=GetTile&VERSION=1.0.0&LAYER=fastighetsregister&STYLE=default&FORMAT=application/vnd.mapbox-vector-tile&TILEMATRIXSET=WebMercatorQuad&TILEMATRIX=15&TILEROW=${tileAt(15).split('/')[2]}&TILECOL=${tileAt(15).split('/')[1]}`,
  `/wmts/1.0.0/fastighetsregister/default/WebMercatorQuad/15/${tileAt(15).split('/')[2]}/${tileAt(15).split('/')[1]}.mvt`,
  '/ogcapi/collections/fastighetsregister',
  '/ogcapi/collections/fastighetsregister/tiles',
  '/ogcapi/collections/fastighetsregister/tiles/WebMercatorQuad',
  `/ogcapi/collections/fastighetsregister/tiles/WebMercatorQuad/15/${tileAt(15).split('/')[2]}/${tileAt(15).split('/')[1]}`,
];
const GREY_ROUTES = [
  `/tiles/gra/${tileAt(12)}.png`,
  `/tiles/gra/${tileAt(12)}@2x.webp`,
  '/tiles/gra/3006/6/40/40.png',
  '/styles/gra/style.json',
  '/styles/gra.json',
  '/styles/gra/sprite.json',
  '/styles/gra/sprite@2x.png',
  `/wmts/1.0.0/sodertorn/gra/WebMercatorQuad/${tileAt(12).split('/')[0]}/${tileAt(12).split('/')[2]}/${tileAt(12).split('/')[1]}.png`,
  wmsMap('gra'),
  '/wms?SERVICE=WMS&VERSION=1.3.0&REQUEST=GetLegendGraphic&LAYER=gra&FORMAT=image/png',
  `${wmsMap('gra').replace('GetMap', 'GetFeatureInfo')}&QUERY_LAYERS=gra&I=5&J=5&INFO_FORMAT=application/json`,
  print('gra'),
];

describe('restricted tilesets and styles (embedded mode; the data-level model is in restricted-data.test.ts)', () => {
  it.each([...PROPERTY_ROUTES, ...GREY_ROUTES])('answer %s without a key, or with one that does not grant it, as an unknown id (404), and a bad key 401', async (path) => {
    // WMTS answers an unknown layer or style with an OWS InvalidParameterValue (400), the other routes with 404.
    const unknownStatus = path.startsWith('/wmts') ? 400 : 404;
    const anonymous = await get(path);
    expect(anonymous.status).toBe(unknownStatus);
    const body = await anonymous.text();
    expect(body).toMatch(/UNKNOWN_|LayerNotDefined|InvalidParameterValue|does not exist/);
    const otherKey = PROPERTY_ROUTES.includes(path) ? GREY_KEY : PROPERTY_KEY;
    const forbidden = await withKey(path, otherKey);
    expect(forbidden.status).toBe(unknownStatus);
    expect(await forbidden.text()).not.toContain(otherKey);
    const wrong = await withKey(path, 'not-a-key-at-all');
    expect(wrong.status).toBe(401);
    expect(await wrong.text()).toMatch(/INVALID_CREDENTIAL|not known/);
  });

  it.each([...PROPERTY_ROUTES, ...GREY_ROUTES])('serve %s to a key that grants them', async (path) => {
    const key = PROPERTY_ROUTES.includes(path) ? PROPERTY_KEY : GREY_KEY;
    const res = await withKey(path, key);
    await res.arrayBuffer();
    expect([200, 204]).toContain(res.status);
  });

  it('mark restricted answers private, so a shared cache does not hand them on', async () => {
    const res = await withKey(`/tiles/fastighetsregister/${tileAt(15)}.mvt`, PROPERTY_KEY);
    expect(res.headers.get('cache-control')).toMatch(/^private/);
    const open = await get(`/tiles/sodertorn/${tileAt(15)}.mvt`);
    expect(open.headers.get('cache-control')).toMatch(/^public/);
  });

  it('answer hot restricted tiles from the fast path only to callers granted them', async () => {
    const fastHits = async () => Number(/sodertorn_fast_path_tiles_total (\d+)/.exec(await (await withKey('/metrics', ALL_KEY)).text())![1]);
    const path = `/tiles/fastighetsregister/${tileAt(16)}.mvt`;
    const before = await fastHits();
    for (let i = 0; i < 3; i++) expect((await withKey(path, PROPERTY_KEY)).status).toBe(200);
    const viaUrl = `/k/${PROPERTY_KEY}${path}`;
    for (let i = 0; i < 3; i++) expect((await get(viaUrl)).status).toBe(200);
    // /metrics is rendered at most once a second: poll until it shows them.
    await expect.poll(fastHits, { timeout: 10_000, interval: 200 }).toBeGreaterThanOrEqual(before + 3);
    expect((await get(path)).status).toBe(404);
    expect((await withKey(path, GREY_KEY)).status).toBe(404);
    expect((await withKey(path, 'not-a-key-at-all')).status).toBe(401);
    expect((await get(`/k/${GREY_KEY}${path}`)).status).toBe(404);
    // A token is honoured there until it expires, not a second longer.
    const token = await signToken(TOKEN_SECRET, { sub: 'brief', grants: ['fastighetsregister'], exp: Math.floor(Date.now() / 1000) + 2 });
    for (let i = 0; i < 2; i++) expect((await get(path, { Authorization: `Bearer ${token}` })).status).toBe(200);
    await new Promise((r) => setTimeout(r, 3000));
    expect((await get(path, { Authorization: `Bearer ${token}` })).status).toBe(401);
  });

  it('leave public tilesets and styles open to all', async () => {
    for (const path of [`/tiles/sodertorn/${tileAt(12)}.mvt`, `/tiles/grundkarta/${tileAt(12)}.png`, '/styles/grundkarta/style.json', wmsMap('grundkarta'), print('grundkarta')]) {
      const res = await get(path);
      await res.arrayBuffer();
      expect(res.status, path).toBe(200);
    }
  });
});

describe('lists and capabilities show a caller what it may read', () => {
  const lists: [string, (text: string) => boolean, (text: string) => boolean][] = [
    ['/tiles', (t) => t.includes('"fastighetsregister"'), (t) => t.includes('"sodertorn"')],
    ['/styles', (t) => t.includes('"gra"'), (t) => t.includes('"grundkarta"')],
    ['/ogcapi/collections', (t) => t.includes('"fastighetsregister"'), (t) => t.includes('"sodertorn"')],
    ['/wmts/1.0.0/WMTSCapabilities.xml', (t) => t.includes('<ows:Identifier>fastighetsregister</ows:Identifier>') || t.includes('>gra<'), (t) => t.includes('<ows:Identifier>sodertorn</ows:Identifier>')],
    ['/wms?SERVICE=WMS&REQUEST=GetCapabilities', (t) => t.includes('<Name>gra</Name>'), (t) => t.includes('<Name>grundkarta</Name>')],
  ];
  it.each(lists)('%s', async (path, showsRestricted, showsPublic) => {
    const anonymous = await (await get(path)).text();
    expect(showsPublic(anonymous)).toBe(true);
    expect(showsRestricted(anonymous)).toBe(false);
    const all = await (await withKey(path, ALL_KEY)).text();
    expect(showsPublic(all)).toBe(true);
    expect(showsRestricted(all)).toBe(true);
  });
});

describe('credentials', () => {
  const path = '/tiles/fastighetsregister.json';
  it.each([
    ['Authorization: Bearer', () => get(path, { Authorization: `Bearer ${PROPERTY_KEY}` })],
    ['X-Api-Key', () => get(path, { 'X-Api-Key': PROPERTY_KEY })],
    ['?key=', () => get(`${path}?key=${PROPERTY_KEY}`)],
    ['/k/{key}/ prefix', () => get(`/k/${PROPERTY_KEY}${path}`)],
  ])('are taken from %s', async (_how, request) => {
    expect((await request()).status).toBe(200);
  });

  it('given in the URL, are carried into the links of the answer (TileJSON, capabilities)', async () => {
    const tilejson = (await (await get(`${path}?key=${PROPERTY_KEY}`)).json()) as { tiles: string[] };
    expect(tilejson.tiles[0]).toContain(`/k/${PROPERTY_KEY}/tiles/fastighetsregister/`);
    const tile = tilejson.tiles[0]!.replace('{z}/{x}/{y}', tileAt(15));
    expect([200, 204]).toContain((await fetch(tile)).status);
    const caps = await (await get(`/k/${ALL_KEY}/wms?SERVICE=WMS&REQUEST=GetCapabilities`)).text();
    expect(caps).toContain(`/k/${ALL_KEY}/wms?`);
    // Given in a header, they stay out of the links.
    const viaHeader = (await (await withKey(path, PROPERTY_KEY)).json()) as { tiles: string[] };
    expect(viaHeader.tiles[0]).not.toContain(PROPERTY_KEY);
  });

  it('accept a signed token (JWT) until it expires, and refuse a forged, overlong or unsigned one', async () => {
    const now = Math.floor(Date.now() / 1000);
    const token = await signToken(TOKEN_SECRET, { sub: 'portal-user-7', grants: ['fastighetsregister'], exp: now + 600 });
    expect((await get(path, { Authorization: `Bearer ${token}` })).status).toBe(200);
    expect((await get('/styles/gra/style.json', { Authorization: `Bearer ${token}` })).status).toBe(404);
    const expired = await signToken(TOKEN_SECRET, { sub: 'u', grants: ['*'], exp: now - 1 });
    const forged = await signToken('another-secret-of-at-least-32-characters', { sub: 'u', grants: ['*'], exp: now + 600 });
    const overlong = await signToken(TOKEN_SECRET, { sub: 'u', grants: ['*'], exp: now + 7200 });
    const unsigned = `${Buffer.from('{"alg":"none"}').toString('base64url')}.${Buffer.from(JSON.stringify({ sub: 'u', grants: ['*'], exp: now + 600 })).toString('base64url')}.`;
    for (const bad of [expired, forged, overlong, `${token}x`, unsigned]) {
      const res = await get(path, { Authorization: `Bearer ${bad}` });
      expect(res.status).toBe(401);
      expect(res.headers.get('www-authenticate')).toContain('Bearer');
      expect(await res.text()).toContain('INVALID_CREDENTIAL');
    }
  });

  it('never reach the logs or error bodies', async () => {
    const secretPaths = [`/k/${ALL_KEY}/tiles/nonexistent.json`, `/tiles/nonexistent.json?key=${ALL_KEY}`, `/k/${ALL_KEY}/no/such/route`];
    for (const p of secretPaths) expect(await (await get(p)).text()).not.toContain(ALL_KEY);
    await get('/tiles/nonexistent.json', { Authorization: `Bearer ${ALL_KEY}` });
    await expect.poll(() => logLines.join(''), { timeout: 10_000 }).toContain('/k/[redacted]/tiles/nonexistent.json');
    const logs = logLines.join('');
    expect(logs).toContain('"reqId"');
    expect(logs).toContain('/k/[redacted]/tiles/nonexistent.json');
    for (const secret of [ALL_KEY, PROPERTY_KEY, GREY_KEY, TOKEN_SECRET]) expect(logs).not.toContain(secret);
  });
});

describe('tokens of an OpenID Connect provider (keys from its JWKS)', () => {
  const ISSUER = 'https://login.example.org/tenant-a/v2.0';
  const AUDIENCE = 'api://sodertorn-tiles';
  let jwks: Server;
  let oidcEngine: RunningEngine;
  let rsa: { privateKey: CryptoKey; publicKey: CryptoKey };

  beforeAll(async () => {
    rsa = await generateKeyPair('RS256');
    const body = JSON.stringify({ keys: [{ ...(await exportJWK(rsa.publicKey)), kid: 'idp-1', alg: 'RS256', use: 'sig' }] });
    jwks = createServer((_req, res) => res.writeHead(200, { 'Content-Type': 'application/json' }).end(body));
    await new Promise<void>((resolve) => jwks.listen(0, '127.0.0.1', resolve));
    const jwksUrl = `http://127.0.0.1:${(jwks.address() as AddressInfo).port}/discovery/keys`;
    oidcEngine = await startEngine({
      database: null,
      // Entra ID puts app roles in `roles`.
      overrides: { access: { tokens: { ...loadConfig({}).access.tokens, jwksUrl, issuer: ISSUER, audience: AUDIENCE, grantsClaim: 'roles' }, maxTokenTtlS: 3600 } },
    });
  });
  afterAll(async () => {
    await oidcEngine?.close();
    await new Promise<void>((resolve) => (jwks ? jwks.close(() => resolve()) : resolve()));
  });

  const providerToken = (audience: string) =>
    new SignJWT({ roles: ['fastighetsregister'] })
      .setProtectedHeader({ alg: 'RS256', kid: 'idp-1' })
      .setIssuer(ISSUER)
      .setAudience(audience)
      .setSubject('anna@botkyrka.se')
      .setExpirationTime(Math.floor(Date.now() / 1000) + 600)
      .sign(rsa.privateKey);

  it('serve a restricted tileset to an RS256 token granting it, and refuse one for another audience', async () => {
    const path = `${oidcEngine.url}/tiles/fastighetsregister.json`;
    const granted = await fetch(path, { headers: { Authorization: `Bearer ${await providerToken(AUDIENCE)}` } });
    expect(granted.status).toBe(200);
    expect(granted.headers.get('cache-control')).toMatch(/^private/);
    const other = await fetch(path, { headers: { Authorization: `Bearer ${await providerToken('api://another-app')}` } });
    expect(other.status).toBe(401);
    expect(await other.text()).toMatch(/INVALID_CREDENTIAL[\s\S]*another audience/);
  });
});

describe('desktop GIS clients with a key in the URL', () => {
  const gdalEnv = { ...process.env, GDAL_ENABLE_WMS_CACHE: 'NO', GDAL_HTTP_TIMEOUT: '20' };

  it('GDAL draws a restricted style through WMTS, following the capabilities links that carry the key', async () => {
    const out = join(mkdtempSync(join(tmpdir(), 'gdal-wmts-key-')), 'map.png');
    const source = `WMTS:${running.url}/k/${GREY_KEY}/wmts/1.0.0/WMTSCapabilities.xml,layer=sodertorn,style=gra,tilematrixset=3006`;
    await run('gdal_translate', ['-of', 'PNG', '-projwin', '665000', '6572000', '667000', '6570000', '-projwin_srs', 'EPSG:3006', '-outsize', '64', '64', source, out], { env: gdalEnv });
    const { width, height } = await sharp(readFileSync(out)).metadata();
    expect([width, height]).toEqual([64, 64]);
    // Drawn, not blank: a tile refused for want of a key would leave the window empty.
    const stats = await sharp(readFileSync(out)).stats();
    expect(stats.isOpaque).toBe(true);
    expect(Math.max(...stats.channels.slice(0, 3).map((c) => c.stdev))).toBeGreaterThan(1);
    // Without the key the style is not there to choose.
    await expect(run('gdal_translate', ['-of', 'PNG', '-outsize', '8', '8', source.replace(`/k/${GREY_KEY}`, ''), `${out}.2.png`], { env: gdalEnv })).rejects.toThrow();
  });

  it('OWSLib lists the restricted tileset and fetches its tiles with the key, and neither without it', async () => {
    const [z, x, y] = tileAt(15).split('/');
    const listing = (url: string) =>
      runPython<{ layers: string[]; status: number | null }>(`
import json
from owslib.wmts import WebMapTileService
w = WebMapTileService(${JSON.stringify(url)})
status = None
if 'fastighetsregister' in w.contents:
    tile = w.gettile(layer='fastighetsregister', tilematrixset='WebMercatorQuad', tilematrix='${z}', row=${y}, column=${x}, format='application/vnd.mapbox-vector-tile')
    status = 200 if tile is not None else None
print(json.dumps({'layers': sorted(w.contents), 'status': status}))`);
    const keyed = await listing(`${running.url}/k/${PROPERTY_KEY}/wmts?SERVICE=WMTS&REQUEST=GetCapabilities`);
    expect(keyed.layers).toContain('fastighetsregister');
    expect(keyed.status).toBe(200);
    const anonymous = await listing(`${running.url}/wmts?SERVICE=WMTS&REQUEST=GetCapabilities`);
    expect(anonymous.layers).not.toContain('fastighetsregister');
    expect(anonymous.layers).toContain('sodertorn');
  });
});

describe('the shipped configuration', () => {
  it('restricts the property register and holds no secret', () => {
    const config = loadConfig({});
    expect(config.tilesets.find((t) => t.id === 'fastighetsregister')?.access).toBe('restricted');
    expect(config.access.restrictedData.map((r) => r.table).sort()).toEqual(['adress', 'fastighet']);
    // The public base map reads neither table: the demo shows the split.
    const publicTables = config.tilesets.filter((t) => t.access !== 'restricted').flatMap((t) => t.layers.map((l) => l.table));
    expect(publicTables).not.toContain('fastighet');
    expect(publicTables).not.toContain('adress');
    expect(config.access.tokens.secret).toBeUndefined();
  });
});
