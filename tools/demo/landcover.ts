import { Delaunay } from 'd3-delaunay';
import { REGION_BBOX } from './geography.ts';
import { ensureCcw, roundRing, type Xy } from './geometry.ts';
import { MARK_CLASSES } from './layers.ts';
import { valueNoise2 } from './noise.ts';
import { hashUnit, stageRandom } from './random.ts';
import type { Town } from './towns.ts';

/** Land cover class of a `mark` cell. */
export type MarkClass = (typeof MARK_CLASSES)[number];

/** One cell of the land cover partition. */
export interface LandCell {
  /** Closed, counter-clockwise ring. */
  readonly ring: Xy[];
  readonly klass: MarkClass;
  /** The Voronoi site of the cell (inside it). */
  readonly site: Xy;
}

/** Sites spread evenly over the region: land cover patches of ~1.7 km in the countryside. */
const COUNTRYSIDE_SITES = 1600;
/** Cells within this fraction of a town's radius are built-up (or park). */
const BUILT_UP_RADIUS = 0.9;
const PARK_SHARE = 0.13;

/** A smaller built-up radius would put every village cell outside its own village. */
function effectiveRadius(t: Town): number {
  return Math.max(t.radiusM, 150);
}

/**
 * The `mark` partition: Voronoi cells of seeded sites, denser in towns (so town cells are a
 * few hundred metres across at the demo scale). A cell is water when most of it is, built-up or
 * park near a town centre, and else forest, fields or open land by smooth noise.
 */
export function buildLandCover(seed: number, towns: readonly Town[], isWater: (x: number, y: number) => boolean): LandCell[] {
  const rng = stageRandom(seed, 'landcover');
  const [minX, minY, maxX, maxY] = REGION_BBOX;
  const sites: number[] = [];
  for (let i = 0; i < COUNTRYSIDE_SITES; i++) sites.push(rng.range(minX, maxX), rng.range(minY, maxY));
  for (const t of towns) {
    if (t.quota === 0) continue;
    const count = Math.round(Math.min(250, Math.max(6, 2 * Math.sqrt(t.quota))));
    const sd = effectiveRadius(t) * 0.7;
    for (let k = 0; k < count; k++) {
      const x = rng.gaussian(t.x, sd);
      const y = rng.gaussian(t.y, sd);
      if (x > minX && x < maxX && y > minY && y < maxY) sites.push(x, y);
    }
  }
  const voronoi = new Delaunay(Float64Array.from(sites)).voronoi([minX, minY, maxX, maxY]);
  const active = towns.filter((t) => t.quota > 0);
  const cells: LandCell[] = [];
  for (let i = 0; i < sites.length / 2; i++) {
    const polygon = voronoi.cellPolygon(i) as Xy[] | null;
    const ring = polygon && roundRing(polygon);
    if (!ring) continue;
    const x = sites[2 * i]!;
    const y = sites[2 * i + 1]!;
    cells.push({ ring: ensureCcw(ring), klass: classify(seed, i, x, y, ring, active, isWater), site: [x, y] });
  }
  return cells;
}

/** Whether most of a cell is water: its site and points halfway to each corner, by majority. */
function mostlyWater(x: number, y: number, ring: readonly Xy[], isWater: (x: number, y: number) => boolean): boolean {
  let wet = isWater(x, y) ? 1 : 0;
  const corners = ring.length - 1;
  for (let k = 0; k < corners; k++) if (isWater((x + ring[k]![0]) / 2, (y + ring[k]![1]) / 2)) wet++;
  return wet * 2 > corners + 1;
}

function classify(seed: number, i: number, x: number, y: number, ring: readonly Xy[], towns: readonly Town[], isWater: (x: number, y: number) => boolean): MarkClass {
  if (mostlyWater(x, y, ring, isWater)) return 'vatten';
  let nearest: Town | undefined;
  let rho = Infinity;
  for (const t of towns) {
    const r = Math.hypot(t.x - x, t.y - y) / effectiveRadius(t);
    if (r < rho) {
      rho = r;
      nearest = t;
    }
  }
  if (nearest && rho < BUILT_UP_RADIUS) {
    // parks: in towns, never in the very centre
    return nearest.typ === 'tätort' && rho > 0.2 && hashUnit(seed, i, 0x9a4c) < PARK_SHARE ? 'park' : 'bebyggelse';
  }
  const n = 0.7 * valueNoise2(seed, x / 2500, y / 2500) + 0.3 * valueNoise2(seed + 1, x / 700, y / 700);
  return n < 0.5 ? 'skog' : n < 0.66 ? 'åker' : 'öppen mark';
}
