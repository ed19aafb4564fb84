/**
 * Canvases kept between renders of one thread. A fresh canvas of a metatile's size
 * (2560² device pixels: 26 MB) costs more to allocate and clear than most renders spend
 * drawing, and renders of one thread come in a handful of sizes; a kept canvas is reset
 * (state and pixels) and drawn on again. Only the last few sizes are kept, so a print's
 * odd pieces do not pin memory.
 */
import { createCanvas, type Canvas } from '@napi-rs/canvas';

/** Sizes kept: a tile, a metatile, a WMS map, a print piece. */
const KEPT_SIZES = 4;

export class CanvasPool {
  /** Free canvases by size, most recently used last. */
  private readonly free = new Map<string, Canvas[]>();

  /** A cleared canvas of the size, in a fresh context state. */
  take(width: number, height: number): Canvas {
    const key = `${width}x${height}`;
    const kept = this.free.get(key)?.pop();
    if (!kept) return createCanvas(width, height);
    const ctx = kept.getContext('2d');
    ctx.reset();
    return kept;
  }

  /** Hands a canvas back once its pixels have been read. */
  give(canvas: Canvas): void {
    const key = `${canvas.width}x${canvas.height}`;
    const list = this.free.get(key) ?? [];
    this.free.delete(key);
    if (list.length < 2) list.push(canvas);
    this.free.set(key, list);
    while (this.free.size > KEPT_SIZES) this.free.delete(this.free.keys().next().value!);
  }
}
