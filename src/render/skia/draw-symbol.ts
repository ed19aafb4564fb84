/**
 * Symbol layers' text, drawn from SDF glyphs as MapLibre's symbol_sdf shader does: the
 * glyph edge at SDF value 0.75 (192/255), smoothed over a gamma of 0.105 / pixel ratio
 * / font scale; the halo a lower cut-off, (6 − halo width / font scale) / 8, under the
 * fill. Labels are placed in layer, tile (top down), then feature order against one
 * collision index; a label is placed once, by the tile that holds its anchor, even when
 * that anchor is off the canvas (as in MapLibre, so labels run on across tile seams).
 * Point placement only; icons and line placement are not drawn yet.
 */
import { createCanvas, type ImageData, type SKRSContext2D } from '@napi-rs/canvas';
import type { Color, Feature } from '@maplibre/maplibre-gl-style-spec';
import type { CollisionIndex, Box } from './collision-index.ts';
import type { DrawContext, TileBatch } from './draw-context.ts';
import { GLYPH_BORDER_PX, GLYPH_SIZE_PX, type GlyphSource } from './glyphs.ts';
import { bindProperty, type SymbolLayer } from './style-evaluation.ts';
import { shapeText, type Shaping, type ShapingOptions, type TextAnchor } from './text-shaping.ts';
import type { TileFeature } from './tile-geometry.ts';

/** What symbol layers share over one render: the glyphs and the labels placed so far. */
export interface SymbolContext {
  readonly glyphs: GlyphSource;
  readonly collisions: CollisionIndex;
}

/** A label that won its place, ready to draw. */
interface PlacedLabel {
  readonly shaping: Shaping;
  /** Anchor in canvas pixels, text-translate included. */
  readonly x: number;
  readonly y: number;
  /** Device pixels per 24-px glyph unit: text-size × pixel ratio / 24. */
  readonly scale: number;
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
 * MapLibre's glyph atlas pads each bitmap by a pixel of SDF 0 and draws that pixel too:
 * a wide, blurred halo cut-off lights it (smoothstep of 0 is above 0 there).
 */
const ATLAS_PADDING_PX = 1;

/** Places and draws the text of one symbol layer. */
export function drawSymbol(dc: DrawContext, layer: SymbolLayer, batches: readonly TileBatch[], symbols: SymbolContext): void {
  if (!layer.textField) return;
  const g = dc.globals;
  const v = {
    placement: bindProperty(layer.placement, g),
    field: bindProperty(layer.textField, g),
    font: bindProperty(layer.textFont, g),
    size: bindProperty(layer.textSize, g),
    maxWidth: bindProperty(layer.textMaxWidth, g),
    lineHeight: bindProperty(layer.textLineHeight, g),
    letterSpacing: bindProperty(layer.textLetterSpacing, g),
    justify: bindProperty(layer.textJustify, g),
    anchor: bindProperty(layer.textAnchor, g),
    offset: bindProperty(layer.textOffset, g),
    rotate: bindProperty(layer.textRotate, g),
    transform: bindProperty(layer.textTransform, g),
    padding: bindProperty(layer.textPadding, g),
    allowOverlap: bindProperty(layer.textAllowOverlap, g),
    ignorePlacement: bindProperty(layer.textIgnorePlacement, g),
    color: bindProperty(layer.textColor, g),
    opacity: bindProperty(layer.textOpacity, g),
    haloColor: bindProperty(layer.textHaloColor, g),
    haloWidth: bindProperty(layer.textHaloWidth, g),
    haloBlur: bindProperty(layer.textHaloBlur, g),
    translate: bindProperty(layer.textTranslate, g),
  };
  const ratio = dc.pixelRatio;
  const placed: PlacedLabel[] = [];
  const shapings = new Map<string, Shaping | null>();
  // MapLibre places tile by tile from the top of the screen down, then left to right.
  const ordered = [...batches].sort((a, b) => a.tileRect.y - b.tileRect.y || a.tileRect.x - b.tileRect.x);
  for (const batch of ordered) {
    const own = batch.tileRect;
    for (const tf of batch.features) {
      const feature = tf.feature;
      if (v.placement(feature) !== 'point') continue;
      const text = textOf(v.field(feature), feature, layer.textFieldHasTokens, v.transform(feature));
      if (!text) continue;
      const size = v.size(feature);
      if (!(size > 0)) continue;
      const opacity = v.opacity(feature);
      const options: ShapingOptions = {
        fontstack: (v.font(feature) ?? []).join(','),
        maxWidthEms: v.maxWidth(feature),
        lineHeightEms: v.lineHeight(feature),
        letterSpacingEms: v.letterSpacing(feature),
        justify: v.justify(feature),
        anchor: v.anchor(feature) as TextAnchor,
        offsetEms: v.offset(feature),
      };
      // Labels of a layer often repeat (house numbers, "Test"): shape each text once.
      const key = `${text}\u0000${options.fontstack}\u0000${options.maxWidthEms},${options.lineHeightEms},${options.letterSpacingEms},${options.justify},${options.anchor},${options.offsetEms.join(',')}`;
      let shaping = shapings.get(key);
      if (shaping === undefined) shapings.set(key, (shaping = shapeText(text, symbols.glyphs, options) ?? null));
      if (!shaping) continue;
      const translate = v.translate(feature);
      const scale = (size * ratio) / GLYPH_SIZE_PX;
      const rotateRad = (v.rotate(feature) * Math.PI) / 180;
      const paddingPx = v.padding(feature) * ratio;
      for (const [ax, ay] of anchorsOf(tf)) {
        // The tile that holds the anchor places the label; neighbours' buffers repeat it.
        // As in MapLibre, an anchor off the canvas still draws when its tile was given.
        if (ax < own.x || ax >= own.x + own.width || ay < own.y || ay >= own.y + own.height) continue;
        const x = ax + translate[0] * ratio;
        const y = ay + translate[1] * ratio;
        const box = labelBox(shaping, x, y, scale, rotateRad, paddingPx);
        if (!v.allowOverlap(feature) && symbols.collisions.collides(box)) continue;
        if (!v.ignorePlacement(feature)) symbols.collisions.insert(box);
        placed.push({
          shaping,
          x,
          y,
          scale,
          fontScale: size / GLYPH_SIZE_PX,
          rotateRad,
          color: v.color(feature),
          haloColor: v.haloColor(feature),
          haloWidth: v.haloWidth(feature),
          haloBlur: v.haloBlur(feature),
          opacity,
        });
      }
    }
  }
  // As in MapLibre, the halos of the whole layer go under its text.
  drawPass(
    dc.ctx,
    placed.filter((l) => l.haloWidth > 0 && l.haloColor && l.haloColor.a > 0 && l.opacity > 0),
    true,
    ratio,
  );
  drawPass(dc.ctx, placed.filter((l) => l.color && l.color.a > 0 && l.opacity > 0), false, ratio);
}

/** The label's text: a formatted value's sections joined, `{field}` tokens resolved, transformed. */
function textOf(value: unknown, feature: Feature, hasTokens: boolean, transform: string): string {
  let text: string;
  if (value === undefined || value === null) return '';
  if (typeof value === 'object' && Array.isArray((value as { sections?: unknown }).sections)) {
    text = (value as { sections: { text: string }[] }).sections.map((s) => s.text).join('');
  } else {
    text = String(value);
  }
  if (hasTokens) {
    text = text.replace(/{([^{}]+)}/g, (_, key: string) => {
      const property = feature.properties[key];
      return property === undefined || property === null ? '' : String(property);
    });
  }
  if (transform === 'uppercase') return text.toLocaleUpperCase();
  if (transform === 'lowercase') return text.toLocaleLowerCase();
  return text;
}

/**
 * Anchors of a feature in canvas pixels, as MapLibre's point placement picks them: every
 * point, a line's first vertex, a polygon's centre (the middle of its outer ring's box here,
 * where MapLibre takes the pole of inaccessibility).
 */
function anchorsOf(tf: TileFeature): [number, number][] {
  const geometry = tf.geometry();
  const { coords, ringEnds } = geometry;
  if (tf.type === 1) {
    const anchors: [number, number][] = [];
    for (let i = 0; i < coords.length; i += 2) anchors.push([coords[i]!, coords[i + 1]!]);
    return anchors;
  }
  if (tf.type === 2) {
    const anchors: [number, number][] = [];
    let start = 0;
    for (const end of ringEnds) {
      if (end > start) anchors.push([coords[start * 2]!, coords[start * 2 + 1]!]);
      start = end;
    }
    return anchors;
  }
  if (tf.type === 3 && ringEnds.length > 0) {
    let [minX, minY, maxX, maxY] = [Infinity, Infinity, -Infinity, -Infinity];
    for (let i = 0; i < ringEnds[0]!; i++) {
      const x = coords[i * 2]!;
      const y = coords[i * 2 + 1]!;
      minX = Math.min(minX, x);
      maxX = Math.max(maxX, x);
      minY = Math.min(minY, y);
      maxY = Math.max(maxY, y);
    }
    return [[(minX + maxX) / 2, (minY + maxY) / 2]];
  }
  return [];
}

/** The label's collision box in canvas pixels: its block, rotated, grown by text-padding. */
function labelBox(shaping: Shaping, x: number, y: number, scale: number, rotateRad: number, paddingPx: number): Box {
  const corners = [
    [shaping.left, shaping.top],
    [shaping.right, shaping.top],
    [shaping.right, shaping.bottom],
    [shaping.left, shaping.bottom],
  ] as const;
  const cos = Math.cos(rotateRad);
  const sin = Math.sin(rotateRad);
  let [x1, y1, x2, y2] = [Infinity, Infinity, -Infinity, -Infinity];
  for (const [u, w] of corners) {
    const px = (u * cos - w * sin) * scale;
    const py = (u * sin + w * cos) * scale;
    x1 = Math.min(x1, px);
    x2 = Math.max(x2, px);
    y1 = Math.min(y1, py);
    y2 = Math.max(y2, py);
  }
  return { x1: x + x1 - paddingPx, y1: y + y1 - paddingPx, x2: x + x2 + paddingPx, y2: y + y2 + paddingPx };
}

/** A glyph quad of a label, with its canvas pixel bounds. */
interface GlyphQuad {
  readonly bitmap: Uint8Array;
  /** The bitmap's top-left corner and size in 24-px glyph units, relative to the anchor. */
  readonly qx: number;
  readonly qy: number;
  readonly qw: number;
  readonly qh: number;
  /** Canvas pixels the padded quad may touch (x2, y2 exclusive). */
  readonly x1: number;
  readonly y1: number;
  readonly x2: number;
  readonly y2: number;
}

/**
 * Labels drawn into one buffer per pass are bounded to 4 M pixels (16 MB of RGBA); a
 * layer whose labels spread wider (big prints) draws label by label instead.
 */
const MAX_PASS_PIXELS = 4 * 1024 * 1024;

/**
 * One pass (halos or text) of a layer's labels: the SDF of every glyph sampled at each
 * device pixel its quad covers, turned into coverage by the pass's cut-off, composited
 * label over label in one buffer, which is drawn onto the canvas at once.
 */
function drawPass(ctx: SKRSContext2D, labels: readonly PlacedLabel[], halo: boolean, pixelRatio: number): void {
  const canvasWidth = ctx.canvas.width;
  const canvasHeight = ctx.canvas.height;
  const items: { label: PlacedLabel; quads: GlyphQuad[]; bounds: [number, number, number, number] }[] = [];
  let [left, top, right, bottom] = [Infinity, Infinity, -Infinity, -Infinity];
  for (const label of labels) {
    const quads = glyphQuads(label);
    if (quads.length === 0) continue;
    const bounds: [number, number, number, number] = [Infinity, Infinity, -Infinity, -Infinity];
    for (const q of quads) {
      bounds[0] = Math.min(bounds[0], q.x1);
      bounds[1] = Math.min(bounds[1], q.y1);
      bounds[2] = Math.max(bounds[2], q.x2);
      bounds[3] = Math.max(bounds[3], q.y2);
    }
    bounds[0] = Math.max(0, bounds[0]);
    bounds[1] = Math.max(0, bounds[1]);
    bounds[2] = Math.min(canvasWidth, bounds[2]);
    bounds[3] = Math.min(canvasHeight, bounds[3]);
    if (bounds[2] <= bounds[0] || bounds[3] <= bounds[1]) continue;
    items.push({ label, quads, bounds });
    left = Math.min(left, bounds[0]);
    top = Math.min(top, bounds[1]);
    right = Math.max(right, bounds[2]);
    bottom = Math.max(bottom, bounds[3]);
  }
  if (items.length === 0) return;
  if ((right - left) * (bottom - top) > MAX_PASS_PIXELS) {
    for (const item of items) {
      const [l, t, r, b] = item.bounds;
      const image = ctx.createImageData(r - l, b - t);
      paintLabel(image.data, r - l, l, t, item.label, item.quads, item.bounds, halo, pixelRatio);
      putOnCanvas(ctx, image, l, t);
    }
    return;
  }
  const image = ctx.createImageData(right - left, bottom - top);
  for (const item of items) paintLabel(image.data, right - left, left, top, item.label, item.quads, item.bounds, halo, pixelRatio);
  putOnCanvas(ctx, image, left, top);
}

function putOnCanvas(ctx: SKRSContext2D, image: ImageData, left: number, top: number): void {
  // putImageData would replace what lies below; a canvas drawn over it blends.
  const buffer = createCanvas(image.width, image.height);
  buffer.getContext('2d').putImageData(image, 0, 0);
  ctx.drawImage(buffer, left, top);
}

/** The glyph quads of a label with their canvas bounds, rotated about the anchor. */
function glyphQuads(label: PlacedLabel): GlyphQuad[] {
  const cos = Math.cos(label.rotateRad);
  const sin = Math.sin(label.rotateRad);
  const quads: GlyphQuad[] = [];
  for (const p of label.shaping.glyphs) {
    if (p.glyph.bitmap.length === 0) continue;
    const qx = p.x + p.glyph.left - GLYPH_BORDER_PX;
    const qy = p.y - p.glyph.top - GLYPH_BORDER_PX;
    const qw = p.glyph.width + 2 * GLYPH_BORDER_PX;
    const qh = p.glyph.height + 2 * GLYPH_BORDER_PX;
    let [x1, y1, x2, y2] = [Infinity, Infinity, -Infinity, -Infinity];
    for (const [u, w] of [
      [qx - ATLAS_PADDING_PX, qy - ATLAS_PADDING_PX],
      [qx + qw + ATLAS_PADDING_PX, qy - ATLAS_PADDING_PX],
      [qx + qw + ATLAS_PADDING_PX, qy + qh + ATLAS_PADDING_PX],
      [qx - ATLAS_PADDING_PX, qy + qh + ATLAS_PADDING_PX],
    ] as const) {
      const px = label.x + (u * cos - w * sin) * label.scale;
      const py = label.y + (u * sin + w * cos) * label.scale;
      x1 = Math.min(x1, px);
      x2 = Math.max(x2, px);
      y1 = Math.min(y1, py);
      y2 = Math.max(y2, py);
    }
    quads.push({ bitmap: p.glyph.bitmap, qx, qy, qw, qh, x1: Math.floor(x1), y1: Math.floor(y1), x2: Math.ceil(x2), y2: Math.ceil(y2) });
  }
  return quads;
}

/** Reused between labels: one label's coverage, grown as needed. */
let coverageScratch = new Float32Array(1024);

/**
 * Paints one label's pass into a straight-alpha RGBA buffer whose top-left pixel is
 * (originX, originY) on the canvas, over what the buffer holds (source-over).
 */
function paintLabel(
  data: Uint8ClampedArray,
  stride: number,
  originX: number,
  originY: number,
  label: PlacedLabel,
  quads: readonly GlyphQuad[],
  [left, top, right, bottom]: readonly [number, number, number, number],
  halo: boolean,
  pixelRatio: number,
): void {
  const color = halo ? label.haloColor! : label.color!;
  const { fontScale } = label;
  let edge = SDF_EDGE;
  let gamma = EDGE_GAMMA / pixelRatio / fontScale;
  if (halo) {
    edge = Math.max(0, (6 - label.haloWidth / fontScale) / SDF_PX);
    gamma = ((label.haloBlur * 1.19) / SDF_PX + EDGE_GAMMA / pixelRatio) / fontScale;
  }
  const width = right - left;
  const size = width * (bottom - top);
  if (coverageScratch.length < size) coverageScratch = new Float32Array(size * 2);
  const coverage = coverageScratch;
  coverage.fill(0, 0, size);

  // Coverage as in GL blending of overlapping quads: a over b = a + b·(1 − a).
  const cos = Math.cos(label.rotateRad);
  const sin = Math.sin(label.rotateRad);
  const inverse = 1 / label.scale;
  const low = edge - gamma;
  const span = 2 * gamma;
  for (const q of quads) {
    const { bitmap, qw, qh } = q;
    const yEnd = Math.min(q.y2, bottom);
    const xEnd = Math.min(q.x2, right);
    for (let py = Math.max(q.y1, top); py < yEnd; py++) {
      const dy = py + 0.5 - label.y;
      for (let px = Math.max(q.x1, left); px < xEnd; px++) {
        // Back from the pixel centre to the bitmap (undo rotation, then scale).
        const dx = px + 0.5 - label.x;
        const u = (dx * cos + dy * sin) * inverse - q.qx;
        const w = (-dx * sin + dy * cos) * inverse - q.qy;
        // Pixels whose centre falls in the padded quad, as GL rasterises it.
        if (u < -ATLAS_PADDING_PX || w < -ATLAS_PADDING_PX || u >= qw + ATLAS_PADDING_PX || w >= qh + ATLAS_PADDING_PX) continue;
        const t = Math.min(1, Math.max(0, (sampleSdf(bitmap, qw, qh, u - 0.5, w - 0.5) - low) / span));
        const a = t * t * (3 - 2 * t);
        if (a <= 0) continue;
        const i = (py - top) * width + (px - left);
        coverage[i] = a + coverage[i]! * (1 - a);
      }
    }
  }

  const alpha = color.a * Math.min(1, Math.max(0, label.opacity));
  const r = color.r / color.a;
  const g = color.g / color.a;
  const b = color.b / color.a;
  for (let py = top; py < bottom; py++) {
    for (let px = left; px < right; px++) {
      const src = coverage[(py - top) * width + (px - left)]! * alpha;
      if (src <= 0) continue;
      const o = ((py - originY) * stride + (px - originX)) * 4;
      const dst = data[o + 3]! / 255;
      const out = src + dst * (1 - src);
      const keep = (dst * (1 - src)) / out;
      data[o] = (r * 255 * src) / out + data[o]! * keep;
      data[o + 1] = (g * 255 * src) / out + data[o + 1]! * keep;
      data[o + 2] = (b * 255 * src) / out + data[o + 2]! * keep;
      data[o + 3] = out * 255;
    }
  }
}

/** Bilinear SDF value (0..1) at bitmap coordinates, zero outside the bitmap. */
function sampleSdf(bitmap: Uint8Array, w: number, h: number, x: number, y: number): number {
  const x0 = Math.floor(x);
  const y0 = Math.floor(y);
  const fx = x - x0;
  const fy = y - y0;
  const inX0 = x0 >= 0 && x0 < w;
  const inX1 = x0 + 1 >= 0 && x0 + 1 < w;
  const row0 = y0 >= 0 && y0 < h ? y0 * w : -1;
  const row1 = y0 + 1 >= 0 && y0 + 1 < h ? (y0 + 1) * w : -1;
  const a = row0 >= 0 && inX0 ? bitmap[row0 + x0]! : 0;
  const b = row0 >= 0 && inX1 ? bitmap[row0 + x0 + 1]! : 0;
  const c = row1 >= 0 && inX0 ? bitmap[row1 + x0]! : 0;
  const d = row1 >= 0 && inX1 ? bitmap[row1 + x0 + 1]! : 0;
  return ((a * (1 - fx) + b * fx) * (1 - fy) + (c * (1 - fx) + d * fx) * fy) / 255;
}
