import { describe, expect, it } from 'vitest';
import { Random, hash32, hashString, hashUnit, stageRandom } from '../../tools/demo/random.ts';

describe('Random', () => {
  it('repeats its sequence for the same seed and differs for another', () => {
    const draw = (seed: number): number[] => {
      const r = new Random(seed);
      return Array.from({ length: 50 }, () => r.next());
    };
    expect(draw(42)).toEqual(draw(42));
    expect(draw(42)).not.toEqual(draw(43));
  });

  it('pins the first values of seed 1, so a change to the generator is noticed', () => {
    const r = new Random(1);
    expect([r.next(), r.next(), r.next()].map((v) => v.toFixed(12))).toEqual(['0.627073940588', '0.002735721180', '0.527447039960']);
  });

  it('keeps its helpers within their ranges', () => {
    const r = new Random(9);
    for (let i = 0; i < 2000; i++) {
      const v = r.next();
      expect(v >= 0 && v < 1).toBe(true);
      const x = r.range(-5, 5);
      expect(x >= -5 && x < 5).toBe(true);
      const n = r.int(3, 6);
      expect(Number.isInteger(n) && n >= 3 && n <= 6).toBe(true);
      expect(['a', 'b', 'c']).toContain(r.pick(['a', 'b', 'c']));
      expect(Number.isFinite(r.gaussian(10, 2))).toBe(true);
    }
    expect(() => r.pick([])).toThrow(RangeError);
  });

  it('draws roughly normal values from gaussian()', () => {
    const r = new Random(5);
    const values = Array.from({ length: 20000 }, () => r.gaussian(10, 2));
    const mean = values.reduce((a, b) => a + b, 0) / values.length;
    const sd = Math.sqrt(values.reduce((a, b) => a + (b - mean) ** 2, 0) / values.length);
    expect(mean).toBeCloseTo(10, 1);
    expect(sd).toBeCloseTo(2, 1);
  });

  it('gives independent stages independent streams', () => {
    expect(stageRandom(1, 'water').next()).toBe(stageRandom(1, 'water').next());
    expect(stageRandom(1, 'water').next()).not.toBe(stageRandom(1, 'towns').next());
    expect(stageRandom(1, 'water').next()).not.toBe(stageRandom(2, 'water').next());
  });
});

describe('stateless hashes', () => {
  it('are pure functions of their integer inputs', () => {
    expect(hash32(1, 2, 3)).toBe(hash32(1, 2, 3));
    expect(hash32(1, 2, 3)).not.toBe(hash32(1, 3, 2));
    expect(hash32(-1, 0)).not.toBe(hash32(1, 0));
    expect(hashString('Tumba')).toBe(hashString('Tumba'));
    expect(hashString('Tumba')).not.toBe(hashString('Tumbä'));
  });

  it('spread evenly over [0, 1)', () => {
    const buckets = new Array<number>(10).fill(0);
    for (let i = 0; i < 50000; i++) {
      const u = hashUnit(7, i, i >> 3);
      expect(u >= 0 && u < 1).toBe(true);
      buckets[Math.floor(u * 10)]!++;
    }
    for (const b of buckets) expect(Math.abs(b - 5000)).toBeLessThan(300);
  });
});
