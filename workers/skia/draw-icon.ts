/**
 * Symbol icons from the style's sprite, drawn as MapLibre's symbol_icon shader samples its
 * atlas: the quad spans the image plus one transparent image pixel on each side, sampled
 * at pixel centres, nearest-texel when the icon shows at its own resolution unrotated,
 * bilinear otherwise; premultiplied colour times icon-opacity. SDF icons go through the
 * SDF painter with icon-color and the halo, as text does.
 */
import type { SKRSContext2D } from '@napi-rs/canvas';
import type { Color } from '@maplibre/maplibre-gl-style-spec';
import { symbolBox, type Box, type SymbolScale } from './collision-index.ts';
import { drawSdfSymbols, type SdfSymbol } from './draw-sdf.ts';
import { blendOver, clampToCanvas, paintThroughBuffer, quadBounds, type PixelBounds } from './paint-buffer.ts';
import type { SpriteIcon } from './sprite.ts';
import { anchorAlignment, type TextAnchor } from './text-shaping.ts';

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

/** Where an icon's image goes relative to its anchor, at icon-size 1. */
export interface IconShape {
  /** The image's top-left corner in image pixels. */
  readonly qx: number;
  readonly qy: number;
  /** CSS pixels per image pixel, across and down: 1 / pixel ratio unless fitted to text. */
  readonly cssPerPx: SymbolScale;
}

/** A rectangle relative to the anchor in CSS pixels at icon-size 1 (the text's box, for icon-text-fit). */
export interface CssRect {
  readonly left: number;
  readonly top: number;
  readonly right: number;
  readonly bottom: number;
}

/**
 * The image placed as MapLibre's shapeIcon does: aligned by icon-anchor, moved by
 * icon-offset (CSS pixels at icon-size 1).
 */
export function shapeIcon(icon: SpriteIcon, anchor: TextAnchor, offset: readonly [number, number]): IconShape {
  const { horizontalAlign, verticalAlign } = anchorAlignment(anchor);
  return {
    qx: offset[0] * icon.pixelRatio - icon.width * horizontalAlign,
    qy: offset[1] * icon.pixelRatio - icon.height * verticalAlign,
    cssPerPx: [1 / icon.pixelRatio, 1 / icon.pixelRatio],
  };
}

/**
 * The image stretched around the text as MapLibre's fitIconToText does (images without
 * stretch zones): across the text's width and/or height grown by icon-text-fit-padding
 * ([top, right, bottom, left] CSS pixels), centred on the text along an axis not fitted;
 * icon-anchor does not apply, icon-offset does.
 */
export function fitIconToText(
  icon: SpriteIcon,
  text: CssRect,
  fit: 'width' | 'height' | 'both',
  padding: readonly number[],
  offset: readonly [number, number],
): IconShape {
  const [top = 0, right = 0, bottom = 0, left = 0] = padding;
  const displayWidth = icon.width / icon.pixelRatio;
  const displayHeight = icon.height / icon.pixelRatio;
  const x1 = fit === 'height' ? (text.left + text.right - displayWidth) / 2 : text.left - left;
  const x2 = fit === 'height' ? x1 + displayWidth : text.right + right;
  const y1 = fit === 'width' ? (text.top + text.bottom - displayHeight) / 2 : text.top - top;
  const y2 = fit === 'width' ? y1 + displayHeight : text.bottom + bottom;
  const cssPerPx: SymbolScale = [(x2 - x1) / icon.width, (y2 - y1) / icon.height];
  return { qx: (offset[0] + x1) / cssPerPx[0], qy: (offset[1] + y1) / cssPerPx[1], cssPerPx };
}

/**
 * The icon's collision box: the image (without its padding pixel), rotated, grown by
 * icon-padding in device pixels, [top, right, bottom, left] as the spec's padding type.
 */
export function iconBox(placed: PlacedIcon, paddingPx: readonly [number, number, number, number]): Box {
  const { qx, qy, icon } = placed;
  const box = symbolBox({ left: qx, top: qy, right: qx + icon.width, bottom: qy + icon.height }, placed.x, placed.y, placed.scale, placed.rotateRad, 0);
  return { x1: box.x1 - paddingPx[3], y1: box.y1 - paddingPx[0], x2: box.x2 + paddingPx[1], y2: box.y2 + paddingPx[2] };
}

/** The four sides of a `padding` value (the spec's Padding object, or a bare number) times a pixel ratio. */
export function paddingInPx(value: unknown, pixelRatio: number): [number, number, number, number] {
  const values = typeof value === 'number' ? [value] : ((value as { values?: number[] } | undefined)?.values ?? [0]);
  // CSS order and shorthand: 1 value for all sides, 2 for vertical/horizontal, 3 top/horizontal/bottom.
  const [top = 0, right = top, bottom = top, left = right] = values;
  return [top * pixelRatio, right * pixelRatio, bottom * pixelRatio, left * pixelRatio];
}

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
