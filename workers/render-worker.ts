/**
 * A render thread (piscina): holds the styles, their sprites, the glyphs it was sent and one Skia
 * renderer, draws a view over the vector tiles it is handed and encodes the image. State
 * lives per thread, so threads share nothing and a failing render fails only its own task.
 */
import { workerData } from 'node:worker_threads';
import sharp from 'sharp';
import { encodeImage } from './encode.ts';
import { boxAround } from '../src/grids/metatile.ts';
import type { RenderAnswer, RenderTask, RenderWorkerData } from '../src/render/render-task.ts';
import { SkiaRenderer } from './skia/skia-renderer.ts';
import { loadStyles } from '../src/styles/style-store.ts';
import { ThreadGlyphs } from './thread-glyphs.ts';
import { decodeSprites } from './thread-sprites.ts';

const data = workerData as RenderWorkerData;
// Parallelism comes from the pool's threads; libvips threads inside each encode would
// only fight them for the same cores.
sharp.concurrency(1);
const styles = new Map(loadStyles(data.stylesDir, new Set(data.tilesetIds)).map((s) => [s.id, s]));
// Decoded on the first task (a top-level await would not load under tsx in a thread).
const sprites = decodeSprites(data.sprites);
const glyphs = new ThreadGlyphs();
glyphs.add(data.glyphs ?? []);
const renderer = new SkiaRenderer();

export default async function render(task: RenderTask): Promise<RenderAnswer> {
  const loaded = styles.get(task.styleId);
  if (!loaded) throw new Error(`render thread has no style ${task.styleId}`);
  if (task.glyphs) glyphs.add(task.glyphs);
  const sprite = loaded.spriteFolder === undefined ? undefined : (await sprites).get(loaded.spriteFolder);
  // Only the pieces are drawn and read back: the rest of the canvas places labels.
  const keep = task.pieces && boxAround(task.pieces);
  const view = keep ? { ...task.view, keep } : task.view;
  const image = await renderer.render(loaded.style, view, task.tiles, { glyphs: glyphs.loader, ...(sprite ? { sprite } : {}) });
  const missingGlyphs = glyphs.takeMissing();
  if (missingGlyphs.length > 0 && !task.final) return { missingGlyphs };
  if (!task.pieces || !keep) return { images: [await encodeImage(image, task.format, data.encode, undefined, task.tile)] };
  const images: Uint8Array[] = [];
  for (const piece of task.pieces) {
    const inImage = { ...piece, left: piece.left - keep.left, top: piece.top - keep.top };
    images.push(await encodeImage(image, task.format, data.encode, inImage, task.tile));
  }
  return { images };
}
