import type { Xy } from './geometry.ts';
import { hashUnit } from './random.ts';
import type { Town } from './towns.ts';

/**
 * Geometry of one building lot, computed from nothing but (seed, town, lot code), so the
 * planning pass and every streaming pass agree without sharing state.
 *
 * Each town has a square street grid (BLOCK_M apart, turned by the town's angle). A block's
 * inner square is cut into parcels in a pinwheel, each parcel facing one of the four streets:
 *
 *          street j+1
 *      ┌──────────────┬─────┐ ← side 2 parcels run right-to-left along the top
 *      │   side 3     │     │
 *      │   (left)     │  s1 │
 *      ├─────┬────────┤     │ street
 *  st. │     │ court  │     │ i+1
 *  i   │     ├────────┴─────┤
 *      │ s3  │    side 0    │
 *      └─────┴──────────────┘ ← side 0 parcels run left-to-right along the bottom
 *          street j
 *
 * Parcel depth is PARCEL_DEPTH_M and frontage FRONTAGE_M / slots, so parcels never overlap.
 */

/** Distance between parallel streets of a town grid, metres. */
export const BLOCK_M = 100;
/** Half the width of a street (carriageway and pavement), metres. */
const STREET_HALF_M = 5;
const INNER_M = BLOCK_M - 2 * STREET_HALF_M;
const PARCEL_DEPTH_M = 40;
const FRONTAGE_M = INNER_M - PARCEL_DEPTH_M;
/** Largest gap between the points checked against the land mask (the mask's cells are 25 m). */
const SAMPLE_STEP_M = 20;
/** Grid indices are packed into 12 bits: ±2048 blocks of 100 m is ±204 km from the centre. */
const GRID_OFFSET = 2048;

/**
 * What a block is built with: two rows of apartment slabs facing opposite streets (lamell,
 * either way round), four apartment towers (punkthus), twelve villas, or two industrial halls.
 */
export type BlockKind = 'lamellU' | 'lamellV' | 'punkthus' | 'villa' | 'industri';

/** Which sides of a block carry lots, and how many lots each side has. */
export const BLOCK_LOTS: Record<BlockKind, { readonly sides: readonly number[]; readonly slots: number }> = {
  lamellU: { sides: [0, 2], slots: 1 },
  lamellV: { sides: [1, 3], slots: 1 },
  punkthus: { sides: [0, 1, 2, 3], slots: 1 },
  villa: { sides: [0, 1, 2, 3], slots: 3 },
  industri: { sides: [0, 2], slots: 1 },
};

/** Building purpose values. */
export type Purpose = 'bostad' | 'industri' | 'samhällsfunktion' | 'verksamhet';

/** Packs grid block (i, j), side 0–3 and slot 0–3 into one non-negative integer (sorts by i, j, side, slot). */
export function packLot(i: number, j: number, side: number, slot: number): number {
  return ((i + GRID_OFFSET) << 16) | ((j + GRID_OFFSET) << 4) | (side << 2) | slot;
}

/** The inverse of packLot. */
export function unpackLot(code: number): { i: number; j: number; side: number; slot: number } {
  return { i: (code >>> 16) - GRID_OFFSET, j: ((code >>> 4) & 0xfff) - GRID_OFFSET, side: (code >>> 2) & 3, slot: code & 3 };
}

/** Whether grid index i fits the packed code. */
export function inGridRange(i: number): boolean {
  return i >= -GRID_OFFSET && i < GRID_OFFSET;
}

/** Town grid coordinates (u, v metres) to EPSG:3006. */
export function gridToWorld(town: Town, u: number, v: number): Xy {
  const cos = Math.cos(town.angleRad);
  const sin = Math.sin(town.angleRad);
  return [town.x + u * cos - v * sin, town.y + u * sin + v * cos];
}

/**
 * The kind of a block: apartment blocks in the core of a town, scattered industrial blocks
 * away from it, villas elsewhere and in all villages.
 */
export function blockKind(seed: number, town: Town, i: number, j: number): BlockKind {
  if (town.typ !== 'tätort') return 'villa';
  const rho = Math.hypot((i + 0.5) * BLOCK_M, (j + 0.5) * BLOCK_M) / Math.max(town.radiusM, 200);
  const h = hashUnit(seed, town.index, i, j, 0x1d);
  if (rho < 0.3) return h < 0.35 ? 'lamellU' : h < 0.7 ? 'lamellV' : 'punkthus';
  if (rho > 0.45 && h < 0.07) return 'industri';
  return 'villa';
}

// Side frames in block-inner coordinates: origin, along-street unit vector, inward unit vector.
const SIDE_FRAMES: readonly (readonly [number, number, number, number, number, number])[] = [
  [0, 0, 1, 0, 0, 1],
  [INNER_M, 0, 0, 1, -1, 0],
  [INNER_M, INNER_M, -1, 0, 0, -1],
  [0, INNER_M, 0, -1, 1, 0],
];

/** The street a lot faces, in grid terms. */
export interface LotStreet {
  /** 0: a street along the grid's u axis (line = j index); 1: along the v axis (line = i index). */
  readonly orient: 0 | 1;
  readonly line: number;
  /** Block index along the street. */
  readonly along: number;
  /** Sixth of the block (0–5) the parcel's middle lies in, counted in the street's direction. */
  readonly pos: number;
  /** Odd house numbers on one side of a street, even on the other. */
  readonly odd: boolean;
}

/** Everything about one lot. */
export interface Lot {
  readonly parcel: Xy[];
  readonly building: Xy[];
  /** Where the address point goes: between the street and the house front. */
  readonly entrance: Xy;
  readonly centre: Xy;
  readonly andamal: Purpose;
  readonly hojd: number;
  readonly street: LotStreet;
}

interface Dimensions {
  widthM: number;
  depthM: number;
  setbackM: number;
  hojd: number;
  andamal: Purpose;
}

function dimensions(kind: BlockKind, seed: number, townIndex: number, code: number, frontageM: number): Dimensions {
  const h1 = hashUnit(seed, townIndex, code, 1);
  const h2 = hashUnit(seed, townIndex, code, 2);
  const h3 = hashUnit(seed, townIndex, code, 3);
  const h5 = hashUnit(seed, townIndex, code, 5);
  const p = hashUnit(seed, townIndex, code, 6);
  switch (kind) {
    case 'lamellU':
    case 'lamellV':
      return {
        widthM: frontageM * (0.7 + 0.25 * h1),
        depthM: 11 + 4 * h2,
        setbackM: 3 + 4 * h3,
        hojd: 9 + 15 * h5,
        andamal: p < 0.75 ? 'bostad' : p < 0.92 ? 'verksamhet' : 'samhällsfunktion',
      };
    case 'punkthus': {
      const side = 14 + 6 * h1;
      return {
        widthM: side,
        depthM: side - 2 + 4 * h2,
        setbackM: 4 + 6 * h3,
        hojd: 18 + 22 * h5,
        andamal: p < 0.85 ? 'bostad' : p < 0.95 ? 'verksamhet' : 'samhällsfunktion',
      };
    }
    case 'industri':
      return { widthM: 28 + 17 * h1, depthM: 18 + 12 * h2, setbackM: 5 + 3 * h3, hojd: 6 + 8 * h5, andamal: p < 0.75 ? 'industri' : 'verksamhet' };
    case 'villa':
      return {
        widthM: 8 + 5 * h1,
        depthM: 8 + 4 * h2,
        setbackM: 5 + 3 * h3,
        hojd: 4 + 5 * h5,
        andamal: p < 0.9 ? 'bostad' : p < 0.96 ? 'verksamhet' : 'samhällsfunktion',
      };
  }
}

/** Maps (along, inward) in one side's parcel frame to EPSG:3006. A class, not a closure: it runs millions of times. */
class SideFrame {
  private readonly ox: number;
  private readonly oy: number;
  private readonly ax: number;
  private readonly ay: number;
  private readonly nx: number;
  private readonly ny: number;
  private readonly cos: number;
  private readonly sin: number;

  constructor(
    private readonly town: Town,
    i: number,
    j: number,
    side: number,
  ) {
    const [ox, oy, ax, ay, nx, ny] = SIDE_FRAMES[side]!;
    this.ox = i * BLOCK_M + STREET_HALF_M + ox;
    this.oy = j * BLOCK_M + STREET_HALF_M + oy;
    this.ax = ax;
    this.ay = ay;
    this.nx = nx;
    this.ny = ny;
    this.cos = Math.cos(town.angleRad);
    this.sin = Math.sin(town.angleRad);
  }

  at(along: number, inward: number): Xy {
    const u = this.ox + along * this.ax + inward * this.nx;
    const v = this.oy + along * this.ay + inward * this.ny;
    return [this.town.x + u * this.cos - v * this.sin, this.town.y + u * this.sin + v * this.cos];
  }
}

/**
 * The lot with the given code in a town: parcel, building, entrance, attributes. Rings are
 * closed and counter-clockwise (the along/inward frames are all right-handed).
 */
export function lotAt(seed: number, town: Town, code: number, kind: BlockKind): Lot {
  const { i, j, side, slot } = unpackLot(code);
  const frontageM = FRONTAGE_M / BLOCK_LOTS[kind].slots;
  const d = dimensions(kind, seed, town.index, code, frontageM);
  const frame = new SideFrame(town, i, j, side);

  // Both edges from the slot index alone, so neighbouring parcels compute identical corners.
  const slots = BLOCK_LOTS[kind].slots;
  const last = slot === slots - 1;
  const a0 = slot * frontageM;
  const a1 = last ? FRONTAGE_M : (slot + 1) * frontageM;
  // Where parcels of two sides meet (the T's in the diagram), a corner of one lies in the
  // middle of the other's edge. Both rings get every such vertex: otherwise rounding to
  // centimetres would open slivers of gap or overlap along the shared edge.
  //  - the last parcel's far edge is the next side's back edge, whose parcels end every frontage
  const parcel = [frame.at(a0, 0), frame.at(a1, 0)];
  if (last) for (let k = 1; k * frontageM < PARCEL_DEPTH_M; k++) parcel.push(frame.at(a1, k * frontageM));
  parcel.push(frame.at(a1, PARCEL_DEPTH_M));
  //  - the back edge holds the previous side's last corner, PARCEL_DEPTH_M along
  if (a0 < PARCEL_DEPTH_M && PARCEL_DEPTH_M < a1) parcel.push(frame.at(PARCEL_DEPTH_M, PARCEL_DEPTH_M));
  parcel.push(frame.at(a0, PARCEL_DEPTH_M), parcel[0]!);

  // Centre the house on its parcel, shifted sideways at random but 1.5 m clear of each neighbour.
  const play = Math.max(0, frontageM - d.widthM - 3);
  const mid = a0 + frontageM / 2 + (hashUnit(seed, town.index, code, 4) - 0.5) * play;
  const b0 = mid - d.widthM / 2;
  const b1 = mid + d.widthM / 2;
  const front = d.setbackM;
  const back = d.setbackM + d.depthM;
  const building = [frame.at(b0, front), frame.at(b1, front), frame.at(b1, back), frame.at(b0, back)];
  building.push(building[0]!);

  // House numbers count along the street: position of the parcel's middle within the block.
  const [ox, oy, ax, ay, nx, ny] = SIDE_FRAMES[side]!;
  const localU = STREET_HALF_M + ox + (a0 + frontageM / 2) * ax + (PARCEL_DEPTH_M / 2) * nx;
  const localV = STREET_HALF_M + oy + (a0 + frontageM / 2) * ay + (PARCEL_DEPTH_M / 2) * ny;
  const sixth = BLOCK_M / 6;
  const street: LotStreet =
    side === 0 ? { orient: 0, line: j, along: i, pos: Math.floor(localU / sixth), odd: true }
    : side === 2 ? { orient: 0, line: j + 1, along: i, pos: Math.floor(localU / sixth), odd: false }
    : side === 1 ? { orient: 1, line: i + 1, along: j, pos: Math.floor(localV / sixth), odd: false }
    : { orient: 1, line: i, along: j, pos: Math.floor(localV / sixth), odd: true };

  return {
    parcel,
    building,
    entrance: frame.at(mid, front / 2),
    centre: frame.at(mid, (front + back) / 2),
    andamal: d.andamal,
    hojd: Math.round(d.hojd * 10) / 10,
    street,
  };
}

/**
 * Points to test against the land mask for a lot: a grid over the building at most 20 m
 * apart (corners included), so any water outline crossing the building marks one of their
 * cells as shore.
 */
export function buildingProbe(lot: Lot): Xy[] {
  const [p0, p1, , p3] = lot.building as [Xy, Xy, Xy, Xy];
  const wx = p1[0] - p0[0];
  const wy = p1[1] - p0[1];
  const dx = p3[0] - p0[0];
  const dy = p3[1] - p0[1];
  const nw = Math.max(1, Math.ceil(Math.hypot(wx, wy) / SAMPLE_STEP_M));
  const nd = Math.max(1, Math.ceil(Math.hypot(dx, dy) / SAMPLE_STEP_M));
  const points: Xy[] = [];
  for (let a = 0; a <= nw; a++) for (let b = 0; b <= nd; b++) points.push([p0[0] + (wx * a) / nw + (dx * b) / nd, p0[1] + (wy * a) / nw + (dy * b) / nd]);
  return points;
}
