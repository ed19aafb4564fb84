import type { FontLibrary } from '../../src/fonts/font-library.ts';
import type { ThreadGlyphs } from '../../workers/thread-glyphs.ts';

/** Draws once and hands the glyphs the drawing missed to `glyphs`, so timed draws have their labels. */
export async function warmGlyphs(glyphs: ThreadGlyphs, fonts: FontLibrary, draw: () => unknown): Promise<void> {
  draw();
  const missing = glyphs.takeMissing();
  glyphs.add(await Promise.all(missing.map(async ({ fontstack, start }) => ({ fontstack, start, bytes: await fonts.glyphRange(fontstack, start) }))));
}
