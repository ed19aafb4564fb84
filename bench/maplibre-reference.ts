/**
 * The reference point for raster tiles: the same views rendered by the engine (a 512-px
 * @2x PNG through HTTP) and by maplibre-gl in Debian chromium (WebGL on SwiftShader), in
 * one run: median ms per view and their ratio, and the share of pixels that differ
 * (pixelmatch, threshold 0.13), per zoom.
 *
 * The engine's @2x tile z/x/y is 256 CSS px at pixel ratio 2 drawn at MapLibre zoom z − 1
 * (MapLibre counts 512-px worlds), so the page holds a 256-px map at pixelRatio 2 centred
 * on the tile at zoom z − 1: a 512×512 canvas over exactly the tile's ground.
 *
 *   XYZ z tile (256 px, world 256·2^z px)  ≡  MapLibre zoom z − 1 (world 512·2^(z−1) px)
 *
 * The ground, the style zoom and the data are the same: the engine draws a 256-px tile of
 * level z from the 512-px vector tiles of level z − 1, as maplibre-gl does at zoom z − 1.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import sharp from 'sharp';
import { createEngine, type Engine } from '../src/app.ts';
import { loadConfig } from '../src/config/load-config.ts';
import type { EngineConfig } from '../src/config/schema.ts';
import { equivalentZoom, tileToBbox } from '../src/grids/tile-grid.ts';
import { mercatorToLonLat, webMercatorQuad } from '../src/grids/web-mercator-quad.ts';
import { createLogger } from '../src/logger.ts';
import type { RgbaImage } from '../src/render/renderer.ts';
import { compareImages, SUITE_THRESHOLD } from '../tools/render-suite/compare.ts';
import { benchTiles, type BenchTile } from './lib/bench-tiles.ts';
import { launchChromium } from './lib/chromium.ts';
import { MaplibrePage, maplibreDist, servePage, type MapView } from './lib/maplibre-page.ts';
import { median, msSince, round } from './lib/stats.ts';

const STYLE_ID = 'grundkarta';

export interface ReferenceZoomResult {
  readonly views: number;
  /** Median ms per view: the engine's @2x PNG through HTTP drawn alone (render.metatile 1), cold. */
  readonly engineMs: number;
  /** Median ms per view: maplibre-gl from jumpTo to `idle` (fetching its vector tiles from the engine and drawing). */
  readonly maplibreMs: number;
  /** engineMs / maplibreMs: below 1, the engine is faster. */
  readonly ratio: number;
  /** Median ms of the first tile of a cold metatile with the engine's default config (its whole block is drawn). */
  readonly engineMetatileMs: number;
  /** Views whose metatile was not drawn before (the others are left out of engineMetatileMs). */
  readonly engineMetatileViews: number;
  /** Median, least and worst share of differing pixels (0…1) over the views, engine default config vs maplibre-gl. */
  readonly diffFraction: number;
  readonly diffFractionMin: number;
  readonly diffFractionMax: number;
}

export interface ReferenceBenchResult {
  readonly maplibreGl: string;
  readonly chromium: string;
  readonly threshold: number;
  readonly metatile: number;
  readonly perZoom: Record<string, ReferenceZoomResult>;
  /** Errors and warnings maplibre-gl printed, if any (SwiftShader's performance notes left out). */
  readonly messages: string[];
}

/** The MapLibre view covering exactly the engine's 512-px (@2x) tile z/x/y. */
export function tileView(tile: BenchTile): MapView {
  const [minX, minY, maxX, maxY] = tileToBbox(webMercatorQuad, tile.z, tile.x, tile.y);
  // The same zoom the raster pipeline draws a 256-px tile at: equivalentZoom − 1.
  return { center: mercatorToLonLat((minX + maxX) / 2, (minY + maxY) / 2), zoom: equivalentZoom(webMercatorQuad, tile.z) - 1 };
}

/** The engine on this process, on a free loopback port, serving the given database. */
async function startEngine(databaseUrl: string, render: Partial<EngineConfig['render']> = {}): Promise<{ engine: Engine; url: string; config: EngineConfig }> {
  const base = loadConfig({});
  const config: EngineConfig = {
    ...base,
    // max-age 0: nothing that chromium fetched may come back from its HTTP cache.
    server: { ...base.server, port: 0, logLevel: 'silent', tileMaxAgeS: 0 },
    database: { ...base.database, url: databaseUrl },
    render: { ...base.render, ...render },
  };
  const engine = await createEngine(config, createLogger('silent'));
  return { engine, url: await engine.listen(0, '127.0.0.1'), config };
}

async function fetchBytes(url: string): Promise<Uint8Array> {
  const res = await fetch(url);
  if (res.status !== 200 && res.status !== 204) throw new Error(`GET ${url}: ${res.status} ${await res.text()}`);
  return new Uint8Array(await res.arrayBuffer());
}

async function decodePng(png: Uint8Array): Promise<RgbaImage> {
  const { data, info } = await sharp(png).ensureAlpha().raw().toBuffer({ resolveWithObject: true });
  return { width: info.width, height: info.height, data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength) };
}

async function writePng(path: string, image: RgbaImage): Promise<void> {
  await sharp(image.data, { raw: { width: image.width, height: image.height, channels: 4 } }).png().toFile(path);
}

/**
 * Runs the comparison over bench/render.ts' views (the tile holding each town centre) at
 * the given zooms. Two engines serve the same database: one drawing every tile alone
 * (the same work as the browser's: one 512-px view) for the speed ratio, and one with the
 * default config (metatiles) whose tiles are what clients get: maplibre-gl loads its
 * vector tiles from that one, and its PNGs are compared with the browser's pixels. With
 * `imagesDir`, the first view of each zoom is written there as engine, maplibre-gl and
 * pixelmatch diff PNGs, to look at.
 */
export async function runMaplibreReference(databaseUrl: string, options: { zooms: readonly number[]; imagesDir?: string }): Promise<ReferenceBenchResult> {
  const browser: Browser = await launchChromium(); // first: it may need apt-get
  const main = await startEngine(databaseUrl);
  const single = await startEngine(databaseUrl, { metatile: 1 });
  const pageServer = await servePage();
  let reference: MaplibrePage | undefined;
  try {
    const metatile = main.config.render.metatile;
    // The style as web clients get it: sources, glyphs and sprite at this engine.
    const style = (await (await fetch(`${main.url}/styles/${STYLE_ID}/style.json`)).json()) as Record<string, unknown>;
    const tiles = options.zooms.flatMap((z) => benchTiles(1, [z]));
    // A warm-up view for the renderers (threads, glyphs, shaders, JIT), in a block of its own.
    const warmUp = { ...tiles[0]!, x: tiles[0]!.x + metatile };
    const rasterUrl = (engineUrl: string, t: BenchTile) => `${engineUrl}/tiles/${STYLE_ID}/${t.z}/${t.x}/${t.y}@2x.png`;

    // Both renderers ask PostGIS for these vector tiles: read them once first, so that
    // neither finds the database's buffers colder than the other does.
    for (const t of [warmUp, ...tiles]) {
      await fetchBytes(`${main.url}/tiles/sodertorn/${t.z}/${t.x}/${t.y}.mvt`);
      await fetchBytes(`${main.url}/tiles/sodertorn/${t.z - 1}/${t.x >> 1}/${t.y >> 1}.mvt`);
    }

    await fetchBytes(rasterUrl(single.url, warmUp));
    await fetchBytes(rasterUrl(main.url, warmUp));
    reference = (await MaplibrePage.open(browser, pageServer.url, style, tileView(warmUp))).page;

    if (options.imagesDir) mkdirSync(options.imagesDir, { recursive: true });
    const drawnBlocks = new Set<string>([`${warmUp.z}/${Math.floor(warmUp.x / metatile)}/${Math.floor(warmUp.y / metatile)}`]);
    const perZoom: Record<string, ReferenceZoomResult> = {};
    for (const z of options.zooms) {
      const engineMs: number[] = [];
      const metatileMs: number[] = [];
      const maplibreMs: number[] = [];
      const diffs: number[] = [];
      for (const [i, t] of tiles.filter((tile) => tile.z === z).entries()) {
        // Cold: no tile cache exists yet, and every view is a tile not asked for before.
        let start = process.hrtime.bigint();
        await fetchBytes(rasterUrl(single.url, t));
        engineMs.push(msSince(start));
        start = process.hrtime.bigint();
        const enginePng = await fetchBytes(rasterUrl(main.url, t));
        const block = `${z}/${Math.floor(t.x / metatile)}/${Math.floor(t.y / metatile)}`;
        // A second view in a block already drawn comes from the retained pieces: not cold.
        if (!drawnBlocks.has(block)) metatileMs.push(msSince(start));
        drawnBlocks.add(block);
        const view = await reference.show(tileView(t));
        maplibreMs.push(view.ms);

        const engineImage = await decodePng(enginePng);
        const diffImage: RgbaImage = { width: engineImage.width, height: engineImage.height, data: new Uint8Array(engineImage.data.length) };
        diffs.push(compareImages(engineImage, await decodePng(view.png), diffImage.data).diffFraction);
        if (options.imagesDir && i === 0) {
          const name = join(options.imagesDir, `z${z}-${t.x}-${t.y}`);
          writeFileSync(`${name}-engine.png`, enginePng);
          writeFileSync(`${name}-maplibre.png`, view.png);
          await writePng(`${name}-diff.png`, diffImage);
        }
      }
      const engineMedian = median(engineMs);
      const maplibreMedian = median(maplibreMs);
      perZoom[z] = {
        views: engineMs.length,
        engineMs: round(engineMedian, 1),
        maplibreMs: round(maplibreMedian, 1),
        ratio: round(engineMedian / maplibreMedian),
        engineMetatileMs: round(median(metatileMs), 1),
        engineMetatileViews: metatileMs.length,
        diffFraction: round(median(diffs), 4),
        diffFractionMin: round(Math.min(...diffs), 4),
        diffFractionMax: round(Math.max(...diffs), 4),
      };
    }
    return {
      maplibreGl: maplibreDist().version,
      chromium: browser.version(),
      threshold: SUITE_THRESHOLD,
      metatile,
      perZoom,
      messages: reference.messages().filter((m) => !m.includes('GL Driver Message')),
    };
  } finally {
    await reference?.close();
    await browser.close();
    await pageServer.close();
    await single.engine.close();
    await main.engine.close();
  }
}
