import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { serveStatic, type StaticServer } from './static-server.ts';

/** A map view as MapLibre takes it: centre [lon, lat] and MapLibre zoom (512-px worlds). */
export interface MapView {
  readonly center: readonly [number, number];
  readonly zoom: number;
}

/** What the page reports for one view: ms from setting it to `idle`, and the canvas as PNG. */
export interface PageRender {
  readonly ms: number;
  readonly png: Uint8Array;
}

/**
 * CSS size of the map and its pixel ratio: a 256-px map at pixelRatio 2 draws the 512×512
 * canvas that matches the engine's 512-px (@2x) tile: same ground, same style zoom, same
 * line widths in device pixels.
 */
export const PAGE_MAP_CSS_PX = 256;
export const PAGE_PIXEL_RATIO = 2;

// Runs in chromium: one map, opened on a first view, then moved view by view. `idle` is
// awaited before jumpTo so it cannot be missed; triggerRepaint makes sure a frame follows.
const PAGE_SCRIPT = `
let map;
window.referenceErrors = [];
const idle = () => new Promise((resolve) => map.once('idle', resolve));
const pixels = () => map.getCanvas().toDataURL('image/png');
window.openReference = async (style, center, zoom) => {
  const start = performance.now();
  map = new maplibregl.Map({
    container: 'map', style, center, zoom,
    pixelRatio: ${PAGE_PIXEL_RATIO}, fadeDuration: 0, interactive: false, attributionControl: false,
    canvasContextAttributes: { preserveDrawingBuffer: true },
  });
  map.on('error', (e) => window.referenceErrors.push(String((e.error && e.error.message) || e.error)));
  await idle();
  return { ms: performance.now() - start, png: pixels(), width: map.getCanvas().width, height: map.getCanvas().height };
};
window.showReference = async (center, zoom) => {
  const done = idle();
  const start = performance.now();
  map.jumpTo({ center, zoom });
  map.triggerRepaint();
  await done;
  return { ms: performance.now() - start, png: pixels(), width: map.getCanvas().width, height: map.getCanvas().height };
};
`;

const PAGE_HTML = `<!doctype html>
<html><head><meta charset="utf-8"><title>maplibre-gl reference</title>
<link rel="stylesheet" href="/maplibre-gl.css">
<style>html, body { margin: 0; } #map { width: ${PAGE_MAP_CSS_PX}px; height: ${PAGE_MAP_CSS_PX}px; }</style>
<script src="/maplibre-gl.js"></script>
<script>${PAGE_SCRIPT}</script>
</head><body><div id="map"></div></body></html>`;

/** The installed maplibre-gl's version and its dist folder (the UMD build loads as a plain script). */
export function maplibreDist(): { version: string; dir: string } {
  const require = createRequire(import.meta.url);
  const packageJson = require.resolve('maplibre-gl/package.json');
  return { version: (JSON.parse(readFileSync(packageJson, 'utf8')) as { version: string }).version, dir: join(dirname(packageJson), 'dist') };
}

/** Serves the reference page and maplibre-gl's dist files from node_modules (no CDN). */
export function servePage(): Promise<StaticServer> {
  const { dir } = maplibreDist();
  return serveStatic({
    '/': { body: PAGE_HTML, contentType: 'text/html; charset=utf-8' },
    '/maplibre-gl.js': { body: readFileSync(join(dir, 'maplibre-gl.js')), contentType: 'text/javascript' },
    '/maplibre-gl.css': { body: readFileSync(join(dir, 'maplibre-gl.css')), contentType: 'text/css' },
    '/favicon.ico': { body: '', contentType: 'image/x-icon' },
  });
}

interface RawRender {
  ms: number;
  png: string;
  width: number;
  height: number;
}

/** A chromium tab holding one maplibre-gl map that renders views on demand. */
export class MaplibrePage {
  private constructor(
    private readonly page: Page,
    private readonly logs: string[],
  ) {}

  /** Opens the page and the map on a first (warm-up) view; resolves at its first `idle`. */
  static async open(browser: Browser, pageUrl: string, style: object, first: MapView): Promise<{ page: MaplibrePage; first: PageRender }> {
    const page = await browser.newPage({ viewport: { width: PAGE_MAP_CSS_PX, height: PAGE_MAP_CSS_PX } });
    const logs: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error' || m.type() === 'warning') logs.push(m.text());
    });
    page.on('pageerror', (e) => logs.push(String(e)));
    await page.goto(pageUrl);
    const raw = await page.evaluate(([s, c, z]) => (globalThis as unknown as PageApi).openReference(s, c, z), [style, first.center, first.zoom] as const);
    const reference = new MaplibrePage(page, logs);
    return { page: reference, first: await reference.check(raw) };
  }

  /** Moves the map to a view and waits for `idle`: the ms and the pixels of that view. */
  async show(view: MapView): Promise<PageRender> {
    return this.check(await this.page.evaluate(([c, z]) => (globalThis as unknown as PageApi).showReference(c, z), [view.center, view.zoom] as const));
  }

  /** Console errors and warnings so far (failed tile loads, style validation), each once. */
  messages(): string[] {
    return [...new Set(this.logs)];
  }

  close(): Promise<void> {
    return this.page.close();
  }

  private async check(raw: RawRender): Promise<PageRender> {
    const errors = await this.page.evaluate(() => (globalThis as unknown as PageApi).referenceErrors.splice(0));
    if (errors.length) throw new Error(`maplibre-gl reported: ${errors.join('; ')}`);
    const size = PAGE_MAP_CSS_PX * PAGE_PIXEL_RATIO;
    if (raw.width !== size || raw.height !== size) throw new Error(`maplibre-gl canvas is ${raw.width}×${raw.height}, expected ${size}×${size}`);
    return { ms: raw.ms, png: Buffer.from(raw.png.slice(raw.png.indexOf(',') + 1), 'base64') };
  }
}

/** The functions PAGE_SCRIPT defines on the page's window. */
interface PageApi {
  openReference(style: object, center: readonly [number, number], zoom: number): Promise<RawRender>;
  showReference(center: readonly [number, number], zoom: number): Promise<RawRender>;
  referenceErrors: string[];
}
