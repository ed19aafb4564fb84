import type { Browser, Page } from 'playwright-core';
import pixelmatch from 'pixelmatch';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../../bench/lib/chromium.ts';
import { sha256Hex } from '../../src/access/access-policy.ts';
import { startEngine, type RunningEngine } from '../helpers/engine.ts';

/**
 * The viewer as a person uses it, in Debian's chromium: it opens on the engine's own
 * MapLibre GL JS (no network beyond loopback), draws the demo data with labels, switches
 * styles, zooms to municipalities, shows tile boundaries and the engine's raster tiles.
 */
const VIEWER_KEY = 'viewer-key-0123456789abcdefghij';
let running: RunningEngine;
let browser: Browser;
let page: Page;
const problems: string[] = [];

beforeAll(async () => {
  // The print style is restricted here, opened by a key: the viewer must show it only with the key.
  running = await startEngine({ overrides: { access: { restrictedStyles: ['utskrift'], keys: [{ name: 'viewer', sha256: sha256Hex(VIEWER_KEY), grants: ['utskrift'] }] } } });
  browser = await launchChromium();
  page = await browser.newPage({ viewport: { width: 900, height: 600 } });
  page.on('console', (message) => {
    // SwiftShader notes that reading pixels back (the screenshots) stalls its pipeline: not the viewer's doing.
    if (/GL Driver Message/.test(message.text())) return;
    if (message.type() === 'error' || message.type() === 'warning') problems.push(`${message.type()}: ${message.text()}`);
  });
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  // Everything the viewer needs comes from the engine: any other host is a failure.
  await page.route((url) => !url.href.startsWith(running.url), (route) => {
    problems.push(`request outside the engine: ${route.request().url()}`);
    return route.abort();
  });
  await page.goto(`${running.url}/`);
  await page.waitForFunction(() => (globalThis as unknown as { viewer?: unknown }).viewer !== undefined);
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await running?.close();
});

/** Waits until the map has drawn everything it asked for. */
async function idle(which: 'vectorMap' | 'rasterMap' = 'vectorMap'): Promise<void> {
  await page.evaluate(
    (name) =>
      new Promise<void>((resolve) => {
        const map = (globalThis as unknown as { viewer: Record<string, { loaded(): boolean; once(e: string, f: () => void): void; triggerRepaint(): void }> }).viewer[name]!;
        map.once('idle', () => resolve());
        map.triggerRepaint();
      }),
    which,
  );
}

/** Waits until the vector map shows the style of that name (setStyle fetches it first), then for idle. */
async function styleShown(name: string): Promise<void> {
  await page.waitForFunction((n) => (globalThis as unknown as { viewer: { vectorMap: { getStyle(): { name?: string } | undefined } } }).viewer.vectorMap.getStyle()?.name === n, name);
  await idle();
}

async function jumpTo(center: [number, number], zoom: number): Promise<void> {
  await page.evaluate(([c, z]) => (globalThis as unknown as { viewer: { vectorMap: { jumpTo(o: object): void } } }).viewer.vectorMap.jumpTo({ center: c, zoom: z }), [center, zoom] as const);
  await idle();
}

/** The map area as RGBA. */
async function shot(selector = '#map'): Promise<{ data: Buffer; width: number; height: number }> {
  const png = await page.locator(selector).screenshot();
  const { data, info } = await sharp(png).ensureAlpha().raw().toBuffer({ resolveWithObject: true });
  return { data, width: info.width, height: info.height };
}

/** Pixels within `tolerance` of an RGB colour. */
function countColour(image: { data: Buffer }, hex: string, tolerance = 6): number {
  const [r, g, b] = [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16));
  let n = 0;
  for (let i = 0; i < image.data.length; i += 4) {
    if (Math.abs(image.data[i]! - r!) <= tolerance && Math.abs(image.data[i + 1]! - g!) <= tolerance && Math.abs(image.data[i + 2]! - b!) <= tolerance) n++;
  }
  return n;
}

/** Near-black pixels: label text (the halo keeps them apart from everything else). */
function countText(image: { data: Buffer }): number {
  let n = 0;
  for (let i = 0; i < image.data.length; i += 4) if (image.data[i]! < 70 && image.data[i + 1]! < 70 && image.data[i + 2]! < 70) n++;
  return n;
}

const HUDDINGE: [number, number] = [17.982, 59.237];

describe('the map viewer in chromium', () => {
  it('opens with the default style, draws buildings, water and labels, and logs no errors', async () => {
    await idle();
    expect(await page.inputValue('#style')).toBe('grundkarta');
    await jumpTo(HUDDINGE, 14);
    const town = await shot();
    expect(countColour(town, '#c9b8a6'), 'buildings in the building colour').toBeGreaterThan(500);
    expect(countText(town), 'label text').toBeGreaterThan(150);
    await jumpTo([17.86, 59.11], 11); // lakes south-west of Huddinge
    expect(countColour(await shot(), '#a9cde8'), 'water').toBeGreaterThan(500);
    expect(problems).toEqual([]);
  });

  it('switches style: the grey map replaces the colours', async () => {
    await jumpTo(HUDDINGE, 14);
    const colour = await shot();
    await page.selectOption('#style', 'gra');
    await styleShown('Södertörn grå');
    const grey = await shot();
    expect(countColour(grey, '#c9b8a6'), 'no colour buildings in the grey map').toBeLessThan(50);
    expect(countColour(grey, '#d6d4d1'), 'grey buildings').toBeGreaterThan(500);
    // The yellow main streets of the colour map are white in the grey one.
    expect(countColour(colour, '#f7cf72'), 'yellow main streets').toBeGreaterThan(200);
    expect(countColour(grey, '#f7cf72'), 'no yellow streets in the grey map').toBeLessThan(20);
    await page.selectOption('#style', 'grundkarta');
    await styleShown('Södertörn grundkarta');
    expect(problems).toEqual([]);
  });

  it('lists the eight municipalities and zooms to one', async () => {
    const names = await page.locator('#municipalities button').allTextContents();
    expect(names).toHaveLength(8);
    expect(names.join(' ')).toContain('Nynäshamn');
    await page.locator('#municipalities button[data-kommunkod="0192"]').click();
    await page.waitForFunction(() => !(globalThis as unknown as { viewer: { vectorMap: { isMoving(): boolean } } }).viewer.vectorMap.isMoving());
    await idle();
    const center = await page.evaluate(() => (globalThis as unknown as { viewer: { vectorMap: { getCenter(): { lng: number; lat: number } } } }).viewer.vectorMap.getCenter());
    // Nynäshamn lies in the south of Södertörn.
    expect(center.lat).toBeLessThan(59.05);
    expect(center.lng).toBeGreaterThan(17.7);
    expect(problems).toEqual([]);
  });

  it('shows the attributes of the features under a click, and the pointer in SWEREF 99 TM', async () => {
    await jumpTo(HUDDINGE, 15);
    const box = (await page.locator('#map').boundingBox())!;
    await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
    // Huddinge centre, 17.982 E 59.237 N, is about N 6 569 000, E 673 000 in SWEREF 99 TM.
    const cursor = await page.locator('#cursor').textContent();
    const [, north, east] = /N (\d+), E (\d+)/.exec(cursor ?? '') ?? [];
    expect(Number(north)).toBeGreaterThan(6_560_000);
    expect(Number(north)).toBeLessThan(6_580_000);
    expect(Number(east)).toBeGreaterThan(665_000);
    expect(Number(east)).toBeLessThan(680_000);
    await page.mouse.click(box.x + box.width / 2, box.y + box.height / 2);
    const popup = page.locator('.maplibregl-popup .inspect');
    await popup.waitFor();
    // The centre of Huddinge is built-up land: the land-cover polygon and its class at least.
    const text = await popup.textContent();
    expect(text).toContain('mark');
    expect(text).toContain('bebyggelse');
    await page.locator('.maplibregl-popup-close-button').click();
  });

  it('shows tile boundaries on request', async () => {
    await jumpTo(HUDDINGE, 12);
    const before = await shot();
    await page.check('#boundaries');
    await idle();
    const after = await shot();
    expect(await page.evaluate(() => (globalThis as unknown as { viewer: { vectorMap: { showTileBoundaries: boolean } } }).viewer.vectorMap.showTileBoundaries)).toBe(true);
    expect(pixelmatch(before.data, after.data, undefined, before.width, before.height, { threshold: 0.1 })).toBeGreaterThan(500);
    await page.uncheck('#boundaries');
  });

  it('shows the engine’s raster tiles beside the vector map, following it', async () => {
    await page.check('input[name=mode][value=compare]');
    await page.waitForFunction(() => (globalThis as unknown as { viewer: { rasterMap?: unknown } }).viewer.rasterMap !== undefined);
    await jumpTo(HUDDINGE, 14);
    await idle('rasterMap');
    const raster = await shot('#raster-map');
    expect(countColour(raster, '#c9b8a6', 10), 'buildings drawn by the engine').toBeGreaterThan(300);
    expect(countText(raster), 'labels drawn by the engine').toBeGreaterThan(100);
    const rasterCenter = await page.evaluate(() => (globalThis as unknown as { viewer: { rasterMap: { getCenter(): { lng: number } } } }).viewer.rasterMap.getCenter().lng);
    expect(rasterCenter).toBeCloseTo(HUDDINGE[0], 3);
    expect(problems).toEqual([]);
  });

  it('lets a web map on another origin send its key in the Authorization header (CORS preflight)', async () => {
    const other = await browser.newPage();
    try {
      const { port } = new URL(running.url);
      await other.goto(`http://localhost:${port}/viewer/viewer.css`); // another origin than 127.0.0.1
      const statuses = await other.evaluate(
        async ({ url, key }) => {
          const get = (headers: Record<string, string>) => fetch(`${url}/styles/utskrift/style.json`, { headers, ...({ cache: 'no-store' } as object) }).then((r) => r.status, (e: Error) => e.message);
          return [await get({ Authorization: `Bearer ${key}` }), await get({ 'X-Api-Key': key }), await get({})];
        },
        { url: running.url, key: VIEWER_KEY },
      );
      // Without the key the restricted style answers as one that does not exist.
      expect(statuses).toEqual([200, 200, 404]);
    } finally {
      await other.close();
    }
  });

  it('opened as /k/{key}/, offers the restricted style the key grants and loads it with the key', async () => {
    const anonymousStyles = await page.$$eval('#style option', (options) => options.map((o) => (o as unknown as { value: string }).value));
    expect(anonymousStyles).not.toContain('utskrift');
    const keyed = await browser.newPage({ viewport: { width: 600, height: 400 } });
    const requests: string[] = [];
    keyed.on('request', (r) => requests.push(r.url()));
    const failures: string[] = [];
    keyed.on('response', (r) => r.status() >= 400 && failures.push(`${r.status()} ${r.url()}`));
    try {
      await keyed.goto(`${running.url}/k/${VIEWER_KEY}/#style=utskrift`);
      await keyed.waitForFunction(() => (globalThis as unknown as { viewer?: { vectorMap: { loaded(): boolean } } }).viewer?.vectorMap.loaded() === true, undefined, { timeout: 30_000 });
      expect(await keyed.$$eval('#style option', (options) => options.map((o) => (o as unknown as { value: string }).value))).toContain('utskrift');
      expect(await keyed.$eval('#style', (select) => (select as unknown as { value: string }).value)).toBe('utskrift');
      expect(failures).toEqual([]);
      // Tiles, glyphs and sprites of the style came through the key's links.
      const data = requests.filter((u) => /\/(tiles|fonts|styles)\//.test(u));
      expect(data.some((u) => u.includes('/tiles/'))).toBe(true);
      expect(data.filter((u) => !u.includes(`/k/${VIEWER_KEY}/`))).toEqual([]);
    } finally {
      await keyed.close();
    }
  });
});
