import { REGION_BBOX } from './geography.ts';
import { distanceToLine, type Xy } from './geometry.ts';
import { CELL, type LandMask } from './land-mask.ts';
import { villageNames } from './names.ts';
import { MUNICIPALITIES, SECONDARY_TOWNS } from './places.ts';
import { fromWgs84 } from './projection.ts';
import { stageRandom } from './random.ts';

/** A place that gets a street grid and buildings: a town or a village. */
export interface Town {
  /** Position in the towns array; part of every per-lot hash. */
  readonly index: number;
  readonly name: string;
  readonly typ: 'tätort' | 'småort' | 'by';
  readonly centralort: boolean;
  /** Municipality of a named town; null for generated villages. */
  readonly kommunkod: string | null;
  readonly x: number;
  readonly y: number;
  /** Share of the buildings, relative to the other towns. */
  readonly weight: number;
  /** Turn of the street grid against the map axes, radians. */
  readonly angleRad: number;
  /** Buildings this town gets. */
  readonly quota: number;
  /** Expected radius of the built-up area (metres), used for land cover and building types. */
  readonly radiusM: number;
}

/**
 * Lots per m² of a fully built district: a 100 m block holds 12 villa lots or 4 apartment
 * lots, and the ranking leaves gaps, so about 1,000 buildings per km².
 */
const BUILT_DENSITY_PER_M2 = 0.001;
/** Fraction of a town's disc that ends up built (water, parks, roads and neighbours take the rest). */
const BUILT_FRACTION = 0.6;

const VILLAGES = { småort: 12, by: 12 } as const;
const VILLAGE_WEIGHT = { småort: 0.5, by: 0.25 } as const;
/** Villages keep this far from other places and from motorways and railways. */
const VILLAGE_SPACING_M = 3500;
const VILLAGE_ROUTE_CLEARANCE_M = 800;

/** A town before quotas are known. */
export type TownSite = Omit<Town, 'quota' | 'radiusM'>;

/** The eight centralorter and the other named towns, in a fixed order. */
export function namedTowns(seed: number): TownSite[] {
  const rng = stageRandom(seed, 'towns');
  const sites: TownSite[] = [];
  for (const m of MUNICIPALITIES) {
    const [x, y] = fromWgs84(m.center[0], m.center[1]);
    sites.push({ index: sites.length, name: m.centralort, typ: 'tätort', centralort: true, kommunkod: m.kommunkod, x, y, weight: m.weight, angleRad: rng.range(-0.35, 0.35) });
  }
  for (const t of SECONDARY_TOWNS) {
    sites.push({ index: sites.length, name: t.name, typ: 'tätort', centralort: false, kommunkod: t.kommunkod, x: t.x, y: t.y, weight: t.weight, angleRad: rng.range(-0.35, 0.35) });
  }
  return sites;
}

/**
 * Generated villages (småort, by) on dry land, spaced from towns, each other and the big
 * transport routes. Needs a mask with water painted.
 */
export function placeVillages(seed: number, towns: readonly TownSite[], mask: LandMask, routes: readonly (readonly Xy[])[]): TownSite[] {
  const rng = stageRandom(seed, 'villages');
  const [minX, minY, maxX, maxY] = REGION_BBOX;
  const placed: TownSite[] = [...towns];
  const total = VILLAGES.småort + VILLAGES.by;
  const names = villageNames(rng, total, new Set(towns.map((t) => t.name)));
  const dryAround = (x: number, y: number): boolean => {
    for (let dx = -400; dx <= 400; dx += 400) for (let dy = -400; dy <= 400; dy += 400) if (mask.at(x + dx, y + dy) !== CELL.land) return false;
    return true;
  };
  for (let attempt = 0; attempt < 5000 && placed.length < towns.length + total; attempt++) {
    const x = rng.range(minX + 3000, maxX - 3000);
    const y = rng.range(minY + 3000, maxY - 3000);
    if (!dryAround(x, y)) continue;
    if (placed.some((t) => Math.hypot(t.x - x, t.y - y) < VILLAGE_SPACING_M)) continue;
    if (routes.some((r) => distanceToLine(x, y, r) < VILLAGE_ROUTE_CLEARANCE_M)) continue;
    const n = placed.length - towns.length;
    const typ = n < VILLAGES.småort ? 'småort' : 'by';
    placed.push({ index: placed.length, name: names[n]!, typ, centralort: false, kommunkod: null, x, y, weight: VILLAGE_WEIGHT[typ], angleRad: rng.range(-0.6, 0.6) });
  }
  return placed.slice(towns.length);
}

/**
 * Splits the building total over the towns by weight (largest remainder, so the quotas add
 * up exactly) and estimates each town's built-up radius from its quota.
 */
export function assignQuotas(sites: readonly TownSite[], buildings: number): Town[] {
  const totalWeight = sites.reduce((sum, t) => sum + t.weight, 0);
  const exact = sites.map((t) => (buildings * t.weight) / totalWeight);
  const quotas = exact.map(Math.floor);
  let left = buildings - quotas.reduce((a, b) => a + b, 0);
  const order = exact.map((e, i) => ({ i, frac: e - Math.floor(e) })).sort((a, b) => b.frac - a.frac || a.i - b.i);
  for (const { i } of order) {
    if (left <= 0) break;
    quotas[i]!++;
    left--;
  }
  return sites.map((t, i) => ({ ...t, quota: quotas[i]!, radiusM: Math.sqrt(quotas[i]! / (BUILT_DENSITY_PER_M2 * Math.PI * BUILT_FRACTION)) }));
}
