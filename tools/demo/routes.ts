import { clipLine, type Blocked } from './clip-line.ts';
import { MOTORWAYS, RAILWAYS } from './geography.ts';
import { chaikin, densify, type Xy } from './geometry.ts';
import { roadNameTowards } from './names.ts';
import { stageRandom } from './random.ts';
import type { TownSite } from './towns.ts';

/** A road of the `vag` layer before ids are given. */
export interface RoadLine {
  readonly klass: 'motorväg' | 'huvudgata' | 'lokalgata' | 'gångväg';
  readonly namn: string | null;
  readonly line: Xy[];
}

/** A railway of the `jarnvag` layer before ids are given. */
export interface RailLine {
  readonly typ: 'pendeltåg' | 'järnväg';
  readonly line: Xy[];
}

/** Longest water crossing a road keeps as a bridge (Södertäljebron is ~1 km; ours cross narrower water). */
export const ROAD_BRIDGE_M = 400;
/** Longest water crossing a railway keeps as a bridge (railway viaducts run longer). */
export const RAIL_BRIDGE_M = 800;

/** The motorways, smoothed and split where they would run through water. */
export function buildMotorways(water: Blocked): RoadLine[] {
  return MOTORWAYS.flatMap((m) => clipLine(chaikin(m.waypoints, 4), water, ROAD_BRIDGE_M).map((line) => ({ klass: 'motorväg' as const, namn: m.name, line })));
}

/** The railways, smoothed and split where they would run through water. */
export function buildRailways(water: Blocked): RailLine[] {
  return RAILWAYS.flatMap((r) => clipLine(chaikin(r.waypoints, 4), water, RAIL_BRIDGE_M).map((line) => ({ typ: r.typ, line })));
}

/** Total length of the stretches of a line over water, sampled every 20 m. */
function wetLength(line: readonly Xy[], water: Blocked): number {
  let wet = 0;
  const pts = densify(line, 20);
  for (let i = 1; i < pts.length; i++) {
    const [x, y] = pts[i]!;
    if (water(x, y)) wet += Math.hypot(x - pts[i - 1]![0], y - pts[i - 1]![1]);
  }
  return wet;
}

/**
 * A country road from a to b: a gentle curve, bent round a lake when the straight line would
 * need a long bridge (tries detours of 1–3 km either side and keeps the driest).
 */
function countryRoad(a: Xy, b: Xy, bend: number, water: Blocked): Xy[] {
  const dx = b[0] - a[0];
  const dy = b[1] - a[1];
  const len = Math.hypot(dx, dy);
  const nx = -dy / len;
  const ny = dx / len;
  let best: Xy[] = [];
  let bestWet = Infinity;
  for (const detour of [0, 1000, -1000, 2000, -2000, 3000, -3000]) {
    const off = detour + bend * len;
    const control: Xy[] = [a, [a[0] + dx * 0.5 + nx * off, a[1] + dy * 0.5 + ny * off], b];
    const line = chaikin(control, 3);
    const wet = wetLength(line, water);
    if (wet < bestWet) {
      best = line;
      bestWet = wet;
    }
    if (wet <= ROAD_BRIDGE_M / 2) break;
  }
  return best;
}

/**
 * Main roads between places: a minimum spanning tree over all towns and villages (every place
 * reachable), plus a second link for the tätorter whose next-nearest neighbour is close.
 * Each road is named after the bigger of its two places ("Tumbavägen").
 */
export function connectTowns(seed: number, towns: readonly TownSite[], water: Blocked): RoadLine[] {
  const rng = stageRandom(seed, 'town-roads');
  const pairs: { a: number; b: number; d: number }[] = [];
  for (let a = 0; a < towns.length; a++) {
    for (let b = a + 1; b < towns.length; b++) pairs.push({ a, b, d: Math.hypot(towns[a]!.x - towns[b]!.x, towns[a]!.y - towns[b]!.y) });
  }
  pairs.sort((p, q) => p.d - q.d || p.a - q.a || p.b - q.b);
  const parent = towns.map((_, i) => i);
  const root = (i: number): number => (parent[i] === i ? i : (parent[i] = root(parent[i]!)));
  const chosen = new Set<string>();
  for (const p of pairs) {
    const ra = root(p.a);
    const rb = root(p.b);
    if (ra === rb) continue;
    parent[ra] = rb;
    chosen.add(`${p.a}-${p.b}`);
  }
  for (let a = 0; a < towns.length; a++) {
    if (towns[a]!.typ !== 'tätort') continue;
    const near = pairs.filter((p) => p.a === a || p.b === a).slice(0, 2);
    for (const p of near) if (p.d < 9000) chosen.add(`${p.a}-${p.b}`);
  }
  const roads: RoadLine[] = [];
  for (const p of pairs) {
    if (!chosen.has(`${p.a}-${p.b}`)) continue;
    const ta = towns[p.a]!;
    const tb = towns[p.b]!;
    const bend = rng.range(-0.08, 0.08);
    const line = countryRoad([ta.x, ta.y], [tb.x, tb.y], bend, water);
    const target = tb.weight > ta.weight || (tb.weight === ta.weight && tb.index < ta.index) ? tb : ta;
    for (const piece of clipLine(line, water, ROAD_BRIDGE_M)) roads.push({ klass: 'huvudgata', namn: roadNameTowards(target.name), line: piece });
  }
  return roads;
}
