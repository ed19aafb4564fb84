/**
 * Symbols (glyphs, icons) are painted pixel by pixel, as MapLibre's shaders sample their
 * atlas, into a straight-alpha RGBA buffer that is then drawn onto the canvas at once.
 * What glyph and icon painting share: the quad bounds, the buffer pass, the blend.
 */
import { createCanvas, type SKRSContext2D } from '@napi-rs/canvas';
import { symbolBox, type SymbolScale } from './collision-index.ts';

/** Canvas pixels [left, top, right, bottom), right and bottom exclusive. */
export type PixelBounds = [number, number, number, number];

/** Something painted into a pass buffer, with the canvas pixels it may touch (on the canvas). */
export interface BufferItem {
  readonly bounds: PixelBounds;
}

/** Paints one item into `data`, a buffer `stride` pixels wide whose top-left pixel is (originX, originY). */
export type PaintItem<T> = (data: Uint8ClampedArray, stride: number, originX: number, originY: number, item: T) => void;

/**
 * Items painted into one buffer are bounded to 4 M pixels (16 MB of RGBA); a pass whose
 * items spread wider (big prints) paints item by item instead.
 */
const MAX_PASS_PIXELS = 4 * 1024 * 1024;

/**
 * The canvas pixels a quad may touch: the quad [qx, qx + qw] × [qy, qy + qh] in symbol
 * units, grown by `padding` units, scaled, rotated about the anchor (x, y).
 */
export function quadBounds(
  x: number,
  y: number,
  scale: SymbolScale,
  rotateRad: number,
  { qx, qy, qw, qh }: { readonly qx: number; readonly qy: number; readonly qw: number; readonly qh: number },
  padding: number,
): PixelBounds {
  const rect = { left: qx - padding, top: qy - padding, right: qx + qw + padding, bottom: qy + qh + padding };
  const box = symbolBox(rect, x, y, scale, rotateRad, 0);
  return [Math.floor(box.x1), Math.floor(box.y1), Math.ceil(box.x2), Math.ceil(box.y2)];
}

/** Bounds cut to the canvas, or undefined when nothing of them is on it. */
export function clampToCanvas(bounds: PixelBounds, width: number, height: number): PixelBounds | undefined {
  const clamped: PixelBounds = [Math.max(0, bounds[0]), Math.max(0, bounds[1]), Math.min(width, bounds[2]), Math.min(height, bounds[3])];
  return clamped[2] > clamped[0] && clamped[3] > clamped[1] ? clamped : undefined;
}

/**
 * Paints the items into buffers and draws them over the canvas, in item order. Items go
 * into one buffer as long as they lie close together: a buffer is allocated, filled and
 * composited whole, so two labels at opposite corners would otherwise cost a buffer the
 * size of the canvas. Consecutive items share a buffer while its box stays within twice
 * their own area (placement order keeps neighbours together), so order is kept.
 */
export function paintThroughBuffer<T extends BufferItem>(ctx: SKRSContext2D, items: readonly T[], paint: PaintItem<T>): void {
  let group: T[] = [];
  let box: PixelBounds = [0, 0, 0, 0];
  let area = 0;
  for (const item of items) {
    const b = item.bounds;
    const grown: PixelBounds = group.length === 0 ? b : [Math.min(box[0], b[0]), Math.min(box[1], b[1]), Math.max(box[2], b[2]), Math.max(box[3], b[3])];
    const itemArea = (b[2] - b[0]) * (b[3] - b[1]);
    const grownArea = (grown[2] - grown[0]) * (grown[3] - grown[1]);
    if (group.length > 0 && (grownArea > 2 * (area + itemArea) + DENSE_SLACK_PX || grownArea > MAX_PASS_PIXELS)) {
      paintGroup(ctx, group, box, paint);
      group = [item];
      box = b;
      area = itemArea;
      continue;
    }
    group.push(item);
    box = grown;
    area += itemArea;
  }
  if (group.length > 0) paintGroup(ctx, group, box, paint);
}

/** Room a buffer may waste whatever its items: small labels close together share one. */
const DENSE_SLACK_PX = 128 * 128;

function paintGroup<T extends BufferItem>(ctx: SKRSContext2D, items: readonly T[], [left, top, right, bottom]: PixelBounds, paint: PaintItem<T>): void {
  const image = ctx.createImageData(right - left, bottom - top);
  for (const item of items) paint(image.data, right - left, left, top, item);
  // putImageData would replace what lies below; a canvas drawn over it blends.
  const buffer = createCanvas(image.width, image.height);
  buffer.getContext('2d').putImageData(image, 0, 0);
  ctx.drawImage(buffer, left, top);
}

/**
 * A premultiplied colour (channels 0…255 already times `a`, `a` in 0…1) over the
 * straight-alpha pixel at byte offset `o`, as GL blends ONE, ONE_MINUS_SRC_ALPHA.
 */
export function blendOver(data: Uint8ClampedArray, o: number, r: number, g: number, b: number, a: number): void {
  const dst = data[o + 3]! / 255;
  const out = a + dst * (1 - a);
  if (out <= 0) return;
  const keep = (dst * (1 - a)) / out;
  data[o] = r / out + data[o]! * keep;
  data[o + 1] = g / out + data[o + 1]! * keep;
  data[o + 2] = b / out + data[o + 2]! * keep;
  data[o + 3] = out * 255;
}
