/**
 * Where a translucent line is blended twice in MapLibre. Its line shader draws a line as
 * one quad per segment: at a miter join the neighbouring quads meet on the miter, but at a
 * bevel or round join (and a miter past line-miter-limit) each ends square across its own
 * segment, so on the inside of the turn they overlap and the colour is laid on twice. A
 * canvas stroke covers the line's outline once; filling these overlaps once more makes
 * translucent lines match (line-opacity, line-join/*-transparent in the render suite).
 *
 *          E_A ┬───────── inner offset of A
 *   A ──────── V ┐         the overlap at V is the kite V, E_A, M, E_B: between the ends
 *              │ M         of both quads and their inner edges, M where the inner edges
 *          E_B ┘ │         meet (h · tan(θ/2) from V along each segment)
 *                B
 */
import { Path2D, PathOp } from '@napi-rs/canvas';
import type { LineRun } from './feature-paths.ts';

export interface JoinStyle {
  readonly join: 'bevel' | 'round' | 'miter';
  readonly miterLimit: number;
  /** line-round-limit: below this miter length a round join is drawn as a miter. */
  readonly roundLimit: number;
}

/** Turns gentler than this (radians) overlap by less than a hundredth of a pixel: left out. */
const MIN_TURN_RAD = 0.02;

/** The overlaps of the runs' joins as one path (nonzero), or undefined when there are none. */
export function joinOverlaps(runs: readonly LineRun[], halfWidthPx: number, style: JoinStyle): Path2D | undefined {
  let path: Path2D | undefined;
  for (const run of runs) {
    const count = run.to - run.from;
    const vertex = (k: number): [number, number] => {
      const i = run.from + (run.closed ? ((k % count) + count) % count : k);
      return [run.coords[i * 2]!, run.coords[i * 2 + 1]!];
    };
    // A closed ring repeats its first vertex last: its joins are at every distinct vertex.
    const distinct = run.closed ? count - 1 : count;
    const first = run.closed ? 0 : 1;
    const last = run.closed ? distinct - 1 : count - 2;
    for (let k = first; k <= last; k++) {
      const overlap = joinOverlap(vertex(k === 0 && run.closed ? distinct - 1 : k - 1), vertex(k), vertex(k + 1), halfWidthPx, style);
      if (!overlap) continue;
      path ??= new Path2D();
      path.addPath(overlap);
    }
  }
  return path;
}

/** The overlap of the quads of segments P→V and V→Q, or undefined at a miter join or a gentle turn. */
export function joinOverlap(
  [px, py]: readonly [number, number],
  [vx, vy]: readonly [number, number],
  [qx, qy]: readonly [number, number],
  h: number,
  style: JoinStyle,
): Path2D | undefined {
  const lengthA = Math.hypot(vx - px, vy - py);
  const lengthB = Math.hypot(qx - vx, qy - vy);
  if (!(lengthA > 0 && lengthB > 0 && h > 0)) return undefined;
  const [ax, ay] = [(vx - px) / lengthA, (vy - py) / lengthA];
  const [bx, by] = [(qx - vx) / lengthB, (qy - vy) / lengthB];
  const cos = Math.max(-1, Math.min(1, ax * bx + ay * by));
  const turn = Math.acos(cos);
  if (turn < MIN_TURN_RAD || !overlapsAt(turn, style)) return undefined;
  // The inner side is where B turns to: the normal of A that B leans along.
  const side = ax * by - ay * bx > 0 ? 1 : -1;
  const [nax, nay] = [-ay * side, ax * side];
  const [nbx, nby] = [-by * side, bx * side];
  const reach = h * Math.tan(turn / 2);
  if (reach >= lengthA || reach >= lengthB || !Number.isFinite(reach)) return hairpinOverlap([px, py], [vx, vy], [qx, qy], h);
  const path = new Path2D();
  path.moveTo(vx, vy);
  path.lineTo(vx + h * nax, vy + h * nay);
  // The inner edges meet at V + h · (nA + nB) / (1 + cos θ).
  path.lineTo(vx + (h * (nax + nbx)) / (1 + cos), vy + (h * (nay + nby)) / (1 + cos));
  path.lineTo(vx + h * nbx, vy + h * nby);
  path.closePath();
  return path;
}

/** Which joins MapLibre's line bucket draws with square-ended quads, by the turn's miter length (1 / cos(θ/2)). */
function overlapsAt(turn: number, { join, miterLimit, roundLimit }: JoinStyle): boolean {
  const miterLength = 1 / Math.cos(turn / 2);
  if (join === 'round') return miterLength >= roundLimit;
  // A bevel whose miter would be short is drawn as a miter; a miter too long, as a bevel.
  return miterLength >= miterLimit;
}

/** A turn so sharp that the kite runs past a segment's far end: the two quads intersected exactly. */
function hairpinOverlap(p: readonly [number, number], v: readonly [number, number], q: readonly [number, number], h: number): Path2D | undefined {
  const overlap = segmentQuad(p, v, h).op(segmentQuad(v, q, h), PathOp.Intersect);
  return overlap.getBounds().every(Number.isFinite) ? overlap : undefined;
}

function segmentQuad([x0, y0]: readonly [number, number], [x1, y1]: readonly [number, number], h: number): Path2D {
  const length = Math.hypot(x1 - x0, y1 - y0);
  const [nx, ny] = [(-(y1 - y0) / length) * h, ((x1 - x0) / length) * h];
  const quad = new Path2D();
  quad.moveTo(x0 + nx, y0 + ny);
  quad.lineTo(x1 + nx, y1 + ny);
  quad.lineTo(x1 - nx, y1 - ny);
  quad.lineTo(x0 - nx, y0 - ny);
  quad.closePath();
  return quad;
}
