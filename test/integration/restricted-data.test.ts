/**
 * Restricted data stays restricted wherever it appears. The property register's tables
 * (fastighet, adress) are restricted in the shipped configuration; here they are also
 * reached through a second tileset, through discovery (the tables themselves and a view
 * over one of them, in a schema of its own), through a style and through the viewer's
 * place list. For every route of the engine (a route without a case fails the test), a
 * caller without a key must get none of their rows, names or extents, and a restricted id
 * must answer exactly as an unknown id does; a caller with a key gets them (the check can
 * fail), and whatever a key changes in an answer is never cacheable by a shared cache.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load-config.ts';
import { startEngine, type RunningEngine } from '../helpers/engine.ts';
import { decodeTile } from '../helpers/mvt.ts';
import { ALL_KEY, createView, dropView, leaks as leaksOf, PROBE_CASES as cases, PROBES, PROPERTY_KEY, readable, restrictedDataOverrides, SECRET_VALUES_SQL, VIEW_SCHEMA_PREFIX, X, Y, Z, type Answer } from '../helpers/restricted-probes.ts';

const VIEW_SCHEMA = `${VIEW_SCHEMA_PREFIX}_direct`;
import { TcpProxy } from '../helpers/tcp-proxy.ts';
import { TEST_DATABASE_URL } from '../helpers/test-db.ts';

let running: RunningEngine;
let db: pg.Pool;
/** Values only the restricted tables hold: property designations and full street addresses. */
let secrets: string[] = [];

beforeAll(async () => {
  db = new pg.Pool({ connectionString: TEST_DATABASE_URL, max: 1 });
  await db.query(createView(VIEW_SCHEMA));
  secrets = (await db.query<{ value: string }>(SECRET_VALUES_SQL)).rows.map((r) => r.value);
  running = await startEngine({ overrides: restrictedDataOverrides(VIEW_SCHEMA) });
}, 120_000);

const get = async (path: string, headers: Record<string, string> = {}): Promise<Answer> => {
  const res = await fetch(`${running.url}${path}`, { headers: { Accept: path === '/' ? 'application/json' : '*/*', ...headers } });
  return { status: res.status, headers: res.headers, bytes: new Uint8Array(await res.arrayBuffer()) };
};
const leaks = (text: string) => leaksOf(text, secrets);

afterAll(async () => {
  await running?.close();
  await db?.query(dropView(VIEW_SCHEMA));
  await db?.end();
});


describe('a caller without a key', () => {
  it('every route of the engine has a case here', () => {
    expect([...running.engine.routeNames()].sort()).toEqual(Object.keys(PROBES).sort());
  });

  it.each(cases)('%s %s: gets no restricted row, name or extent', async (_route, path, probe) => {
    const answer = await get(path);
    // An error may repeat the name the caller sent, nothing more.
    const text = probe.names ? readable(answer).replaceAll(probe.names, '…') : readable(answer);
    expect(leaks(text), `${answer.status} ${text.slice(0, 300)}`).toEqual([]);
    expect(answer.status).toBeLessThan(500);
  });

  it.each(cases.filter(([, , p]) => p.names))('%s %s: a restricted id answers as an unknown one does', async (_route, path, probe) => {
    const unknownPath = path.replaceAll(probe.names!, 'finnsinte');
    const [restricted, unknown] = await Promise.all([get(path), get(unknownPath)]);
    expect(restricted.status).toBe(unknown.status);
    expect(restricted.status).toBeGreaterThanOrEqual(400);
    expect(restricted.headers.get('content-type')).toBe(unknown.headers.get('content-type'));
    expect(readable(restricted).replaceAll(probe.names!, 'finnsinte')).toBe(readable(unknown));
    // The same with a key that opens something else, and with one that is not valid (401 for both).
    const [otherKey, otherKeyUnknown] = await Promise.all([get(path, { 'X-Api-Key': PROPERTY_KEY }), get(unknownPath, { 'X-Api-Key': PROPERTY_KEY })]);
    if (probe.names === 'fastighet-kopia') expect(otherKey.status).toBe(otherKeyUnknown.status);
    const [bad, badUnknown] = await Promise.all([get(path, { 'X-Api-Key': 'not-a-key' }), get(unknownPath, { 'X-Api-Key': 'not-a-key' })]);
    expect(bad.status).toBe(badUnknown.status);
    expect(readable(bad).replaceAll(probe.names!, 'finnsinte')).toBe(readable(badUnknown));
  });
});

describe('a caller with a key', () => {
  it.each(cases.filter(([, , p]) => p.keyed))('%s %s: gets the restricted data (the check above can fail)', async (_route, path) => {
    const answer = await get(path, { 'X-Api-Key': ALL_KEY });
    expect(answer.status).toBe(200);
    expect(leaks(readable(answer)).length).toBeGreaterThan(0);
  });

  it.each(cases)('%s %s: an answer the key changed is never kept by a shared cache', async (_route, path) => {
    if (path === '/metrics' || path === '/health' || path === '/ready') return; // no-store, checked below
    const [keyless, keyed] = await Promise.all([get(path), get(path, { 'X-Api-Key': ALL_KEY })]);
    const differs = keyless.status !== keyed.status || Buffer.compare(Buffer.from(keyless.bytes), Buffer.from(keyed.bytes)) !== 0;
    if (!differs) return;
    expect(keyed.headers.get('cache-control') ?? '', path).toMatch(/\bprivate\b|\bno-store\b/);
  });
});

describe('public answers', () => {
  // Checking a request against restricted styles (WMTS STYLE, WMS LAYERS) must not make a public answer private.
  it.each([
    `/tiles/sodertorn/${Z}/${X}/${Y}.mvt`,
    `/tiles/grundkarta/${Z}/${X}/${Y}.png`,
    `/wmts/1.0.0/sodertorn/grundkarta/WebMercatorQuad/${Z}/${Y}/${X}.png`,
    `/wmts?SERVICE=WMTS&REQUEST=GetTile&VERSION=1.0.0&LAYER=sodertorn&STYLE=default&FORMAT=application/vnd.mapbox-vector-tile&TILEMATRIXSET=WebMercatorQuad&TILEMATRIX=${Z}&TILEROW=${Y}&TILECOL=${X}`,
    `/ogcapi/collections/sodertorn/tiles/WebMercatorQuad/${Z}/${Y}/${X}`,
    '/wms?SERVICE=WMS&VERSION=1.3.0&REQUEST=GetLegendGraphic&LAYER=grundkarta&FORMAT=image/png',
    '/styles/grundkarta/style.json',
  ])('%s stays shareable by a cache', async (path) => {
    const answer = await get(path);
    expect(answer.status).toBe(200);
    expect(answer.headers.get('cache-control')).toMatch(/^public/);
  });
});

describe('operations endpoints', () => {
  it('/metrics needs a key granting metrics, and never lists restricted ids to others', async () => {
    const anonymous = await get('/metrics');
    expect(anonymous.status).toBe(401);
    expect((await get('/metrics', { 'X-Api-Key': PROPERTY_KEY })).status).toBe(403);
    const ops = await get('/metrics', { 'X-Api-Key': ALL_KEY });
    expect(ops.status).toBe(200);
    expect(ops.headers.get('cache-control')).toBe('no-store');
  });
});

describe('start-up', () => {
  const layer = (table: string, attributes: string[] = []) => ({ id: 'l', table, srid: 3006, geometryColumn: 'geom', idColumn: 'id', attributes, minzoom: 0, maxzoom: 24 });
  // After the shipped tilesets, which the styles draw: tilesets[3].
  const open = (table: string, attributes?: string[]) => [...loadConfig({}).tilesets, { id: 'open', minzoom: 0, maxzoom: 18, layers: [layer(table, attributes)] }];
  const restricted = [{ table: 'fastighet', grants: ['fastighetsregister'] }];

  it.each([
    ['a public tileset over a restricted table', open('fastighet', ['beteckning']), restricted, /tilesets\[3\]\.layers\[0\] \(open\/l\) reads table fastighet, restricted by access\.restrictedData\[0\]/],
    ['the same table under another spelling', open('public.fastighet'), restricted, /tilesets\[3\]\.layers\[0\]/],
    ['a view over it, as the database sees it', open(`${VIEW_SCHEMA}.fastighet_vy`), restricted, /tilesets\[3\]\.layers\[0\] \(open\/l\) reads table fastighet through restricted_probe_direct\.fastighet_vy/],
    ['a restriction naming a table that does not exist', open('kommun'), [{ table: 'fastigheter', grants: ['x'] }], /access\.restrictedData\[0\]\.table: table fastigheter does not exist/],
    ['a column the opt-out does not name', open('fastighet', ['beteckning']), [{ table: 'fastighet', publicColumns: ['geom', 'id'], grants: ['g'] }], /reads column beteckning of table fastighet, not among its publicColumns/],
  ])('refuses %s, naming the option paths', async (_what, tilesets, restrictedData, message) => {
    await expect(startEngine({ overrides: { tilesets, access: { restrictedData }, viewer: { places: undefined } } })).rejects.toThrow(message);
  });

  it('started without the database, reads no row until the database has been asked which tables the layers read', async () => {
    const proxy = new TcpProxy('127.0.0.1', Number(new URL(TEST_DATABASE_URL).port || 5432));
    await proxy.start();
    await proxy.stop(); // the database is away while the engine starts
    const url = new URL(TEST_DATABASE_URL);
    url.port = String(proxy.port);
    const engine = await startEngine({ database: url.toString(), overrides: { tilesets: open(`${VIEW_SCHEMA}.fastighet_vy`), database: { connectTimeoutMs: 500 }, viewer: { places: undefined } } });
    try {
      expect((await fetch(`${engine.url}/tiles/open/${Z}/${X}/${Y}.mvt`)).status).toBe(503);
      await proxy.start();
      // Back (once the engine sees it is): the first read checks the tables, finds the view over a restricted table, and refuses every read.
      const codeOf = async (path: string) => {
        const res = await fetch(`${engine.url}${path}`);
        return `${res.status} ${((await res.json()) as { error: { code: string } }).error.code}`;
      };
      await expect.poll(() => codeOf(`/tiles/open/${Z}/${X}/${Y}.mvt`), { timeout: 20_000, interval: 100 }).toBe('503 ACCESS_NOT_VERIFIED');
      expect(await codeOf(`/tiles/sodertorn/${Z}/${X}/${Y}.mvt`)).toBe('503 ACCESS_NOT_VERIFIED');
    } finally {
      await engine.close();
      await proxy.stop();
    }
  });

  it('the opt-out publishes the columns named, and only them', async () => {
    const engine = await startEngine({
      overrides: { tilesets: open('fastighet'), access: { restrictedData: [{ table: 'fastighet', publicColumns: ['geom', 'id'], grants: ['fastighetsregister'] }, { table: 'adress', grants: ['fastighetsregister'] }] }, viewer: { places: undefined } },
    });
    try {
      const res = await fetch(`${engine.url}/tiles/open/${Z}/${X}/${Y}.mvt`);
      expect(res.status).toBe(200);
      const features = decodeTile(new Uint8Array(await res.arrayBuffer())).l ?? [];
      expect(features.length).toBeGreaterThan(0);
      expect(features.every((f) => Object.keys(f.properties).length === 0 && f.id !== undefined)).toBe(true);
    } finally {
      await engine.close();
    }
  });
});
