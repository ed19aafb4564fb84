import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { build } from 'esbuild';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../../bench/lib/chromium.ts';
import { startEngine, type RunningEngine } from '../helpers/engine.ts';
import { pixelAgreement, wmsMap } from '../helpers/map-pixels.ts';

/**
 * The README's web map recipes ("Use it from…"), as integrators use them: the code block
 * bundled with esbuild from the npm packages it imports, on a page of another origin, in
 * Debian's chromium. Every tile must load, and the map must be the engine's map of the
 * view's extent.
 */
const README_ENGINE = 'https://karta.example.se';
const SIZE = { width: 768, height: 576 };

/** The README's ```js block whose first line names the client. */
function recipe(client: string): string {
  const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
  const block = [...readme.matchAll(/```js\n([\s\S]*?)```/g)].map((m) => m[1]!).find((code) => code.startsWith(`// ${client}`));
  if (!block) throw new Error(`README.md has no js block starting "// ${client}"`);
  return block;
}

let running: RunningEngine;
let browser: Browser;
let pageServer: Server;
let pageUrl: string;
/** The bundle the page runs, set per test. */
let bundle = '';

beforeAll(async () => {
  running = await startEngine();
  browser = await launchChromium();
  pageServer = createServer((req, res) => {
    if (req.url === '/bundle.js') {
      res.writeHead(200, { 'Content-Type': 'text/javascript' }).end(bundle);
      return;
    }
    // The clients' own stylesheets, as their documentation has pages include them.
    if (req.url === '/leaflet.css' || req.url === '/ol.css') {
      res.writeHead(200, { 'Content-Type': 'text/css' }).end(readFileSync(req.url === '/ol.css' ? 'node_modules/ol/ol.css' : 'node_modules/leaflet/dist/leaflet.css'));
      return;
    }
    res.writeHead(200, { 'Content-Type': 'text/html' });
    res.end(`<!doctype html><html><head><link rel="stylesheet" href="/ol.css"><link rel="stylesheet" href="/leaflet.css"><style>html,body{margin:0} #map{width:${SIZE.width}px;height:${SIZE.height}px}</style></head><body><div id="map"></div><script src="/bundle.js"></script></body></html>`);
  });
  await new Promise<void>((resolve) => pageServer.listen(0, '127.0.0.1', resolve));
  pageUrl = `http://127.0.0.1:${(pageServer.address() as AddressInfo).port}/`;
}, 60_000);
afterAll(async () => {
  await browser?.close();
  await new Promise((resolve) => pageServer?.close(resolve));
  await running?.close();
});

/** The recipe pointed at the engine under test, with `expose` appended (in the recipe's scope), bundled for the page. */
async function bundled(code: string, expose: string): Promise<string> {
  const result = await build({
    stdin: { contents: `${code.replaceAll(README_ENGINE, running.url)}\n${expose}\n`, resolveDir: process.cwd(), loader: 'js' },
    bundle: true,
    format: 'iife',
    write: false,
    logLevel: 'silent',
  });
  return result.outputFiles[0]!.text;
}

interface PageRun {
  tiles: { url: string; status: number }[];
  failed: string[];
  errors: string[];
  screenshot: Buffer;
  extent: number[];
}

/** Opens the page, waits until `ready` (a page expression) is true and the network is quiet, and shoots the map. */
async function runPage(ready: string, extentOf: string, tileUrl: RegExp): Promise<PageRun> {
  const page = await browser.newPage({ viewport: { width: SIZE.width, height: SIZE.height } });
  const run: Omit<PageRun, 'screenshot' | 'extent'> = { tiles: [], failed: [], errors: [] };
  page.on('response', (r) => {
    if (tileUrl.test(r.url())) run.tiles.push({ url: r.url(), status: r.status() });
  });
  // A client may cancel a tile it no longer needs (ERR_ABORTED); any other failure counts.
  page.on('requestfailed', (r) => {
    if (r.failure()?.errorText !== 'net::ERR_ABORTED') run.failed.push(`${r.url()}: ${r.failure()?.errorText}`);
  });
  page.on('pageerror', (e) => run.errors.push(String(e)));
  try {
    await page.goto(pageUrl);
    await page.waitForFunction(ready, undefined, { timeout: 60_000 });
    await page.waitForLoadState('networkidle');
    const extent = (await page.evaluate(extentOf)) as number[];
    const screenshot = await page.locator('#map').screenshot();
    return { ...run, screenshot, extent };
  } finally {
    await page.close();
  }
}

const engineMap = (crs: string, extent: number[]) => wmsMap(running.url, crs, extent, [SIZE.width, SIZE.height]);

// OpenLayers renders when its tiles have loaded; the map's extent in the view's CRS.
const OL_READY = `window.olMap && window.olMap.getLayers().getLength() > 0 && window.olRendered === true`;
const OL_EXPOSE = `window.olMap = map; map.on('rendercomplete', () => { if (map.getLayers().getLength() > 0) window.olRendered = true; });`;
const OL_EXTENT = `window.olMap.getView().calculateExtent(window.olMap.getSize())`;
// RESTful or KVP, as the capabilities offer both.
const WMTS_TILE = /\/wmts(?:\/1\.0\.0\/grundkarta\/|\?(?:.*&)?layer=grundkarta(?:&|$))/i;

// Generous: a busy machine draws slowly, and each test waits for the page itself.
describe('the README recipes in chromium', { timeout: 120_000 }, () => {
  it('OpenLayers loads the WMTS layer grundkarta in SWEREF 99 TM from the capabilities: every tile, the engine’s map', async () => {
    bundle = await bundled(recipe('OpenLayers'), OL_EXPOSE);
    const run = await runPage(OL_READY, OL_EXTENT, WMTS_TILE);
    expect(run.errors).toEqual([]);
    expect(run.failed).toEqual([]);
    expect(run.tiles.length).toBeGreaterThan(4);
    expect(run.tiles.filter((t) => t.status !== 200)).toEqual([]);
    // The view: 768 × 576 px at 16 m/px around Huddinge.
    expect(run.extent[2]! - run.extent[0]!).toBeCloseTo(SIZE.width * 16, 0);
    expect(await pixelAgreement(run.screenshot, await engineMap('EPSG:3006', run.extent), 24)).toBeGreaterThanOrEqual(0.95);
  });

  it('OpenLayers with EPSG:3006 as epsg.io gives it (no +axis=neu) asks for no tile and stays blank; the capabilities say why', async () => {
    const withoutAxis = recipe('OpenLayers').replace(' +axis=neu', '');
    expect(withoutAxis).not.toContain('+axis=neu');
    bundle = await bundled(withoutAxis, OL_EXPOSE);
    const run = await runPage(OL_READY, OL_EXTENT, WMTS_TILE);
    expect(run.errors).toEqual([]);
    expect(run.tiles).toEqual([]);
    // Blank where the map should be: nothing of the engine's map of that extent.
    expect(await pixelAgreement(run.screenshot, await engineMap('EPSG:3006', run.extent), 24)).toBeLessThan(0.2);
    const capabilities = await (await fetch(`${running.url}/wmts/1.0.0/WMTSCapabilities.xml`)).text();
    expect(capabilities).toContain('<ows:Abstract>TopLeftCorner is northing first, as EPSG:3006 orders its axes. In proj4 (OpenLayers), define EPSG:3006 with +axis=neu.</ows:Abstract>');
  });

  it('Leaflet draws the XYZ raster tiles: every tile, the engine’s map', async () => {
    bundle = await bundled(recipe('Leaflet'), `window.leafletMap = map; map.whenReady(() => { window.leafletReady = true; });`);
    const run = await runPage(
      `window.leafletReady === true && [...document.querySelectorAll('.leaflet-tile')].length > 0 && [...document.querySelectorAll('.leaflet-tile')].every((t) => t.complete)`,
      `(() => { const b = window.leafletMap.getPixelBounds(); return [b.min.x, b.min.y, b.max.x, b.max.y].map((v) => v * 2 * Math.PI * 6378137 / (256 * 2 ** window.leafletMap.getZoom())).map((v, i) => i % 2 === 0 ? v - Math.PI * 6378137 : Math.PI * 6378137 - v); })()`,
      /\/tiles\/grundkarta\/\d+\/\d+\/\d+\.png$/,
    );
    expect(run.errors).toEqual([]);
    expect(run.failed).toEqual([]);
    expect(run.tiles.length).toBeGreaterThan(4);
    expect(run.tiles.filter((t) => t.status !== 200)).toEqual([]);
    // Leaflet's pixel bounds run top to bottom: [west, north, east, south] in metres.
    const [west, north, east, south] = run.extent as [number, number, number, number];
    expect(await pixelAgreement(run.screenshot, await engineMap('EPSG:3857', [west, south, east, north]), 24)).toBeGreaterThanOrEqual(0.95);
  });
});
