/**
 * Text layout: a feature's label text (formatted sections, `{field}` tokens,
 * text-transform), shaped once per distinct text into SDF glyph quads (text-shaping.ts),
 * and a label at an anchor or laid along a line with its collision shapes. Pure: the
 * glyphs are drawn by draw-sdf.ts.
 */
import type { Feature } from '@maplibre/maplibre-gl-style-spec';
import { symbolBox } from './collision-index.ts';
import type { CssRect } from './icon-layout.ts';
import type { SdfQuad, SdfSymbol } from './draw-sdf.ts';
import { GLYPH_BORDER_PX, GLYPH_SIZE_PX, type GlyphSource } from './glyphs.ts';
import { layTextAlongLine, type LineGlyph, type LineSite } from './line-symbols.ts';
import { translateOnScreen, type SymbolLayoutContext } from './symbol-layout-context.ts';
import type { Candidate } from './symbol-placement.ts';
import { shapeText, type Shaping, type ShapingOptions } from './text-shaping.ts';

/** A shaped text with its glyph quads, shared by the labels that repeat it. */
export interface ShapedText {
  readonly text: string;
  readonly shaping: Shaping;
  readonly quads: readonly SdfQuad[];
  /** The same glyphs centred for laying along a line. */
  readonly lineGlyphs: readonly LineGlyph[];
}

/** Labels of a layer often repeat (house numbers, "Test"): each text is shaped once per layer. */
export type ShapingCache = Map<string, ShapedText | null>;

/** The feature's label shaped, or undefined without text or glyphs. */
export function shapeLabel(
  c: SymbolLayoutContext,
  hasTokens: boolean,
  feature: Feature,
  glyphs: GlyphSource,
  cache: ShapingCache,
  placement: 'point' | 'line' | 'line-center',
  alongLine: boolean,
): ShapedText | undefined {
  const { read } = c;
  const text = textOf(read('text-field')(feature), feature, hasTokens, read('text-transform')(feature));
  if (!text || !(read('text-size')(feature) > 0)) return undefined;
  // Labels on lines do not wrap (MapLibre shapes them with no max width); along a line,
  // text-offset moves the glyphs along and across it instead (see line-symbols.ts).
  const options: ShapingOptions = {
    fontstack: (read('text-font')(feature) ?? []).join(','),
    maxWidthEms: placement === 'point' ? read('text-max-width')(feature) : 0,
    lineHeightEms: read('text-line-height')(feature),
    letterSpacingEms: read('text-letter-spacing')(feature),
    justify: read('text-justify')(feature),
    anchor: read('text-anchor')(feature),
    offsetEms: alongLine ? [0, 0] : read('text-offset')(feature),
  };
  const key = `${text}\u0000${options.fontstack}\u0000${options.maxWidthEms},${options.lineHeightEms},${options.letterSpacingEms},${options.justify},${options.anchor},${options.offsetEms.join(',')}`;
  let shaped = cache.get(key);
  if (shaped === undefined) {
    const shaping = shapeText(text, glyphs, options);
    cache.set(key, (shaped = shaping ? shapedText(text, shaping) : null));
  }
  return shaped ?? undefined;
}

/** A label at a screen anchor, turned with the map by `mapTurnRad`, with its collision box. */
export function textCandidate(
  c: SymbolLayoutContext,
  feature: Feature,
  shaped: ShapedText,
  [ax, ay]: readonly [number, number],
  mapTurnRad: number,
): Candidate<readonly SdfSymbol[]> {
  const { read } = c;
  const [tx, ty] = translateOnScreen(read('text-translate')(feature), read('text-translate-anchor')(feature), c);
  const symbol: SdfSymbol = {
    ...textPaint(c, feature),
    quads: shaped.quads,
    x: ax + tx,
    y: ay + ty,
    rotateRad: (read('text-rotate')(feature) * Math.PI) / 180 + mapTurnRad,
  };
  return {
    item: [symbol],
    shapes: [symbolBox(shaped.shaping, symbol.x, symbol.y, symbol.scale, symbol.rotateRad, read('text-padding')(feature) * c.pixelRatio)],
    ...textPlacement(c, feature),
  };
}

/** A label laid along its (screen) line from the site's anchor, glyph by glyph, with its collision circles; undefined when it runs off the line. */
export function lineTextCandidate(c: SymbolLayoutContext, feature: Feature, shaped: ShapedText, site: LineSite): Candidate<readonly SdfSymbol[]> | undefined {
  const { read } = c;
  const paint = textPaint(c, feature);
  const laid = layTextAlongLine(site, shaped.lineGlyphs, {
    pxPerGlyphUnit: paint.scale[0],
    offsetEms: read('text-offset')(feature),
    heightGlyphUnits: shaped.shaping.bottom - shaped.shaping.top,
    paddingPx: read('text-padding')(feature) * c.pixelRatio,
    keepUpright: read('text-keep-upright')(feature),
  });
  if (!laid) return undefined;
  const [tx, ty] = translateOnScreen(read('text-translate')(feature), read('text-translate-anchor')(feature), c);
  const rotateRad = (read('text-rotate')(feature) * Math.PI) / 180;
  return {
    item: laid.glyphs.map((glyph, i) => ({ ...paint, quads: [shaped.lineGlyphs[i]!.quad], x: glyph.x + tx, y: glyph.y + ty, rotateRad: glyph.angleRad + rotateRad })),
    shapes: laid.circles.map((circle) => ({ ...circle, cx: circle.cx + tx, cy: circle.cy + ty })),
    ...textPlacement(c, feature),
  };
}

/** A label's box in CSS pixels relative to the anchor (text-offset included): what icon-text-fit fits. */
export function textRectOf(shaped: ShapedText, textSize: number): CssRect {
  const scale = textSize / GLYPH_SIZE_PX;
  const { shaping } = shaped;
  return { left: shaping.left * scale, top: shaping.top * scale, right: shaping.right * scale, bottom: shaping.bottom * scale };
}

/** `{field}` tokens replaced by the feature's properties (missing ones by nothing), as MapLibre's resolveTokens. */
export function resolveTokens(text: string, feature: Feature): string {
  return text.replace(/{([^{}]+)}/g, (_, key: string) => {
    const property = feature.properties[key];
    return property === undefined || property === null ? '' : String(property);
  });
}

/** How a feature's text is painted: size and colours, the same for every glyph. */
function textPaint({ read, pixelRatio }: SymbolLayoutContext, feature: Feature) {
  const size = read('text-size')(feature);
  return {
    scale: [(size * pixelRatio) / GLYPH_SIZE_PX, (size * pixelRatio) / GLYPH_SIZE_PX] as const,
    fontScale: size / GLYPH_SIZE_PX,
    color: read('text-color')(feature),
    haloColor: read('text-halo-color')(feature),
    haloWidth: read('text-halo-width')(feature),
    haloBlur: read('text-halo-blur')(feature),
    opacity: read('text-opacity')(feature),
  };
}

function textPlacement({ read }: SymbolLayoutContext, feature: Feature) {
  return { allowOverlap: read('text-allow-overlap')(feature), ignorePlacement: read('text-ignore-placement')(feature), optional: read('text-optional')(feature) };
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
