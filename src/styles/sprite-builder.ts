/**
 * Sprites from SVG icons: every `*.svg` of a folder rasterised with sharp (librsvg) at 1×
 * and 2×, laid out on one sheet per ratio, with MapLibre's `{sprite}.json` index. Built
 * once at start; web clients fetch the sheets, render threads get them decoded.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import sharp from 'sharp';
import { ConfigError } from '../config/load-config.ts';
import type { SpriteEntry } from '../render/renderer.ts';
import { layoutSprite } from './sprite-layout.ts';

/** One sheet: the PNG and its index. */
export interface SpriteSheetFiles {
  readonly png: Uint8Array;
  readonly json: Record<string, SpriteEntry>;
}

/** The sheets of one icon folder, at 1× and 2×. */
export type SpriteSet = Readonly<Record<1 | 2, SpriteSheetFiles>>;

/** An icon's name: its file name without .svg; what `icon-image` names. */
const ICON_NAME = /^[A-Za-z0-9_-]+$/;

/** The sprites the styles name (`sprite://{folder}`), by folder, each built once. */
export async function buildSprites(stylesDir: string, styles: readonly { spriteFolder?: string }[]): Promise<Map<string, SpriteSet>> {
  const folders = [...new Set(styles.flatMap((s) => (s.spriteFolder ? [s.spriteFolder] : [])))];
  return new Map(await Promise.all(folders.map(async (f) => [f, await buildSprite(join(stylesDir, f))] as const)));
}

export async function buildSprite(folder: string): Promise<SpriteSet> {
  let files: string[];
  try {
    files = readdirSync(folder).filter((f) => f.endsWith('.svg')).sort();
  } catch (error) {
    throw new ConfigError(`sprite folder ${folder} cannot be read: ${(error as Error).message}`);
  }
  for (const f of files) if (!ICON_NAME.test(basename(f, '.svg'))) throw new ConfigError(`icon ${join(folder, f)}: a name may hold only letters, digits, - and _`);
  const svgs = files.map((f) => ({ name: basename(f, '.svg'), svg: readFileSync(join(folder, f)) }));
  const [one, two] = await Promise.all([sheet(svgs, 1, folder), sheet(svgs, 2, folder)]);
  return { 1: one, 2: two };
}

async function sheet(svgs: readonly { name: string; svg: Buffer }[], ratio: 1 | 2, folder: string): Promise<SpriteSheetFiles> {
  const images = await Promise.all(
    svgs.map(async ({ name, svg }) => {
      try {
        // librsvg draws an SVG at 72 dpi by default: 72 × ratio makes its width/height CSS pixels × ratio.
        const { data, info } = await sharp(svg, { density: 72 * ratio }).png().toBuffer({ resolveWithObject: true });
        return { name, png: data, width: info.width, height: info.height };
      } catch (error) {
        throw new ConfigError(`icon ${join(folder, `${name}.svg`)} cannot be drawn: ${(error as Error).message}`);
      }
    }),
  );
  const layout = layoutSprite(images);
  const byName = new Map(images.map((i) => [i.name, i]));
  const png = await sharp({ create: { width: layout.width, height: layout.height, channels: 4, background: { r: 0, g: 0, b: 0, alpha: 0 } } })
    .composite(layout.placed.map((p) => ({ input: byName.get(p.name)!.png, left: p.x, top: p.y })))
    .png()
    .toBuffer();
  const json = Object.fromEntries(layout.placed.map((p) => [p.name, { x: p.x, y: p.y, width: p.width, height: p.height, pixelRatio: ratio }]));
  return { png, json };
}
