import { Delaunay } from 'd3-delaunay';
import { REGION_BBOX } from './geography.ts';
import { ensureCcw, roundRing, signedArea, type Xy } from './geometry.ts';
import { KOMMUN_ANCHORS, MUNICIPALITIES, SECONDARY_TOWNS } from './places.ts';
import { fromWgs84 } from './projection.ts';
import { stageRandom } from './random.ts';

/** One municipality polygon. */
export interface KommunArea {
  readonly kommunkod: string;
  readonly namn: string;
  /** Closed rings: the exterior counter-clockwise, holes (enclaves of others) clockwise. */
  readonly rings: Xy[][];
}

/** Sites of the fine partition the borders follow: borders zigzag at ~2 km, like real ones following lakes and roads. */
const BORDER_SITES = 1200;

const key = (p: Xy): string => `${p[0]},${p[1]}`;

/**
 * The eight municipalities as a seamless partition of the region. A fine Voronoi partition
 * is coloured by the nearest town or anchor of each municipality; stray fragments join the
 * neighbour they touch most, and each municipality's cells are merged by cancelling shared
 * edges. Neighbours therefore share their border vertex for vertex.
 */
export function buildKommuner(seed: number): KommunArea[] {
  const rng = stageRandom(seed, 'kommun');
  const [minX, minY, maxX, maxY] = REGION_BBOX;
  const codes = MUNICIPALITIES.map((m) => m.kommunkod);
  const anchors: { code: number; x: number; y: number }[] = [];
  for (const m of MUNICIPALITIES) {
    const [x, y] = fromWgs84(m.center[0], m.center[1]);
    anchors.push({ code: codes.indexOf(m.kommunkod), x, y });
  }
  for (const t of [...SECONDARY_TOWNS, ...KOMMUN_ANCHORS]) anchors.push({ code: codes.indexOf(t.kommunkod), x: t.x, y: t.y });

  const sites: number[] = anchors.flatMap((a) => [a.x, a.y]);
  for (let i = 0; i < BORDER_SITES; i++) sites.push(rng.range(minX, maxX), rng.range(minY, maxY));
  const voronoi = new Delaunay(Float64Array.from(sites)).voronoi([minX, minY, maxX, maxY]);
  const count = sites.length / 2;

  const rings: (Xy[] | undefined)[] = [];
  const owner: number[] = [];
  for (let i = 0; i < count; i++) {
    const polygon = voronoi.cellPolygon(i) as Xy[] | null;
    const ring = polygon ? roundRing(polygon) : undefined;
    rings.push(ring && ensureCcw(ring));
    const x = sites[2 * i]!;
    const y = sites[2 * i + 1]!;
    let best = 0;
    let bestD = Infinity;
    for (const a of anchors) {
      const d = Math.hypot(a.x - x, a.y - y);
      if (d < bestD) {
        bestD = d;
        best = a.code;
      }
    }
    owner.push(i < anchors.length ? anchors[i]!.code : best);
  }

  // Cells sharing an edge (from the rounded rings themselves, so clipped-away neighbours do not count).
  const edgeCells = new Map<string, number[]>();
  rings.forEach((ring, i) => {
    if (!ring) return;
    for (let k = 0; k + 1 < ring.length; k++) {
      const a = key(ring[k]!);
      const b = key(ring[k + 1]!);
      const e = a < b ? `${a}|${b}` : `${b}|${a}`;
      const list = edgeCells.get(e);
      if (list) list.push(i);
      else edgeCells.set(e, [i]);
    }
  });
  const neighbours: number[][] = rings.map(() => []);
  for (const list of edgeCells.values()) {
    if (list.length === 2) {
      neighbours[list[0]!]!.push(list[1]!);
      neighbours[list[1]!]!.push(list[0]!);
    }
  }
  // the first sites are the centralorter, one per municipality, in code order
  joinFragments(owner, neighbours, MUNICIPALITIES.length, rings);

  return MUNICIPALITIES.map((m, code) => ({
    kommunkod: m.kommunkod,
    namn: m.namn,
    rings: mergeCells(rings.filter((r, i): r is Xy[] => r !== undefined && owner[i] === code), m.namn),
  }));
}

/**
 * Gives every cell that is not connected to its municipality's centralort (sites 0…n-1) to the
 * neighbouring municipality it shares most edges with, until each municipality is one piece.
 */
function joinFragments(owner: number[], neighbours: readonly number[][], centralorter: number, rings: readonly (Xy[] | undefined)[]): void {
  for (let pass = 0; pass < 20; pass++) {
    const reached = new Uint8Array(owner.length);
    for (let a = 0; a < centralorter; a++) {
      if (!rings[a] || reached[a]) continue;
      const stack = [a];
      reached[a] = 1;
      while (stack.length) {
        const i = stack.pop()!;
        for (const j of neighbours[i]!) {
          if (!reached[j] && owner[j] === owner[i]) {
            reached[j] = 1;
            stack.push(j);
          }
        }
      }
    }
    let changed = false;
    for (let i = 0; i < owner.length; i++) {
      if (reached[i] || !rings[i]) continue;
      const votes = new Map<number, number>();
      for (const j of neighbours[i]!) if (owner[j] !== owner[i]) votes.set(owner[j]!, (votes.get(owner[j]!) ?? 0) + 1);
      let best = -1;
      let bestVotes = 0;
      for (const [code, v] of [...votes].sort((p, q) => p[0] - q[0])) {
        if (v > bestVotes) {
          best = code;
          bestVotes = v;
        }
      }
      if (best >= 0) {
        owner[i] = best;
        changed = true;
      }
    }
    if (!changed) return;
  }
}

/**
 * Merges edge-sharing counter-clockwise cells into one polygon: every interior edge appears
 * once in each direction and cancels; the remaining edges chain into the outline (and the
 * outlines of any holes).
 */
function mergeCells(cells: readonly Xy[][], name: string): Xy[][] {
  const directed = new Map<string, { from: Xy; to: Xy }>();
  for (const ring of cells) {
    for (let k = 0; k + 1 < ring.length; k++) {
      const from = ring[k]!;
      const to = ring[k + 1]!;
      const reverse = `${key(to)}>${key(from)}`;
      if (directed.has(reverse)) directed.delete(reverse);
      else directed.set(`${key(from)}>${key(to)}`, { from, to });
    }
  }
  const next = new Map<string, { from: Xy; to: Xy }>();
  for (const e of directed.values()) {
    const k = key(e.from);
    if (next.has(k)) throw new Error(`kommun ${name}: border touches itself at ${k}`);
    next.set(k, e);
  }
  const outlines: Xy[][] = [];
  const used = new Set<string>();
  // Start each walk from the smallest unused vertex, so the output order is fixed.
  const starts = [...next.keys()].sort();
  for (const start of starts) {
    if (used.has(start)) continue;
    const ring: Xy[] = [];
    let at = start;
    while (!used.has(at)) {
      used.add(at);
      const e = next.get(at);
      if (!e) throw new Error(`kommun ${name}: border is not closed at ${at}`);
      ring.push(e.from);
      at = key(e.to);
    }
    if (at !== start) throw new Error(`kommun ${name}: border does not return to its start`);
    ring.push(ring[0]!);
    outlines.push(dropCollinear(ring));
  }
  const exteriors = outlines.filter((r) => signedArea(r) > 0);
  if (exteriors.length !== 1) throw new Error(`kommun ${name}: expected one outline, found ${exteriors.length}`);
  return [exteriors[0]!, ...outlines.filter((r) => signedArea(r) < 0)];
}

/** Removes vertices that lie exactly on the straight line of their neighbours (the region's edges). */
function dropCollinear(ring: Xy[]): Xy[] {
  const open = ring.slice(0, -1);
  const kept = open.filter((p, i) => {
    const a = open[(i - 1 + open.length) % open.length]!;
    const b = open[(i + 1) % open.length]!;
    return (p[0] - a[0]) * (b[1] - a[1]) - (p[1] - a[1]) * (b[0] - a[0]) !== 0;
  });
  kept.push(kept[0]!);
  return kept;
}
