import { REGION_BBOX } from './geography.ts';
import type { Xy } from './geometry.ts';
import { CELL, type LandMask } from './land-mask.ts';
import { BLOCK_LOTS, BLOCK_M, blockKind, buildingProbe, gridToWorld, inGridRange, lotAt, packLot, unpackLot } from './lots.ts';
import { hashUnit } from './random.ts';
import type { Town } from './towns.ts';

/**
 * Which lots get a building. Each candidate lot gets a key: its distance from the town centre
 * scaled by a random factor per block (0.7–1.3, so whole neighbourhoods grow out unevenly) and
 * per lot (0.9–1.1, so the fringe is ragged). A town builds its `quota` lots with the smallest
 * keys: a dense core thinning out to scattered houses, and exactly the requested count.
 *
 * Candidates are visited in square rings of blocks around the centre. A lot in ring r is at
 * least r·BLOCK_M away, so its key is at least KEY_MIN·r·BLOCK_M; once `quota` keys below that
 * bound are known, no later ring can beat them and the search stops.
 */

/** Smallest possible key factor: 0.7 (block) × 0.9 (lot). */
const KEY_MIN = 0.63;
/** Parcels keep this far from the line halfway between two towns, so neighbouring grids never overlap. */
const TOWN_BORDER_M = 35;
/** Half the diagonal of a block: no lot of a block is farther than this from its centre. */
const BLOCK_HALF_DIAGONAL_M = (BLOCK_M * Math.SQRT2) / 2;

/** The chosen lots of one town. */
export interface TownPlan {
  readonly town: Town;
  /** Packed lot codes (see packLot), ascending: block by block, west to east. */
  readonly lots: Int32Array;
  /** Smallest block index along each grid axis (house numbers on main streets count from here). */
  readonly minAlong: readonly [number, number];
}

class GrowableArrays {
  keys = new Float64Array(1024);
  codes = new Int32Array(1024);
  length = 0;

  push(key: number, code: number): void {
    if (this.length === this.keys.length) {
      const keys = new Float64Array(this.length * 2);
      keys.set(this.keys);
      this.keys = keys;
      const codes = new Int32Array(this.length * 2);
      codes.set(this.codes);
      this.codes = codes;
    }
    this.keys[this.length] = key;
    this.codes[this.length] = code;
    this.length++;
  }
}

/**
 * Towns own land by a power diagram: a point belongs to the town with the smallest
 * d² − pull², where pull grows with the town's size. Borders stay straight lines (cheap
 * tests) but sit farther from big towns, so a growing city can swallow a small neighbour.
 */
const PULL_OF_RADIUS = 0.6;

/** Another town, seen from the town being planned. */
interface Neighbour {
  readonly x: number;
  readonly y: number;
  readonly sepM: number;
  /** pull² of the town being planned minus pull² of this one. */
  readonly pullDiff: number;
}

/** The other towns, nearest first, and the largest pull² difference against the planned town. */
function neighboursOf(town: Town, others: readonly Town[]): Neighbour[] {
  const pull2 = (t: Town): number => (PULL_OF_RADIUS * t.radiusM) ** 2;
  return others
    .map((o) => ({ x: o.x, y: o.y, sepM: Math.hypot(o.x - town.x, o.y - town.y), pullDiff: pull2(town) - pull2(o) }))
    .sort((a, b) => a.sepM - b.sepM);
}

/**
 * Distance from (x, y) to the nearest border between `town` and another town (negative when
 * on the other town's side); any value ≥ `enough` means "at least enough". For a point d from
 * its own centre the border with a town sep away is at least sep/2 − d − k/(2·sep) away (k: the
 * largest pull² surplus of any neighbour), which grows with sep: the scan over the neighbours,
 * nearest first, stops early.
 */
function borderClearance(x: number, y: number, town: Town, neighbours: readonly Neighbour[], maxSurplus: number, enough: number): number {
  const dt2 = (x - town.x) ** 2 + (y - town.y) ** 2;
  const dt = Math.sqrt(dt2);
  let best = Infinity;
  for (const o of neighbours) {
    if (o.sepM / 2 - dt - maxSurplus / (2 * o.sepM) >= Math.min(best, enough)) break;
    const c = ((x - o.x) ** 2 + (y - o.y) ** 2 - dt2 + o.pullDiff) / (2 * o.sepM);
    if (c < best) best = c;
  }
  return best;
}

/** Whether every point lies on a land cell (not water, shore, reserve or park). */
function allLand(points: readonly Xy[], mask: LandMask): boolean {
  for (const [x, y] of points) if (mask.at(x, y) !== CELL.land) return false;
  return true;
}

/** Plans one town: its `quota` best lots, fewer only when its land runs out (`exhausted`). */
function planTown(seed: number, town: Town, quota: number, others: readonly Town[], mask: LandMask): { plan: TownPlan; exhausted: boolean } {
  const [minX, minY, maxX, maxY] = REGION_BBOX;
  const neighbours = neighboursOf(town, others);
  const maxSurplus = Math.max(0, ...neighbours.map((o) => -o.pullDiff));
  const wholeBlock = BLOCK_HALF_DIAGONAL_M + TOWN_BORDER_M;
  const candidates = new GrowableArrays();
  const bins: number[] = [];
  const binWidth = KEY_MIN * BLOCK_M;
  let below = 0;
  let exhausted = true;
  const farthest = Math.max(...[[minX, minY], [minX, maxY], [maxX, minY], [maxX, maxY]].map(([x, y]) => Math.hypot(x! - town.x, y! - town.y)));
  const lastRing = Math.ceil(farthest / BLOCK_M) + 1;

  /** Collects the block's buildable lots; false when no part of the block is the town's. */
  const visitBlock = (i: number, j: number): boolean => {
    if (!inGridRange(i) || !inGridRange(j)) return false;
    const [cx, cy] = gridToWorld(town, (i + 0.5) * BLOCK_M, (j + 0.5) * BLOCK_M);
    // Whole blocks inside the region only, so every parcel is covered by kommun and mark.
    if (cx < minX + BLOCK_HALF_DIAGONAL_M || cx > maxX - BLOCK_HALF_DIAGONAL_M || cy < minY + BLOCK_HALF_DIAGONAL_M || cy > maxY - BLOCK_HALF_DIAGONAL_M) return false;
    const blockClearance = borderClearance(cx, cy, town, neighbours, maxSurplus, wholeBlock);
    if (blockClearance < -BLOCK_HALF_DIAGONAL_M) return false;
    const wholeBlockOwned = blockClearance >= wholeBlock;
    const kind = blockKind(seed, town, i, j);
    const blockFactor = 0.7 + 0.6 * hashUnit(seed, town.index, i, j, 0x2b);
    const { sides, slots } = BLOCK_LOTS[kind];
    for (const side of sides) {
      for (let slot = 0; slot < slots; slot++) {
        const code = packLot(i, j, side, slot);
        const lot = lotAt(seed, town, code, kind);
        const [px, py] = lot.centre;
        if (!wholeBlockOwned && borderClearance(px, py, town, neighbours, maxSurplus, TOWN_BORDER_M) < TOWN_BORDER_M) continue;
        if (!allLand(buildingProbe(lot), mask)) continue;
        const key = Math.hypot(px - town.x, py - town.y) * blockFactor * (0.9 + 0.2 * hashUnit(seed, town.index, code, 0x3c));
        candidates.push(key, code);
        const bin = Math.floor(key / binWidth);
        bins[bin] = (bins[bin] ?? 0) + 1;
      }
    }
    return true;
  };

  let seenOwned = false;
  for (let r = 0; r <= lastRing; r++) {
    // Ring r: blocks whose nearer edge is r blocks from the centre (i from -r-1 to r).
    let owned = false;
    for (let i = -r - 1; i <= r; i++) {
      owned = visitBlock(i, -r - 1) || owned;
      owned = visitBlock(i, r) || owned;
    }
    for (let j = -r; j <= r - 1; j++) {
      owned = visitBlock(-r - 1, j) || owned;
      owned = visitBlock(r, j) || owned;
    }
    // The town's land (a power-diagram cell cut to the region) is convex: once a whole ring
    // misses it after earlier rings met it, every later ring misses it too.
    if (seenOwned && !owned) break;
    seenOwned ||= owned;
    // Keys of later rings are ≥ (r + 1)·binWidth, so bin r is complete now.
    below += bins[r] ?? 0;
    if (below >= quota) {
      exhausted = false;
      break;
    }
  }

  const n = candidates.length;
  let chosen: Int32Array;
  if (n <= quota) {
    chosen = candidates.codes.slice(0, n);
  } else {
    const sorted = candidates.keys.slice(0, n).sort();
    const threshold = sorted[quota - 1]!;
    let equalAllowed = quota - sorted.findIndex((k) => k === threshold);
    chosen = new Int32Array(quota);
    let m = 0;
    for (let c = 0; c < n; c++) {
      const k = candidates.keys[c]!;
      if (k < threshold || (k === threshold && equalAllowed-- > 0)) chosen[m++] = candidates.codes[c]!;
    }
  }
  chosen.sort();
  let minU = Infinity;
  let minV = Infinity;
  for (const code of chosen) {
    const { i, j } = unpackLot(code);
    if (i < minU) minU = i;
    if (j < minV) minV = j;
  }
  return { plan: { town, lots: chosen, minAlong: [Number.isFinite(minU) ? minU : 0, Number.isFinite(minV) ? minV : 0] }, exhausted: exhausted && n < quota };
}

/**
 * Plans every town. A town that runs out of land (coast, neighbours, the region's edge) hands
 * its shortfall to the towns that still have room, biggest first, so the total is exact.
 * Throws when the whole region is full.
 */
export function planTowns(seed: number, towns: readonly Town[], mask: LandMask): TownPlan[] {
  const active = towns.filter((t) => t.quota > 0);
  const quotas = new Map(active.map((t) => [t.index, t.quota]));
  const results = new Map<number, { plan: TownPlan; exhausted: boolean }>();
  for (const t of active) results.set(t.index, planTown(seed, t, t.quota, active.filter((o) => o !== t), mask));
  for (let round = 0; round < 8; round++) {
    let shortfall = 0;
    for (const [index, r] of results) shortfall += quotas.get(index)! - r.plan.lots.length;
    if (shortfall === 0) break;
    const roomy = active.filter((t) => !results.get(t.index)!.exhausted).sort((a, b) => b.weight - a.weight || a.index - b.index);
    if (roomy.length === 0) break;
    // Shortfall goes to the roomy towns in proportion to weight, remainder to the biggest.
    for (const [index, r] of results) if (r.exhausted) quotas.set(index, r.plan.lots.length);
    const weight = roomy.reduce((s, t) => s + t.weight, 0);
    let left = shortfall;
    for (const t of roomy) {
      const extra = Math.floor((shortfall * t.weight) / weight);
      quotas.set(t.index, quotas.get(t.index)! + extra);
      left -= extra;
    }
    quotas.set(roomy[0]!.index, quotas.get(roomy[0]!.index)! + left);
    for (const t of roomy) results.set(t.index, planTown(seed, t, quotas.get(t.index)!, active.filter((o) => o !== t), mask));
  }
  const plans = towns.filter((t) => results.has(t.index)).map((t) => results.get(t.index)!.plan);
  const placed = plans.reduce((s, p) => s + p.lots.length, 0);
  const wanted = towns.reduce((s, t) => s + t.quota, 0);
  if (placed !== wanted) throw new RangeError(`only ${placed} of ${wanted} buildings fit in the demo region`);
  return plans;
}
