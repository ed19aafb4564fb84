/**
 * Symbol icons from the style's sprite, drawn as MapLibre's symbol_icon shader samples its
 * atlas: the quad spans the image plus one transparent image pixel on each side, sampled
 * at pixel centres, nearest-texel when the icon shows at its own resolution unrotated,
 * bilinear otherwise; premultiplied colour times icon-opacity. SDF icons go through the
 * SDF painter with icon-color and the halo, as text does.
 */
import type { SKRSContext2D } from '@napi-rs/canvas';
import type { Color } from '@maplibre/maplibre-gl-style-spec';
import type { SymbolScale } from './collision-index.ts';
import { drawSdfSymbols, type SdfSymbol } from './draw-sdf.ts';
import { blendOver, clampToCanvas, paintThroughBuffer, quadBounds, type PixelBounds } from './paint-buffer.ts';
import type { SpriteIcon } from './sprite.ts';

/** An icon that won its place, ready to draw. */
export interface PlacedIcon {
  readonly icon: SpriteIcon;
  /** Anchor in canvas pixels, icon-translate included. */
  readonly x: number;
  readonly y: number;
  /** The image's top-left corner relative to the anchor, in image pixels (see IconShape). */
  readonly qx: number;
  readonly qy: number;
  /** icon-size: MapLibre's font scale of SDF icons. */
  readonly size: number;
  /** Device pixels per image pixel: CSS pixels per image pixel × icon-size × device pixel ratio. */
  readonly scale: SymbolScale;
  readonly rotateRad: number;
  /** Bilinear sampling (scaled, rotated or foreign-ratio icons) rather than nearest-texel. */
  readonly linear: boolean;
  readonly opacity: number;
  readonly color: Color | undefined;
  readonly haloColor: Color | undefined;
  readonly haloWidth: number;
  readonly haloBlur: number;
}

/** MapLibre's IMAGE_PADDING: the quad reaches one transparent image pixel past each edge. */
const QUAD_PADDING_PX = 1;

/** Draws a layer's placed icons: raster ones sampled from the sprite, SDF ones tinted. */
export function drawIcons(ctx: SKRSContext2D, icons: readonly PlacedIcon[], pixelRatio: number): void {
  const items: { icon: PlacedIcon; quad: PixelBounds; bounds: PixelBounds }[] = [];
  const sdf: SdfSymbol[] = [];
  for (const placed of icons) {
    if (!(placed.opacity > 0)) continue;
    const quad = { qx: placed.qx, qy: placed.qy, qw: placed.icon.width, qh: placed.icon.height };
    if (placed.icon.sdf) {
      sdf.push({ ...placed, quads: [{ ...quad, bitmap: placed.icon.alpha }], fontScale: placed.size });
      continue;
    }
    const all = quadBounds(placed.x, placed.y, placed.scale, placed.rotateRad, quad, QUAD_PADDING_PX);
    const bounds = clampToCanvas(all, ctx.canvas.width, ctx.canvas.height);
    if (bounds) items.push({ icon: placed, quad: all, bounds });
  }
  paintThroughBuffer(ctx, items, (data, stride, originX, originY, item) => paintIcon(data, stride, originX, originY, item.icon, item.bounds));
  drawSdfSymbols(ctx, sdf, pixelRatio);
}

/** Reused between pixels: one bilinear sample. */
const texel = new Float64Array(4);

/** Paints one raster icon into the buffer, over what it holds. */
function paintIcon(
  data: Uint8ClampedArray,
  stride: number,
  originX: number,
  originY: number,
  placed: PlacedIcon,
  [left, top, right, bottom]: PixelBounds,
): void {
  const { icon } = placed;
  const cos = Math.cos(placed.rotateRad);
  const sin = Math.sin(placed.rotateRad);
  const inverseX = 1 / placed.scale[0];
  const inverseY = 1 / placed.scale[1];
  const opacity = Math.min(1, placed.opacity);
  for (let py = top; py < bottom; py++) {
    const dy = py + 0.5 - placed.y;
    for (let px = left; px < right; px++) {
      // Back from the pixel centre to image pixels (undo rotation, then scale).
      const dx = px + 0.5 - placed.x;
      const u = (dx * cos + dy * sin) * inverseX - placed.qx;
      const w = (-dx * sin + dy * cos) * inverseY - placed.qy;
      // Pixels whose centre falls in the padded quad, as GL rasterises it.
      if (u < -QUAD_PADDING_PX || w < -QUAD_PADDING_PX || u >= icon.width + QUAD_PADDING_PX || w >= icon.height + QUAD_PADDING_PX) continue;
      if (placed.linear) sampleBilinearRgba(icon, u - 0.5, w - 0.5);
      else sampleNearestRgba(icon, Math.floor(u), Math.floor(w));
      const a = (texel[3]! / 255) * opacity;
      if (a <= 0) continue;
      blendOver(data, ((py - originY) * stride + (px - originX)) * 4, texel[0]! * opacity, texel[1]! * opacity, texel[2]! * opacity, a);
    }
  }
}

/** The premultiplied texel at integer image coordinates into `texel`, transparent outside the image. */
function sampleNearestRgba(icon: SpriteIcon, x: number, y: number): void {
  if (x < 0 || y < 0 || x >= icon.width || y >= icon.height) {
    texel.fill(0);
    return;
  }
  const o = (y * icon.width + x) * 4;
  for (let c = 0; c < 4; c++) texel[c] = icon.premultiplied[o + c]!;
}

/** Bilinear premultiplied RGBA at image coordinates (texel centres at integers) into `texel`. */
function sampleBilinearRgba(icon: SpriteIcon, x: number, y: number): void {
  const x0 = Math.floor(x);
  const y0 = Math.floor(y);
  const fx = x - x0;
  const fy = y - y0;
  texel.fill(0);
  addTexel(icon, x0, y0, (1 - fx) * (1 - fy));
  addTexel(icon, x0 + 1, y0, fx * (1 - fy));
  addTexel(icon, x0, y0 + 1, (1 - fx) * fy);
  addTexel(icon, x0 + 1, y0 + 1, fx * fy);
}

/** Adds a weighted texel to `texel`; texels outside the image are the atlas's transparent padding. */
function addTexel(icon: SpriteIcon, x: number, y: number, weight: number): void {
  if (weight <= 0 || x < 0 || y < 0 || x >= icon.width || y >= icon.height) return;
  const o = (y * icon.width + x) * 4;
  for (let c = 0; c < 4; c++) texel[c] = texel[c]! + icon.premultiplied[o + c]! * weight;
}
