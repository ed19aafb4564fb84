/**
 * Small planar geometry helpers for the demo generator (EPSG:3006 metres, y = north).
 * Rings are arrays of [x, y]; a "closed" ring repeats its first point at the end.
 */

/** A planar position in metres. */
export type Xy = [number, number];

/** Axis-aligned box [minX, minY, maxX, maxY]. */
export type Bbox = [number, number, number, number];

/**
 * Rounds a coordinate to whole centimetres. Every generated coordinate passes through here:
 * neighbouring Voronoi cells compute a shared vertex separately and may differ in the last
 * bits; rounding makes them byte-identical so partitions stay seamless in SQL and JSON.
 */
export function roundCm(value: number): number {
  return Math.round(value * 100) / 100;
}

/** Rounds every point to centimetres and drops consecutive duplicates. */
export function roundLine(line: readonly Xy[]): Xy[] {
  const out: Xy[] = [];
  for (const [x, y] of line) {
    const p: Xy = [roundCm(x), roundCm(y)];
    const last = out[out.length - 1];
    if (!last || last[0] !== p[0] || last[1] !== p[1]) out.push(p);
  }
  return out;
}

/**
 * Rounds, drops duplicates and closes a ring; undefined when fewer than three distinct
 * points remain (a sliver that rounding collapsed).
 */
export function roundRing(ring: readonly Xy[]): Xy[] | undefined {
  const out = roundLine(ring);
  const first = out[0];
  const last = out[out.length - 1];
  if (first && last && out.length > 1 && first[0] === last[0] && first[1] === last[1]) out.pop();
  if (out.length < 3) return undefined;
  out.push([out[0]![0], out[0]![1]]);
  return out;
}

/** Shoelace area of a ring (closed or not): positive when counter-clockwise. */
export function signedArea(ring: readonly Xy[]): number {
  let sum = 0;
  for (let i = 0, n = ring.length; i < n; i++) {
    const [x1, y1] = ring[i]!;
    const [x2, y2] = ring[(i + 1) % n]!;
    sum += x1 * y2 - x2 * y1;
  }
  return sum / 2;
}

/** The ring with counter-clockwise orientation (RFC 7946 exterior rings). */
export function ensureCcw(ring: Xy[]): Xy[] {
  return signedArea(ring) < 0 ? ring.slice().reverse() : ring;
}

/** The ring with clockwise orientation (RFC 7946 holes). */
export function ensureCw(ring: Xy[]): Xy[] {
  return signedArea(ring) > 0 ? ring.slice().reverse() : ring;
}

/** Even-odd point-in-ring test (ring closed or not). */
export function pointInRing(x: number, y: number, ring: readonly Xy[]): boolean {
  let inside = false;
  for (let i = 0, n = ring.length, j = n - 1; i < n; j = i++) {
    const [xi, yi] = ring[i]!;
    const [xj, yj] = ring[j]!;
    if (yi > y !== yj > y && x < ((xj - xi) * (y - yi)) / (yj - yi) + xi) inside = !inside;
  }
  return inside;
}

/** Point in a polygon given as rings (exterior first, then holes), even-odd across all rings. */
export function pointInPolygon(x: number, y: number, rings: readonly (readonly Xy[])[]): boolean {
  let inside = false;
  for (const ring of rings) if (pointInRing(x, y, ring)) inside = !inside;
  return inside;
}

/** Distance from a point to the segment a–b. */
export function segmentDistance(px: number, py: number, ax: number, ay: number, bx: number, by: number): number {
  const dx = bx - ax;
  const dy = by - ay;
  const len2 = dx * dx + dy * dy;
  let t = len2 === 0 ? 0 : ((px - ax) * dx + (py - ay) * dy) / len2;
  t = t < 0 ? 0 : t > 1 ? 1 : t;
  return Math.hypot(px - (ax + t * dx), py - (ay + t * dy));
}

/** Smallest distance from a point to the edges of a line or ring. */
export function distanceToLine(x: number, y: number, line: readonly Xy[]): number {
  let best = Infinity;
  for (let i = 1; i < line.length; i++) {
    const [ax, ay] = line[i - 1]!;
    const [bx, by] = line[i]!;
    const d = segmentDistance(x, y, ax, ay, bx, by);
    if (d < best) best = d;
  }
  return best;
}

/** Length of a polyline. */
export function lineLength(line: readonly Xy[]): number {
  let sum = 0;
  for (let i = 1; i < line.length; i++) sum += Math.hypot(line[i]![0] - line[i - 1]![0], line[i]![1] - line[i - 1]![1]);
  return sum;
}

/** Bounding box of some points. */
export function bboxOf(points: readonly Xy[]): Bbox {
  let minX = Infinity;
  let minY = Infinity;
  let maxX = -Infinity;
  let maxY = -Infinity;
  for (const [x, y] of points) {
    if (x < minX) minX = x;
    if (y < minY) minY = y;
    if (x > maxX) maxX = x;
    if (y > maxY) maxY = y;
  }
  return [minX, minY, maxX, maxY];
}

/**
 * Chaikin corner cutting on an open polyline, keeping both end points: rounds the corners of a
 * hand-drawn control line so later sideways noise cannot fold it onto itself.
 */
export function chaikin(line: readonly Xy[], iterations: number): Xy[] {
  let current = line.slice();
  for (let it = 0; it < iterations; it++) {
    if (current.length < 3) return current;
    const next: Xy[] = [current[0]!];
    for (let i = 0; i < current.length - 1; i++) {
      const [ax, ay] = current[i]!;
      const [bx, by] = current[i + 1]!;
      if (i > 0) next.push([0.75 * ax + 0.25 * bx, 0.75 * ay + 0.25 * by]);
      if (i < current.length - 2) next.push([0.25 * ax + 0.75 * bx, 0.25 * ay + 0.75 * by]);
    }
    next.push(current[current.length - 1]!);
    current = next;
  }
  return current;
}

/** Inserts points so that no segment is longer than maxStep (original points kept). */
export function densify(line: readonly Xy[], maxStep: number): Xy[] {
  const out: Xy[] = [];
  for (let i = 0; i < line.length - 1; i++) {
    const [ax, ay] = line[i]!;
    const [bx, by] = line[i + 1]!;
    const n = Math.max(1, Math.ceil(Math.hypot(bx - ax, by - ay) / maxStep));
    for (let k = 0; k < n; k++) out.push([ax + ((bx - ax) * k) / n, ay + ((by - ay) * k) / n]);
  }
  const last = line[line.length - 1];
  if (last) out.push([last[0], last[1]]);
  return out;
}

/** Centroid of a ring's vertices (good enough for convex cells). */
export function vertexCentroid(ring: readonly Xy[]): Xy {
  const n = ring.length > 1 && ring[0]![0] === ring[ring.length - 1]![0] && ring[0]![1] === ring[ring.length - 1]![1] ? ring.length - 1 : ring.length;
  let sx = 0;
  let sy = 0;
  for (let i = 0; i < n; i++) {
    sx += ring[i]![0];
    sy += ring[i]![1];
  }
  return [sx / n, sy / n];
}

/**
 * Point-in-polygon for big polygons (the sea has thousands of vertices): edges are bucketed
 * by horizontal bands, so a test only looks at the edges that cross its own band.
 */
export class PolygonIndex {
  private readonly edges: Float64Array;
  private readonly bands: Int32Array[];
  private readonly minY: number;

  constructor(
    rings: readonly (readonly Xy[])[],
    private readonly bandM = 200,
  ) {
    const coords: number[] = [];
    let minY = Infinity;
    let maxY = -Infinity;
    for (const ring of rings) {
      for (let i = 0, n = ring.length; i < n; i++) {
        const [ax, ay] = ring[i]!;
        const [bx, by] = ring[(i + 1) % n]!;
        if (ay === by) continue; // horizontal edges never cross a horizontal ray
        coords.push(ax, ay, bx, by);
        minY = Math.min(minY, ay, by);
        maxY = Math.max(maxY, ay, by);
      }
    }
    this.edges = Float64Array.from(coords);
    this.minY = minY;
    const lists: number[][] = Array.from({ length: Math.max(1, Math.ceil((maxY - minY) / bandM) + 1) }, () => []);
    for (let e = 0; e < coords.length / 4; e++) {
      const y0 = Math.min(coords[4 * e + 1]!, coords[4 * e + 3]!);
      const y1 = Math.max(coords[4 * e + 1]!, coords[4 * e + 3]!);
      for (let b = Math.floor((y0 - minY) / bandM); b <= Math.floor((y1 - minY) / bandM); b++) lists[b]!.push(e);
    }
    this.bands = lists.map((l) => Int32Array.from(l));
  }

  /** Even-odd containment over all rings (holes excluded). */
  contains(x: number, y: number): boolean {
    const band = this.bands[Math.floor((y - this.minY) / this.bandM)];
    if (!band) return false;
    const e = this.edges;
    let inside = false;
    for (const k of band) {
      const xi = e[4 * k]!;
      const yi = e[4 * k + 1]!;
      const xj = e[4 * k + 2]!;
      const yj = e[4 * k + 3]!;
      if (yi > y !== yj > y && x < ((xj - xi) * (y - yi)) / (yj - yi) + xi) inside = !inside;
    }
    return inside;
  }
}
