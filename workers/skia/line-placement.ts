/**
 * Symbols along lines, as MapLibre places them (get_anchors.ts, check_max_angle.ts,
 * projection.ts), in canvas pixels: anchors every symbol-spacing along a line cut to its
 * tile, rejected where the label would bend more than text-max-angle or run off the line;
 * then each glyph at its distance from the anchor along the line, turned with its segment.
 * Pure.
 *
 *                  d < 0 ◄──┼──► d > 0
 *   v0 ───────────────────────●────────────┐ v1     a glyph whose centre lies d px from
 *                          anchor          │        the anchor sits where walking d px
 *                        (segment 0)       │        along the line ends, turned to that
 *                                          ▼ v2     segment (so a label bends round v1)
 */
import type { Circle } from './collision-index.ts';

/** A point in canvas pixels. */
export interface LinePoint {
  readonly x: number;
  readonly y: number;
}

/** Where a label sits on a line: the point, its segment's angle, and the segment (from vertex `segment` to `segment + 1`). */
export interface LineAnchor extends LinePoint {
  readonly angleRad: number;
  readonly segment: number;
}

/** A rectangle in canvas pixels: [left, right) × [top, bottom). */
export interface Extent {
  readonly left: number;
  readonly top: number;
  readonly right: number;
  readonly bottom: number;
}

/** How anchors are spaced along a line, all lengths in canvas pixels. */
export interface AnchorSpacing {
  /** symbol-spacing. */
  readonly spacingPx: number;
  /** The longer of the label's text and icon along the line. */
  readonly labelLengthPx: number;
  /** The part of the line in which bends add up against maxAngleRad; 0 checks no angle (icons only). */
  readonly angleWindowPx: number;
  /** text-max-angle. */
  readonly maxAngleRad: number;
  /** How far past half the label the first anchor of a line that starts in the tile lies (MapLibre: two ems). */
  readonly startGapPx: number;
  /** 2^(zoom − source tile zoom) when a tile is drawn beyond its source's maxzoom; 1 otherwise. */
  readonly overscaling: number;
}

/**
 * Parts of a line inside a rectangle (edges included), as MapLibre's clipLine cuts a line to
 * its tile before placing labels on it: each run inside the rectangle becomes one part,
 * with vertices exactly on the edge where the line crosses it.
 */
export function clipLine(line: readonly LinePoint[], extent: Extent): LinePoint[][] {
  const parts: LinePoint[][] = [];
  let current: LinePoint[] | undefined;
  for (let i = 0; i + 1 < line.length; i++) {
    const cut = clipSegment(line[i]!, line[i + 1]!, extent);
    if (!cut) {
      current = undefined;
      continue;
    }
    const [from, to] = cut;
    if (!current || from !== line[i]) parts.push((current = [from]));
    current.push(to);
    if (to !== line[i + 1]) current = undefined;
  }
  return parts.filter((part) => part.length >= 2);
}

/** A segment cut to the rectangle (Liang–Barsky); endpoints inside come back as the same objects. */
function clipSegment(a: LinePoint, b: LinePoint, e: Extent): [LinePoint, LinePoint] | undefined {
  const dx = b.x - a.x;
  const dy = b.y - a.y;
  let t0 = 0;
  let t1 = 1;
  for (const [p, q] of [
    [-dx, a.x - e.left],
    [dx, e.right - a.x],
    [-dy, a.y - e.top],
    [dy, e.bottom - a.y],
  ] as const) {
    if (p === 0) {
      if (q < 0) return undefined;
      continue;
    }
    const t = q / p;
    if (p < 0) t0 = Math.max(t0, t);
    else t1 = Math.min(t1, t);
    if (t0 > t1) return undefined;
  }
  return [t0 === 0 ? a : onEdge(a, dx, dy, t0, e), t1 === 1 ? b : onEdge(a, dx, dy, t1, e)];
}

/** The point at t along a segment, snapped to the edge it lies on so "starts on the tile edge" can be tested exactly. */
function onEdge(a: LinePoint, dx: number, dy: number, t: number, e: Extent): LinePoint {
  const snap = (v: number, low: number, high: number): number =>
    Math.abs(v - low) < 1e-9 ? low : Math.abs(v - high) < 1e-9 ? high : v;
  return { x: snap(a.x + dx * t, e.left, e.right), y: snap(a.y + dy * t, e.top, e.bottom) };
}

function distance(a: LinePoint, b: LinePoint): number {
  return Math.hypot(b.x - a.x, b.y - a.y);
}

function lineLength(line: readonly LinePoint[]): number {
  let length = 0;
  for (let i = 0; i + 1 < line.length; i++) length += distance(line[i]!, line[i + 1]!);
  return length;
}

/** Whether a point lies in the rectangle, its right and bottom edges excluded (they belong to the next tile). */
export function isInExtent(p: LinePoint, e: Extent): boolean {
  return p.x >= e.left && p.x < e.right && p.y >= e.top && p.y < e.bottom;
}

/**
 * Anchors every spacing along a line already cut to its tile (symbol-placement `line`).
 * A line that comes in over the tile edge starts half a spacing in, so anchors continue
 * the neighbour's rhythm; one that starts inside starts half the label plus a gap in, so a
 * label does not sit on a junction. Long labels widen the spacing to keep a quarter
 * spacing between them. With no anchor found, one in the middle is tried.
 */
export function lineAnchors(line: readonly LinePoint[], extent: Extent, s: AnchorSpacing): LineAnchor[] {
  if (line.length < 2) return [];
  const first = line[0]!;
  const continued = first.x === extent.left || first.x === extent.right || first.y === extent.top || first.y === extent.bottom;
  let spacing = s.spacingPx;
  if (spacing - s.labelLengthPx < spacing / 4) spacing = s.labelLengthPx + spacing / 4;
  const offset = continued
    ? ((spacing / 2) * s.overscaling) % spacing
    : ((s.labelLengthPx / 2 + s.startGapPx) * s.overscaling) % spacing;
  const anchors = resample(line, extent, offset, spacing, s);
  if (anchors.length > 0 || continued) return anchors;
  return resample(line, extent, lineLength(line) / 2, spacing, s);
}

function resample(line: readonly LinePoint[], extent: Extent, offset: number, spacing: number, s: AnchorSpacing): LineAnchor[] {
  const half = s.labelLengthPx / 2;
  const total = lineLength(line);
  const anchors: LineAnchor[] = [];
  let travelled = 0;
  let marked = offset - spacing;
  for (let i = 0; i + 1 < line.length; i++) {
    const a = line[i]!;
    const b = line[i + 1]!;
    const length = distance(a, b);
    const angleRad = Math.atan2(b.y - a.y, b.x - a.x);
    while (marked + spacing < travelled + length) {
      marked += spacing;
      const t = (marked - travelled) / length;
      const anchor: LineAnchor = { x: a.x + (b.x - a.x) * t, y: a.y + (b.y - a.y) * t, angleRad, segment: i };
      // In this tile, and room for the whole label before the line ends on either side.
      if (!isInExtent(anchor, extent) || marked - half < 0 || marked + half > total) continue;
      if (fitsMaxAngle(line, anchor, s)) anchors.push(anchor);
    }
    travelled += length;
  }
  return anchors;
}

/** The anchor in the middle of a whole line (symbol-placement `line-center`), if the label fits and bends little enough there. */
export function centerAnchor(line: readonly LinePoint[], s: Omit<AnchorSpacing, 'spacingPx' | 'startGapPx' | 'overscaling'>): LineAnchor | undefined {
  const middle = lineLength(line) / 2;
  let travelled = 0;
  for (let i = 0; i + 1 < line.length; i++) {
    const a = line[i]!;
    const b = line[i + 1]!;
    const length = distance(a, b);
    if (travelled + length > middle) {
      const t = (middle - travelled) / length;
      const anchor = { x: a.x + (b.x - a.x) * t, y: a.y + (b.y - a.y) * t, angleRad: Math.atan2(b.y - a.y, b.x - a.x), segment: i };
      return fitsMaxAngle(line, anchor, s) ? anchor : undefined;
    }
    travelled += length;
  }
  return undefined;
}

/**
 * Whether the label centred on the anchor fits on the line and no stretch of angleWindowPx
 * under it turns by more than maxAngleRad in total (MapLibre's checkMaxAngle).
 */
function fitsMaxAngle(
  line: readonly LinePoint[],
  anchor: LineAnchor,
  s: Pick<AnchorSpacing, 'labelLengthPx' | 'angleWindowPx' | 'maxAngleRad'>,
): boolean {
  if (!s.angleWindowPx) return true;
  const half = s.labelLengthPx / 2;
  // Back to the first vertex under the label (or the label runs off the line's start).
  let index = anchor.segment;
  let along = -distance(line[index]!, anchor);
  while (along > -half) {
    if (--index < 0) return false;
    along -= distance(line[index]!, line[index + 1]!);
  }
  along += distance(line[index]!, line[index + 1]!);
  index++;
  const corners: { along: number; turn: number }[] = [];
  let windowTurn = 0;
  while (along < half) {
    const prev = line[index - 1]!;
    const current = line[index]!;
    const next = line[index + 1];
    if (!next) return false;
    const turn = Math.abs(normaliseAngle(Math.atan2(current.y - prev.y, current.x - prev.x) - Math.atan2(next.y - current.y, next.x - current.x)));
    corners.push({ along, turn });
    windowTurn += turn;
    while (along - corners[0]!.along > s.angleWindowPx) windowTurn -= corners.shift()!.turn;
    if (windowTurn > s.maxAngleRad) return false;
    index++;
    along += distance(current, next);
  }
  return true;
}

/** An angle brought into −π..π. */
function normaliseAngle(rad: number): number {
  return ((((rad + Math.PI) % (2 * Math.PI)) + 2 * Math.PI) % (2 * Math.PI)) - Math.PI;
}

/** A glyph (or an icon) placed on the line: its centre and the angle it is drawn at. */
export interface PlacedGlyph extends LinePoint {
  readonly angleRad: number;
}

/** A label laid along its line, and the path under it from its first glyph to its last. */
export interface LineLabel {
  readonly glyphs: readonly PlacedGlyph[];
  readonly path: readonly LinePoint[];
}

/** Where a label's glyphs go: their centres' distances from the anchor, and text-offset, in canvas pixels. */
export interface GlyphLayout {
  /** Along the line (positive: in the line's direction) for each glyph, in reading order. */
  readonly offsetsPx: readonly number[];
  /** text-offset: along the line, and to the right of it. */
  readonly shiftAlongPx: number;
  readonly shiftAcrossPx: number;
}

/**
 * The glyphs of a label laid along its line from the anchor, as MapLibre's
 * placeGlyphsAlongLine does; undefined when a glyph would run off the line's end. With
 * keepUpright, a label that would read right to left is laid the other way round.
 */
export function placeAlongLine(line: readonly LinePoint[], anchor: LineAnchor, layout: GlyphLayout, keepUpright: boolean): LineLabel | undefined {
  const offsets = layout.offsetsPx;
  if (offsets.length === 0) return undefined;
  const place = (flip: boolean): PlacedPath[] | undefined => {
    const placed: PlacedPath[] = [];
    for (const offset of offsets) {
      const glyph = placeGlyph(line, anchor, offset, layout, flip);
      if (!glyph) return undefined;
      placed.push(glyph);
    }
    return placed;
  };
  let placed = place(false);
  if (!placed) return undefined;
  if (keepUpright && readsBackwards(line, anchor, placed)) {
    placed = place(true);
    if (!placed) return undefined;
  }
  const first = placed[0]!;
  const last = placed[placed.length - 1]!;
  // The path between the first and the last glyph, through the vertices between (the anchor lies on that stretch).
  const path = [...[...first.path].reverse().slice(0, -1), ...last.path.slice(1)];
  return { glyphs: placed.map(({ x, y, angleRad }) => ({ x, y, angleRad })), path: path.length > 0 ? path : [first] };
}

/** Whether a label laid in the line's direction would read right to left (its last glyph left of its first). */
function readsBackwards(line: readonly LinePoint[], anchor: LineAnchor, placed: readonly PlacedPath[]): boolean {
  if (placed.length > 1) return placed[0]!.x > placed[placed.length - 1]!.x;
  // One glyph: by the direction of its segment.
  return anchor.x > line[anchor.segment + 1]!.x;
}

interface PlacedPath extends PlacedGlyph {
  /** From the anchor through the vertices passed to the glyph's centre. */
  readonly path: readonly LinePoint[];
}

/** One glyph `offset` px from the anchor along the line (walking backwards when flipped). */
function placeGlyph(line: readonly LinePoint[], anchor: LineAnchor, offset: number, layout: GlyphLayout, flip: boolean): PlacedPath | undefined {
  const along = flip ? offset - layout.shiftAlongPx : offset + layout.shiftAlongPx;
  let dir = along > 0 ? 1 : -1;
  let angleRad = 0;
  if (flip) {
    dir = -dir;
    angleRad = Math.PI;
  }
  if (dir < 0) angleRad += Math.PI;
  let index = dir > 0 ? anchor.segment : anchor.segment + 1;
  let current: LinePoint = anchor;
  let prev: LinePoint = anchor;
  let toPrev = 0;
  let segmentLength = 0;
  const distanceLeft = Math.abs(along);
  const path: LinePoint[] = [];
  while (toPrev + segmentLength <= distanceLeft) {
    index += dir;
    if (index < 0 || index >= line.length) return undefined;
    prev = current;
    path.push(current);
    current = line[index]!;
    toPrev += segmentLength;
    segmentLength = distance(prev, current);
  }
  const t = (distanceLeft - toPrev) / segmentLength;
  const ux = (current.x - prev.x) / segmentLength;
  const uy = (current.y - prev.y) / segmentLength;
  // text-offset's y moves the glyph to the right of the direction the label reads in.
  const across = layout.shiftAcrossPx * dir;
  const point = { x: prev.x + (current.x - prev.x) * t - uy * across, y: prev.y + (current.y - prev.y) * t + ux * across };
  path.push(point);
  return { ...point, angleRad: angleRad + Math.atan2(current.y - prev.y, current.x - prev.x), path };
}

/**
 * Circles of one radius along a label's path, as MapLibre covers a line label for
 * collisions: at most 2.5 radii apart, inset a quarter radius at both ends.
 */
export function collisionCircles(path: readonly LinePoint[], radius: number): Circle[] {
  if (path.length === 1) return [{ cx: path[0]!.x, cy: path[0]!.y, r: radius }];
  const cumulative = [0];
  for (let i = 1; i < path.length; i++) cumulative.push(cumulative[i - 1]! + distance(path[i - 1]!, path[i]!));
  const length = cumulative[cumulative.length - 1]!;
  const inset = Math.min(radius * 0.25, length / 2);
  const span = length - 2 * inset;
  const count = length <= radius / 2 ? 1 : Math.ceil(span / (radius * 2.5)) + 1;
  const circles: Circle[] = [];
  let segment = 1;
  for (let i = 0; i < count; i++) {
    const target = (i / Math.max(count - 1, 1)) * span + inset;
    while (segment < path.length - 1 && cumulative[segment]! < target) segment++;
    const a = path[segment - 1]!;
    const b = path[segment]!;
    const piece = cumulative[segment]! - cumulative[segment - 1]!;
    const t = piece > 0 ? (target - cumulative[segment - 1]!) / piece : 0;
    circles.push({ cx: a.x + (b.x - a.x) * t, cy: a.y + (b.y - a.y) * t, r: radius });
  }
  return circles;
}
