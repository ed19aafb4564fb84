import { randomUUID } from 'node:crypto';
import { createServer, type AddressInfo } from 'node:net';
import { pino } from 'pino';
import { createClient } from 'redis';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { keyString, levelString } from '../../cache/tile-key.ts';
import { RedisTier, type RedisTierOptions } from '../../cache/tiers/redis-tier.ts';
import { entryOf, itFollowsTheTierContract, tile } from '../helpers/cache-tier-contract.ts';
import { TcpProxy } from '../helpers/tcp-proxy.ts';

const logger = pino({ level: 'silent' });
/** Database 15 and a prefix per run: the suite touches no key of anyone else's. */
const REDIS_URL = 'redis://127.0.0.1:6379/15';

/** A loopback port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe('Redis cache tier', () => {
  const prefix = `test-${randomUUID()}:`;
  const raw = createClient({ url: REDIS_URL });
  const open = (options: Partial<RedisTierOptions> = {}) => RedisTier.open({ url: REDIS_URL, prefix, logger, ...options });
  let tier: RedisTier;

  beforeAll(async () => {
    await raw.connect();
  });
  beforeEach(async () => {
    tier = await open();
    await tier.setAppliedSeq(0);
  });
  afterEach(async () => {
    await tier.clear();
    await tier.close();
  });
  afterAll(async () => {
    expect(await raw.keys(`${prefix}*`)).toEqual([]);
    raw.destroy();
  });

  itFollowsTheTierContract(() => tier, { propertyRuns: 30 });

  it('keeps an entry under {prefix}tile:{key} and its member in the level index', async () => {
    const key = tile(9010, 4826);
    await tier.set(key, entryOf(key));
    expect((await raw.keys(`${prefix}*`)).sort()).toEqual([`${prefix}applied-seq`, `${prefix}level:${levelString(key)}`, `${prefix}tile:${keyString(key)}`, `${prefix}tombs`]);
    expect(await raw.sMembers(`${prefix}level:${levelString(key)}`)).toEqual(['9010/4826/mvt']);
    expect(await raw.ttl(`${prefix}tile:${keyString(key)}`)).toBe(-1);
  });

  it('expires entries after maxAgeS when configured', async () => {
    const aging = await open({ maxAgeS: 60 });
    await aging.set(tile(1, 1), entryOf(tile(1, 1)));
    const ttl = await raw.ttl(`${prefix}tile:${keyString(tile(1, 1))}`);
    expect(ttl).toBeGreaterThan(55);
    expect(ttl).toBeLessThanOrEqual(60);
    await aging.close();
  });

  it('treats a corrupt entry as a miss and removes it', async () => {
    const key = tile(3, 4);
    await tier.set(key, entryOf(key));
    const stored = Buffer.from(await raw.withTypeMapping({ 36: Buffer }).get(`${prefix}tile:${keyString(key)}`) as Buffer);
    stored[stored.length - 1]! ^= 0x01;
    await raw.set(`${prefix}tile:${keyString(key)}`, stored);
    expect(await tier.get(key)).toBeUndefined();
    expect(await raw.exists(`${prefix}tile:${keyString(key)}`)).toBe(0);
    expect(await raw.sIsMember(`${prefix}level:${levelString(key)}`, '3/4/mvt')).toBe(0);
  });

  it('serves no entry whose index member is gone (no invalidation could find it)', async () => {
    const key = tile(5, 6);
    await tier.set(key, entryOf(key));
    await raw.del(`${prefix}level:${levelString(key)}`); // as maxmemory eviction could
    expect(await tier.get(key)).toBeUndefined();
  });

  it('lets two engines see each other\'s entries, invalidations and applied sequence', async () => {
    const other = await open();
    try {
      for (const x of [1, 2, 3]) await tier.set(tile(x, 1), entryOf(tile(x, 1)));
      expect(await other.get(tile(2, 1))).toBeDefined();
      expect(await other.invalidate([{ ...tile(0, 0), minX: 2, maxX: 9, minY: 0, maxY: 9 }], 100)).toBe(2);
      expect(await tier.get(tile(2, 1))).toBeUndefined();
      expect(await tier.get(tile(1, 1))).toBeDefined();
      await tier.setAppliedSeq(20);
      await other.setAppliedSeq(19);
      expect(await other.appliedSeq()).toBe(20);
    } finally {
      await other.close();
    }
  });

  it('applies concurrent sets and invalidations from several engines consistently', async () => {
    const engines = [tier, await open(), await open()];
    const keys = Array.from({ length: 300 }, (_, i) => tile(i % 30, Math.floor(i / 30), i % 2 ? 'mvt' : 'pbf'));
    await Promise.all(keys.map((k, i) => engines[i % 3]!.set(k, entryOf(k))));
    const range = { ...tile(0, 0), minX: 0, maxX: 14, minY: 0, maxY: 9 };
    const counts = await Promise.all(engines.map((e) => e.invalidate([range], 100)));
    // Each entry is removed by exactly one engine, whichever got there first.
    expect(counts.reduce((a, b) => a + b)).toBe(150);
    for (const k of keys) expect((await engines[1]!.get(k)) === undefined).toBe(k.x <= 14);
    expect(await raw.sCard(`${prefix}level:${levelString(tile(0, 0))}`)).toBe(150);
    await Promise.all(engines.slice(1).map((e) => e.close()));
  });

  it('moves the shared applied sequence only forward under concurrent writers', async () => {
    const seqs = Array.from({ length: 200 }, (_, i) => (i * 7919) % 200);
    await Promise.all(seqs.map((s) => tier.setAppliedSeq(s)));
    expect(await tier.appliedSeq()).toBe(199);
  });

  it('refuses to open when Redis does not answer, naming the server but not the password', async () => {
    const port = await closedPort();
    const opening = RedisTier.open({ url: `redis://cache:s3cret@127.0.0.1:${port}/15`, prefix, logger, connectTimeoutMs: 500 });
    await expect(opening).rejects.toThrow(new RegExp(`Redis at redis://cache:\\*\\*\\*@127.0.0.1:${port}/15 did not accept a connection within 500 ms: .*ECONNREFUSED`));
    await opening.catch((error: Error) => expect(error.message).not.toContain('s3cret'));
  });

  it('misses and drops while Redis is unreachable, throws on invalidate, and recovers when it is back', async () => {
    const proxy = new TcpProxy('127.0.0.1', 6379);
    const port = await proxy.start();
    const cut = await open({ url: `redis://127.0.0.1:${port}/15` });
    await cut.setAppliedSeq(0);
    try {
      await cut.set(tile(1, 1), entryOf(tile(1, 1)));
      expect(await cut.get(tile(1, 1))).toBeDefined();
      await proxy.stop();
      await new Promise((r) => setTimeout(r, 50)); // the client notices the closed socket

      // All of these answer while Redis stays unreachable: none waits for a connection.
      expect(await cut.get(tile(1, 1))).toBeUndefined();
      await expect(cut.set(tile(2, 2), entryOf(tile(2, 2)))).resolves.toBeUndefined();
      await expect(cut.invalidate([{ ...tile(0, 0), minX: 0, maxX: 9, minY: 0, maxY: 9 }], 100)).rejects.toThrow(/Redis cache tier: invalidation failed/);
      await expect(cut.setAppliedSeq(5)).rejects.toThrow();

      await proxy.start();
      await expect.poll(() => cut.get(tile(1, 1)), { timeout: 10_000, interval: 100 }).toBeDefined();
      expect(await cut.invalidate([{ ...tile(0, 0), minX: 0, maxX: 9, minY: 0, maxY: 9 }], 100)).toBe(1);
    } finally {
      await cut.close();
      await proxy.stop();
    }
  });
});
