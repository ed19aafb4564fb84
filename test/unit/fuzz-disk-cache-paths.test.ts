/**
 * Fuzzing of the disk tier's paths (the project issue: "never a path outside the cache
 * folder"): for any tile key, names with '..', '/', '\', NUL, odd Unicode or 10 KB of text,
 * and numbers that are negative, fractional, NaN or huge, the file of an entry is inside the
 * folder or the key is refused; and a real tier, set and get over such keys, touches no
 * path outside its folder (every node:fs/promises call is watched) and round-trips what it
 * stores. FUZZ_SEED=<seed> replays a reported failure.
 */
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative, resolve, sep } from 'node:path';
import fc from 'fast-check';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { keyString, parseKey, type LevelRange, type TileKey, type TileKind } from '../../cache/tile-key.ts';
import { entryPath, keyStringOfRelativePath } from '../../cache/tiers/disk-layout.ts';
import { DiskTier } from '../../cache/tiers/disk-tier.ts';
import { fuzzParameters, NASTY_VALUES } from '../helpers/fuzz-inputs.ts';

/** Every path given to node:fs/promises while `watched` is set, to check them against the tier's folder. */
const fsCalls = vi.hoisted(() => ({ watched: false, paths: [] as string[] }));

vi.mock('node:fs/promises', async (importOriginal) => {
  const actual = await importOriginal<typeof import('node:fs/promises')>();
  const wrapped: Record<string, unknown> = {};
  // These take two paths; every other function one, first (open's second argument is its flags).
  const twoPaths = new Set(['rename', 'copyFile', 'cp', 'link', 'symlink']);
  for (const [name, value] of Object.entries(actual)) {
    if (typeof value !== 'function' || name === 'default') continue;
    wrapped[name] = (...args: unknown[]) => {
      if (fsCalls.watched) for (const arg of args.slice(0, twoPaths.has(name) ? 2 : 1)) if (typeof arg === 'string') fsCalls.paths.push(arg);
      return (value as (...a: unknown[]) => unknown)(...args);
    };
  }
  return { ...actual, ...wrapped, default: { ...actual, ...wrapped } };
});

const logger = pino({ level: 'silent' });

/** Names of tilesets, styles and grids: real ones, ones that need encoding, and hostile ones. */
const nameArb: fc.Arbitrary<string> = fc.oneof(
  { arbitrary: fc.constantFrom('sodertorn', 'grå bas', '3006', 'WebMercatorQuad', '3006.x'), weight: 3 },
  { arbitrary: fc.constantFrom(...NASTY_VALUES), weight: 4 },
  { arbitrary: fc.constantFrom('.', '..', '...', '../..', '..\\..', '/', '//', '\\', '/etc/passwd', 'C:\\Windows', 'a/../../b', '~', '~trash-1', 'applied-seq', 'v', 'r', '\u0000/..'), weight: 3 },
  { arbitrary: fc.array(fc.constantFrom('..', '.', '/', '\\', '\u0000', 'a', '%', '2E', 'é'), { maxLength: 12 }).map((parts) => parts.join('')), weight: 3 },
  { arbitrary: fc.string({ unit: 'binary', maxLength: 16 }), weight: 2 },
  { arbitrary: fc.string({ unit: 'binary', minLength: 40, maxLength: 120 }), weight: 1 },
);

const numberArb: fc.Arbitrary<number> = fc.oneof(
  { arbitrary: fc.nat(2000), weight: 4 },
  { arbitrary: fc.integer(), weight: 1 },
  { arbitrary: fc.double(), weight: 1 },
  { arbitrary: fc.constantFrom(-1, -0, 0.5, NaN, Infinity, -Infinity, 1e21, 2 ** 31, 999_999_999, 1_000_000_000, Number.MAX_SAFE_INTEGER), weight: 1 },
);

const variantArb: fc.Arbitrary<string> = fc.oneof(
  { arbitrary: fc.constantFrom('mvt', '1.png', '2.webp', '2.jpg'), weight: 3 },
  { arbitrary: fc.constantFrom('..', '.', '../x', '../../../escaped', 'a/b', '..\\x', '\u0000', 'mvt/../../x', '', 'MVT', '/etc/passwd', '.'.repeat(16), 'a'.repeat(17)), weight: 2 },
  { arbitrary: fc.stringMatching(/^[0-9a-z.]{1,16}$/), weight: 2 },
  { arbitrary: fc.string({ maxLength: 20 }), weight: 1 },
);

const keyArb: fc.Arbitrary<TileKey> = fc.record({
  // A kind outside the type, as a caller's bug would pass it.
  kind: fc.constantFrom<TileKind>('vector', 'raster', 'vector', 'raster', '../x' as TileKind),
  name: nameArb,
  grid: nameArb,
  z: fc.oneof(fc.nat(30), numberArb),
  x: numberArb,
  y: numberArb,
  variant: variantArb,
});

const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** The keys the layout must accept: what keyString → parseKey can carry (a lone surrogate has no UTF-8, so no encoding). */
function isWellFormed(key: TileKey): boolean {
  const count = (n: number, max: number) => Number.isInteger(n) && n >= 0 && n <= max;
  return (
    (key.kind === 'vector' || key.kind === 'raster') &&
    [key.name, key.grid].every((text) => text !== '' && !LONE_SURROGATE.test(text)) &&
    count(key.z, 99) &&
    count(key.x, 999_999_999) &&
    count(key.y, 999_999_999) &&
    /^[0-9a-z.]{1,16}$/.test(key.variant)
  );
}

function insideOf(dir: string, path: string): boolean {
  return resolve(path).startsWith(resolve(dir) + sep);
}

describe('disk tier paths', () => {
  const dir = resolve(tmpdir(), 'never-written', 'cache');

  it('put every entry inside the folder, or refuse its key; a key that can be stored always is', () => {
    fc.assert(
      fc.property(keyArb, (key) => {
        let at: { path: string; k: string } | undefined;
        try {
          at = entryPath(dir, key);
        } catch {
          at = undefined;
        }
        expect(at !== undefined, `accepted ${JSON.stringify(key)}`).toBe(isWellFormed(key));
        if (!at) return;
        expect(insideOf(dir, at.path), at.path).toBe(true);
        // The file names its key again: a scan after a restart indexes it under the same key.
        expect(keyStringOfRelativePath(relative(dir, at.path).split(sep).join('/'))).toBe(at.k);
        const parsed = parseKey(at.k)!;
        expect([parsed.kind, parsed.name, parsed.grid, parsed.variant]).toEqual([key.kind, key.name, key.grid, key.variant]);
        expect([parsed.z, parsed.x, parsed.y]).toEqual([key.z, key.x, key.y].map((n) => n + 0)); // -0 is written 0
      }),
      fuzzParameters(2000),
    );
  });

  it('give different keys different files', () => {
    const stored = keyArb.filter(isWellFormed);
    fc.assert(
      fc.property(stored, stored, (a, b) => {
        const same = keyString(a) === keyString(b);
        const sameKey = a.kind === b.kind && a.name === b.name && a.grid === b.grid && a.z === b.z && a.x === b.x && a.y === b.y && a.variant === b.variant;
        expect(same).toBe(sameKey);
        expect(entryPath(dir, a).path === entryPath(dir, b).path).toBe(sameKey);
      }),
      fuzzParameters(1000),
    );
  });
});

describe('a disk tier over hostile keys', () => {
  let root: string;
  let dir: string;
  let tier: DiskTier;
  /** Folders between the temporary root and the tier's folder, each with a file the tier must leave alone. */
  const NEST = ['a', 'b', 'c', 'd'];

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'fuzz-disk-'));
    dir = join(root, ...NEST, 'cache');
    await mkdir(dir, { recursive: true });
    for (let i = 0; i <= NEST.length; i++) await writeFile(join(root, ...NEST.slice(0, i), 'sentinel'), 'x');
    tier = await DiskTier.open({ dir, maxBytes: 64 << 20, logger });
  });
  afterAll(async () => {
    await tier?.close();
    if (root) await rm(root, { recursive: true, force: true });
  });

  /** Every file below a folder, as absolute paths. */
  async function filesBelow(folder: string): Promise<string[]> {
    const entries = await readdir(folder, { recursive: true, withFileTypes: true });
    return entries.filter((e) => !e.isDirectory()).map((e) => join(e.parentPath, e.name));
  }

  const rangeArb: fc.Arbitrary<LevelRange> = fc.record({ kind: keyArb.map((k) => k.kind), name: nameArb, grid: nameArb, z: fc.oneof(fc.nat(30), numberArb), minX: numberArb, minY: numberArb, maxX: numberArb, maxY: numberArb });

  it('stores, finds and invalidates only inside its folder, and gives back what it stored', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(keyArb, { minLength: 1, maxLength: 6 }), fc.array(rangeArb, { maxLength: 2 }), async (keys, ranges) => {
        fsCalls.paths = [];
        fsCalls.watched = true;
        const found: (Uint8Array | undefined)[] = [];
        try {
          for (const [i, key] of keys.entries()) await tier.set(key, { body: Buffer.from(`entry ${i} ${JSON.stringify(key)}`), dataSeq: i });
          for (const key of keys) found.push((await tier.get(key))?.body);
          // Ranges come from the change feed; an error is allowed (the tier is then not trusted), a path outside is not.
          await tier.invalidate(ranges, 1_000_000).catch(() => {});
        } finally {
          fsCalls.watched = false;
        }
        // The watch works: a key that can be stored was written through node:fs/promises.
        if (keys.some(isWellFormed)) expect(fsCalls.paths.length).toBeGreaterThan(0);
        const outside = fsCalls.paths.filter((p) => resolve(p) !== resolve(dir) && !insideOf(dir, p));
        expect(outside, 'fs calls outside the folder').toEqual([]);

        keys.forEach((key, i) => {
          const last = keys.findLastIndex((k) => isWellFormed(k) && isWellFormed(key) && keyString(k) === keyString(key));
          if (!isWellFormed(key)) return void expect(found[i], `refused key ${JSON.stringify(key)}`).toBeUndefined();
          const body = found[i] === undefined ? undefined : Buffer.from(found[i]!).toString();
          // A file name over the file system's 255 bytes (the temporary one is longer) cannot be stored: a miss, not an error.
          const fits = relative(dir, entryPath(dir, key).path).split(sep).every((part) => Buffer.byteLength(part) <= 200);
          if (fits) expect(body, JSON.stringify(key)).toBe(`entry ${last} ${JSON.stringify(keys[last])}`);
          else if (body !== undefined) expect(body).toBe(`entry ${last} ${JSON.stringify(keys[last])}`);
        });

        const stray = (await filesBelow(root)).filter((f) => !f.startsWith(dir + sep) && !f.endsWith(`${sep}sentinel`));
        expect(stray, 'files outside the folder').toEqual([]);
        expect(await readdir(root)).toEqual(['a', 'sentinel'].sort());
      }),
      fuzzParameters(80),
    );
  });
});
