/**
 * Sprite images as repeating canvas patterns, laid out as MapLibre lays out fill and
 * background patterns: one image per CSS pixel of display size at the integer zoom below
 * the view's, magnified with the map up to the next one, anchored at the Web Mercator
 * world's top-left corner so the pattern runs on across tiles.
 */
import { createCanvas, type Canvas, type CanvasPattern, type SKRSContext2D } from '@napi-rs/canvas';
import { MERCATOR_HALF_EXTENT } from '../../src/grids/web-mercator-quad.ts';
import type { SpriteAtlas, SpriteIcon } from './sprite.ts';
import type { CanvasFrame } from './tile-geometry.ts';

/** What pattern layers share over one render: the sprite and where patterns are anchored. */
export interface PatternContext {
  readonly sprite: SpriteAtlas;
  /** The canvas pixel patterns repeat from. */
  readonly originPx: readonly [number, number];
  /** Device pixels per CSS pixel of display size: pixel ratio × 2^(zoom − floor(zoom)). */
  readonly pxPerDisplayPx: number;
}

/**
 * The pattern context of a render. The anchor is the world's top-left corner in the view's
 * CRS units: MapLibre's for EPSG:3857, and a fixed point for other grids, which is all
 * seamless tiles need there.
 */
export function patternContext(sprite: SpriteAtlas, frame: CanvasFrame, zoom: number, pixelRatio: number): PatternContext {
  const [minX, minY, maxX, maxY] = frame.viewBbox;
  return {
    sprite,
    originPx: [
      ((-MERCATOR_HALF_EXTENT - minX) * frame.widthPx) / (maxX - minX),
      ((maxY - MERCATOR_HALF_EXTENT) * frame.heightPx) / (maxY - minY),
    ],
    pxPerDisplayPx: pixelRatio * 2 ** (zoom - Math.floor(zoom)),
  };
}

/** Canvases of sprite images, made once per image. */
const canvases = new WeakMap<SpriteIcon, Canvas>();

/** The image on a canvas of its own, the source of its patterns. */
export function iconCanvas(icon: SpriteIcon): Canvas {
  let canvas = canvases.get(icon);
  if (!canvas) {
    canvas = createCanvas(icon.width, icon.height);
    const context = canvas.getContext('2d');
    const image = context.createImageData(icon.width, icon.height);
    image.data.set(icon.rgba);
    context.putImageData(image, 0, 0);
    canvases.set(icon, canvas);
  }
  return canvas;
}

/** A repeating pattern of the image for areas (fill, background), in canvas pixels. */
export function areaPattern(ctx: SKRSContext2D, patterns: PatternContext, icon: SpriteIcon): CanvasPattern | null {
  const pattern = ctx.createPattern(iconCanvas(icon), 'repeat');
  if (!pattern) return null;
  const scale = patterns.pxPerDisplayPx / icon.pixelRatio;
  // The phase alone matters: reduce the (possibly huge) world offset to one period.
  const e = positiveModulo(patterns.originPx[0], icon.width * scale);
  const f = positiveModulo(patterns.originPx[1], icon.height * scale);
  pattern.setTransform({ a: scale, b: 0, c: 0, d: scale, e, f });
  return pattern;
}

/** Memoises the pattern of each image name over one layer (and null for names the sprite lacks). */
export function patternCache(
  ctx: SKRSContext2D,
  patterns: PatternContext,
  make: (icon: SpriteIcon) => CanvasPattern | null = (icon) => areaPattern(ctx, patterns, icon),
): (name: string | undefined) => CanvasPattern | null {
  const made = new Map<string, CanvasPattern | null>();
  return (name) => {
    if (!name) return null;
    let pattern = made.get(name);
    if (pattern === undefined) {
      const icon = patterns.sprite.icon(name);
      made.set(name, (pattern = icon ? make(icon) : null));
    }
    return pattern;
  };
}

function positiveModulo(value: number, period: number): number {
  return ((value % period) + period) % period;
}
