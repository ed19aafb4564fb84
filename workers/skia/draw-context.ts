/**
 * What every draw module receives: the canvas context, the render's globals and pixel
 * ratio, plus small helpers shared by fills, lines and circles.
 */
import type { SKRSContext2D } from '@napi-rs/canvas';
import type { Color, GlobalProperties } from '@maplibre/maplibre-gl-style-spec';
import type { PatternContext } from './pattern.ts';
import { bindProperty, toCssColor, type FeatureValue, type StyleProperty } from './style-evaluation.ts';
import type { FeatureGeometry, PixelRect, TileClip, TileFeature } from './tile-geometry.ts';
import type { ViewRotation } from './view-rotation.ts';

/** The canvas a layer draws on and what its properties are evaluated with. */
export interface DrawContext {
  readonly ctx: SKRSContext2D;
  /** `{ zoom }` for expression evaluation (global state was bound when compiling). */
  readonly globals: GlobalProperties;
  /** Device pixels per CSS pixel: style widths, radii and offsets are multiplied by it. */
  readonly pixelRatio: number;
  /** The render's sprite for `*-pattern`; undefined without one, and pattern layers draw nothing. */
  readonly patterns?: PatternContext;
  /** The view's bearing: geometry is in the map frame, drawn turned onto the screen. */
  readonly rotation: ViewRotation;
}

/** Features of one tile that a layer draws, with the tile's clip rectangle on the canvas. */
export interface TileBatch {
  readonly features: readonly TileFeature[];
  readonly clip: TileClip;
  /** The tile's whole extent on the canvas (not cut to it). */
  readonly tileRect: PixelRect;
}

/**
 * A colour times an opacity as a CSS string per feature; evaluated once when neither
 * depends on the feature, since the canvas parses every string it is given.
 */
export function bindCssColor(
  color: StyleProperty<Color | undefined>,
  opacity: StyleProperty<number>,
  globals: GlobalProperties,
): FeatureValue<string | undefined> {
  if (!color.featureDependent && !opacity.featureDependent) {
    const css = toCssColor(color.evaluate(globals), opacity.evaluate(globals));
    return () => css;
  }
  const colorOf = bindProperty(color, globals);
  const opacityOf = bindProperty(opacity, globals);
  return (feature) => toCssColor(colorOf(feature), opacityOf(feature));
}

/** Whether a feature's box, grown by a margin in pixels, misses the clip rectangle. */
export function isOutside(geometry: FeatureGeometry, clip: PixelRect, marginPx: number): boolean {
  return (
    geometry.maxX + marginPx < clip.x ||
    geometry.minX - marginPx > clip.x + clip.width ||
    geometry.maxY + marginPx < clip.y ||
    geometry.minY - marginPx > clip.y + clip.height
  );
}

/**
 * Clips to one tile's pixels for the duration of draw(), with the context set to draw
 * map-frame coordinates on the screen, then restores the context.
 */
export function withClip(
  ctx: SKRSContext2D,
  rotation: ViewRotation,
  clip: TileClip,
  translatePx: readonly [number, number],
  draw: () => void,
): void {
  ctx.save();
  if (clip.screen) {
    ctx.clip(clip.screen);
    rotation.apply(ctx);
  } else {
    ctx.beginPath();
    ctx.rect(clip.rect.x, clip.rect.y, clip.rect.width, clip.rect.height);
    ctx.clip();
  }
  // The translation moves the geometry, not the tile's clip, as in MapLibre.
  if (translatePx[0] !== 0 || translatePx[1] !== 0) ctx.translate(translatePx[0], translatePx[1]);
  try {
    draw();
  } finally {
    ctx.restore();
  }
}

/**
 * A `*-translate` value in map-frame device pixels: as given with the `map` anchor (it
 * turns with the map), turned back by the bearing with `viewport` (it stays put on screen).
 */
export function translateInPx(
  translate: readonly [number, number] | undefined,
  anchor: 'map' | 'viewport',
  dc: Pick<DrawContext, 'pixelRatio' | 'rotation'>,
): [number, number] {
  if (!translate) return [0, 0];
  const px: [number, number] = [translate[0] * dc.pixelRatio, translate[1] * dc.pixelRatio];
  return anchor === 'viewport' ? dc.rotation.vectorToMap(px[0], px[1]) : px;
}
