/**
 * What every cache tier must do, as tests any tier's suite runs against a real instance:
 * round trips, exact invalidation (a property test against a model: a Map of what was
 * set), no write of older data surviving an invalidation, an applied sequence that never
 * moves back, and clear.
 */
import fc from 'fast-check';
import { expect, it } from 'vitest';
import type { CacheEntry, CacheTier } from '../../cache/tier.ts';
import { inRange, keyString, type LevelRange, type TileKey } from '../../cache/tile-key.ts';

/** A small world of levels, so generated tiles and ranges collide often. Names need encoding ('grå bas', '3006.x'). */
const LEVELS = [
  { kind: 'vector', name: 'sodertorn', grid: 'WebMercatorQuad', z: 14 },
  { kind: 'vector', name: 'sodertorn', grid: '3006', z: 14 },
  { kind: 'raster', name: 'grå bas', grid: '3006.x', z: 9 },
] as const;
const VARIANTS: Record<string, readonly string[]> = { vector: ['mvt'], raster: ['1.png', '2.png', '2.webp'] };
const SIDE = 8;

export const tileKeyArb: fc.Arbitrary<TileKey> = fc
  .record({ level: fc.constantFrom(...LEVELS), x: fc.nat(SIDE - 1), y: fc.nat(SIDE - 1), v: fc.nat(2) })
  .map(({ level, x, y, v }) => {
    const variants = VARIANTS[level.kind]!;
    return { ...level, x, y, variant: variants[v % variants.length]! };
  });

export const levelRangeArb: fc.Arbitrary<LevelRange> = fc
  .record({ level: fc.constantFrom(...LEVELS), xs: fc.tuple(fc.nat(SIDE - 1), fc.nat(SIDE - 1)), ys: fc.tuple(fc.nat(SIDE - 1), fc.nat(SIDE - 1)) })
  .map(({ level, xs, ys }) => ({ ...level, minX: Math.min(...xs), maxX: Math.max(...xs), minY: Math.min(...ys), maxY: Math.max(...ys) }));

/** A tile key for examples. */
export function tile(x: number, y: number, variant = 'mvt', z = 14): TileKey {
  return { kind: 'vector', name: 'sodertorn', grid: 'WebMercatorQuad', z, x, y, variant };
}

/** An entry whose body names its key, so a wrong answer shows. */
export function entryOf(key: TileKey, dataSeq = 7, padBytes = 0): CacheEntry {
  return { body: Buffer.concat([Buffer.from(keyString(key)), Buffer.alloc(padBytes, 0x5a)]), dataSeq };
}

/**
 * Registers the contract's tests; tier() answers the tier under test, emptied before each
 * test by the suite and told its applied sequence (0), as the tiered cache does.
 */
export function itFollowsTheTierContract(tier: () => CacheTier, options: { propertyRuns: number }): void {
  it('answers what was set, byte for byte, and misses what was not', async () => {
    const t = tier();
    const key = tile(9010, 4826);
    expect(await t.get(key)).toBeUndefined();
    await t.set(key, entryOf(key, 42));
    const got = await t.get(key);
    expect(Buffer.from(got!.body).equals(Buffer.from(entryOf(key).body))).toBe(true);
    expect(got!.dataSeq).toBe(42);
    expect(await t.get({ ...key, variant: 'pbf' })).toBeUndefined();
    // Every byte value, in sequences that are not UTF-8: a tier must not pass bodies through text.
    const binary = Uint8Array.from({ length: 4096 }, (_, i) => (i * 131) % 256);
    await t.set(key, { body: binary, dataSeq: 2 ** 40 });
    expect(await t.get(key)).toEqual({ body: expect.any(Uint8Array), dataSeq: 2 ** 40 });
    expect(Buffer.from((await t.get(key))!.body).equals(Buffer.from(binary))).toBe(true);
    await t.set(key, { body: new Uint8Array(0), dataSeq: 43 });
    expect(await t.get(key)).toEqual({ body: expect.any(Uint8Array), dataSeq: 43 });
    expect((await t.get(key))!.body.byteLength).toBe(0);
  });

  it('invalidates exactly the tiles in the ranges, in every variant', async () => {
    // Each run's data is newer than the last run's invalidation, as a running engine's is.
    let seq = 100;
    await fc.assert(
      fc.asyncProperty(fc.array(tileKeyArb, { maxLength: 40 }), fc.array(levelRangeArb, { minLength: 1, maxLength: 3 }), async (keys, ranges) => {
        const t = tier();
        await t.clear();
        await t.setAppliedSeq(seq);
        const model = new Map(keys.map((k) => [keyString(k), k]));
        for (const k of model.values()) await t.set(k, entryOf(k, seq));
        const doomed = [...model.values()].filter((k) => ranges.some((r) => inRange(k, r)));
        expect(await t.invalidate(ranges, ++seq)).toBe(doomed.length);
        for (const k of model.values()) {
          const got = await t.get(k);
          if (doomed.includes(k)) expect(got).toBeUndefined();
          else expect(got && Buffer.from(got.body).toString()).toBe(keyString(k));
        }
      }),
      { numRuns: options.propertyRuns },
    );
  });

  it('refuses a write of data older than an invalidation over its tile, whenever the write arrives', async () => {
    const t = tier();
    const inside = tile(4, 4);
    const outside = tile(6, 6);
    await t.invalidate([{ ...tile(0, 0), minX: 3, minY: 3, maxX: 5, maxY: 5 }], 10);
    // A write of data read before the change, arriving late (a slow production, a write that timed out and ran later).
    await t.set(inside, entryOf(inside, 9));
    await t.set({ ...inside, variant: '2.png', kind: 'raster', name: 'grå bas', grid: '3006.x' }, entryOf(inside, 9));
    await t.set(outside, entryOf(outside, 9));
    expect(await t.get(inside)).toBeUndefined();
    expect((await t.get(outside))?.dataSeq).toBe(9);
    // Data read at or after the change is stored.
    await t.set(inside, entryOf(inside, 10));
    expect((await t.get(inside))?.dataSeq).toBe(10);
  });

  it('records the applied sequence and never moves it back', async () => {
    const t = tier();
    await t.clear();
    expect(await t.appliedSeq()).toBeUndefined();
    await t.setAppliedSeq(5);
    await t.setAppliedSeq(3);
    expect(await t.appliedSeq()).toBe(5);
    await t.setAppliedSeq(9);
    expect(await t.appliedSeq()).toBe(9);
  });

  it('clears every entry and the applied sequence', async () => {
    const t = tier();
    const keys = [tile(1, 1), tile(2, 2, '1.png'), { ...tile(3, 3), z: 3 }];
    for (const k of keys) await t.set(k, entryOf(k));
    await t.setAppliedSeq(11);
    await t.clear();
    for (const k of keys) expect(await t.get(k)).toBeUndefined();
    expect(await t.appliedSeq()).toBeUndefined();
  });

  it('starts storing again once told its applied sequence after a clear', async () => {
    const t = tier();
    const key = tile(7, 7);
    await t.clear();
    await t.setAppliedSeq(20);
    await t.set(key, entryOf(key, 20));
    expect((await t.get(key))?.dataSeq).toBe(20);
  });
}
