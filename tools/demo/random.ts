/**
 * Seeded randomness for the demo map. Two kinds, both bit-for-bit reproducible:
 *
 * - `Random`: a sequential PRNG (mulberry32) for stages that draw a handful of values in a
 *   fixed order (coastline wiggles, lake shapes, village positions).
 * - `hash32` / `hashUnit`: stateless integer hashes for the per-lot values of the building
 *   stream, so a lot's house looks the same whether it is generated first, last or twice
 *   (the planning pass and the streaming pass must agree without sharing state).
 *
 * Only integer arithmetic (Math.imul, shifts) feeds the hashes, so results do not depend on
 * the platform's floating-point library.
 */

/** Deterministic PRNG (mulberry32, period 2^32): same seed, same sequence everywhere. */
export class Random {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  /** A float in [0, 1). */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** A float in [min, max). */
  range(min: number, max: number): number {
    return min + (max - min) * this.next();
  }

  /** An integer in [min, max], both inclusive. */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  /** True with probability p. */
  chance(p: number): boolean {
    return this.next() < p;
  }

  /** One element of a non-empty array. */
  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new RangeError('pick() needs at least one item');
    return items[Math.floor(this.next() * items.length)] as T;
  }

  /** A normally distributed value (Box–Muller; draws two uniforms per call, keeps none). */
  gaussian(mean = 0, sd = 1): number {
    const u = 1 - this.next(); // (0, 1]: log(0) would be -Infinity
    const v = this.next();
    return mean + sd * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }
}

/** A Random for one named stage: independent of how many values other stages drew. */
export function stageRandom(seed: number, stage: string): Random {
  return new Random(hash32(seed, hashString(stage)));
}

/** FNV-1a hash of a string's UTF-16 code units, as an unsigned 32-bit integer. */
export function hashString(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  }
  return h >>> 0;
}

function mix(h: number, k: number): number {
  // murmur3's per-block step
  k = Math.imul(k, 0xcc9e2d51);
  k = (k << 15) | (k >>> 17);
  k = Math.imul(k, 0x1b873593);
  h ^= k;
  h = (h << 13) | (h >>> 19);
  return (Math.imul(h, 5) + 0xe6546b64) | 0;
}

/** Stateless hash of up to five integers (negative allowed) to an unsigned 32-bit integer. */
export function hash32(a: number, b = 0, c = 0, d = 0, e = 0): number {
  let h = mix(mix(mix(mix(mix(0x2545f491, a | 0), b | 0), c | 0), d | 0), e | 0);
  // murmur3 finaliser: every input bit affects every output bit
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** Stateless hash of up to five integers to a float in [0, 1). */
export function hashUnit(a: number, b = 0, c = 0, d = 0, e = 0): number {
  return hash32(a, b, c, d, e) / 4294967296;
}
