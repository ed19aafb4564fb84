/**
 * Symbol layers: text drawn from SDF glyphs (see draw-sdf.ts) and icons from the style's
 * sprite (see draw-icon.ts), at points or along lines (see line-symbols.ts). Symbols are
 * placed in layer (top of the style first), tile (top down), then feature order against
 * one collision index, text and icon together as MapLibre's placement does; a symbol is placed once, by the tile
 * whose own extent holds its anchor (neighbours' buffers repeat it), even when that anchor
 * is off the canvas (as in MapLibre, so labels run on across tile seams). A layer draws
 * its icons first, then its text.
 */
import type { Feature } from '@maplibre/maplibre-gl-style-spec';
import { placeSymbol, symbolBox, type Box, type CollisionIndex, type CollisionShape } from './collision-index.ts';
import type { DrawContext, TileBatch } from './draw-context.ts';
import { drawIcons, fitIconToText, iconBox, paddingInPx, shapeIcon, type CssRect, type PlacedIcon } from './draw-icon.ts';
import { drawSdfSymbols, type SdfQuad, type SdfSymbol } from './draw-sdf.ts';
import { GLYPH_BORDER_PX, GLYPH_SIZE_PX, type GlyphSource } from './glyphs.ts';
import { isInExtent, type AnchorSpacing, type Extent } from './line-placement.ts';
import {
  iconAngleOnLine,
  layoutScale,
  layTextAlongLine,
  linesOf,
  lineSites,
  RepeatedText,
  siteOnScreen,
  tileExtent,
  type LineGlyph,
  type LineSite,
} from './line-symbols.ts';
import { mergeLines } from './merge-lines.ts';
import { imageName, type SpriteAtlas, type SpriteIcon } from './sprite.ts';
import { bindProperty, type SymbolLayer } from './style-evaluation.ts';
import { shapeText, type Shaping, type ShapingOptions, type TextAnchor } from './text-shaping.ts';
import type { TileFeature } from './tile-geometry.ts';
import type { ViewRotation } from './view-rotation.ts';

/** What symbol layers share over one render: glyphs, sprite and the symbols placed so far. */
export interface SymbolContext {
  readonly glyphs: GlyphSource;
  /** Undefined when the render has no sprite: icons are then left out. */
  readonly sprite: SpriteAtlas | undefined;
  readonly collisions: CollisionIndex;
}

/** A shaped text with its glyph quads, shared by the labels that repeat it. */
interface ShapedText {
  readonly text: string;
  readonly shaping: Shaping;
  readonly quads: readonly SdfQuad[];
  /** The same glyphs centred for laying along a line. */
  readonly lineGlyphs: readonly LineGlyph[];
}

type TextValues = ReturnType<typeof bindText>;
type IconValues = ReturnType<typeof bindIcon>;
type LineValues = ReturnType<typeof bindLine>;

/** A feature of a tile with what it shows. */
interface SymbolFeature {
  readonly tf: TileFeature;
  readonly feature: Feature;
  /** The feature's index in its tile (draw order among equal y). */
  readonly index: number;
  readonly shaped: ShapedText | undefined;
  readonly image: SpriteIcon | undefined;
}

/** A text or icon that may be placed, and what it draws if it is. */
interface Candidate<T> {
  readonly item: T;
  readonly shapes: readonly CollisionShape[];
  readonly allowOverlap: boolean;
  readonly ignorePlacement: boolean;
  readonly optional: boolean;
}

/** A symbol layer's icons and text that won their place, in draw order. */
export interface PlacedSymbols {
  readonly icons: readonly PlacedIcon[];
  readonly labels: readonly SdfSymbol[];
}

/**
 * Places the text and icons of one symbol layer against the render's collision index.
 * MapLibre places symbol layers from the top of the style down, so a layer drawn above
 * wins its room, and draws them in style order (see drawPlacedSymbols).
 */
export function placeSymbolLayer(dc: DrawContext, layer: SymbolLayer, batches: readonly TileBatch[], symbols: SymbolContext): PlacedSymbols {
  const g = dc.globals;
  const text = layer.textField ? bindText(layer, g) : undefined;
  const icon = layer.iconImage && symbols.sprite ? bindIcon(layer, g) : undefined;
  if (!text && !icon) return { icons: [], labels: [] };
  // symbol-placement depends on the zoom only.
  const placement = layer.placement.evaluate(g);
  const along = bindLine(layer, g);
  const textAlongLine = (feature: Feature): boolean => placement !== 'point' && alignsWithLine(along.textAlignment(feature));
  const ratio = dc.pixelRatio;
  const rotation = dc.rotation;
  // A point symbol turns with the map only when its alignment says `map` (`auto` is the viewport's at points).
  const textWithMap = (feature: Feature): boolean => along.textAlignment(feature) === 'map';
  const iconWithMap = (feature: Feature): boolean => along.iconAlignment(feature) === 'map';
  const labels: Drawn<readonly SdfSymbol[]>[] = [];
  const icons: Drawn<PlacedIcon>[] = [];
  const shapings = new Map<string, ShapedText | null>();
  // MapLibre places tile by tile from the top of the screen down, then left to right.
  const onScreen = (batch: TileBatch): [number, number] => rotation.toScreen(batch.tileRect.x, batch.tileRect.y);
  const ordered = batches
    .map((batch) => ({ batch, at: onScreen(batch) }))
    .sort((a, b) => a.at[1] - b.at[1] || a.at[0] - b.at[0])
    .map(({ batch }) => batch);
  ordered.forEach((batch, tile) => {
    const place = (
      f: SymbolFeature,
      extent: Extent,
      label: Candidate<readonly SdfSymbol[]> | undefined,
      placedIcon: Candidate<PlacedIcon> | undefined,
      y: number,
      anchorShift: readonly [number, number],
    ): void => {
      // symbol-avoid-edges: nothing of the symbol may reach past its tile, as laid out in the tile (before the bearing).
      const inTile = (shape: CollisionShape): boolean => isInside(inLayout(shape, rotation, anchorShift), extent);
      if (along.avoidEdges(f.feature) && ![label, placedIcon].every((c) => !c || c.shapes.every(inTile))) return;
      const placed = placeSymbol(symbols.collisions, label, placedIcon);
      if (placed.text) labels.push({ item: label!.item, tile, y, index: f.index });
      if (placed.icon) icons.push({ item: placedIcon!.item, tile, y, index: f.index });
    };
    const features: SymbolFeature[] = [];
    batch.features.forEach((tf, index) => {
      const feature = tf.feature;
      const shaped = text ? shapeLabel(text, layer, feature, symbols.glyphs, shapings, placement, textAlongLine(feature)) : undefined;
      const image = icon ? iconImageOf(icon, layer, feature, symbols.sprite!) : undefined;
      if (shaped || image) features.push({ tf, feature, index, shaped, image });
    });
    if (placement === 'point') {
      for (const f of features) {
        const extent = tileExtent(f.tf.placement);
        for (const [mx, my] of anchorsOf(f.tf)) {
          if (!isInExtent({ x: mx, y: my }, extent)) continue;
          const [ax, ay] = rotation.toScreen(mx, my);
          const textTurn = textWithMap(f.feature) ? rotation.angleRad : 0;
          const label = f.shaped ? textCandidate(text!, f.feature, f.shaped, ax, ay, ratio, rotation, textTurn) : undefined;
          const iconTurn = iconWithMap(f.feature) ? rotation.angleRad : 0;
          const placedIcon = f.image ? iconCandidate(icon!, f.feature, f.image, ax, ay, ratio, rotation, textRectOf(f, text), iconTurn) : undefined;
          place(f, extent, label, placedIcon, ay, [mx - ax, my - ay]);
        }
      }
      return;
    }
    const lines = features.map((f) => ({ item: f, text: f.shaped?.text, lines: linesOf(f.tf) }));
    const repeated = new RepeatedText();
    for (const { item: f, lines: merged } of placement === 'line' ? mergeLines(lines) : lines) {
      const extent = tileExtent(f.tf.placement);
      const spacing = anchorSpacing(along, f, text, icon, ratio);
      for (const laidOut of lineSites(merged, placement, extent, spacing)) {
        if (placement === 'line' && f.shaped && repeated.isTooClose(f.shaped.text, laidOut.anchor, spacing.spacingPx / 2)) continue;
        const site = siteOnScreen(laidOut, rotation);
        const { x: ax, y: ay } = site.anchor;
        const anchorShift = [laidOut.anchor.x - ax, laidOut.anchor.y - ay] as const;
        let label: Candidate<readonly SdfSymbol[]> | undefined;
        if (f.shaped) {
          label = textAlongLine(f.feature)
            ? lineTextCandidate(text!, along, f.feature, f.shaped, site, ratio, rotation)
            : textCandidate(text!, f.feature, f.shaped, ax, ay, ratio, rotation, 0);
          if (!label) continue;
        }
        let placedIcon: Candidate<PlacedIcon> | undefined;
        if (f.image) {
          const onLine = alignsWithLine(along.iconAlignment(f.feature));
          const angle = onLine ? iconAngleOnLine(site, along.iconKeepUpright(f.feature)) : undefined;
          if (onLine && angle === undefined) continue;
          placedIcon = iconCandidate(icon!, f.feature, f.image, ax, ay, ratio, rotation, textRectOf(f, text), 0, angle);
        }
        place(f, extent, label, placedIcon, ay, anchorShift);
      }
    }
  });
  const sortByY = drawsByViewportY(layer, g);
  return { icons: drawOrder(icons, sortByY), labels: drawOrder(labels, sortByY).flat() };
}

/** Draws a symbol layer's placed icons, then its text. */
export function drawPlacedSymbols(dc: DrawContext, placed: PlacedSymbols): void {
  drawIcons(dc.ctx, placed.icons, dc.pixelRatio);
  drawSdfSymbols(dc.ctx, placed.labels, dc.pixelRatio);
}

/** `auto` rotation alignment means `map` for symbols along lines. */
function alignsWithLine(alignment: string): boolean {
  return alignment === 'map' || alignment === 'auto';
}

/**
 * A collision shape as it lay in the tile before the view turned: circles along a line
 * turn back with it; a box keeps its shape and moves with its anchor, as MapLibre checks
 * symbol-avoid-edges once, when it lays the tile out.
 */
function inLayout(shape: CollisionShape, rotation: ViewRotation, [dx, dy]: readonly [number, number]): CollisionShape {
  if (rotation.isNone) return shape;
  if ('r' in shape) {
    const [cx, cy] = rotation.toMap(shape.cx, shape.cy);
    return { ...shape, cx, cy };
  }
  return { x1: shape.x1 + dx, y1: shape.y1 + dy, x2: shape.x2 + dx, y2: shape.y2 + dy };
}

function isInside(shape: CollisionShape, e: Extent): boolean {
  const box: Box = 'r' in shape ? { x1: shape.cx - shape.r, y1: shape.cy - shape.r, x2: shape.cx + shape.r, y2: shape.cy + shape.r } : shape;
  return box.x1 >= e.left && box.x2 <= e.right && box.y1 >= e.top && box.y2 <= e.bottom;
}

/**
 * How anchors are spaced on this feature's lines, as MapLibre's symbol layout measures it
 * in the tile: the label length is the longer of text and icon, both scaled by
 * text-size / 24 (MapLibre's textMaxBoxScale, applied to icons too).
 */
function anchorSpacing(along: LineValues, { tf, feature, shaped, image }: SymbolFeature, text: TextValues | undefined, icon: IconValues | undefined, ratio: number): AnchorSpacing {
  const { pxPerLayoutPx, overscaling } = layoutScale(tf.placement, ratio);
  const boxScale = ((text ? text.size(feature) : 16) / GLYPH_SIZE_PX) * pxPerLayoutPx;
  const textLength = shaped ? shaped.shaping.right - shaped.shaping.left : 0;
  const iconLength = image && icon ? image.width / image.pixelRatio : 0;
  return {
    spacingPx: along.spacing(feature) * pxPerLayoutPx,
    labelLengthPx: Math.max(textLength, iconLength) * boxScale,
    angleWindowPx: shaped ? (3 / 5) * GLYPH_SIZE_PX * boxScale : 0,
    maxAngleRad: (along.maxAngle(feature) * Math.PI) / 180,
    startGapPx: 2 * GLYPH_SIZE_PX * boxScale,
    overscaling,
  };
}

/** The label's box for icon-text-fit, when there is a label. */
function textRectOf({ shaped, feature }: SymbolFeature, text: TextValues | undefined): CssRect | undefined {
  return shaped ? cssRectOf(shaped.shaping, text!.size(feature)) : undefined;
}

/** A placed text or icon with what its draw order depends on. */
interface Drawn<T> {
  readonly item: T;
  /** The tile's place in placement order, the anchor's canvas y, the feature's index in its tile. */
  readonly tile: number;
  readonly y: number;
  readonly index: number;
}

/**
 * Whether symbols that may overlap draw top to bottom, so lower ones cover higher ones:
 * MapLibre's symbol-z-order `viewport-y`, which `auto` means without a sort key.
 */
function drawsByViewportY(layer: SymbolLayer, g: DrawContext['globals']): boolean {
  const zOrder = layer.zOrder.evaluate(g);
  if (zOrder !== 'viewport-y' && !(zOrder === 'auto' && !layer.sortKey)) return false;
  const overlaps = [layer.textAllowOverlap, layer.iconAllowOverlap, layer.textIgnorePlacement, layer.iconIgnorePlacement];
  return overlaps.some((property) => property.evaluate(g));
}

/** The items in draw order: placement order, or per tile by anchor y (ties: later features first) as MapLibre sorts a bucket. */
function drawOrder<T>(drawn: Drawn<T>[], sortByY: boolean): T[] {
  // Anchors sit on the tile's integer grid, so equal canvas y means equal tile y, as MapLibre compares.
  if (sortByY) drawn.sort((a, b) => a.tile - b.tile || a.y - b.y || b.index - a.index);
  return drawn.map((d) => d.item);
}

function bindText(layer: SymbolLayer, g: DrawContext['globals']) {
  return {
    field: bindProperty(layer.textField!, g),
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
    optional: bindProperty(layer.textOptional, g),
    color: bindProperty(layer.textColor, g),
    opacity: bindProperty(layer.textOpacity, g),
    haloColor: bindProperty(layer.textHaloColor, g),
    haloWidth: bindProperty(layer.textHaloWidth, g),
    haloBlur: bindProperty(layer.textHaloBlur, g),
    translate: bindProperty(layer.textTranslate, g),
    translateAnchor: bindProperty(layer.properties.get('text-translate-anchor'), g),
  };
}

function bindLine(layer: SymbolLayer, g: DrawContext['globals']) {
  return {
    spacing: bindProperty(layer.spacing, g),
    maxAngle: bindProperty(layer.textMaxAngle, g),
    textKeepUpright: bindProperty(layer.textKeepUpright, g),
    iconKeepUpright: bindProperty(layer.iconKeepUpright, g),
    avoidEdges: bindProperty(layer.avoidEdges, g),
    textAlignment: bindProperty(layer.textRotationAlignment, g),
    iconAlignment: bindProperty(layer.iconRotationAlignment, g),
  };
}

function bindIcon(layer: SymbolLayer, g: DrawContext['globals']) {
  const rotate = bindProperty(layer.iconRotate, g);
  const size = bindProperty(layer.iconSize, g);
  // MapLibre samples icons nearest-texel unless the layer scales or rotates them (or the
  // image's pixel ratio is not the device's, decided per icon).
  const scalesOrRotates = (feature: Feature): boolean =>
    layer.iconSize.featureDependent || size(feature) !== 1 || layer.iconRotate.featureDependent || rotate(feature) !== 0;
  return {
    image: bindProperty(layer.iconImage!, g),
    size,
    anchor: bindProperty(layer.iconAnchor, g),
    offset: bindProperty(layer.iconOffset, g),
    rotate,
    scalesOrRotates,
    padding: bindProperty(layer.iconPadding, g),
    allowOverlap: bindProperty(layer.iconAllowOverlap, g),
    ignorePlacement: bindProperty(layer.iconIgnorePlacement, g),
    optional: bindProperty(layer.iconOptional, g),
    opacity: bindProperty(layer.iconOpacity, g),
    color: bindProperty(layer.iconColor, g),
    haloColor: bindProperty(layer.iconHaloColor, g),
    haloWidth: bindProperty(layer.iconHaloWidth, g),
    haloBlur: bindProperty(layer.iconHaloBlur, g),
    translate: bindProperty(layer.iconTranslate, g),
    translateAnchor: bindProperty(layer.properties.get('icon-translate-anchor'), g),
    textFit: bindProperty(layer.iconTextFit, g),
    textFitPadding: bindProperty(layer.iconTextFitPadding, g),
  };
}

/** The feature's label shaped (once per distinct text and options), or undefined without text or glyphs. */
function shapeLabel(
  v: TextValues,
  layer: SymbolLayer,
  feature: Feature,
  glyphs: GlyphSource,
  cache: Map<string, ShapedText | null>,
  placement: 'point' | 'line' | 'line-center',
  alongLine: boolean,
): ShapedText | undefined {
  const text = textOf(v.field(feature), feature, layer.textFieldHasTokens, v.transform(feature));
  if (!text || !(v.size(feature) > 0)) return undefined;
  // Labels on lines do not wrap (MapLibre shapes them with no max width); along a line,
  // text-offset moves the glyphs along and across it instead (see line-symbols.ts).
  const options: ShapingOptions = {
    fontstack: (v.font(feature) ?? []).join(','),
    maxWidthEms: placement === 'point' ? v.maxWidth(feature) : 0,
    lineHeightEms: v.lineHeight(feature),
    letterSpacingEms: v.letterSpacing(feature),
    justify: v.justify(feature),
    anchor: v.anchor(feature) as TextAnchor,
    offsetEms: alongLine ? [0, 0] : v.offset(feature),
  };
  // Labels of a layer often repeat (house numbers, "Test"): shape each text once.
  const key = `${text}\u0000${options.fontstack}\u0000${options.maxWidthEms},${options.lineHeightEms},${options.letterSpacingEms},${options.justify},${options.anchor},${options.offsetEms.join(',')}`;
  let shaped = cache.get(key);
  if (shaped === undefined) {
    const shaping = shapeText(text, glyphs, options);
    cache.set(key, (shaped = shaping ? shapedText(text, shaping) : null));
  }
  return shaped ?? undefined;
}

/** The sprite image the feature's icon-image names, or undefined when there is none. */
function iconImageOf(v: IconValues, layer: SymbolLayer, feature: Feature, sprite: SpriteAtlas): SpriteIcon | undefined {
  if (!(v.size(feature) > 0)) return undefined;
  const name = imageName(v.image(feature));
  if (!name) return undefined;
  return sprite.icon(layer.iconImageHasTokens ? resolveTokens(name, feature) : name);
}

/** A label at an anchor, with its collision box. */
function textCandidate(
  v: TextValues,
  feature: Feature,
  shaped: ShapedText,
  ax: number,
  ay: number,
  ratio: number,
  rotation: ViewRotation,
  mapTurnRad: number,
): Candidate<readonly SdfSymbol[]> {
  const [tx, ty] = translateOnScreen(v.translate(feature), v.translateAnchor(feature), ratio, rotation);
  const symbol: SdfSymbol = {
    ...textPaint(v, feature, ratio),
    quads: shaped.quads,
    x: ax + tx,
    y: ay + ty,
    rotateRad: (v.rotate(feature) * Math.PI) / 180 + mapTurnRad,
  };
  return {
    item: [symbol],
    shapes: [symbolBox(shaped.shaping, symbol.x, symbol.y, symbol.scale, symbol.rotateRad, v.padding(feature) * ratio)],
    ...textPlacement(v, feature),
  };
}

/** How a feature's text is painted: size and colours, the same for every glyph. */
function textPaint(v: TextValues, feature: Feature, ratio: number) {
  const size = v.size(feature);
  return {
    scale: [(size * ratio) / GLYPH_SIZE_PX, (size * ratio) / GLYPH_SIZE_PX] as const,
    fontScale: size / GLYPH_SIZE_PX,
    color: v.color(feature),
    haloColor: v.haloColor(feature),
    haloWidth: v.haloWidth(feature),
    haloBlur: v.haloBlur(feature),
    opacity: v.opacity(feature),
  };
}

function textPlacement(v: TextValues, feature: Feature) {
  return { allowOverlap: v.allowOverlap(feature), ignorePlacement: v.ignorePlacement(feature), optional: v.optional(feature) };
}

/** A label's box in CSS pixels relative to the anchor (text-offset included). */
function cssRectOf(shaping: Shaping, textSize: number): CssRect {
  const scale = textSize / GLYPH_SIZE_PX;
  return { left: shaping.left * scale, top: shaping.top * scale, right: shaping.right * scale, bottom: shaping.bottom * scale };
}

/**
 * An icon at an anchor, with its collision box; fitted to the label's box when
 * icon-text-fit says so. Aligned with a line it is turned with the line (its box only by
 * icon-rotate) and sampled bilinearly, as MapLibre draws icons pitched with the map.
 */
function iconCandidate(
  v: IconValues,
  feature: Feature,
  image: SpriteIcon,
  ax: number,
  ay: number,
  ratio: number,
  rotation: ViewRotation,
  textRect: CssRect | undefined,
  mapTurnRad: number,
  lineAngleRad?: number,
): Candidate<PlacedIcon> {
  const size = v.size(feature);
  const [tx, ty] = translateOnScreen(v.translate(feature), v.translateAnchor(feature), ratio, rotation);
  const fit = v.textFit(feature);
  const shape =
    fit !== 'none' && textRect
      ? fitIconToText(image, textRect, fit, v.textFitPadding(feature), v.offset(feature))
      : shapeIcon(image, v.anchor(feature) as TextAnchor, v.offset(feature));
  const icon: PlacedIcon = {
    icon: image,
    x: ax + tx,
    y: ay + ty,
    qx: shape.qx,
    qy: shape.qy,
    size,
    scale: [shape.cssPerPx[0] * size * ratio, shape.cssPerPx[1] * size * ratio],
    rotateRad: (v.rotate(feature) * Math.PI) / 180 + mapTurnRad,
    linear: v.scalesOrRotates(feature) || image.pixelRatio !== ratio || lineAngleRad !== undefined || mapTurnRad !== 0,
    opacity: v.opacity(feature),
    color: v.color(feature),
    haloColor: v.haloColor(feature),
    haloWidth: v.haloWidth(feature),
    haloBlur: v.haloBlur(feature),
  };
  return {
    item: { ...icon, rotateRad: icon.rotateRad + (lineAngleRad ?? 0) },
    shapes: [iconBox(icon, paddingInPx(v.padding(feature), ratio))],
    allowOverlap: v.allowOverlap(feature),
    ignorePlacement: v.ignorePlacement(feature),
    optional: v.optional(feature),
  };
}

/** A `*-translate` in screen pixels: turned with the map with the `map` anchor, as given with `viewport`. */
function translateOnScreen(translate: readonly [number, number], anchor: 'map' | 'viewport', ratio: number, rotation: ViewRotation): [number, number] {
  const [x, y] = [translate[0] * ratio, translate[1] * ratio];
  return anchor === 'map' ? rotation.vectorToScreen(x, y) : [x, y];
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
  if (hasTokens) text = resolveTokens(text, feature);
  if (transform === 'uppercase') return text.toLocaleUpperCase();
  if (transform === 'lowercase') return text.toLocaleLowerCase();
  return text;
}

/** `{field}` tokens replaced by the feature's properties (missing ones by nothing), as MapLibre's resolveTokens. */
function resolveTokens(text: string, feature: Feature): string {
  return text.replace(/{([^{}]+)}/g, (_, key: string) => {
    const property = feature.properties[key];
    return property === undefined || property === null ? '' : String(property);
  });
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

/**
 * A shaping with its glyphs' SDF quads, in 24-px glyph units: relative to the anchor for
 * labels at a point, relative to each glyph's centre for labels along a line (glyphs
 * without a bitmap, spaces, are left out of both, as MapLibre leaves them out of a
 * label's quads).
 */
function shapedText(text: string, shaping: Shaping): ShapedText {
  const quads: SdfQuad[] = [];
  const lineGlyphs: LineGlyph[] = [];
  for (const p of shaping.glyphs) {
    if (p.glyph.bitmap.length === 0) continue;
    const quad: SdfQuad = {
      bitmap: p.glyph.bitmap,
      qx: p.x + p.glyph.left - GLYPH_BORDER_PX,
      qy: p.y - p.glyph.top - GLYPH_BORDER_PX,
      qw: p.glyph.width + 2 * GLYPH_BORDER_PX,
      qh: p.glyph.height + 2 * GLYPH_BORDER_PX,
    };
    const centre = p.x + p.glyph.advance / 2;
    quads.push(quad);
    lineGlyphs.push({ quad: { ...quad, qx: quad.qx - centre }, centre });
  }
  return { text, shaping, quads, lineGlyphs };
}

/** A label laid along its line from the site's anchor, glyph by glyph, with its collision circles; undefined when it runs off the line. */
function lineTextCandidate(
  v: TextValues,
  along: LineValues,
  feature: Feature,
  shaped: ShapedText,
  site: LineSite,
  ratio: number,
  rotation: ViewRotation,
): Candidate<readonly SdfSymbol[]> | undefined {
  const paint = textPaint(v, feature, ratio);
  const pxPerGlyphUnit = paint.scale[0];
  const laid = layTextAlongLine(site, shaped.lineGlyphs, {
    pxPerGlyphUnit,
    offsetEms: v.offset(feature),
    heightGlyphUnits: shaped.shaping.bottom - shaped.shaping.top,
    paddingPx: v.padding(feature) * ratio,
    keepUpright: along.textKeepUpright(feature),
  });
  if (!laid) return undefined;
  const [tx, ty] = translateOnScreen(v.translate(feature), v.translateAnchor(feature), ratio, rotation);
  const rotateRad = (v.rotate(feature) * Math.PI) / 180;
  return {
    item: laid.glyphs.map((glyph, i) => ({ ...paint, quads: [shaped.lineGlyphs[i]!.quad], x: glyph.x + tx, y: glyph.y + ty, rotateRad: glyph.angleRad + rotateRad })),
    shapes: laid.circles.map((c) => ({ ...c, cx: c.cx + tx, cy: c.cy + ty })),
    ...textPlacement(v, feature),
  };
}
