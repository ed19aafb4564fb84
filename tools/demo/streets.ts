import { clipLine, type Blocked } from './clip-line.ts';
import type { Xy } from './geometry.ts';
import type { LandCell } from './landcover.ts';
import type { TownPlan } from './lot-plan.ts';
import { BLOCK_M, gridToWorld, type LotStreet } from './lots.ts';
import { MAIN_STREET_COUNT, STREET_NAME_COUNT, mainStreetName, roadNameTowards, streetName } from './names.ts';
import { hash32 } from './random.ts';
import type { RoadLine } from './routes.ts';

/**
 * Town streets and their names. Every grid line carrying a built block becomes a street;
 * every sixth line (and the two axes through the centre) is a main street (huvudgata) with
 * one name along its whole length, the others are local streets renamed every five blocks.
 * Names and house numbers come from the same function, so addresses match the streets.
 */

/** Every sixth grid line is a main street. */
const MAIN_EVERY = 6;
/** A local street keeps its name for this many blocks. */
const CHUNK_BLOCKS = 5;
/** Step through the street name list: coprime with its length, so serials 0…N-1 get N distinct names. */
const NAME_STRIDE = 263;
/** Longest bridge a town's main street gets (the canal, a narrow lake arm). */
const MAIN_STREET_BRIDGE_M = 150;
const PATH_BRIDGE_M = 60;

/** The named street at a grid position of a town. */
export interface TownStreet {
  readonly name: string;
  readonly klass: 'huvudgata' | 'lokalgata';
  /** First block of the name's stretch; house numbers count from here. */
  readonly firstAlong: number;
}

const zigzag = (n: number): number => (n >= 0 ? 2 * n : -2 * n - 1);
/** A small, unique number for each integer pair (Cantor pairing of zigzag values). */
const pairIndex = (a: number, b: number): number => {
  const x = zigzag(a);
  const y = zigzag(b);
  return ((x + y) * (x + y + 1)) / 2 + y;
};

/** The street of a town at grid line `line` (orientation 0: along u, 1: along v), block `along`. */
export function streetAt(seed: number, plan: TownPlan, orient: 0 | 1, line: number, along: number): TownStreet {
  const town = plan.town;
  if (line % MAIN_EVERY === 0) {
    let name: string;
    if (line === 0 && town.typ !== 'tätort') name = orient === 0 ? roadNameTowards(town.name) : 'Byvägen';
    else if (line === 0) name = orient === 0 ? 'Storgatan' : 'Kyrkogatan';
    // Stride 5 is coprime with the 28 main street names, so a town's first 28 main streets
    // differ; the per-town offset keeps towns from all naming the same lines alike.
    else name = mainStreetName((2 * zigzag(line / MAIN_EVERY) + orient) * 5 + (hash32(seed, town.index, 0x77) % MAIN_STREET_COUNT));
    return { name, klass: 'huvudgata', firstAlong: plan.minAlong[orient] };
  }
  const offset = hash32(seed, town.index, orient, line, 0x51) % CHUNK_BLOCKS;
  const chunk = Math.floor((along + offset) / CHUNK_BLOCKS);
  const serial = 2 * pairIndex(line, chunk) + orient;
  return {
    name: streetName(serial * NAME_STRIDE + (hash32(seed, town.index, 0x52) % STREET_NAME_COUNT)),
    klass: 'lokalgata',
    firstAlong: chunk * CHUNK_BLOCKS - offset,
  };
}

/** "Storgatan 12": the address of a lot facing `street`. */
export function addressOf(seed: number, plan: TownPlan, street: LotStreet): string {
  const s = streetAt(seed, plan, street.orient, street.line, street.along);
  const number = 2 * ((street.along - s.firstAlong) * 6 + street.pos) + (street.odd ? 1 : 2);
  return `${s.name} ${number}`;
}

/** Blockers for town streets: local streets stop at water and motorways, main streets only at wide water. */
export interface StreetBlockers {
  readonly local: Blocked;
  readonly main: Blocked;
}

/** The streets of one town: each grid line's built stretch, split where the name changes. */
export function* townStreets(seed: number, plan: TownPlan, blockers: StreetBlockers): Generator<RoadLine> {
  // Edges of built blocks, by orientation and line.
  const lines: [Map<number, Set<number>>, Map<number, Set<number>>] = [new Map(), new Map()];
  const add = (orient: 0 | 1, line: number, along: number): void => {
    const map = lines[orient];
    let set = map.get(line);
    if (!set) map.set(line, (set = new Set()));
    set.add(along);
  };
  let lastBlock = -1;
  for (const code of plan.lots) {
    const block = code >>> 4;
    if (block === lastBlock) continue;
    lastBlock = block;
    const i = (code >>> 16) - 2048;
    const j = ((code >>> 4) & 0xfff) - 2048;
    add(0, j, i);
    add(0, j + 1, i);
    add(1, i, j);
    add(1, i + 1, j);
  }
  for (const orient of [0, 1] as const) {
    for (const line of [...lines[orient].keys()].sort((a, b) => a - b)) {
      const alongs = [...lines[orient].get(line)!].sort((a, b) => a - b);
      let start = 0;
      for (let k = 1; k <= alongs.length; k++) {
        const a0 = alongs[start]!;
        const prev = alongs[k - 1]!;
        const next = alongs[k];
        const sameRun = next === prev + 1 && streetAt(seed, plan, orient, line, next).name === streetAt(seed, plan, orient, line, a0).name;
        if (next !== undefined && sameRun) continue;
        const s = streetAt(seed, plan, orient, line, a0);
        const from = orient === 0 ? gridToWorld(plan.town, a0 * BLOCK_M, line * BLOCK_M) : gridToWorld(plan.town, line * BLOCK_M, a0 * BLOCK_M);
        const to = orient === 0 ? gridToWorld(plan.town, (prev + 1) * BLOCK_M, line * BLOCK_M) : gridToWorld(plan.town, line * BLOCK_M, (prev + 1) * BLOCK_M);
        const pieces = s.klass === 'huvudgata' ? clipLine([from, to], blockers.main, MAIN_STREET_BRIDGE_M) : clipLine([from, to], blockers.local, 0);
        for (const piece of pieces) yield { klass: s.klass, namn: s.name, line: piece };
        start = k;
      }
    }
  }
}

/** A footpath across each park: between its two farthest corners, through its middle. */
export function* parkPaths(cells: readonly LandCell[], water: Blocked): Generator<RoadLine> {
  for (const cell of cells) {
    if (cell.klass !== 'park') continue;
    const corners = cell.ring.slice(0, -1);
    let a: Xy = corners[0]!;
    let b: Xy = corners[0]!;
    let best = -1;
    for (const p of corners) {
      for (const q of corners) {
        const d = (p[0] - q[0]) ** 2 + (p[1] - q[1]) ** 2;
        if (d > best) {
          best = d;
          a = p;
          b = q;
        }
      }
    }
    const [sx, sy] = cell.site;
    // Stop short of the corners, where the path would meet the neighbouring cells' streets.
    const inset = (p: Xy): Xy => [p[0] + (sx - p[0]) * 0.1, p[1] + (sy - p[1]) * 0.1];
    for (const piece of clipLine([inset(a), [sx, sy], inset(b)], water, PATH_BRIDGE_M)) yield { klass: 'gångväg', namn: null, line: piece };
  }
}
