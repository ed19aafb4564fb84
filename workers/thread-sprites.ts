/**
 * Sprites inside a render thread: the sheets built at start, decoded to RGBA once per
 * thread, and a synchronous loader per icon folder for the renderer.
 */
import sharp from 'sharp';
import type { SpriteSet } from '../src/styles/sprite-builder.ts';
import type { SpriteLoader, SpriteSheet } from '../src/render/renderer.ts';

async function decode(png: Uint8Array, entries: SpriteSheet['entries']): Promise<SpriteSheet> {
  const { data, info } = await sharp(png).ensureAlpha().raw().toBuffer({ resolveWithObject: true });
  return { entries, image: { width: info.width, height: info.height, data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength) } };
}

/** Loaders by icon folder, once every sheet is decoded. */
export async function decodeSprites(sprites: Readonly<Record<string, SpriteSet>>): Promise<Map<string, SpriteLoader>> {
  const loaders = new Map<string, SpriteLoader>();
  for (const [folder, set] of Object.entries(sprites)) {
    const [one, two] = await Promise.all([decode(set[1].png, set[1].json), decode(set[2].png, set[2].json)]);
    loaders.set(folder, (ratio) => (ratio === 2 ? two : one));
  }
  return loaders;
}
