/**
 * Symbol layers at point placement: text drawn from SDF glyphs (see draw-sdf.ts) and icons
 * from the style's sprite (see draw-icon.ts). Symbols are placed in layer, tile (top
 * down), then feature order against one collision index, text and icon together as
 * MapLibre's placement does; a symbol is placed once, by the tile that holds its anchor,
 * even when that anchor is off the canvas (as in MapLibre, so labels run on across tile
 * seams). A layer draws its icons first, then its text. Line placement is not drawn yet.
 */
import type { Feature } from '@maplibre/maplibre-gl-style-spec';
import { placeSymbol, symbolBox, type CollisionIndex } from './collision-index.ts';
import type { DrawContext, TileBatch } from './draw-context.ts';
import { drawIcons, fitIconToText, iconBox, paddingInPx, shapeIcon, type CssRect, type PlacedIcon } from './draw-icon.ts';
import { drawSdfSymbols, type SdfQuad, type SdfSymbol } from './draw-sdf.ts';
import { GLYPH_BORDER_PX, GLYPH_SIZE_PX, type GlyphSource } from './glyphs.ts';
import { imageName, type SpriteAtlas, type SpriteIcon } from './sprite.ts';
import { bindProperty, type SymbolLayer } from './style-evaluation.ts';
import { shapeText, type Shaping, type ShapingOptions, type TextAnchor } from './text-shaping.ts';
import type { TileFeature } from './tile-geometry.ts';

/** What symbol layers share over one render: glyphs, sprite and the symbols placed so far. */
export interface SymbolContext {
  readonly glyphs: GlyphSource;
  /** Undefined when the render has no sprite: icons are then left out. */
  readonly sprite: SpriteAtlas | undefined;
  readonly collisions: CollisionIndex;
}

/** A shaped text with its glyph quads, shared by the labels that repeat it. */
interface ShapedText {
  readonly shaping: Shaping;
  readonly quads: readonly SdfQuad[];
}

type TextValues = ReturnType<typeof bindText>;
type IconValues = ReturnType<typeof bindIcon>;

/** Places and draws the text and icons of one symbol layer. */
export function drawSymbol(dc: DrawContext, layer: SymbolLayer, batches: readonly TileBatch[], symbols: SymbolContext): void {
  const g = dc.globals;
  const text = layer.textField ? bindText(layer, g) : undefined;
  const icon = layer.iconImage && symbols.sprite ? bindIcon(layer, g) : undefined;
  if (!text && !icon) return;
  const placementOf = bindProperty(layer.placement, g);
  const ratio = dc.pixelRatio;
  const labels: Drawn<SdfSymbol>[] = [];
  const icons: Drawn<PlacedIcon>[] = [];
  const shapings = new Map<string, ShapedText | null>();
  // MapLibre places tile by tile from the top of the screen down, then left to right.
  const ordered = [...batches].sort((a, b) => a.tileRect.y - b.tileRect.y || a.tileRect.x - b.tileRect.x);
  ordered.forEach((batch, tile) => {
    const own = batch.tileRect;
    batch.features.forEach((tf, index) => {
      const feature = tf.feature;
      if (placementOf(feature) !== 'point') return;
      const shaped = text ? shapeLabel(text, layer, feature, symbols.glyphs, shapings) : undefined;
      const image = icon ? iconImageOf(icon, layer, feature, symbols.sprite!) : undefined;
      if (!shaped && !image) return;
      for (const [ax, ay] of anchorsOf(tf)) {
        // The tile that holds the anchor places the symbol; neighbours' buffers repeat it.
        // As in MapLibre, an anchor off the canvas still draws when its tile was given.
        if (ax < own.x || ax >= own.x + own.width || ay < own.y || ay >= own.y + own.height) continue;
        const label = shaped ? textCandidate(text!, feature, shaped, ax, ay, ratio) : undefined;
        const textRect = shaped ? cssRectOf(shaped.shaping, text!.size(feature)) : undefined;
        const placedIcon = image ? iconCandidate(icon!, feature, image, ax, ay, ratio, textRect) : undefined;
        const placed = placeSymbol(symbols.collisions, label, placedIcon);
        if (placed.text) labels.push({ item: label!.symbol, tile, y: ay, index });
        if (placed.icon) icons.push({ item: placedIcon!.icon, tile, y: ay, index });
      }
    });
  });
  const sortByY = drawsByViewportY(layer, g);
  drawIcons(dc.ctx, drawOrder(icons, sortByY), ratio);
  drawSdfSymbols(dc.ctx, drawOrder(labels, sortByY), ratio);
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
): ShapedText | undefined {
  const text = textOf(v.field(feature), feature, layer.textFieldHasTokens, v.transform(feature));
  if (!text || !(v.size(feature) > 0)) return undefined;
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
  let shaped = cache.get(key);
  if (shaped === undefined) {
    const shaping = shapeText(text, glyphs, options);
    cache.set(key, (shaped = shaping ? { shaping, quads: glyphQuads(shaping) } : null));
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
function textCandidate(v: TextValues, feature: Feature, shaped: ShapedText, ax: number, ay: number, ratio: number) {
  const size = v.size(feature);
  const translate = v.translate(feature);
  const symbol: SdfSymbol = {
    quads: shaped.quads,
    x: ax + translate[0] * ratio,
    y: ay + translate[1] * ratio,
    scale: [(size * ratio) / GLYPH_SIZE_PX, (size * ratio) / GLYPH_SIZE_PX],
    fontScale: size / GLYPH_SIZE_PX,
    rotateRad: (v.rotate(feature) * Math.PI) / 180,
    color: v.color(feature),
    haloColor: v.haloColor(feature),
    haloWidth: v.haloWidth(feature),
    haloBlur: v.haloBlur(feature),
    opacity: v.opacity(feature),
  };
  return {
    symbol,
    box: symbolBox(shaped.shaping, symbol.x, symbol.y, symbol.scale, symbol.rotateRad, v.padding(feature) * ratio),
    allowOverlap: v.allowOverlap(feature),
    ignorePlacement: v.ignorePlacement(feature),
    optional: v.optional(feature),
  };
}

/** A label's box in CSS pixels relative to the anchor (text-offset included). */
function cssRectOf(shaping: Shaping, textSize: number): CssRect {
  const scale = textSize / GLYPH_SIZE_PX;
  return { left: shaping.left * scale, top: shaping.top * scale, right: shaping.right * scale, bottom: shaping.bottom * scale };
}

/** An icon at an anchor, with its collision box; fitted to the label's box when icon-text-fit says so. */
function iconCandidate(v: IconValues, feature: Feature, image: SpriteIcon, ax: number, ay: number, ratio: number, textRect?: CssRect) {
  const size = v.size(feature);
  const translate = v.translate(feature);
  const fit = v.textFit(feature);
  const shape =
    fit !== 'none' && textRect
      ? fitIconToText(image, textRect, fit, v.textFitPadding(feature), v.offset(feature))
      : shapeIcon(image, v.anchor(feature) as TextAnchor, v.offset(feature));
  const icon: PlacedIcon = {
    icon: image,
    x: ax + translate[0] * ratio,
    y: ay + translate[1] * ratio,
    qx: shape.qx,
    qy: shape.qy,
    size,
    scale: [shape.cssPerPx[0] * size * ratio, shape.cssPerPx[1] * size * ratio],
    rotateRad: (v.rotate(feature) * Math.PI) / 180,
    linear: v.scalesOrRotates(feature) || image.pixelRatio !== ratio,
    opacity: v.opacity(feature),
    color: v.color(feature),
    haloColor: v.haloColor(feature),
    haloWidth: v.haloWidth(feature),
    haloBlur: v.haloBlur(feature),
  };
  return {
    icon,
    box: iconBox(icon, paddingInPx(v.padding(feature), ratio)),
    allowOverlap: v.allowOverlap(feature),
    ignorePlacement: v.ignorePlacement(feature),
    optional: v.optional(feature),
  };
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

/** The SDF quads of a shaping's glyphs, in 24-px glyph units relative to the anchor. */
function glyphQuads(shaping: Shaping): SdfQuad[] {
  const quads: SdfQuad[] = [];
  for (const p of shaping.glyphs) {
    if (p.glyph.bitmap.length === 0) continue;
    quads.push({
      bitmap: p.glyph.bitmap,
      qx: p.x + p.glyph.left - GLYPH_BORDER_PX,
      qy: p.y - p.glyph.top - GLYPH_BORDER_PX,
      qw: p.glyph.width + 2 * GLYPH_BORDER_PX,
      qh: p.glyph.height + 2 * GLYPH_BORDER_PX,
    });
  }
  return quads;
}
