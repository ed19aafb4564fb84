import { describe, expect, it } from 'vitest';
import {
  centerAnchor,
  clipLine,
  collisionCircles,
  lineAnchors,
  placeAlongLine,
  type AnchorSpacing,
  type LinePoint,
} from '../../workers/skia/line-placement.ts';
import { mergeLines } from '../../workers/skia/merge-lines.ts';

const tile = { left: 0, top: 0, right: 512, bottom: 512 };
const spacing: AnchorSpacing = {
  spacingPx: 250,
  labelLengthPx: 60,
  angleWindowPx: 0,
  maxAngleRad: Math.PI / 4,
  startGapPx: 32,
  overscaling: 1,
};
const pts = (...xy: [number, number][]): LinePoint[] => xy.map(([x, y]) => ({ x, y }));

describe('clipLine', () => {
  it('cuts a line into its runs inside the rectangle, with vertices on the edge', () => {
    const parts = clipLine(pts([-100, 100], [100, 100], [100, 600], [200, 600], [200, 300]), tile);
    expect(parts).toEqual([pts([0, 100], [100, 100], [100, 512]), pts([200, 512], [200, 300])]);
  });

  it('keeps a line inside whole and drops one outside', () => {
    const inside = pts([10, 10], [50, 50]);
    expect(clipLine(inside, tile)).toEqual([inside]);
    expect(clipLine(pts([-10, -10], [-50, 700]), tile)).toEqual([]);
  });
});

describe('lineAnchors', () => {
  it('spaces anchors by symbol-spacing, the first half the label plus a gap in on a line that starts in the tile', () => {
    const anchors = lineAnchors(pts([10, 100], [510, 100]), tile, spacing);
    // 30 (half the label) + 32 (gap) past the start, then every 250 px.
    expect(anchors.map((a) => a.x)).toEqual([72, 322]);
    expect(anchors.every((a) => a.y === 100 && a.angleRad === 0 && a.segment === 0)).toBe(true);
  });

  it('starts half a spacing in on a line that comes in over the tile edge', () => {
    const anchors = lineAnchors(pts([0, 100], [500, 100]), tile, spacing);
    expect(anchors.map((a) => a.x)).toEqual([125, 375]);
  });

  it('keeps a quarter spacing between long labels', () => {
    const anchors = lineAnchors(pts([0, 100], [511, 100]), tile, { ...spacing, labelLengthPx: 240 });
    // Spacing grows to 240 + 62.5; the last anchor still needs room for half the label.
    expect(anchors.map((a) => Math.round(a.x))).toEqual([151]);
  });

  it('falls back to the middle of a short line, and gives nothing when the label is longer than the line', () => {
    expect(lineAnchors(pts([100, 100], [180, 100]), tile, spacing).map((a) => a.x)).toEqual([140]);
    expect(lineAnchors(pts([100, 100], [150, 100]), tile, spacing)).toEqual([]);
  });

  it('rejects anchors where the label bends more than text-max-angle', () => {
    // A right angle at (200, 100): labels over the corner bend 90°.
    const line = pts([10, 100], [200, 100], [200, 500]);
    const strict = lineAnchors(line, tile, { ...spacing, spacingPx: 40, angleWindowPx: 20, maxAngleRad: Math.PI / 4 });
    const lax = lineAnchors(line, tile, { ...spacing, spacingPx: 40, angleWindowPx: 20, maxAngleRad: Math.PI });
    const nearCorner = (a: LinePoint) => Math.abs(a.x - 200) + Math.abs(a.y - 100) < 30;
    expect(lax.some(nearCorner)).toBe(true);
    expect(strict.some(nearCorner)).toBe(false);
    expect(strict.length).toBeGreaterThan(5);
  });

  it('drops anchors outside the tile, its right edge included', () => {
    const anchors = lineAnchors(pts([0, 512], [512, 512]), tile, spacing);
    expect(anchors).toEqual([]);
  });
});

describe('centerAnchor', () => {
  it('puts the anchor halfway along the line, on the segment that holds it', () => {
    const anchor = centerAnchor(pts([0, 0], [100, 0], [100, 300]), spacing)!;
    expect(anchor).toMatchObject({ x: 100, y: 100, segment: 1 });
    expect(anchor.angleRad).toBeCloseTo(Math.PI / 2, 9);
  });
});

describe('placeAlongLine', () => {
  const layout = { offsetsPx: [-20, 0, 20], shiftAlongPx: 0, shiftAcrossPx: 0 };

  it('puts each glyph at its distance along the line, turned with its segment', () => {
    const line = pts([0, 100], [100, 100], [100, 300]);
    const label = placeAlongLine(line, { x: 90, y: 100, angleRad: 0, segment: 0 }, layout, false)!;
    expect(label.glyphs.map((g) => [g.x, g.y])).toEqual([
      [70, 100],
      [90, 100],
      [100, 110],
    ]);
    // Pointing along +x, then down +y (angles up to whole turns).
    expect(Math.cos(label.glyphs[0]!.angleRad)).toBeCloseTo(1, 9);
    expect(Math.sin(label.glyphs[2]!.angleRad)).toBeCloseTo(1, 9);
    // The collision path runs from the first glyph round the corner to the last.
    expect(label.path).toEqual(pts([70, 100], [100, 100], [100, 110]));
  });

  it('lays a label on a right-to-left line the other way round with keep-upright', () => {
    const line = pts([200, 100], [0, 100]);
    const anchor = { x: 100, y: 100, angleRad: Math.PI, segment: 0 };
    const upright = placeAlongLine(line, anchor, layout, true)!;
    expect(upright.glyphs.map((g) => g.x)).toEqual([80, 100, 120]);
    expect(Math.cos(upright.glyphs[0]!.angleRad)).toBeCloseTo(1, 9);
    const as = placeAlongLine(line, anchor, layout, false)!;
    expect(as.glyphs.map((g) => g.x)).toEqual([120, 100, 80]);
  });

  it('moves glyphs by text-offset along and to the right of the line', () => {
    const label = placeAlongLine(pts([0, 100], [200, 100]), { x: 100, y: 100, angleRad: 0, segment: 0 }, { offsetsPx: [0], shiftAlongPx: 10, shiftAcrossPx: 5 }, false)!;
    expect(label.glyphs[0]).toMatchObject({ x: 110, y: 105 });
  });

  it('gives nothing when a glyph would run off the end of the line', () => {
    expect(placeAlongLine(pts([0, 100], [30, 100]), { x: 15, y: 100, angleRad: 0, segment: 0 }, layout, false)).toBeUndefined();
  });
});

describe('collisionCircles', () => {
  it('covers the path with circles at most 2.5 radii apart, inset a quarter radius', () => {
    const circles = collisionCircles(pts([0, 0], [100, 0]), 10);
    expect(circles[0]).toEqual({ cx: 2.5, cy: 0, r: 10 });
    expect(circles[circles.length - 1]!.cx).toBeCloseTo(97.5, 9);
    for (let i = 1; i < circles.length; i++) expect(circles[i]!.cx - circles[i - 1]!.cx).toBeLessThanOrEqual(25);
    expect(collisionCircles(pts([5, 5], [6, 5]), 10)).toHaveLength(1);
  });
});

describe('mergeLines', () => {
  it('joins lines with the same text end to start, in either order and across a middle piece', () => {
    const a = { item: 'a', text: 'Storgatan', lines: [pts([0, 0], [10, 0])] };
    const c = { item: 'c', text: 'Storgatan', lines: [pts([20, 0], [30, 0])] };
    const b = { item: 'b', text: 'Storgatan', lines: [pts([10, 0], [20, 0])] };
    const other = { item: 'x', text: 'Kyrkvägen', lines: [pts([30, 0], [40, 0])] };
    const merged = mergeLines([a, c, b, other]);
    expect(merged.map((m) => m.item)).toEqual(['a', 'x']);
    expect(merged[0]!.lines[0]).toEqual(pts([0, 0], [10, 0], [20, 0], [30, 0]));
    // The input is left as it was.
    expect(a.lines[0]).toEqual(pts([0, 0], [10, 0]));
  });

  it('leaves lines without text alone', () => {
    const icons = [
      { item: 1, text: undefined, lines: [pts([0, 0], [10, 0])] },
      { item: 2, text: undefined, lines: [pts([10, 0], [20, 0])] },
    ];
    expect(mergeLines(icons).map((m) => m.item)).toEqual([1, 2]);
  });
});
