import { roundCm, roundLine, roundRing, type Xy } from './geometry.ts';
import { buildKommuner } from './kommun.ts';
import type { DemoFeature } from './layers.ts';
import type { TownPlan } from './lot-plan.ts';
import { blockKind, lotAt, unpackLot, type Lot } from './lots.ts';
import { addressOf, parkPaths, townStreets } from './streets.ts';
import type { RoadLine } from './routes.ts';
import type { World } from './world.ts';

/**
 * Turns the world model into the features of each layer. Every function is a generator that
 * starts from scratch when called, so layers can be streamed (and re-streamed) one at a time.
 */

function polygon(id: number, rings: Xy[][], properties: DemoFeature['properties']): DemoFeature {
  return { id, geometry: { type: 'Polygon', coordinates: rings }, properties };
}

/** The eight municipalities (ids 1–8 in kommunkod order). */
export function* kommunFeatures(seed: number): Generator<DemoFeature> {
  let id = 0;
  for (const k of buildKommuner(seed)) yield polygon(++id, k.rings, { kommunkod: k.kommunkod, namn: k.namn });
}

/** Land cover cells. */
export function* markFeatures(world: World): Generator<DemoFeature> {
  let id = 0;
  for (const cell of world.landCover) yield polygon(++id, [cell.ring], { klass: cell.klass });
}

/** Sea, Mälaren, the canal, lakes and ponds. */
export function* vattenFeatures(world: World): Generator<DemoFeature> {
  let id = 0;
  for (const w of world.water) yield polygon(++id, w.rings, { typ: w.typ, namn: w.namn });
}

/** Motorways, country roads, town streets (town by town) and park paths. */
export function* vagFeatures(world: World): Generator<DemoFeature> {
  let id = 0;
  const emit = function* (roads: Iterable<RoadLine>): Generator<DemoFeature> {
    for (const r of roads) {
      const line = roundLine(r.line);
      if (line.length < 2) continue;
      yield { id: ++id, geometry: { type: 'LineString', coordinates: line }, properties: { klass: r.klass, namn: r.namn } };
    }
  };
  yield* emit(world.motorways);
  yield* emit(world.countryRoads);
  const blockers = { local: world.blocksLocalStreets, main: world.isWater };
  for (const plan of world.plans()) yield* emit(townStreets(world.seed, plan, blockers));
  yield* emit(parkPaths(world.landCover, world.isWater));
}

/** Railways. */
export function* jarnvagFeatures(world: World): Generator<DemoFeature> {
  let id = 0;
  for (const r of world.railways) {
    const line = roundLine(r.line);
    if (line.length >= 2) yield { id: ++id, geometry: { type: 'LineString', coordinates: line }, properties: { typ: r.typ } };
  }
}

/** Every planned lot with its building id (1…n in plan order). */
function* lotsOf(world: World): Generator<{ id: number; plan: TownPlan; code: number; lot: Lot }> {
  let id = 0;
  for (const plan of world.plans()) {
    for (const code of plan.lots) {
      const { i, j } = unpackLot(code);
      yield { id: ++id, plan, code, lot: lotAt(world.seed, plan.town, code, blockKind(world.seed, plan.town, i, j)) };
    }
  }
}

function ring(points: Xy[]): Xy[] {
  const r = roundRing(points);
  if (!r) throw new Error('a lot ring collapsed when rounded');
  return r;
}

/** Buildings. */
export function* byggnadFeatures(world: World): Generator<DemoFeature> {
  for (const { id, lot } of lotsOf(world)) yield polygon(id, [ring(lot.building)], { andamal: lot.andamal, hojd: lot.hojd });
}

const mod = (a: number, n: number): number => ((a % n) + n) % n;
const zigzag = (n: number): number => (n >= 0 ? 2 * n : -2 * n - 1);

/**
 * "Tumba 7:123": trakt = the town, block = a 4×4-block district numbered outwards from the
 * centre, unit = the lot within that district. Unique within a town.
 */
function beteckning(plan: TownPlan, code: number): string {
  const { i, j, side, slot } = unpackLot(code);
  const x = zigzag(Math.floor(i / 4));
  const y = zigzag(Math.floor(j / 4));
  const block = ((x + y) * (x + y + 1)) / 2 + y + 1;
  const unit = 1 + (mod(i, 4) * 4 + mod(j, 4)) * 16 + side * 4 + slot;
  return `${plan.town.name} ${block}:${unit}`;
}

/** Parcels; each has the id of the building on it. */
export function* fastighetFeatures(world: World): Generator<DemoFeature> {
  for (const { id, plan, code, lot } of lotsOf(world)) yield polygon(id, [ring(lot.parcel)], { beteckning: beteckning(plan, code) });
}

/** Addresses of dwellings and businesses; each has the id of its building. */
export function* adressFeatures(world: World): Generator<DemoFeature> {
  for (const { id, plan, lot } of lotsOf(world)) {
    if (lot.andamal !== 'bostad' && lot.andamal !== 'verksamhet') continue;
    yield {
      id,
      geometry: { type: 'Point', coordinates: [roundCm(lot.entrance[0]), roundCm(lot.entrance[1])] },
      properties: { gatuadress: addressOf(world.seed, plan, lot.street) },
    };
  }
}

/** Towns and villages. */
export function* ortnamnFeatures(world: World): Generator<DemoFeature> {
  let id = 0;
  for (const t of world.towns) yield { id: ++id, geometry: { type: 'Point', coordinates: [roundCm(t.x), roundCm(t.y)] }, properties: { namn: t.name, typ: t.typ } };
}
