import { hashUnit } from './random.ts';

/** Smooth 0→1 ramp with zero slope at both ends, so noise has no creases at lattice lines. */
function smooth(t: number): number {
  return t * t * (3 - 2 * t);
}

/** 1-D value noise in [0, 1): smooth between seeded values at integer positions. */
export function valueNoise1(seed: number, t: number): number {
  const i = Math.floor(t);
  const f = smooth(t - i);
  const a = hashUnit(seed, i);
  const b = hashUnit(seed, i + 1);
  return a + (b - a) * f;
}

/** 2-D value noise in [0, 1): smooth between seeded values at integer lattice points. */
export function valueNoise2(seed: number, x: number, y: number): number {
  const i = Math.floor(x);
  const j = Math.floor(y);
  const fx = smooth(x - i);
  const fy = smooth(y - j);
  const a = hashUnit(seed, i, j);
  const b = hashUnit(seed, i + 1, j);
  const c = hashUnit(seed, i, j + 1);
  const d = hashUnit(seed, i + 1, j + 1);
  const top = a + (b - a) * fx;
  const bottom = c + (d - c) * fx;
  return top + (bottom - top) * fy;
}
