/**
 * A picture stretched over a quadrilateral of the canvas, sampled per device pixel the
 * way GL samples a texture drawn as two triangles: texture coordinates interpolated
 * affinely within each triangle, the pixel centre as the sample point, linear filtering
 * over premultiplied texels (or nearest), clamped at the edges. Pure: typed arrays only.
 *
 *   tl ─────── tr      triangle A: tl, tr, bl   (s, t) = (0, 0), (1, 0), (0, 1)
 *    │  A   ╱  │       triangle B: br, bl, tr   (s, t) = (1, 1), (0, 1), (1, 0)
 *    │   ╱  B  │       (MapLibre's quad, split along tr–bl)
 *   bl ─────── br
 */
import type { RgbaImage } from '../../src/render/renderer.ts';
import type { ColorMatrix } from './raster-color.ts';

/** A point on the canvas in device pixels. */
export type CanvasPoint = readonly [number, number];

/** Where the picture's corners land: top-left, top-right, bottom-right, bottom-left. */
export type Quad = readonly [CanvasPoint, CanvasPoint, CanvasPoint, CanvasPoint];

export interface QuadPaint {
  readonly image: RgbaImage;
  readonly corners: Quad;
  /** Canvas pixels to fill, [left, top, right, bottom) in whole pixels. */
  readonly bounds: [number, number, number, number];
  /**
   * True to fill only the pixels whose centre lies in the quad (an image source); false
   * when `bounds` already says which pixels the picture owns (a tile's pixel rectangle).
   */
  readonly clipToQuad: boolean;
  readonly resampling: 'linear' | 'nearest';
  /** Colour adjustments, or undefined for none. */
  readonly matrix: ColorMatrix | undefined;
  /** raster-opacity, 0…1. */
  readonly opacity: number;
}

/** The affine map from canvas pixels to a triangle's (s, t): s = a[0] + a[1]·x + a[2]·y, t = a[3] + a[4]·x + a[5]·y. */
type Affine = readonly [number, number, number, number, number, number];

/**
 * The map taking p0 to (s0, t0) and moving by (±1) along p1 − p0 in s and p2 − p0 in t;
 * undefined for a degenerate triangle.
 */
function triangleMap(p0: CanvasPoint, p1: CanvasPoint, p2: CanvasPoint, s0: number, t0: number, sign: number): Affine | undefined {
  const ux = p1[0] - p0[0];
  const uy = p1[1] - p0[1];
  const vx = p2[0] - p0[0];
  const vy = p2[1] - p0[1];
  const det = ux * vy - uy * vx;
  if (Math.abs(det) < 1e-12) return undefined;
  // Inverse of [[ux, vx], [uy, vy]], scaled by the direction of s and t along the edges.
  const sx = (vy / det) * sign;
  const sy = (-vx / det) * sign;
  const tx = (-uy / det) * sign;
  const ty = (ux / det) * sign;
  return [s0 - sx * p0[0] - sy * p0[1], sx, sy, t0 - tx * p0[0] - ty * p0[1], tx, ty];
}

/**
 * Writes the picture's pixels into `data` (straight RGBA, `stride` pixels wide, its
 * top-left at canvas pixel (originX, originY)), replacing what was there: the tiles of
 * one raster layer never overlap, and the buffer is drawn over the canvas as a whole.
 */
export function paintQuad(data: Uint8ClampedArray, stride: number, originX: number, originY: number, paint: QuadPaint): void {
  const [tl, tr, br, bl] = paint.corners;
  const a = triangleMap(tl, tr, bl, 0, 0, 1);
  const b = triangleMap(br, bl, tr, 1, 1, -1);
  if (!a || !b) return;
  const { image, matrix, resampling, clipToQuad } = paint;
  const opacity = Math.min(1, Math.max(0, paint.opacity));
  const [left, top, right, bottom] = paint.bounds;
  const texel = new Float64Array(4);
  for (let py = top; py < bottom; py++) {
    const y = py + 0.5;
    for (let px = left; px < right; px++) {
      const x = px + 0.5;
      let s = a[0] + a[1] * x + a[2] * y;
      let t = a[3] + a[4] * x + a[5] * y;
      if (s + t >= 1) {
        s = b[0] + b[1] * x + b[2] * y;
        t = b[3] + b[4] * x + b[5] * y;
      }
      if (clipToQuad && (s < 0 || t < 0 || s >= 1 || t >= 1)) continue;
      if (resampling === 'nearest') sampleNearest(image, s, t, texel);
      else sampleLinear(image, s * image.width - 0.5, t * image.height - 0.5, texel);
      const o = ((py - originY) * stride + (px - originX)) * 4;
      writePixel(data, o, texel, matrix, opacity);
    }
  }
}

/** The texel under (s, t), straight RGBA 0…1 into `out`. */
function sampleNearest(image: RgbaImage, s: number, t: number, out: Float64Array): void {
  const x = Math.min(image.width - 1, Math.max(0, Math.floor(s * image.width)));
  const y = Math.min(image.height - 1, Math.max(0, Math.floor(t * image.height)));
  const i = (y * image.width + x) * 4;
  const d = image.data;
  out[0] = d[i]! / 255;
  out[1] = d[i + 1]! / 255;
  out[2] = d[i + 2]! / 255;
  out[3] = d[i + 3]! / 255;
}

/**
 * The bilinear mix of the four texels around texel coordinates (u, v), clamped to the
 * edge; mixed premultiplied, as GL filters a premultiplied texture, then divided back by
 * alpha, as the raster shader does. Straight RGBA 0…1 into `out`.
 */
export function sampleLinear(image: RgbaImage, u: number, v: number, out: Float64Array): void {
  const { width, height, data } = image;
  const x0 = Math.floor(u);
  const y0 = Math.floor(v);
  const fx = u - x0;
  const fy = v - y0;
  const xa = Math.min(width - 1, Math.max(0, x0));
  const xb = Math.min(width - 1, Math.max(0, x0 + 1));
  const ya = Math.min(height - 1, Math.max(0, y0));
  const yb = Math.min(height - 1, Math.max(0, y0 + 1));
  out.fill(0);
  accumulate(data, (ya * width + xa) * 4, (1 - fx) * (1 - fy), out);
  accumulate(data, (ya * width + xb) * 4, fx * (1 - fy), out);
  accumulate(data, (yb * width + xa) * 4, (1 - fx) * fy, out);
  accumulate(data, (yb * width + xb) * 4, fx * fy, out);
  const alpha = out[3]!;
  const unpremultiply = alpha > 0 ? 1 / (alpha * 255) : 0;
  out[0] = out[0]! * unpremultiply;
  out[1] = out[1]! * unpremultiply;
  out[2] = out[2]! * unpremultiply;
}

/** Adds a texel at byte offset i, weighted and premultiplied (colour 0…255 · alpha, alpha 0…1). */
function accumulate(data: Uint8Array, i: number, weight: number, out: Float64Array): void {
  if (weight === 0) return;
  const w = (weight * data[i + 3]!) / 255;
  out[0] = out[0]! + data[i]! * w;
  out[1] = out[1]! + data[i + 1]! * w;
  out[2] = out[2]! + data[i + 2]! * w;
  out[3] = out[3]! + w;
}

/** One sampled texel through the colour matrix and opacity, as straight RGBA bytes. */
function writePixel(data: Uint8ClampedArray, o: number, texel: Float64Array, matrix: ColorMatrix | undefined, opacity: number): void {
  let r = texel[0]!;
  let g = texel[1]!;
  let b = texel[2]!;
  if (matrix) {
    const r0 = r;
    const g0 = g;
    r = matrix[0]! * r0 + matrix[1]! * g0 + matrix[2]! * b + matrix[3]!;
    g = matrix[4]! * r0 + matrix[5]! * g0 + matrix[6]! * b + matrix[7]!;
    b = matrix[8]! * r0 + matrix[9]! * g0 + matrix[10]! * b + matrix[11]!;
  }
  // Uint8ClampedArray rounds and clamps to 0…255, as GL clamps the shader's output.
  data[o] = r * 255;
  data[o + 1] = g * 255;
  data[o + 2] = b * 255;
  data[o + 3] = texel[3]! * opacity * 255;
}
