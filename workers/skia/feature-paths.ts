/**
 * Skia paths for a feature's geometry, built once per feature and render and shared by
 * the style layers that draw it (a fill and its outline, a road and its casing).
 */
import { Path2D } from '@napi-rs/canvas';
import { offsetPolyline } from './line-offset.ts';
import type { FeatureGeometry, TileFeature } from './tile-geometry.ts';

/**
 * Vertices closer than this to the last one drawn are left out (the run's last vertex is
 * always kept). A quarter pixel changes no visible edge, and each vertex costs a native
 * call (~0.5 µs): detailed geometry drawn small often has several vertices per pixel.
 */
const MIN_SEGMENT_PX = 0.25;

/**
 * All rings of a polygon (or a line read as a ring) in one path, filled with the nonzero
 * rule: MVT exteriors are clockwise and holes counter-clockwise in tile coordinates, so
 * holes wind to zero, and a multipolygon's parts each wind to one.
 */
export function polygonPath(feature: TileFeature): Path2D {
  let path = feature.polygonPath;
  if (!path) {
    path = new Path2D();
    const { coords, ringEnds } = feature.geometry();
    let start = 0;
    for (const end of ringEnds) {
      if (end - start >= 3) {
        addVertices(path, coords, start, end);
        path.closePath();
      }
      start = end;
    }
    feature.polygonPath = path;
  }
  return path;
}

/**
 * The feature as lines to stroke: each line of a (multi)line, each ring of a polygon as a
 * closed line without the cuts along tile edges. With an offset in pixels (positive to the
 * right of the line's direction) the path is built fresh and not cached.
 */
export function linePath(feature: TileFeature, offsetPx = 0): Path2D {
  if (offsetPx !== 0) return buildLinePath(feature.geometry(), feature.type === 3, offsetPx);
  // Closed rings without cuts are the very path a fill draws: share it.
  if (feature.type === 3 && !feature.geometry().tileEdge) return polygonPath(feature);
  feature.linePath ??= buildLinePath(feature.geometry(), feature.type === 3, 0);
  return feature.linePath;
}

function buildLinePath(geometry: FeatureGeometry, isPolygon: boolean, offsetPx: number): Path2D {
  const path = new Path2D();
  for (const run of runsOf(geometry, isPolygon, offsetPx)) {
    addVertices(path, run.coords, run.from, run.to);
    if (run.closed) path.closePath();
  }
  return path;
}

/** A run of vertices [from, to) of coords drawn as one line; a closed one joins its last vertex to its first. */
export interface LineRun {
  readonly coords: Float64Array;
  readonly from: number;
  readonly to: number;
  readonly closed: boolean;
}

/** The feature's lines as linePath strokes them, vertex by vertex: for what a stroke alone does not draw (see line-overlaps.ts). */
export function lineRuns(feature: TileFeature, offsetPx = 0): LineRun[] {
  return runsOf(feature.geometry(), feature.type === 3, offsetPx);
}

function runsOf(geometry: FeatureGeometry, isPolygon: boolean, offsetPx: number): LineRun[] {
  const runs: LineRun[] = [];
  const { ringEnds, tileEdge } = geometry;
  let start = 0;
  for (const end of ringEnds) {
    if (end - start >= 2) {
      const coords = offsetPx === 0 ? geometry.coords : offsetPolyline(geometry.coords, start, end, offsetPx, isPolygon);
      const base = offsetPx === 0 ? start : 0;
      ringRuns(runs, coords, base, base + end - start, isPolygon, tileEdge, start);
    }
    start = end;
  }
  return runs;
}

/**
 * The runs of vertices [from, to) of coords. A polygon ring is closed (so its first vertex
 * gets a join, not two caps) unless it has tile-edge cuts; then it is drawn as open runs
 * between the cuts, starting just after one so no run is split at the ring's seam.
 */
function ringRuns(
  runs: LineRun[],
  coords: Float64Array,
  from: number,
  to: number,
  isPolygon: boolean,
  tileEdge: Uint8Array | undefined,
  edgeBase: number,
): void {
  const n = to - from;
  let firstCut = -1;
  if (isPolygon && tileEdge) {
    for (let i = 0; i < n - 1; i++) {
      if (tileEdge[edgeBase + i] === 1) {
        firstCut = i;
        break;
      }
    }
  }
  if (firstCut < 0) {
    runs.push({ coords, from, to, closed: isPolygon });
    return;
  }
  // A closed ring repeats its first vertex last: walk the n - 1 distinct segments starting
  // after the first cut, breaking the run at every cut.
  const segments = n - 1;
  let run: number[] = [];
  const flush = (): void => {
    if (run.length >= 4) runs.push({ coords: Float64Array.from(run), from: 0, to: run.length / 2, closed: false });
    run = [];
  };
  for (let k = 1; k <= segments; k++) {
    const i = (firstCut + k) % segments;
    if (tileEdge![edgeBase + i] === 1) {
      flush();
      continue;
    }
    if (run.length === 0) run.push(coords[(from + i) * 2]!, coords[(from + i) * 2 + 1]!);
    run.push(coords[(from + i + 1) * 2]!, coords[(from + i + 1) * 2 + 1]!);
  }
  flush();
}

/** moveTo the first vertex of [from, to), lineTo the rest, skipping sub-pixel steps. */
function addVertices(path: Path2D, coords: Float64Array, from: number, to: number): void {
  let lastX = coords[from * 2]!;
  let lastY = coords[from * 2 + 1]!;
  path.moveTo(lastX, lastY);
  const last = to - 1;
  for (let v = from + 1; v <= last; v++) {
    const x = coords[v * 2]!;
    const y = coords[v * 2 + 1]!;
    if (v < last && Math.abs(x - lastX) < MIN_SEGMENT_PX && Math.abs(y - lastY) < MIN_SEGMENT_PX) continue;
    path.lineTo(x, y);
    lastX = x;
    lastY = y;
  }
}
