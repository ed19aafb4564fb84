import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../../bench/lib/chromium.ts';
import { loadConfig } from '../../src/config/load-config.ts';
import { startEngine, type RunningEngine } from '../helpers/engine.ts';

/**
 * The viewer in chromium over data that holds markup: municipality names, a feature
 * attribute and the tileset's attribution carry <img onerror>, <script> and javascript:
 * links. The page must show them as text, run none of them, and do so under its
 * Content-Security-Policy without one violation, the map still drawing.
 */
const EVIL_NAMES = { '0126': '<img src=x onerror="window.__xss=1">', '0127': '<script>window.__xss=2</script>' } as const;
const EVIL_WATER = '<img src=x onerror="window.__xss=3">Sjö & <b>hav</b>';
const EVIL_ATTRIBUTION =
  '<img src=x onerror="window.__xss=4">© <a href="https://example.org/villkor" onclick="window.__xss=5">Kommunerna</a> <a href="javascript:window.__xss=6">klicka</a><script>window.__xss=7</script>';

type ViewerWindow = {
  viewer?: { vectorMap: { loaded(): boolean; getCanvas(): { clientWidth: number; clientHeight: number }; queryRenderedFeatures(p?: unknown, o?: unknown): { properties: Record<string, unknown> }[]; once(e: string, f: () => void): void; triggerRepaint(): void } };
  __xss?: unknown;
};

let demoDir: string;
let running: RunningEngine;
let browser: Browser;
let page: Page;
let pageHeaders: Record<string, string>;
const problems: string[] = [];
const violations: string[] = [];
const requests: string[] = [];

/** The shipped demo files, with markup in the kommun names and the lake names. */
function demoWithMarkup(): string {
  const dir = mkdtempSync(join(tmpdir(), 'viewer-xss-'));
  cpSync('data/demo', dir, { recursive: true });
  const edit = (layer: string, change: (properties: Record<string, unknown>) => void) => {
    const path = join(dir, `${layer}.geojson`);
    const collection = JSON.parse(readFileSync(path, 'utf8')) as { features: { properties: Record<string, unknown> }[] };
    for (const feature of collection.features) change(feature.properties);
    writeFileSync(path, JSON.stringify(collection));
  };
  edit('kommun', (p) => {
    const name = EVIL_NAMES[p.kommunkod as keyof typeof EVIL_NAMES];
    if (name) p.namn = name;
  });
  edit('vatten', (p) => {
    p.namn = EVIL_WATER;
  });
  return dir;
}

beforeAll(async () => {
  demoDir = demoWithMarkup();
  const tilesets = loadConfig({}).tilesets.map((t) => (t.id === 'sodertorn' ? { ...t, attribution: EVIL_ATTRIBUTION } : t));
  running = await startEngine({ database: null, overrides: { demo: { dir: demoDir }, tilesets } });
  browser = await launchChromium();
  page = await browser.newPage({ viewport: { width: 900, height: 600 } });
  page.on('console', (message) => {
    if (/GL Driver Message/.test(message.text())) return; // SwiftShader's note on reading pixels back
    if (message.type() === 'error' || message.type() === 'warning') problems.push(`${message.type()}: ${message.text()}`);
  });
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  page.on('request', (request) => requests.push(request.url()));
  page.on('response', (response) => response.status() >= 400 && problems.push(`${response.status()} ${response.url()}`));
  // Every violation of the page's policy, reported by the browser as it happens.
  await page.exposeFunction('reportViolation', (text: string) => violations.push(text));
  await page.addInitScript({
    content: "document.addEventListener('securitypolicyviolation', (e) => reportViolation(`${e.effectiveDirective} blocked ${e.blockedURI} (${e.sourceFile}:${e.lineNumber})`));",
  });
  const response = await page.goto(`${running.url}/`);
  pageHeaders = response!.headers();
  await page.waitForFunction(() => (globalThis as unknown as ViewerWindow).viewer?.vectorMap.loaded() === true, undefined, { timeout: 30_000 }).catch((error: Error) => {
    throw new Error(`the map did not load (${error.message}); policy violations: ${violations.join('; ') || 'none'}; problems: ${problems.join('; ') || 'none'}`);
  });
  await page.evaluate(
    () =>
      new Promise<void>((resolve) => {
        const map = (globalThis as unknown as ViewerWindow).viewer!.vectorMap;
        map.once('idle', () => resolve());
        map.triggerRepaint();
      }),
  );
}, 90_000);

afterAll(async () => {
  await browser?.close();
  await running?.close();
  if (demoDir) rmSync(demoDir, { recursive: true, force: true });
});

describe('the viewer over data holding markup', () => {
  it('serves the page with a strict Content-Security-Policy and nosniff', async () => {
    const csp = pageHeaders['content-security-policy'] ?? '';
    expect(csp).toContain("default-src 'self'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("object-src 'none'");
    expect(csp).toContain("base-uri 'none'");
    expect(csp).toContain('frame-ancestors');
    expect(csp).not.toContain('unsafe-inline');
    expect(csp).not.toContain('unsafe-eval');
    expect(pageHeaders['x-content-type-options']).toBe('nosniff');
    // The same page at /viewer, and its 304.
    const viewer = await fetch(`${running.url}/viewer`, { headers: { Accept: 'text/html' } });
    expect(viewer.headers.get('content-security-policy')).toBe(csp);
    expect(viewer.headers.get('x-content-type-options')).toBe('nosniff');
    const again = await fetch(`${running.url}/viewer`, { headers: { Accept: 'text/html', 'If-None-Match': viewer.headers.get('etag')! } });
    expect(again.status).toBe(304);
    expect(again.headers.get('x-content-type-options')).toBe('nosniff');
  });

  it('draws the map under that policy: canvas, load, rendered features, no violation, no error', async () => {
    expect(await page.locator('#map canvas.maplibregl-canvas').count()).toBe(1);
    const rendered = await page.evaluate(() => (globalThis as unknown as ViewerWindow).viewer!.vectorMap.queryRenderedFeatures().length);
    expect(rendered, 'features drawn from tiles the worker fetched').toBeGreaterThan(10);
    expect(violations).toEqual([]);
    expect(problems).toEqual([]);
  });

  it('lists municipality names holding markup as literal text', async () => {
    for (const [code, name] of Object.entries(EVIL_NAMES)) {
      const button = page.locator(`#municipalities button[data-kommunkod="${code}"]`);
      expect(await button.textContent()).toBe(`${name}${code}`);
      expect(await button.locator('span.code').textContent()).toBe(code);
    }
    expect(await page.locator('#municipalities button').count()).toBe(8);
    expect(await page.locator('#municipalities img, #municipalities script, #municipalities b').count()).toBe(0);
  });

  it('shows the tileset attribution as text with its web link only', async () => {
    const attribution = page.locator('#map .maplibregl-ctrl-attrib');
    expect(await attribution.textContent()).toBe('© Kommunerna klicka');
    const links = await attribution.locator('a').evaluateAll((as) => as.map((a) => ({ href: a.getAttribute('href'), onclick: a.getAttribute('onclick'), rel: a.getAttribute('rel') })));
    expect(links).toEqual([{ href: 'https://example.org/villkor', onclick: null, rel: 'noopener noreferrer' }]);
    expect(await page.locator('#map .maplibregl-ctrl-attrib img, #map .maplibregl-ctrl-attrib script').count()).toBe(0);
    // The engine's raster tiles beside it carry the same attribution, shown the same way.
    await page.check('input[name=mode][value=compare]');
    const rasterAttribution = page.locator('#raster-map .maplibregl-ctrl-attrib');
    await expect.poll(() => rasterAttribution.textContent(), { timeout: 15_000 }).toBe('© Kommunerna klicka');
    expect(await rasterAttribution.locator('a').evaluateAll((as) => as.map((a) => a.getAttribute('href')))).toEqual(['https://example.org/villkor']);
    await page.check('input[name=mode][value=vector]');
  });

  it('shows feature attributes holding markup as text in the inspect popup', async () => {
    // A point of the map on a municipality's name (the names hold the markup). The tiles carry
    // the attributes the styles read (a lake's fill reads none): the labels carry the names.
    const found = await page.evaluate(() => {
      const map = (globalThis as unknown as ViewerWindow).viewer!.vectorMap;
      const { clientWidth: width, clientHeight: height } = map.getCanvas();
      for (let y = 30; y < height - 30; y += 6) {
        for (let x = 30; x < width - 30; x += 6) {
          const named = map.queryRenderedFeatures([x, y], { layers: ['kommun-namn'] }).find((f) => typeof f.properties.namn === 'string' && f.properties.namn.includes('<'));
          if (named) return { x, y, namn: named.properties.namn as string };
        }
      }
      return undefined;
    });
    expect(found, 'a name holding markup in view').toBeDefined();
    const box = (await page.locator('#map').boundingBox())!;
    await page.mouse.click(box.x + found!.x, box.y + found!.y);
    const popup = page.locator('.maplibregl-popup .inspect');
    await popup.waitFor();
    expect(Object.values(EVIL_NAMES)).toContain(found!.namn);
    expect(await popup.locator('td').allTextContents()).toContain(found!.namn);
    expect(await page.locator('.maplibregl-popup img, .maplibregl-popup b, .maplibregl-popup script').count()).toBe(0);
    await page.locator('.maplibregl-popup-close-button').click();
  });

  it('ran none of the markup: no script, no image fetched, no javascript: link, no violation', async () => {
    expect(await page.evaluate(() => (globalThis as unknown as ViewerWindow).__xss)).toBeUndefined();
    expect(requests.filter((url) => new URL(url).pathname === '/x')).toEqual([]);
    expect(await page.locator('a[href^="javascript:"]').count()).toBe(0);
    expect(violations).toEqual([]);
    expect(problems).toEqual([]);
  });

  it('sends nosniff on every kind of answer: JSON, tiles (slow and fast path), 304, errors, refused requests', async () => {
    const tile = `${running.url}/tiles/sodertorn/12/2252/1206.mvt`; // Huddinge centre: never empty
    const answers = [
      await fetch(`${running.url}/viewer/config.json`),
      await fetch(`${running.url}/viewer/viewer.js`),
      await fetch(tile),
      await fetch(tile), // from the fast path, once the slow path has served it
      await fetch(`${running.url}/no/such/route`),
      await fetch(`${running.url}/tiles/sodertorn/99/0/0.mvt`),
      await fetch(`${running.url}/`, { method: 'POST', body: 'x' }),
      await fetch(`${running.url}/wmts?SERVICE=WMTS&REQUEST=Nonsense`),
    ];
    const etag = answers[3]!.headers.get('etag');
    answers.push(await fetch(tile, { headers: { 'If-None-Match': etag! } }));
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200, 200, 404, 400, 405, 501, 304]);
    for (const answer of answers) expect(answer.headers.get('x-content-type-options'), `${answer.url} ${answer.status}`).toBe('nosniff');
    // A request the HTTP parser refuses is answered on the socket directly.
    const { port } = new URL(running.url);
    const raw = await new Promise<string>((resolve, reject) => {
      const socket = connect(Number(port), '127.0.0.1', () => socket.write('NOT HTTP AT ALL\r\n\r\n'));
      let text = '';
      socket.on('data', (chunk) => (text += String(chunk)));
      socket.on('end', () => resolve(text));
      socket.on('error', reject);
    });
    expect(raw).toMatch(/^HTTP\/1\.1 400/);
    expect(raw).toMatch(/\r\nX-Content-Type-Options: nosniff\r\n/i);
  });
});
