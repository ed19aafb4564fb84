import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEngine, type RunningEngine } from '../helpers/engine.ts';
import { decodeTile } from '../helpers/mvt.ts';
import { TEST_DATABASE_URL } from '../helpers/test-db.ts';

/**
 * A tile is a function of the data: the same rows give the same bytes (and ETag) on every
 * run and every replica, whatever the order rows lie in on disk and however many renders
 * a fresh engine starts at once.
 */
const VECTOR_TILES = ['/tiles/sodertorn/14/9010/4826.mvt', '/tiles/sodertorn/10/563/301.mvt', '/tiles/sodertorn/3006/10/1830/1885.mvt'];
const RASTER_TILES = ['/tiles/grundkarta/14/9010/4826.png', '/tiles/grundkarta/15/18021/9653.png', '/tiles/grundkarta/3006/9/915/942.png', '/tiles/gra/13/4505/2413@2x.webp'];

let db: pg.Pool;

/** An engine that caches nothing: every answer is produced. */
function uncached(render: Record<string, unknown> = {}): Promise<RunningEngine> {
  return startEngine({ overrides: { cache: { memory: { enabled: false, maxBytes: 1024 } }, render } });
}

async function bytesOf(engine: RunningEngine, path: string): Promise<Buffer> {
  const res = await fetch(`${engine.url}${path}`);
  expect(res.status, path).toBe(200);
  return Buffer.from(await res.arrayBuffer());
}

beforeAll(() => {
  db = new pg.Pool({ connectionString: TEST_DATABASE_URL, max: 1 });
});
afterAll(async () => {
  await db.end();
});

describe('tiles as a function of the data', () => {
  it('gives the same vector tile bytes however the rows lie on disk', async () => {
    const engine = await uncached();
    try {
      const path = '/tiles/sodertorn/15/18020/9652.mvt';
      const before = await bytesOf(engine, path);
      const ids = decodeTile(before).byggnad!.map((f) => f.id!);
      expect(ids.length).toBeGreaterThan(5);
      // Rewriting rows with their own values moves them (new row versions, new index entries): the data is the same.
      await db.query('UPDATE byggnad SET geom = geom, andamal = andamal WHERE id = ANY($1)', [ids.slice(0, Math.ceil(ids.length / 2))]);
      await db.query('ANALYZE byggnad');
      expect((await bytesOf(engine, path)).equals(before)).toBe(true);
    } finally {
      await engine.close();
    }
  });

  it('gives byte-identical vector and raster tiles from two fresh engines, and twice from one', async () => {
    const paths = [...VECTOR_TILES, ...RASTER_TILES];
    const first = await uncached();
    let once: Buffer[];
    let twice: Buffer[];
    try {
      // All at once, as a map client asks, on an engine that has drawn nothing yet.
      once = await Promise.all(paths.map((p) => bytesOf(first, p)));
      twice = await Promise.all(paths.map((p) => bytesOf(first, p)));
    } finally {
      await first.close();
    }
    const second = await uncached();
    try {
      const other: Buffer[] = [];
      for (const p of paths) other.push(await bytesOf(second, p)); // one by one this time
      paths.forEach((p, i) => {
        expect(twice[i]!.equals(once[i]!), `${p} twice from one engine`).toBe(true);
        expect(other[i]!.equals(once[i]!), `${p} from two engines`).toBe(true);
      });
    } finally {
      await second.close();
    }
  });

  it('draws every label on a fresh engine rendering several tiles at once on one thread', async () => {
    // Labels went missing this way: the second render queued on a thread that had just
    // found it lacked a font drew without that font's labels, and was cached.
    const paths = ['/tiles/grundkarta/15/18021/9653.png', '/tiles/grundkarta/15/18020/9652.png', '/tiles/grundkarta/15/18022/9653.png'];
    const oneThread = { workers: 1, metatile: 1 };
    const together = await uncached(oneThread);
    let atOnce: Buffer[];
    try {
      atOnce = await Promise.all(paths.map((p) => bytesOf(together, p)));
    } finally {
      await together.close();
    }
    const apart = await uncached(oneThread);
    try {
      for (const [i, p] of paths.entries()) expect((await bytesOf(apart, p)).equals(atOnce[i]!), p).toBe(true);
    } finally {
      await apart.close();
    }
  });
});
