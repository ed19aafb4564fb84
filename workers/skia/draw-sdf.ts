/**
 * Signed-distance-field symbols (glyphs and SDF icons) drawn as MapLibre's symbol_sdf
 * shader does: the edge at SDF value 0.75 (192/255), smoothed over a gamma of 0.105 /
 * pixel ratio / font scale; the halo a lower cut-off, (6 − halo width / font scale) / 8.
 * A pass (halos, or fills) of a whole layer is painted into one buffer.
 */
import type { SKRSContext2D } from '@napi-rs/canvas';
import type { Color } from '@maplibre/maplibre-gl-style-spec';
import type { SymbolScale } from './collision-index.ts';
import { blendOver, clampToCanvas, paintThroughBuffer, quadBounds, type PixelBounds } from './paint-buffer.ts';

/** One SDF bitmap of a symbol, placed in symbol units relative to its anchor. */
export interface SdfQuad {
  /** qw × qh SDF values, row-major. */
  readonly bitmap: Uint8Array;
  /** The bitmap's top-left corner and size in symbol units (24-px glyph pixels, or icon pixels). */
  readonly qx: number;
  readonly qy: number;
  readonly qw: number;
  readonly qh: number;
}

/** A placed SDF symbol: a label's glyphs, or an SDF icon's single quad. */
export interface SdfSymbol {
  readonly quads: readonly SdfQuad[];
  /** Anchor in canvas pixels, translation included. */
  readonly x: number;
  readonly y: number;
  /** Device pixels per symbol unit, across and down. */
  readonly scale: SymbolScale;
  /** MapLibre's font scale: text-size / 24 for text, icon-size for icons. */
  readonly fontScale: number;
  readonly rotateRad: number;
  readonly color: Color | undefined;
  readonly haloColor: Color | undefined;
  readonly haloWidth: number;
  readonly haloBlur: number;
  readonly opacity: number;
}

/** MapLibre's SDF constants: the edge value, the SDF pixels per glyph pixel, the edge gamma at ratio 1. */
const SDF_EDGE = 192 / 255;
const SDF_PX = 8;
const EDGE_GAMMA = 0.105;
/**
 * MapLibre's atlases pad each bitmap by a pixel of SDF 0 and draw that pixel too: a wide,
 * blurred halo cut-off lights it (smoothstep of 0 is above 0 there).
 */
const ATLAS_PADDING_PX = 1;

/** Draws the halos of the symbols, then their fills, as MapLibre does per layer. */
export function drawSdfSymbols(ctx: SKRSContext2D, symbols: readonly SdfSymbol[], pixelRatio: number): void {
  const visible = symbols.filter((s) => s.opacity > 0);
  drawPass(ctx, visible.filter((s) => s.haloWidth > 0 && s.haloColor && s.haloColor.a > 0), true, pixelRatio);
  drawPass(ctx, visible.filter((s) => s.color && s.color.a > 0), false, pixelRatio);
}

interface PassItem {
  readonly symbol: SdfSymbol;
  /** Canvas bounds of each quad, padding included (not cut to the canvas). */
  readonly quadBounds: readonly PixelBounds[];
  readonly bounds: PixelBounds;
}

/**
 * One pass (halos or fills): the SDF of every quad sampled at each device pixel it covers,
 * turned into coverage by the pass's cut-off, composited symbol over symbol in one buffer.
 */
function drawPass(ctx: SKRSContext2D, symbols: readonly SdfSymbol[], halo: boolean, pixelRatio: number): void {
  const items: PassItem[] = [];
  for (const symbol of symbols) {
    const boundsOfQuads = symbol.quads.map((q) => quadBounds(symbol.x, symbol.y, symbol.scale, symbol.rotateRad, q, ATLAS_PADDING_PX));
    if (boundsOfQuads.length === 0) continue;
    const all: PixelBounds = [Infinity, Infinity, -Infinity, -Infinity];
    for (const b of boundsOfQuads) {
      all[0] = Math.min(all[0], b[0]);
      all[1] = Math.min(all[1], b[1]);
      all[2] = Math.max(all[2], b[2]);
      all[3] = Math.max(all[3], b[3]);
    }
    const bounds = clampToCanvas(all, ctx.canvas.width, ctx.canvas.height);
    if (bounds) items.push({ symbol, quadBounds: boundsOfQuads, bounds });
  }
  paintThroughBuffer(ctx, items, (data, stride, originX, originY, item) => paintSymbol(data, stride, originX, originY, item, halo, pixelRatio));
}

/** Reused between symbols: one symbol's coverage, grown as needed. */
let coverageScratch = new Float32Array(1024);

/** Paints one symbol's pass into the buffer, over what it holds (source-over). */
function paintSymbol(
  data: Uint8ClampedArray,
  stride: number,
  originX: number,
  originY: number,
  { symbol, quadBounds: boundsOfQuads, bounds: [left, top, right, bottom] }: PassItem,
  halo: boolean,
  pixelRatio: number,
): void {
  const color = halo ? symbol.haloColor! : symbol.color!;
  const { fontScale } = symbol;
  let edge = SDF_EDGE;
  let gamma = EDGE_GAMMA / pixelRatio / fontScale;
  if (halo) {
    edge = Math.max(0, (6 - symbol.haloWidth / fontScale) / SDF_PX);
    gamma = ((symbol.haloBlur * 1.19) / SDF_PX + EDGE_GAMMA / pixelRatio) / fontScale;
  }
  const width = right - left;
  const size = width * (bottom - top);
  if (coverageScratch.length < size) coverageScratch = new Float32Array(size * 2);
  const coverage = coverageScratch;
  coverage.fill(0, 0, size);

  // Coverage as in GL blending of overlapping quads: a over b = a + b·(1 − a).
  const cos = Math.cos(symbol.rotateRad);
  const sin = Math.sin(symbol.rotateRad);
  const inverseX = 1 / symbol.scale[0];
  const inverseY = 1 / symbol.scale[1];
  const low = edge - gamma;
  const span = 2 * gamma;
  for (let index = 0; index < symbol.quads.length; index++) {
    const q = symbol.quads[index]!;
    const { bitmap, qw, qh, qx, qy } = q;
    const [x1, y1, x2, y2] = boundsOfQuads[index]!;
    const yEnd = Math.min(y2, bottom);
    const xEnd = Math.min(x2, right);
    // Samples below this SDF value give no coverage: 255 · (edge − gamma).
    const lowByte = low * 255;
    for (let py = Math.max(y1, top); py < yEnd; py++) {
      const dy = py + 0.5 - symbol.y;
      // Along a row u and w step by constants: no multiplication per pixel.
      const x0 = Math.max(x1, left);
      const dx0 = x0 + 0.5 - symbol.x;
      let u = (dx0 * cos + dy * sin) * inverseX - qx;
      let w = (-dx0 * sin + dy * cos) * inverseY - qy;
      const du = cos * inverseX;
      const dw = -sin * inverseY;
      let i = (py - top) * width + (x0 - left);
      for (let px = x0; px < xEnd; px++, u += du, w += dw, i++) {
        // Pixels whose centre falls in the padded quad, as GL rasterises it.
        if (u < -ATLAS_PADDING_PX || w < -ATLAS_PADDING_PX || u >= qw + ATLAS_PADDING_PX || w >= qh + ATLAS_PADDING_PX) continue;
        const value = sampleBilinearBytes(bitmap, qw, qh, u - 0.5, w - 0.5);
        if (value <= lowByte) continue;
        const t = Math.min(1, (value / 255 - low) / span);
        const a = t * t * (3 - 2 * t);
        coverage[i] = a + coverage[i]! * (1 - a);
      }
    }
  }

  const alpha = color.a * Math.min(1, Math.max(0, symbol.opacity));
  // Style-spec colours are premultiplied: back to straight 0…255, scaled by each pixel's alpha below.
  const r = (color.r / color.a) * 255;
  const g = (color.g / color.a) * 255;
  const b = (color.b / color.a) * 255;
  for (let py = top; py < bottom; py++) {
    for (let px = left; px < right; px++) {
      const src = coverage[(py - top) * width + (px - left)]! * alpha;
      if (src <= 0) continue;
      blendOver(data, ((py - originY) * stride + (px - originX)) * 4, r * src, g * src, b * src, src);
    }
  }
}

/** Bilinear value (0..255) of a one-channel bitmap at bitmap coordinates, zero outside it; the common case (all four texels inside) first. */
function sampleBilinearBytes(bitmap: Uint8Array, w: number, h: number, x: number, y: number): number {
  const x0 = Math.floor(x);
  const y0 = Math.floor(y);
  const fx = x - x0;
  const fy = y - y0;
  if (x0 >= 0 && y0 >= 0 && x0 + 1 < w && y0 + 1 < h) {
    const i = y0 * w + x0;
    const top = bitmap[i]! + (bitmap[i + 1]! - bitmap[i]!) * fx;
    const bottom = bitmap[i + w]! + (bitmap[i + w + 1]! - bitmap[i + w]!) * fx;
    return top + (bottom - top) * fy;
  }
  return sampleEdge(bitmap, w, h, x0, y0, fx, fy);
}

function sampleEdge(bitmap: Uint8Array, w: number, h: number, x0: number, y0: number, fx: number, fy: number): number {
  const inX0 = x0 >= 0 && x0 < w;
  const inX1 = x0 + 1 >= 0 && x0 + 1 < w;
  const row0 = y0 >= 0 && y0 < h ? y0 * w : -1;
  const row1 = y0 + 1 >= 0 && y0 + 1 < h ? (y0 + 1) * w : -1;
  const a = row0 >= 0 && inX0 ? bitmap[row0 + x0]! : 0;
  const b = row0 >= 0 && inX1 ? bitmap[row0 + x0 + 1]! : 0;
  const c = row1 >= 0 && inX0 ? bitmap[row1 + x0]! : 0;
  const d = row1 >= 0 && inX1 ? bitmap[row1 + x0 + 1]! : 0;
  return (a * (1 - fx) + b * fx) * (1 - fy) + (c * (1 - fx) + d * fx) * fy;
}
