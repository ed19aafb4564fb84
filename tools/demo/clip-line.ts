import type { Xy } from './geometry.ts';

/** Where a line may not run (water, a motorway reserve). */
export type Blocked = (x: number, y: number) => boolean;

/** Sampling step along a line when looking for blocked stretches, metres. */
const SAMPLE_STEP_M = 20;

/** Lines stop this far short of blocked ground, so rounding to centimetres cannot put an end on it. */
const STOP_SHORT_M = 0.25;

/** The last free point between a free point a and a blocked point b: found to ~2 cm (10 halvings of ≤ 20 m), then backed off. */
function boundary(a: Xy, b: Xy, blocked: Blocked): Xy {
  let lo = 0;
  let hi = 1;
  for (let i = 0; i < 10; i++) {
    const mid = (lo + hi) / 2;
    if (blocked(a[0] + (b[0] - a[0]) * mid, a[1] + (b[1] - a[1]) * mid)) hi = mid;
    else lo = mid;
  }
  const t = Math.max(0, lo - STOP_SHORT_M / Math.hypot(b[0] - a[0], b[1] - a[1]));
  return [a[0] + (b[0] - a[0]) * t, a[1] + (b[1] - a[1]) * t];
}

/**
 * Splits a polyline where it runs over blocked ground. Blocked stretches no longer than
 * maxGapM between free ground on both sides are kept (bridges); longer ones are cut out, and
 * blocked ends are trimmed. Output pieces keep the original vertices plus the cut points.
 * Sampling every 20 m can step over a blocked sliver narrower than that; callers accept it.
 */
export function clipLine(line: readonly Xy[], blocked: Blocked, maxGapM: number): Xy[][] {
  // Densify, remembering which points are original so the output stays lean.
  const pts: Xy[] = [];
  const original: boolean[] = [];
  for (let i = 0; i < line.length - 1; i++) {
    const [ax, ay] = line[i]!;
    const [bx, by] = line[i + 1]!;
    const n = Math.max(1, Math.ceil(Math.hypot(bx - ax, by - ay) / SAMPLE_STEP_M));
    for (let k = 0; k < n; k++) {
      pts.push([ax + ((bx - ax) * k) / n, ay + ((by - ay) * k) / n]);
      original.push(k === 0);
    }
  }
  const last = line[line.length - 1];
  if (!last) return [];
  pts.push([last[0], last[1]]);
  original.push(true);

  const wet = pts.map(([x, y]) => blocked(x, y));
  if (!wet.includes(true)) return [line.map(([x, y]): Xy => [x, y])];

  const pieces: Xy[][] = [];
  let current: Xy[] = [];
  let i = 0;
  while (i < pts.length) {
    if (!wet[i]) {
      if (original[i] || current.length === 0) current.push(pts[i]!);
      i++;
      continue;
    }
    let j = i;
    while (j + 1 < pts.length && wet[j + 1]) j++;
    const touchesEnd = i === 0 || j === pts.length - 1;
    let gapM = 0;
    if (!touchesEnd) {
      for (let k = i - 1; k <= j; k++) gapM += Math.hypot(pts[k + 1]![0] - pts[k]![0], pts[k + 1]![1] - pts[k]![1]);
    }
    if (!touchesEnd && gapM <= maxGapM) {
      for (let k = i; k <= j; k++) if (original[k]) current.push(pts[k]!);
    } else {
      if (i > 0) {
        current.push(boundary(pts[i - 1]!, pts[i]!, blocked));
        if (current.length >= 2) pieces.push(current);
      }
      current = j + 1 < pts.length ? [boundary(pts[j + 1]!, pts[j]!, blocked)] : [];
    }
    i = j + 1;
  }
  if (current.length >= 2) pieces.push(current);
  // Drop crumbs: a piece shorter than a sample step is a sampling artefact, not a road.
  return pieces.filter((p) => {
    let len = 0;
    for (let k = 1; k < p.length; k++) len += Math.hypot(p[k]![0] - p[k - 1]![0], p[k]![1] - p[k - 1]![1]);
    return len >= SAMPLE_STEP_M;
  });
}
