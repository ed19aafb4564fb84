/**
 * Links in documents come from server.publicUrl, else from the Host header only when
 * server.allowedHosts lets it in, else from the address the request came in on: no request
 * can write a foreign host into an answer a shared cache may keep, nor into the engine's own.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEngine, type RunningEngine } from '../helpers/engine.ts';
import { getRaw } from '../helpers/mvt.ts';

/** Every document with absolute links, over the embedded demo data. */
const DOCUMENTS: readonly (readonly [string, string])[] = [
  ['TileJSON', '/tiles/sodertorn.json'],
  ['tileset list', '/tiles'],
  ['style', '/styles/grundkarta/style.json'],
  ['style list', '/styles'],
  ['style as raster TileJSON', '/styles/grundkarta.json'],
  ['WMTS GetCapabilities, KVP', '/wmts?SERVICE=WMTS&REQUEST=GetCapabilities'],
  ['WMTS GetCapabilities, REST', '/wmts/1.0.0/WMTSCapabilities.xml'],
  ['WMS GetCapabilities', '/wms?SERVICE=WMS&REQUEST=GetCapabilities'],
  ['OGC API landing page', '/ogcapi'],
  ['OGC API collections', '/ogcapi/collections'],
  ['OGC API collection', '/ogcapi/collections/sodertorn'],
  ['OGC API tilesets', '/ogcapi/collections/sodertorn/tiles'],
  ['OGC API tileset', '/ogcapi/collections/sodertorn/tiles/WebMercatorQuad'],
  ['tile matrix sets', '/tileMatrixSets'],
  ['index', '/'],
];

const FOREIGN = 'evil.example';
const PUBLIC_URL = 'https://karta.example.se/api';
/** Proxy headers a client could send past a proxy that does not strip them. */
const FORWARDED = { 'X-Forwarded-Host': 'karta.example.se', 'X-Forwarded-Proto': 'https', Forwarded: 'host=karta.example.se;proto=https' };

let plain: RunningEngine;
let allowing: RunningEngine;
let behindProxy: RunningEngine;

beforeAll(async () => {
  // One render thread each: three engines on a 2-core machine.
  const render = { workers: 1 };
  [plain, allowing, behindProxy] = await Promise.all([
    startEngine({ database: null, overrides: { render } }),
    // trustProxy on: even then, the forwarded headers are not read.
    startEngine({ database: null, overrides: { render, server: { allowedHosts: ['karta.example.se', '*.kartor.example.se', 'https://secure.example.se'] }, limits: { trustProxy: true } } }),
    startEngine({ database: null, overrides: { render, server: { publicUrl: PUBLIC_URL, allowedHosts: ['karta.example.se'] } } }),
  ]);
});

afterAll(async () => {
  await Promise.all([plain?.close(), allowing?.close(), behindProxy?.close()]);
});

/** GETs a document with these headers (Host included: node:http sends what it is given). */
async function document(engine: RunningEngine, path: string, headers: Record<string, string> = {}) {
  const res = await getRaw(`${engine.url}${path}`, headers);
  expect(res.status, `${path}: ${res.body.toString().slice(0, 200)}`).toBe(200);
  const vary = String(res.headers.vary ?? '')
    .split(',')
    .map((v) => v.trim().toLowerCase())
    .filter(Boolean);
  return { body: res.body.toString(), vary, etag: res.headers.etag as string | undefined };
}

describe.each(DOCUMENTS)('%s (%s)', (_name, path) => {
  it('without allowedHosts or publicUrl: a foreign Host gets links to the listening address', async () => {
    for (const host of [FOREIGN, `${FOREIGN}:8080`, 'karta.example.se']) {
      const { body } = await document(plain, path, { Host: host });
      expect(body).toContain(`${plain.url}/`);
      expect(body).not.toContain(host.split(':')[0]);
    }
  });

  it('with allowedHosts: an allowed Host is used, case-insensitively and port-aware, with Vary: Host', async () => {
    for (const [host, base] of [
      ['karta.example.se', 'http://karta.example.se/'],
      ['KARTA.Example.SE', 'http://karta.example.se/'],
      ['a.kartor.example.se', 'http://a.kartor.example.se/'],
      ['secure.example.se', 'https://secure.example.se/'],
    ] as const) {
      const { body, vary } = await document(allowing, path, { Host: host });
      expect(body).toContain(base);
      expect(body).not.toContain(`${allowing.url}/`);
      expect(vary).toContain('host');
    }
  });

  it('with allowedHosts: a Host not allowed gets links to the listening address, with Vary: Host', async () => {
    for (const host of [FOREIGN, 'karta.example.se:8080', 'kartor.example.se', 'evilkarta.example.se', 'karta.example.se.evil.example']) {
      const { body, vary } = await document(allowing, path, { Host: host });
      expect(body).toContain(`${allowing.url}/`);
      expect(body).not.toMatch(/evil|karta\.example|kartor\.example/);
      expect(vary).toContain('host');
    }
  });

  it('with publicUrl: the public URL whatever the Host', async () => {
    for (const host of [FOREIGN, 'karta.example.se', new URL(behindProxy.url).host]) {
      const { body } = await document(behindProxy, path, { Host: host });
      expect(body).toContain(`${PUBLIC_URL}/`);
      expect(body).not.toContain(FOREIGN);
      expect(body).not.toContain(behindProxy.url);
    }
  });

  it('ignores X-Forwarded-Host, X-Forwarded-Proto and Forwarded, even with trustProxy and the host allowed', async () => {
    for (const engine of [plain, allowing]) {
      const { body } = await document(engine, path, FORWARDED);
      expect(body).toContain(`${engine.url}/`);
      expect(body).not.toContain('karta.example.se');
      expect(body).not.toContain(engine.url.replace('http:', 'https:'));
    }
  });

  it('a foreign or another allowed Host first leaves no link of it in the next answer (no in-process cache poisoned)', async () => {
    for (const engine of [plain, allowing]) {
      await document(engine, path, { Host: FOREIGN });
      expect((await document(engine, path)).body).not.toContain(FOREIGN);
    }
    // Another allowed host's copy is not this host's, not even as a 304 on its validator.
    const other = await document(allowing, path, { Host: 'karta.example.se' });
    const next = await document(allowing, path, other.etag ? { 'If-None-Match': other.etag } : {});
    expect(next.body).toContain(`${allowing.url}/`);
    expect(next.body).not.toContain('karta.example.se');
  });
});

describe('Vary is merged, never overwritten', () => {
  it('TileJSON varies by the credential headers and the Host', async () => {
    const { vary } = await document(allowing, '/tiles/sodertorn.json', { Host: 'karta.example.se' });
    expect(vary).toEqual(expect.arrayContaining(['authorization', 'x-api-key', 'host']));
  });

  it('the index varies by Accept (HTML or JSON), and the HTML page by Accept-Encoding too', async () => {
    const json = await document(allowing, '/', { Host: 'karta.example.se' });
    expect(json.vary).toEqual(expect.arrayContaining(['accept', 'host']));
    const html = await document(allowing, '/', { Host: 'karta.example.se', Accept: 'text/html' });
    expect(html.body).toMatch(/^<!doctype html>/i);
    expect(html.vary).toEqual(expect.arrayContaining(['accept', 'accept-encoding']));
  });

  it('a public URL needs no Vary: Host', async () => {
    expect((await document(behindProxy, '/tiles/sodertorn.json', { Host: FOREIGN })).vary).not.toContain('host');
  });
});
