import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MUNICIPALITIES } from '../../tools/demo/places.ts';
import { startEngine, type RunningEngine } from '../helpers/engine.ts';

interface ViewerConfig {
  defaultStyle: string;
  municipalities: { kommunkod: string; namn: string; bounds: [[number, number], [number, number]] }[];
}

let postgis: RunningEngine;
let embedded: RunningEngine;
beforeAll(async () => {
  [postgis, embedded] = await Promise.all([startEngine(), startEngine({ database: null })]);
});
afterAll(() => Promise.all([postgis?.close(), embedded?.close()]));

async function viewerConfig(engine: RunningEngine): Promise<ViewerConfig> {
  const res = await fetch(`${engine.url}/viewer/config.json`);
  expect(res.status).toBe(200);
  return (await res.json()) as ViewerConfig;
}

describe('the viewer page and its configuration', () => {
  it('lists the eight municipalities with bounds around their main towns, the same from PostGIS and the demo files', async () => {
    const [fromDb, fromFiles] = await Promise.all([viewerConfig(postgis), viewerConfig(embedded)]);
    expect(fromDb.defaultStyle).toBe('grundkarta');
    expect(fromDb.municipalities.map((m) => m.kommunkod)).toEqual(MUNICIPALITIES.map((m) => m.kommunkod));
    for (const m of MUNICIPALITIES) {
      const [[west, south], [east, north]] = fromDb.municipalities.find((x) => x.kommunkod === m.kommunkod)!.bounds;
      expect(fromDb.municipalities.find((x) => x.kommunkod === m.kommunkod)!.namn).toBe(m.namn);
      expect(m.center[0]).toBeGreaterThan(west);
      expect(m.center[0]).toBeLessThan(east);
      expect(m.center[1]).toBeGreaterThan(south);
      expect(m.center[1]).toBeLessThan(north);
    }
    fromDb.municipalities.forEach((m, i) => {
      const other = fromFiles.municipalities[i]!;
      expect(other.kommunkod).toBe(m.kommunkod);
      m.bounds.flat().forEach((v, j) => expect(other.bounds.flat()[j]).toBeCloseTo(v, 4));
    });
  });

  it('gives browsers the viewer at / and API clients the JSON index', async () => {
    const html = await fetch(`${embedded.url}/`, { headers: { Accept: 'text/html,application/xhtml+xml' } });
    expect(html.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(await html.text()).toContain('/viewer/maplibre-gl.js');
    const json = (await (await fetch(`${embedded.url}/`)).json()) as Record<string, string>;
    expect(json.viewer).toBe(`${embedded.url}/viewer`);
    expect(json.styles).toBe(`${embedded.url}/styles`);
  });

  it('serves MapLibre GL JS from node_modules, gzipped, with a 304 on a matching ETag', async () => {
    const res = await fetch(`${embedded.url}/viewer/maplibre-gl.js`, { headers: { 'Accept-Encoding': 'gzip' } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(res.headers.get('content-encoding')).toBe('gzip');
    expect((await res.text()).length).toBeGreaterThan(500_000);
    const again = await fetch(`${embedded.url}/viewer/maplibre-gl.js`, { headers: { 'If-None-Match': res.headers.get('etag')! } });
    expect(again.status).toBe(304);
    const missing = await fetch(`${embedded.url}/viewer/secret.txt`);
    expect(missing.status).toBe(404);
    expect((await fetch(`${embedded.url}/viewer/..%2Fpackage.json`)).status).toBe(404);
  });
});
