import {
  adressFeatures,
  byggnadFeatures,
  fastighetFeatures,
  jarnvagFeatures,
  kommunFeatures,
  markFeatures,
  ortnamnFeatures,
  vagFeatures,
  vattenFeatures,
} from './features.ts';
import { DEFAULT_BUILDINGS, DEFAULT_SEED, MAX_BUILDINGS } from './defaults.ts';
import type { BaseMap } from './layers.ts';
import { buildWorld, type World } from './world.ts';

// The public surface of the generator: the layer contract, the region and the limits.
export { LAYER_NAMES, LAYER_TABLES, type BaseMap, type DemoFeature, type LayerName, type LayerTable } from './layers.ts';
export { REGION_BBOX } from './geography.ts';
export { DEFAULT_BUILDINGS, DEFAULT_SEED, MAX_BUILDINGS } from './defaults.ts';

/** Options of generateBaseMap. */
export interface GenerateOptions {
  /** Any unsigned 32-bit integer; the same seed gives byte-identical output. */
  seed?: number;
  /** Total number of buildings (0 … MAX_BUILDINGS); towns grow denser and larger with it. */
  buildings?: number;
}

/**
 * The synthetic Södertörn base map in EPSG:3006. Nothing is computed until a layer is read;
 * the landscape is then built once and shared, and buildings, parcels and addresses are
 * generated lot by lot while they are streamed.
 */
export function generateBaseMap(options: GenerateOptions = {}): BaseMap {
  const seed = options.seed ?? DEFAULT_SEED;
  const buildings = options.buildings ?? DEFAULT_BUILDINGS;
  if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) throw new RangeError(`seed must be an integer 0–4294967295, got ${seed}`);
  if (!Number.isInteger(buildings) || buildings < 0 || buildings > MAX_BUILDINGS) {
    throw new RangeError(`buildings must be an integer 0–${MAX_BUILDINGS}, got ${buildings}`);
  }
  let world: World | undefined;
  const getWorld = (): World => (world ??= buildWorld(seed, buildings));
  return {
    kommun: () => kommunFeatures(seed),
    mark: () => markFeatures(getWorld()),
    vatten: () => vattenFeatures(getWorld()),
    vag: () => vagFeatures(getWorld()),
    jarnvag: () => jarnvagFeatures(getWorld()),
    byggnad: () => byggnadFeatures(getWorld()),
    fastighet: () => fastighetFeatures(getWorld()),
    adress: () => adressFeatures(getWorld()),
    ortnamn: () => ortnamnFeatures(getWorld()),
  };
}
