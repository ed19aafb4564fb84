/**
 * Icon layout: which sprite image a feature shows, where it goes relative to its anchor
 * (icon-anchor, icon-offset, or fitted round the text by icon-text-fit, as MapLibre's
 * shapeIcon and fitIconToText), and its collision box. Pure: drawing is draw-icon.ts.
 */
import type { Feature } from '@maplibre/maplibre-gl-style-spec';
import { symbolBox, type Box, type SymbolScale } from './collision-index.ts';
import type { PlacedIcon } from './draw-icon.ts';
import { imageName, type SpriteAtlas, type SpriteIcon } from './sprite.ts';
import { translateOnScreen, type SymbolLayoutContext } from './symbol-layout-context.ts';
import type { Candidate } from './symbol-placement.ts';
import { resolveTokens } from './text-layout.ts';
import { anchorAlignment, type TextAnchor } from './text-shaping.ts';

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

/** The sprite image the feature's icon-image names, or undefined when there is none. */
export function iconImageOf(c: SymbolLayoutContext, hasTokens: boolean, feature: Feature, sprite: SpriteAtlas): SpriteIcon | undefined {
  if (!(c.read('icon-size')(feature) > 0)) return undefined;
  const name = imageName(c.read('icon-image')(feature));
  if (!name) return undefined;
  return sprite.icon(hasTokens ? resolveTokens(name, feature) : name);
}

/**
 * An icon at a screen anchor, with its collision box; fitted to the label's box when
 * icon-text-fit says so. Turned with the map by `mapTurnRad` (icon-rotation-alignment
 * `map` at points); aligned with a line it is turned with the line (its box only by
 * icon-rotate) and sampled bilinearly, as MapLibre draws icons pitched with the map.
 */
export function iconCandidate(
  c: SymbolLayoutContext,
  feature: Feature,
  image: SpriteIcon,
  [ax, ay]: readonly [number, number],
  textRect: CssRect | undefined,
  mapTurnRad: number,
  lineAngleRad?: number,
): Candidate<PlacedIcon> {
  const { read, pixelRatio: ratio } = c;
  const size = read('icon-size')(feature);
  const rotateDeg = read('icon-rotate')(feature);
  const [tx, ty] = translateOnScreen(read('icon-translate')(feature), read('icon-translate-anchor')(feature), c);
  const fit = read('icon-text-fit')(feature);
  const offset = read('icon-offset')(feature);
  const shape =
    fit !== 'none' && textRect
      ? fitIconToText(image, textRect, fit, read('icon-text-fit-padding')(feature), offset)
      : shapeIcon(image, read('icon-anchor')(feature), offset);
  // MapLibre samples icons nearest-texel unless the layer scales or rotates them (or the
  // image's pixel ratio is not the device's, decided per icon).
  const scalesOrRotates = c.properties.get('icon-size').featureDependent || size !== 1 || c.properties.get('icon-rotate').featureDependent || rotateDeg !== 0;
  const icon: PlacedIcon = {
    icon: image,
    x: ax + tx,
    y: ay + ty,
    qx: shape.qx,
    qy: shape.qy,
    size,
    scale: [shape.cssPerPx[0] * size * ratio, shape.cssPerPx[1] * size * ratio],
    rotateRad: (rotateDeg * Math.PI) / 180 + mapTurnRad,
    linear: scalesOrRotates || image.pixelRatio !== ratio || lineAngleRad !== undefined || mapTurnRad !== 0,
    opacity: read('icon-opacity')(feature),
    color: read('icon-color')(feature),
    haloColor: read('icon-halo-color')(feature),
    haloWidth: read('icon-halo-width')(feature),
    haloBlur: read('icon-halo-blur')(feature),
  };
  return {
    item: { ...icon, rotateRad: icon.rotateRad + (lineAngleRad ?? 0) },
    shapes: [iconBox(icon, paddingInPx(read('icon-padding')(feature), ratio))],
    allowOverlap: read('icon-allow-overlap')(feature),
    ignorePlacement: read('icon-ignore-placement')(feature),
    optional: read('icon-optional')(feature),
  };
}
