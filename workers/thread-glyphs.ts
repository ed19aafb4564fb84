/**
 * Glyphs inside a render thread. The renderer looks glyphs up synchronously while it lays
 * out text; ranges it asks for and the thread does not hold are noted, the render answers
 * with what it missed, and the pool sends the task again with those ranges. Glyphs are made
 * in the main thread only: a thread may be terminated mid-task (an aborted render), and a
 * native glyph generator must not be running in it then.
 */
import type { GlyphLoader } from '../src/render/renderer.ts';
import type { GlyphRangeBytes, GlyphRangeKey } from '../src/render/render-task.ts';

export class ThreadGlyphs {
  private readonly ranges = new Map<string, Uint8Array>();
  private readonly missing = new Map<string, GlyphRangeKey>();
  private current: GlyphLoader = this.newLoader();

  /**
   * The loader to hand the renderer. It is a new function after ranges arrive: the renderer
   * keys its decoded ranges by loader, and must not keep the empty answers of before.
   */
  get loader(): GlyphLoader {
    return this.current;
  }

  /** Keeps ranges for all later renders of this thread. */
  add(ranges: readonly GlyphRangeBytes[]): void {
    let added = false;
    for (const { fontstack, start, bytes } of ranges) {
      const key = keyOf(fontstack, start);
      if (this.ranges.has(key)) continue;
      this.ranges.set(key, bytes);
      added = true;
    }
    if (added) this.current = this.newLoader();
  }

  /** The ranges renders asked for and did not find since the last call. */
  takeMissing(): GlyphRangeKey[] {
    const missing = [...this.missing.values()];
    this.missing.clear();
    return missing;
  }

  private newLoader(): GlyphLoader {
    return (fontstack, start) => {
      const key = keyOf(fontstack, start);
      const bytes = this.ranges.get(key);
      if (!bytes) this.missing.set(key, { fontstack, start });
      return bytes;
    };
  }
}

function keyOf(fontstack: string, start: number): string {
  return `${fontstack}\n${start}`;
}
