/**
 * `line-offset`: a polyline moved sideways by a distance in pixels, positive to the right
 * of its direction on screen (y down). Each vertex moves along the bisector of its two
 * segment normals, by offset / cos(half the turn), so parallel segments stay parallel:
 *
 *        n1   n = (n1 + n2) / |n1 + n2|
 *   ──────┐   scale = 1 / (n · n1), capped at MAX_MITER_SCALE
 *         │ n2
 *
 * Pure: no canvas.
 */

/** Sharper turns than ~11.5° (1 / sin) would throw a vertex far away; cap it as a bevel would. */
const MAX_MITER_SCALE = 10;

/**
 * Vertices [start, end) of coords (x, y pairs) offset by offsetPx. A closed ring (first
 * vertex repeated last) offsets its seam vertex like any other corner.
 */
export function offsetPolyline(coords: Float64Array, start: number, end: number, offsetPx: number, closed: boolean): Float64Array {
  const n = end - start;
  const out = new Float64Array(n * 2);
  const isRing =
    closed && n > 2 && coords[start * 2] === coords[(end - 1) * 2] && coords[start * 2 + 1] === coords[(end - 1) * 2 + 1];
  for (let i = 0; i < n; i++) {
    const prev = segmentNormal(coords, start, n, i, -1, isRing);
    const next = segmentNormal(coords, start, n, i, +1, isRing);
    let nx: number;
    let ny: number;
    let scale = 1;
    if (!prev && !next) {
      nx = 0;
      ny = 0;
    } else if (!prev || !next) {
      [nx, ny] = (prev ?? next)!;
    } else {
      const sx = prev[0] + next[0];
      const sy = prev[1] + next[1];
      const length = Math.hypot(sx, sy);
      if (length < 1e-9) {
        // A full turn back: move along the incoming normal.
        [nx, ny] = prev;
      } else {
        nx = sx / length;
        ny = sy / length;
        scale = Math.min(1 / (nx * prev[0] + ny * prev[1]), MAX_MITER_SCALE);
      }
    }
    out[i * 2] = coords[(start + i) * 2]! + nx * offsetPx * scale;
    out[i * 2 + 1] = coords[(start + i) * 2 + 1]! + ny * offsetPx * scale;
  }
  return out;
}

/**
 * Unit right-hand normal of the segment before (direction -1) or after (+1) vertex i,
 * skipping repeated vertices; wraps around a closed ring; undefined at an open end.
 */
function segmentNormal(
  coords: Float64Array,
  start: number,
  n: number,
  i: number,
  direction: -1 | 1,
  isRing: boolean,
): [number, number] | undefined {
  const x = coords[(start + i) * 2]!;
  const y = coords[(start + i) * 2 + 1]!;
  // On a ring the last vertex equals the first; step over it when wrapping.
  for (let step = 1; step < n; step++) {
    let j = i + direction * step;
    if (isRing) j = ((j % (n - 1)) + (n - 1)) % (n - 1);
    else if (j < 0 || j >= n) return undefined;
    const dx = coords[(start + j) * 2]! - x;
    const dy = coords[(start + j) * 2 + 1]! - y;
    const length = Math.hypot(dx, dy);
    if (length > 1e-9) {
      // Direction of travel is from the earlier vertex to the later one.
      const tx = (direction * dx) / length;
      const ty = (direction * dy) / length;
      return [-ty, tx];
    }
  }
  return undefined;
}
