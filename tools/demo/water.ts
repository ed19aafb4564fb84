import { clipLine, type Blocked } from './clip-line.ts';
import { CANAL_LINE, LAKES, MALAREN_SHORE, REGION_BBOX, SEA_COAST } from './geography.ts';
import {
  bboxOf,
  chaikin,
  densify,
  distanceToLine,
  ensureCcw,
  ensureCw,
  lineLength,
  pointInPolygon,
  pointInRing,
  PolygonIndex,
  roundRing,
  type Bbox,
  type Xy,
} from './geometry.ts';
import { CELL, type LandMask } from './land-mask.ts';
import { valueNoise1 } from './noise.ts';
import { hashString, stageRandom, type Random } from './random.ts';

/** One water polygon of the `vatten` layer. */
export interface WaterBody {
  readonly typ: 'hav' | 'sjö';
  readonly namn: string | null;
  /** Closed rings in EPSG:3006, exterior counter-clockwise first, holes clockwise after. */
  readonly rings: Xy[][];
  readonly bbox: Bbox;
}

/** Keep water this far from town centres, so every town has a dry core. */
const TOWN_CLEARANCE_M = 700;
/** Gap between separate water bodies, so lakes never touch the sea or each other. */
const WATER_GAP_M = 150;

function body(typ: WaterBody['typ'], namn: string | null, rings: Xy[][]): WaterBody {
  return { typ, namn, rings, bbox: bboxOf(rings[0]!) };
}

/**
 * Turns a hand-drawn control line into a natural shore: rounds its corners (Chaikin), then
 * pushes every point sideways by three octaves of 1-D noise. The push (≤ ~500 m) stays well
 * below the rounded corners' radius and the narrowest water (~2 km), so the line cannot fold
 * onto itself. The push fades out over the first and last 2 km, keeping the end points on the
 * region's edge.
 */
export function roughenShore(control: readonly Xy[], seed: number): Xy[] {
  const line = densify(chaikin(control, 4), 80);
  const lengths = [0];
  for (let i = 1; i < line.length; i++) lengths.push(lengths[i - 1]! + Math.hypot(line[i]![0] - line[i - 1]![0], line[i]![1] - line[i - 1]![1]));
  const total = lengths[lengths.length - 1]!;
  const octaves: [number, number][] = [
    [3000, 380],
    [700, 110],
    [240, 30],
  ];
  return line.map(([x, y], i) => {
    if (i === 0 || i === line.length - 1) return [x, y];
    const s = lengths[i]!;
    const [px, py] = line[i - 1]!;
    const [nx, ny] = line[i + 1]!;
    const tl = Math.hypot(nx - px, ny - py);
    let push = 0;
    octaves.forEach(([wavelength, amplitude], k) => {
      push += (valueNoise1(seed + k, s / wavelength) * 2 - 1) * amplitude;
    });
    push *= Math.min(1, s / 2000, (total - s) / 2000);
    // left normal of the direction of travel
    return [x - ((ny - py) / tl) * push, y + ((nx - px) / tl) * push];
  });
}

/**
 * A lake- or island-shaped ring: a star-shaped blob (radius varying smoothly with angle by at
 * most ±30 %), stretched and turned. Star-shaped rings with angles increasing around the
 * centre are always simple, and stretching/turning keeps them so.
 */
export function blobRing(rng: Random, cx: number, cy: number, lengthM: number, widthM: number, axisRad: number, vertices: number): Xy[] {
  const harmonics: { k: number; a: number; phase: number }[] = [];
  let total = 0;
  for (let k = 2; k <= 6; k++) {
    const a = rng.range(0.2, 1) / k;
    total += a;
    harmonics.push({ k, a, phase: rng.range(0, 2 * Math.PI) });
  }
  const scale = 0.3 / total;
  const cos = Math.cos(axisRad);
  const sin = Math.sin(axisRad);
  const ring: Xy[] = [];
  for (let v = 0; v < vertices; v++) {
    const t = (2 * Math.PI * v) / vertices;
    let r = 1;
    for (const h of harmonics) r += h.a * scale * Math.cos(h.k * t + h.phase);
    const u = Math.cos(t) * r * (lengthM / 2);
    const w = Math.sin(t) * r * (widthM / 2);
    ring.push([cx + u * cos - w * sin, cy + u * sin + w * cos]);
  }
  ring.push([ring[0]![0], ring[0]![1]]);
  return ring;
}

const CANAL_WIDTH_M = 70;
/** How far the canal reaches into Mälaren and the sea, so it joins them despite their wiggly shores. */
const CANAL_OVERLAP_M = 40;

/**
 * The canal's centre line between Mälaren and the sea: the hand-drawn line cut where it leaves
 * open water at both ends, then pushed CANAL_OVERLAP_M into it, so the polygons barely overlap.
 */
function canalCentre(seaOuter: readonly Xy[], malaren: readonly Xy[]): Xy[] {
  const open: Blocked = (x, y) => pointInRing(x, y, seaOuter) || pointInRing(x, y, malaren);
  const [first, last] = [CANAL_LINE[0]!, CANAL_LINE[CANAL_LINE.length - 1]!];
  if (!open(first[0], first[1]) || !open(last[0], last[1])) throw new Error('Södertälje kanal does not reach open water; adjust CANAL_LINE');
  const pieces = clipLine(densify(chaikin(CANAL_LINE, 3), 50), open, 0);
  const line = pieces.reduce((a, b) => (lineLength(b) > lineLength(a) ? b : a), pieces[0] ?? []);
  if (line.length < 2) throw new Error('Södertälje kanal lies wholly in open water; adjust CANAL_LINE');
  const extend = (end: Xy, inner: Xy): Xy => {
    const len = Math.hypot(end[0] - inner[0], end[1] - inner[1]);
    return [end[0] + ((end[0] - inner[0]) / len) * CANAL_OVERLAP_M, end[1] + ((end[1] - inner[1]) / len) * CANAL_OVERLAP_M];
  };
  return [extend(line[0]!, line[1]!), ...line.slice(1, -1), extend(line[line.length - 1]!, line[line.length - 2]!)];
}

/** A band of the given width around a smooth centre line, as a closed ring. */
function bandRing(line: readonly Xy[], widthM: number): Xy[] {
  const left: Xy[] = [];
  const right: Xy[] = [];
  for (let i = 0; i < line.length; i++) {
    const [px, py] = line[Math.max(0, i - 1)]!;
    const [nx, ny] = line[Math.min(line.length - 1, i + 1)]!;
    const tl = Math.hypot(nx - px, ny - py);
    const ox = (-(ny - py) / tl) * (widthM / 2);
    const oy = ((nx - px) / tl) * (widthM / 2);
    const [x, y] = line[i]!;
    left.push([x + ox, y + oy]);
    right.push([x - ox, y - oy]);
  }
  const ring = [...right, ...left.reverse()];
  ring.push([ring[0]![0], ring[0]![1]]);
  return ring;
}

function round(ring: Xy[]): Xy[] {
  const rounded = roundRing(ring);
  if (!rounded) throw new Error('water ring collapsed when rounded');
  return rounded;
}

/** Whether a ring stays clear of existing water and town centres. */
function fits(ring: readonly Xy[], water: readonly WaterBody[], towns: readonly { x: number; y: number }[], townClearanceM: number): boolean {
  const box = bboxOf(ring);
  if (box[0] < REGION_BBOX[0] + 500 || box[1] < REGION_BBOX[1] + 500 || box[2] > REGION_BBOX[2] - 500 || box[3] > REGION_BBOX[3] - 500) return false;
  for (const t of towns) {
    if (pointInRing(t.x, t.y, ring) || distanceToLine(t.x, t.y, ring) < townClearanceM) return false;
  }
  for (const w of water) {
    const near = !(w.bbox[0] > box[2] + WATER_GAP_M || w.bbox[2] < box[0] - WATER_GAP_M || w.bbox[1] > box[3] + WATER_GAP_M || w.bbox[3] < box[1] - WATER_GAP_M);
    if (!near) continue;
    for (const [x, y] of ring) {
      if (pointInPolygon(x, y, w.rings)) return false;
      for (const r of w.rings) if (distanceToLine(x, y, r) < WATER_GAP_M) return false;
    }
    for (const r of w.rings) for (const [x, y] of r) if (pointInRing(x, y, ring)) return false;
  }
  return true;
}

/**
 * Builds every water body: the Baltic (with skerries as holes), Mälaren, Södertälje kanal,
 * the named lakes and some unnamed ponds. `towns` are kept dry.
 */
export function buildWater(seed: number, towns: readonly { x: number; y: number }[]): WaterBody[] {
  const rng = stageRandom(seed, 'water');
  const [minX, minY, maxX, maxY] = REGION_BBOX;

  const coast = roughenShore(SEA_COAST, hashString('sea') ^ seed);
  const seaOuter = ensureCcw(round([...coast, [maxX, minY], [maxX, maxY], coast[0]!]));
  const shore = roughenShore(MALAREN_SHORE, hashString('malaren') ^ seed);
  const malaren = ensureCcw(round([...shore, [minX, maxY], shore[0]!]));
  const canal = ensureCcw(round(bandRing(canalCentre(seaOuter, malaren), CANAL_WIDTH_M)));

  // Skerries: islands well inside the sea, never touching the coast or each other.
  const islands: { ring: Xy[]; x: number; y: number; r: number }[] = [];
  for (let attempt = 0; attempt < 400 && islands.length < 14; attempt++) {
    const x = rng.range(minX, maxX);
    const y = rng.range(minY, maxY);
    const length = rng.range(400, 2600);
    const width = length * rng.range(0.35, 0.8);
    const reach = (length / 2) * 1.3;
    if (!pointInRing(x, y, seaOuter) || distanceToLine(x, y, seaOuter) < reach + 300) continue;
    if (islands.some((o) => Math.hypot(o.x - x, o.y - y) < o.r + reach + 200)) continue;
    const ring = ensureCw(round(blobRing(rng, x, y, length, width, rng.range(0, Math.PI), 40)));
    islands.push({ ring, x, y, r: reach });
  }

  const water: WaterBody[] = [
    body('hav', 'Östersjön', [seaOuter, ...islands.map((i) => i.ring)]),
    body('sjö', 'Mälaren', [malaren]),
    body('sjö', 'Södertälje kanal', [canal]),
  ];

  for (const lake of LAKES) {
    // Shrink a lake that does not fit until it does; the positions are hand-checked, so
    // this only trims lakes whose random wobble reaches a neighbour.
    for (let scale = 1; scale > 0.4; scale *= 0.85) {
      const ring = ensureCcw(round(blobRing(rng, lake.x, lake.y, lake.lengthM * scale, lake.widthM * scale, (lake.axisDeg * Math.PI) / 180, 72)));
      if (fits(ring, water, towns, TOWN_CLEARANCE_M)) {
        water.push(body('sjö', lake.name, [ring]));
        break;
      }
    }
  }

  // Unnamed ponds in the countryside.
  let ponds = 0;
  for (let attempt = 0; attempt < 300 && ponds < 12; attempt++) {
    const x = rng.range(minX + 2000, maxX - 2000);
    const y = rng.range(minY + 2000, maxY - 2000);
    const length = rng.range(200, 700);
    const ring = ensureCcw(round(blobRing(rng, x, y, length, length * rng.range(0.5, 0.9), rng.range(0, Math.PI), 32)));
    if (!fits(ring, water, towns, 1500)) continue;
    water.push(body('sjö', null, [ring]));
    ponds++;
  }
  return water;
}

/** Exact "is this point in water?" answers, using the mask to skip polygon tests far from shores. */
export class WaterIndex {
  private readonly indexes: { bbox: Bbox; index: PolygonIndex }[];

  constructor(
    private readonly mask: LandMask,
    bodies: readonly WaterBody[],
  ) {
    this.indexes = bodies.map((b) => ({ bbox: b.bbox, index: new PolygonIndex(b.rings) }));
  }

  /** True when the point lies inside a water polygon. */
  contains(x: number, y: number): boolean {
    const cell = this.mask.at(x, y);
    if (cell === CELL.water) return true;
    if (cell !== CELL.shore) return false;
    for (const { bbox, index } of this.indexes) {
      if (x < bbox[0] || x > bbox[2] || y < bbox[1] || y > bbox[3]) continue;
      if (index.contains(x, y)) return true;
    }
    return false;
  }
}

/** Paints water into a fresh mask: interiors first, then every outline as shore. */
export function paintWater(mask: LandMask, bodies: readonly WaterBody[]): void {
  for (const b of bodies) mask.fillPolygon(b.rings, CELL.water, () => true);
  for (const b of bodies) mask.markOutline(b.rings, CELL.shore);
}
