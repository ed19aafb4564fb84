/**
 * Circles painted per device pixel as MapLibre's circle shader paints them: distances
 * measured from the centre in units of the outer radius (radius + stroke width); the disc
 * fades out over max(circle-blur, 1 device pixel) inside that edge with a smoothstep,
 * and the fill turns into the stroke over the same distance inside the stroke's inner
 * edge. circle-blur is thus a soft edge, a fraction of the radius wide (1 fades from the
 * centre), not a Gaussian.
 */
import { blendOver } from './paint-buffer.ts';

/** One circle on the canvas, device pixels; colours premultiplied RGBA 0…1 (style-spec Colors), opacity folded in. */
export interface ShadedCircle {
  readonly x: number;
  readonly y: number;
  readonly radiusPx: number;
  readonly strokeWidthPx: number;
  readonly blur: number;
  readonly fill: readonly [number, number, number, number];
  readonly stroke: readonly [number, number, number, number];
  /** Canvas pixels it may touch, [left, top, right, bottom), cut to the canvas. */
  readonly bounds: [number, number, number, number];
}

/** GLSL smoothstep. */
function smoothstep(edge0: number, edge1: number, x: number): number {
  const t = Math.min(1, Math.max(0, (x - edge0) / (edge1 - edge0)));
  return t * t * (3 - 2 * t);
}

/**
 * How much of the circle shows at a distance (device pixels) from its centre, and how far
 * its colour has turned from fill to stroke there, both 0…1.
 */
export function circleCoverage(
  distancePx: number,
  radiusPx: number,
  strokeWidthPx: number,
  blur: number,
): { opacity: number; strokeMix: number } {
  const outerPx = radiusPx + strokeWidthPx;
  if (!(outerPx > 0)) return { opacity: 0, strokeMix: 0 };
  const extrude = distancePx / outerPx;
  // The anti-aliasing floor: one device pixel, in units of the outer radius.
  const soft = Math.max(blur, 1 / outerPx);
  const opacity = smoothstep(0, -soft, extrude - 1);
  // MapLibre counts a stroke under 0.01 (CSS px) as none; a device pixel ratio ≥ 1 keeps that true here.
  const strokeMix = strokeWidthPx < 0.01 ? 0 : smoothstep(-soft, 0, extrude - radiusPx / outerPx);
  return { opacity, strokeMix };
}

/** Paints one circle into a straight-alpha buffer `stride` pixels wide whose top-left is canvas pixel (originX, originY). */
export function paintCircle(data: Uint8ClampedArray, stride: number, originX: number, originY: number, circle: ShadedCircle): void {
  const { x, y, radiusPx, strokeWidthPx, blur, fill, stroke } = circle;
  const [left, top, right, bottom] = circle.bounds;
  for (let py = top; py < bottom; py++) {
    const dy = py + 0.5 - y;
    for (let px = left; px < right; px++) {
      const dx = px + 0.5 - x;
      const { opacity, strokeMix } = circleCoverage(Math.hypot(dx, dy), radiusPx, strokeWidthPx, blur);
      if (opacity <= 0) continue;
      const keep = 1 - strokeMix;
      const a = opacity * (fill[3] * keep + stroke[3] * strokeMix);
      if (a <= 0) continue;
      const r = opacity * (fill[0] * keep + stroke[0] * strokeMix) * 255;
      const g = opacity * (fill[1] * keep + stroke[1] * strokeMix) * 255;
      const b = opacity * (fill[2] * keep + stroke[2] * strokeMix) * 255;
      blendOver(data, ((py - originY) * stride + (px - originX)) * 4, r, g, b, Math.min(1, a));
    }
  }
}
