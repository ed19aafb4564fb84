/**
 * Symbols of a feature placed along its lines (symbol-placement `line`, `line-center`):
 * the anchors its tile gives it, and a label's glyphs and collision circles laid along the
 * line from one anchor. The geometry itself is in line-placement.ts; this module turns a
 * tile's features and a label's glyphs into it and back.
 */
import type { Circle } from './collision-index.ts';
import type { SdfQuad } from './draw-sdf.ts';
import { GLYPH_SIZE_PX } from './glyphs.ts';
import {
  centerAnchor,
  clipLine,
  collisionCircles,
  isInExtent,
  lineAnchors,
  placeAlongLine,
  type AnchorSpacing,
  type Extent,
  type LineAnchor,
  type LinePoint,
  type PlacedGlyph,
} from './line-placement.ts';
import type { TileFeature, TilePlacement } from './tile-geometry.ts';
import type { ViewRotation } from './view-rotation.ts';

/** MapLibre lays out a tile as 512 CSS pixels at its own zoom (EXTENT / tilePixelRatio). */
const TILE_SIZE_CSS_PX = 512;

/** An SDF glyph quad and where its centre sits along the label, in 24-px glyph units. */
export interface LineGlyph {
  /** The quad relative to the glyph's centre on the line. */
  readonly quad: SdfQuad;
  /** The centre's distance from the anchor along the line, before text-offset. */
  readonly centre: number;
}

/** The tile's own extent on the canvas, unrounded: a symbol belongs to the tile whose extent holds its anchor. */
export function tileExtent(p: TilePlacement): Extent {
  return { left: p.offsetX, top: p.offsetY, right: p.offsetX + p.extent * p.scaleX, bottom: p.offsetY + p.extent * p.scaleY };
}

/**
 * How MapLibre would lay this tile out: canvas pixels per layout pixel (spacing and label
 * lengths are laid out in the tile, so they grow with the map between zoom levels), and
 * the overscaling of a tile drawn beyond its source's maxzoom.
 */
export function layoutScale(p: TilePlacement, pixelRatio: number): { pxPerLayoutPx: number; overscaling: number } {
  const magnification = (p.extent * p.scaleX) / (TILE_SIZE_CSS_PX * pixelRatio);
  // 1e-6: a tile shown at exactly 2^n times its size is overscaled 2^n, not 2^(n-1).
  const overscaling = magnification >= 1 ? 2 ** Math.floor(Math.log2(magnification) + 1e-6) : 1;
  return { pxPerLayoutPx: (pixelRatio * magnification) / overscaling, overscaling };
}

/** A line of the feature with one anchor on it. */
export interface LineSite {
  readonly line: readonly LinePoint[];
  readonly anchor: LineAnchor;
}

/**
 * The anchors on a feature's lines that lie in its own tile: every spacing along each line
 * cut to the tile (`line`), or the middle of each whole line (`line-center`).
 */
export function lineSites(
  lines: readonly (readonly LinePoint[])[],
  placement: 'line' | 'line-center',
  extent: Extent,
  spacing: AnchorSpacing,
): LineSite[] {
  const sites: LineSite[] = [];
  for (const line of lines) {
    if (placement === 'line-center') {
      const anchor = centerAnchor(line, spacing);
      if (anchor && isInExtent(anchor, extent)) sites.push({ line, anchor });
      continue;
    }
    for (const part of clipLine(line, extent)) {
      for (const anchor of lineAnchors(part, extent, spacing)) sites.push({ line: part, anchor });
    }
  }
  return sites;
}

/** A site laid out in the map frame, on the screen: its line and anchor turned with the view. */
export function siteOnScreen(site: LineSite, rotation: ViewRotation): LineSite {
  if (rotation.isNone) return site;
  const onScreen = (p: LinePoint): LinePoint => {
    const [x, y] = rotation.toScreen(p.x, p.y);
    return { x, y };
  };
  return {
    line: site.line.map(onScreen),
    anchor: { ...site.anchor, ...onScreen(site.anchor), angleRad: site.anchor.angleRad + rotation.angleRad },
  };
}

/** A feature's lines in canvas pixels (a polygon's rings count as lines; points have none). */
export function linesOf(tf: TileFeature): LinePoint[][] {
  if (tf.type !== 2 && tf.type !== 3) return [];
  const { coords, ringEnds } = tf.geometry();
  const lines: LinePoint[][] = [];
  let start = 0;
  for (const end of ringEnds) {
    const line: LinePoint[] = [];
    for (let i = start; i < end; i++) line.push({ x: coords[i * 2]!, y: coords[i * 2 + 1]! });
    if (line.length >= 2) lines.push(line);
    start = end;
  }
  return lines;
}

/**
 * Anchors of labels already placed per text in one tile of one layer: MapLibre drops an
 * anchor of a line label within half a spacing of another with the same text (a street
 * cut into several features would otherwise repeat its name at every cut).
 */
export class RepeatedText {
  private readonly anchors = new Map<string, LinePoint[]>();

  /** Whether the text already has an anchor within the distance; remembers this one when not. */
  isTooClose(text: string, anchor: LinePoint, distancePx: number): boolean {
    let list = this.anchors.get(text);
    if (!list) this.anchors.set(text, (list = []));
    if (list.some((other) => Math.hypot(other.x - anchor.x, other.y - anchor.y) < distancePx)) return true;
    list.push(anchor);
    return false;
  }
}

/** A text laid along its line: each glyph with its own place and angle, and the circles it covers. */
export interface LineText {
  readonly glyphs: readonly PlacedGlyph[];
  readonly circles: readonly Circle[];
}

/** How a label is laid along its line, sizes in canvas pixels per glyph unit and canvas pixels. */
export interface LineTextLayout {
  readonly pxPerGlyphUnit: number;
  /** text-offset in ems: along the line, then across it. */
  readonly offsetEms: readonly [number, number];
  /** The label's height in glyph units (MapLibre's collision circle diameter, at least 10). */
  readonly heightGlyphUnits: number;
  /** text-padding in canvas pixels, added to each circle's radius. */
  readonly paddingPx: number;
  readonly keepUpright: boolean;
}

/** The glyphs laid along the line from the site's anchor; undefined when the label runs off the line. */
export function layTextAlongLine(site: LineSite, glyphs: readonly LineGlyph[], layout: LineTextLayout): LineText | undefined {
  const scale = layout.pxPerGlyphUnit;
  const label = placeAlongLine(
    site.line,
    site.anchor,
    {
      offsetsPx: glyphs.map((g) => g.centre * scale),
      shiftAlongPx: layout.offsetEms[0] * GLYPH_SIZE_PX * scale,
      shiftAcrossPx: layout.offsetEms[1] * GLYPH_SIZE_PX * scale,
    },
    layout.keepUpright,
  );
  if (!label) return undefined;
  const radius = (Math.max(10, layout.heightGlyphUnits) * scale) / 2 + layout.paddingPx;
  return { glyphs: label.glyphs, circles: collisionCircles(label.path, radius) };
}

/** The angle of an icon on the line at its anchor (turned round when keep-upright wants it); undefined at the line's very end. */
export function iconAngleOnLine(site: LineSite, keepUpright: boolean): number | undefined {
  return placeAlongLine(site.line, site.anchor, { offsetsPx: [0], shiftAlongPx: 0, shiftAcrossPx: 0 }, keepUpright)?.glyphs[0]?.angleRad;
}
