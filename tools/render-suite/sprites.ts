/**
 * A suite test's sprite: `local://sprites/x` read as `x.json` + `x.png` and, for pixel
 * ratio 2, `x@2x.json` + `x@2x.png`, decoded before the render (the renderer asks for
 * sheets synchronously). A sheet whose files are missing or broken is absent, as a failed
 * sprite load leaves MapLibre without images.
 */
import { existsSync, readFileSync } from 'node:fs';
import type { SpriteEntry, SpriteLoader, SpriteSheet } from '../../src/render/renderer.ts';
import { readPng } from './compare.ts';
import { resolveLocalUrl } from './sources.ts';

/** Loaded sheets by folder and sprite URL, so tests sharing a sprite decode it once per thread. */
const loaders = new Map<string, Promise<SpriteLoader>>();

/** The style's sprite, or undefined when it names none (or names several, which the suite never does). */
export function spriteLoader(sprite: unknown, folder: string): Promise<SpriteLoader> | undefined {
  if (typeof sprite !== 'string' || sprite === '') return undefined;
  const key = `${folder}\n${sprite}`;
  let loader = loaders.get(key);
  if (!loader) {
    loader = Promise.all([readSheet(sprite, '', folder), readSheet(sprite, '@2x', folder)]).then(
      ([one, two]) => (ratio) => (ratio === 2 ? two : one),
    );
    loaders.set(key, loader);
  }
  return loader;
}

async function readSheet(url: string, suffix: string, folder: string): Promise<SpriteSheet | undefined> {
  const json = resolveLocalUrl(`${url}${suffix}.json`, folder);
  const png = resolveLocalUrl(`${url}${suffix}.png`, folder);
  if (!json || !png || !existsSync(json) || !existsSync(png)) return undefined;
  try {
    const entries = JSON.parse(readFileSync(json, 'utf8')) as Record<string, SpriteEntry>;
    return { entries, image: await readPng(png) };
  } catch {
    return undefined;
  }
}
