import type { Blocked } from './clip-line.ts';
import { REGION_BBOX } from './geography.ts';
import { CELL, LandMask } from './land-mask.ts';
import { buildLandCover, type LandCell } from './landcover.ts';
import { planTowns, type TownPlan } from './lot-plan.ts';
import { buildMotorways, buildRailways, connectTowns, type RailLine, type RoadLine } from './routes.ts';
import { assignQuotas, namedTowns, placeVillages, type Town } from './towns.ts';
import { WaterIndex, buildWater, paintWater, type WaterBody } from './water.ts';

/**
 * The generated landscape except buildings, built once per map in dependency order:
 *
 *   towns ─► water ─► mask ─► motorways, railways ─► villages ─► quotas ─► country roads
 *                                                   └──────────────► land cover ─► lot plans
 *
 * Later stages paint into the mask (corridors, parks), so the order is part of the output.
 */
export interface World {
  readonly seed: number;
  readonly towns: readonly Town[];
  readonly water: readonly WaterBody[];
  readonly mask: LandMask;
  readonly isWater: Blocked;
  readonly motorways: readonly RoadLine[];
  readonly railways: readonly RailLine[];
  readonly countryRoads: readonly RoadLine[];
  readonly landCover: readonly LandCell[];
  /** Where town streets may not go: water and motorway/railway reserves. */
  readonly blocksLocalStreets: Blocked;
  /** Chosen lots per town; computed on first use (the costly part at large scales). */
  plans(): readonly TownPlan[];
}

/** Mask cell size: fine enough for 8 m houses to sit 25–50 m from a shore, small enough (7 MB) to keep. */
const MASK_CELL_M = 25;
/** Half-widths of the reserves kept free of buildings, metres. */
const MOTORWAY_RESERVE_M = 40;
const RAILWAY_RESERVE_M = 25;
const COUNTRY_ROAD_RESERVE_M = 15;

/** Builds the world for a seed and building count. */
export function buildWorld(seed: number, buildings: number): World {
  const sites = namedTowns(seed);
  const water = buildWater(seed, sites);
  const mask = new LandMask(REGION_BBOX, MASK_CELL_M);
  paintWater(mask, water);
  const index = new WaterIndex(mask, water);
  const isWater: Blocked = (x, y) => index.contains(x, y);

  const motorways = buildMotorways(isWater);
  const railways = buildRailways(isWater);
  const villages = placeVillages(seed, sites, mask, [...motorways, ...railways].map((r) => r.line));
  const towns = assignQuotas([...sites, ...villages], buildings);
  const countryRoads = connectTowns(seed, towns, isWater);

  for (const m of motorways) mask.stampLine(m.line, MOTORWAY_RESERVE_M, CELL.majorCorridor);
  for (const r of railways) mask.stampLine(r.line, RAILWAY_RESERVE_M, CELL.majorCorridor);
  for (const r of countryRoads) mask.stampLine(r.line, COUNTRY_ROAD_RESERVE_M, CELL.minorCorridor);

  const landCover = buildLandCover(seed, towns, isWater);
  for (const cell of landCover) if (cell.klass === 'park') mask.fillPolygon([cell.ring], CELL.park, (current) => current === CELL.land);

  const blocksLocalStreets: Blocked = (x, y) => {
    const cell = mask.at(x, y);
    return cell === CELL.majorCorridor || cell === CELL.outside || isWater(x, y);
  };
  let plans: readonly TownPlan[] | undefined;
  return {
    seed,
    towns,
    water,
    mask,
    isWater,
    motorways,
    railways,
    countryRoads,
    landCover,
    blocksLocalStreets,
    plans: () => (plans ??= planTowns(seed, towns, mask)),
  };
}
