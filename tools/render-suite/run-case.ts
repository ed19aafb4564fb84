/**
 * One suite test, start to end: read the style, decide whether the 2D renderer can do it,
 * build its tiles from the suite folder, render with the Skia renderer and compare with
 * expected.png. Errors become an 'error' result; the caller time-boxes the whole.
 */
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import type { StyleSpecification } from '@maplibre/maplibre-gl-style-spec';
import type { GlyphLoader } from '../../src/render/renderer.ts';
import { join } from 'node:path';
import { SkiaRenderer } from '../../workers/skia/skia-renderer.ts';
import { compareImages, premultiply, readPng, writePng } from './compare.ts';
import { skipReason } from './eligibility.ts';
import { loadCase, type SuiteCase } from './load-case.ts';
import { buildRasterTiles } from './raster-sources.ts';
import { buildSourceTiles, resolveLocalUrl } from './sources.ts';
import { spriteLoader } from './sprites.ts';
import { viewOf } from './view.ts';

export type CaseStatus = 'compared' | 'skipped' | 'error';

/** One line of the suite's results file. */
export interface CaseResult {
  readonly id: string;
  readonly group: string;
  /** Fraction of pixels that differ from expected.png; null when not compared. */
  readonly diffFraction: number | null;
  readonly status: CaseStatus;
  /** Why it was skipped or failed, or what was odd about its data. */
  readonly reason?: string;
  /** The test's own bar (metadata.test.allowed, default 0.00015). */
  readonly allowed?: number;
  /** Wall time of tiles + render + compare, ms. */
  readonly ms?: number;
}

export interface RunCaseOptions {
  /** The suite folder, against which local:// URLs resolve. */
  readonly folder: string;
  /** When set, the render and the diff picture go here as PNGs. */
  readonly saveDir?: string;
}

const renderer = new SkiaRenderer();

export async function runCase(testCase: SuiteCase, options: RunCaseOptions): Promise<CaseResult> {
  const base = { id: testCase.id, group: testCase.group };
  const started = performance.now();
  try {
    const { style, spec } = loadCase(testCase);
    const skip = skipReason(style, spec);
    if (skip) return { ...base, diffFraction: null, status: 'skipped', reason: skip, allowed: spec.allowed };

    const view = viewOf(spec);
    const vector = buildSourceTiles(style, view, options.folder);
    const raster = await buildRasterTiles(style, view, options.folder);
    const tiles = [...vector.tiles, ...raster.tiles];
    const notes = [...vector.notes, ...raster.notes];
    // SkiaRenderer.render yields to the event loop after drawing, so Skia's native memory
    // is released between tests instead of piling up over the run.
    const glyphs = glyphLoader(style, options.folder);
    const sprite = await spriteLoader(style.sprite, options.folder);
    const rendered = await renderer.render(style, view, tiles, { ...(glyphs ? { glyphs } : {}), ...(sprite ? { sprite } : {}) });
    const actual = { width: rendered.width, height: rendered.height, data: premultiply(rendered.data) };
    const expected = await readPng(join(testCase.dir, 'expected.png'));
    const diff = options.saveDir ? new Uint8Array(actual.data.length) : undefined;
    const { diffFraction } = compareImages(actual, expected, diff);
    if (options.saveDir) {
      mkdirSync(options.saveDir, { recursive: true });
      const stem = join(options.saveDir, testCase.id.replaceAll('/', '__'));
      await writePng(`${stem}.actual.png`, actual);
      await writePng(`${stem}.diff.png`, { width: actual.width, height: actual.height, data: diff! });
    }
    return {
      ...base,
      diffFraction,
      status: 'compared',
      ...(notes.length > 0 ? { reason: notes.join('; ') } : {}),
      allowed: spec.allowed,
      ms: Math.round(performance.now() - started),
    };
  } catch (error) {
    return { ...base, diffFraction: null, status: 'error', reason: errorText(error), ms: Math.round(performance.now() - started) };
  }
}

/** Glyph loaders by suite folder and style glyphs URL, so decoded ranges are shared between tests. */
const glyphLoaders = new Map<string, GlyphLoader>();

/**
 * The style's `glyphs` template (`local://glyphs/{fontstack}/{range}.pbf`) read from the
 * suite folder; undefined when the style has none.
 */
function glyphLoader(style: StyleSpecification, folder: string): GlyphLoader | undefined {
  const template = style.glyphs;
  if (!template) return undefined;
  const key = `${folder}\n${template}`;
  let loader = glyphLoaders.get(key);
  if (!loader) {
    loader = (fontstack, rangeStart) => {
      const url = template.replace('{fontstack}', fontstack).replace('{range}', `${rangeStart}-${rangeStart + 255}`);
      const path = resolveLocalUrl(url, folder);
      return path && existsSync(path) ? new Uint8Array(readFileSync(path)) : undefined;
    };
    glyphLoaders.set(key, loader);
  }
  return loader;
}

export function errorText(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return text.length > 300 ? `${text.slice(0, 300)}…` : text;
}
