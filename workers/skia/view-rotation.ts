/**
 * A view turned by a bearing. Geometry is laid out in the map frame: canvas pixels of the
 * view as if north were up (what tile-geometry.ts computes), where tiles clip to whole
 * pixels and symbols are anchored and spaced as in MapLibre's tile layout. The screen is
 * that frame turned about the canvas centre: fills and lines are drawn through the
 * context's transform, and symbols, circles and rasters (painted pixel by pixel) take
 * their points to the screen one by one. With no bearing both frames are the same and
 * nothing is transformed, so unrotated renders are unchanged to the bit.
 */
import type { SKRSContext2D } from '@napi-rs/canvas';
import { Path2D } from '@napi-rs/canvas';

/** A rectangle in canvas pixels. */
export interface FrameRect {
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
}

export class ViewRotation {
  /** The map's turn on the screen, canvas convention (clockwise positive): minus the bearing. */
  readonly angleRad: number;
  readonly isNone: boolean;
  private readonly cos: number;
  private readonly sin: number;
  private readonly cx: number;
  private readonly cy: number;

  /** `bearingDeg` as MapLibre's: the compass direction at the top of the screen. */
  constructor(bearingDeg: number, widthPx: number, heightPx: number) {
    const normalized = ((bearingDeg % 360) + 360) % 360;
    this.isNone = normalized === 0;
    this.angleRad = this.isNone ? 0 : (-normalized * Math.PI) / 180;
    // Exact quarter turns, so a map turned 90° keeps its pixels on the pixel grid.
    this.cos = exactTrig(Math.cos(this.angleRad));
    this.sin = exactTrig(Math.sin(this.angleRad));
    this.cx = widthPx / 2;
    this.cy = heightPx / 2;
  }

  /** A map-frame point on the screen. */
  toScreen(x: number, y: number): [number, number] {
    if (this.isNone) return [x, y];
    const dx = x - this.cx;
    const dy = y - this.cy;
    return [this.cx + dx * this.cos - dy * this.sin, this.cy + dx * this.sin + dy * this.cos];
  }

  /** A screen point in the map frame. */
  toMap(x: number, y: number): [number, number] {
    if (this.isNone) return [x, y];
    const dx = x - this.cx;
    const dy = y - this.cy;
    return [this.cx + dx * this.cos + dy * this.sin, this.cy - dx * this.sin + dy * this.cos];
  }

  /** A map-frame vector (a map-anchored translate) on the screen. */
  vectorToScreen(dx: number, dy: number): [number, number] {
    if (this.isNone) return [dx, dy];
    return [dx * this.cos - dy * this.sin, dx * this.sin + dy * this.cos];
  }

  /** A screen vector (a viewport-anchored translate) in the map frame. */
  vectorToMap(dx: number, dy: number): [number, number] {
    if (this.isNone) return [dx, dy];
    return [dx * this.cos + dy * this.sin, -dx * this.sin + dy * this.cos];
  }

  /** The map-frame rectangle that holds the whole screen: what a render must draw. */
  screenInMap(widthPx: number, heightPx: number): FrameRect {
    return this.rectInMap({ x: 0, y: 0, width: widthPx, height: heightPx });
  }

  /** The map-frame rectangle that holds a screen rectangle. */
  rectInMap(rect: FrameRect): FrameRect {
    if (this.isNone) return rect;
    const [x0, y0, x1, y1] = [rect.x, rect.y, rect.x + rect.width, rect.y + rect.height];
    const corners = [this.toMap(x0, y0), this.toMap(x1, y0), this.toMap(x1, y1), this.toMap(x0, y1)];
    const xs = corners.map((p) => p[0]);
    const ys = corners.map((p) => p[1]);
    const x = Math.min(...xs);
    const y = Math.min(...ys);
    return { x, y, width: Math.max(...xs) - x, height: Math.max(...ys) - y };
  }

  /** Sets the context to draw map-frame coordinates on the screen. */
  apply(ctx: SKRSContext2D): void {
    if (this.isNone) return;
    ctx.translate(this.cx, this.cy);
    ctx.rotate(this.angleRad);
    ctx.translate(-this.cx, -this.cy);
  }

  /**
   * The screen pixels whose centres fall inside a map-frame rectangle, as a path of whole
   * pixel rows. Clipping to it is exact (no anti-aliased edge), and two rectangles that
   * share an edge share no pixel and leave none out, as a GPU's stencil clip does: tiles
   * meet without a seam at any bearing. Undefined when no pixel is inside.
   */
  pixelsInside(rect: FrameRect, widthPx: number, heightPx: number): Path2D | undefined {
    const corners = [
      this.toScreen(rect.x, rect.y),
      this.toScreen(rect.x + rect.width, rect.y),
      this.toScreen(rect.x + rect.width, rect.y + rect.height),
      this.toScreen(rect.x, rect.y + rect.height),
    ];
    const edges = corners.map((a, i) => orderedEdge(a, corners[(i + 1) % 4]!));
    const ys = corners.map((p) => p[1]);
    const top = Math.max(0, Math.ceil(Math.min(...ys) - 0.5));
    const bottom = Math.min(heightPx, Math.ceil(Math.max(...ys) - 0.5));
    const path = new Path2D();
    let empty = true;
    // Rows with the same span merge into one rectangle.
    let run: { from: number; to: number; left: number; right: number } | undefined;
    const flush = (): void => {
      if (!run) return;
      path.rect(run.left, run.from, run.right - run.left, run.to - run.from);
      empty = false;
      run = undefined;
    };
    for (let row = top; row < bottom; row++) {
      const span = rowSpan(edges, row + 0.5, widthPx);
      if (!span) {
        flush();
        continue;
      }
      if (run && run.to === row && run.left === span[0] && run.right === span[1]) run.to = row + 1;
      else {
        flush();
        run = { from: row, to: row + 1, left: span[0], right: span[1] };
      }
    }
    flush();
    return empty ? undefined : path;
  }
}

/** cos/sin of quarter turns come out a hair off zero; snap them so 90° is exact. */
function exactTrig(value: number): number {
  const rounded = Math.round(value);
  return Math.abs(value - rounded) < 1e-12 ? rounded : value;
}

type Edge = readonly [number, number, number, number];

/** An edge with its ends in one order (by y, then x), so two quads sharing it compute the same crossings. */
function orderedEdge(a: readonly [number, number], b: readonly [number, number]): Edge {
  return a[1] < b[1] || (a[1] === b[1] && a[0] <= b[0]) ? [a[0], a[1], b[0], b[1]] : [b[0], b[1], a[0], a[1]];
}

/** The pixel columns [left, right) whose centres on the row at height y lie inside the convex quad. */
function rowSpan(edges: readonly Edge[], y: number, widthPx: number): [number, number] | undefined {
  let minX = Infinity;
  let maxX = -Infinity;
  for (const [x0, y0, x1, y1] of edges) {
    // Half-open in y, so a vertex row is counted once.
    if (!(y >= y0 && y < y1)) continue;
    const x = x0 + ((y - y0) * (x1 - x0)) / (y1 - y0);
    if (x < minX) minX = x;
    if (x > maxX) maxX = x;
  }
  if (!(maxX > minX)) return undefined;
  // Centre c + 0.5 inside [minX, maxX): the same rule on both sides of a shared edge.
  const left = Math.max(0, Math.ceil(minX - 0.5));
  const right = Math.min(widthPx, Math.ceil(maxX - 0.5));
  return right > left ? [left, right] : undefined;
}
