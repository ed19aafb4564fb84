/**
 * The shared tier in Redis, for several engine processes at once. Keys:
 *
 *   {prefix}tile:{keyString}     header + body (entry-codec.ts), optionally with a TTL
 *   {prefix}level:{levelString}  SET of `{x}/{y}/{variant}`: the entries of one level
 *   {prefix}tomb:{levelString}   ZSET of `{seq}/{minX}/{minY}/{maxX}/{maxY}` scored by seq:
 *                                the level's latest invalidations (MAX_TOMBSTONES_PER_LEVEL)
 *   {prefix}tombs                HASH: `*` (writes of data older are refused), `f:{level}`
 *                                (the level's floor: invalidations at or below it were
 *                                dropped), `m:{level}` (the newest invalidation recorded)
 *   {prefix}applied-seq          the change-log sequence applied to every entry
 *
 * An entry and its index member are written together by one script and removed together
 * in MULTI, and a read checks both in one script: an entry is served only while its member
 * exists, so an index that lost members (eviction under maxmemory, a crash between
 * writers) causes misses, never a stale tile that no invalidation can find.
 *
 * An invalidation records its ranges as tombstones before it scans, and the write script
 * refuses data older than a tombstone over its tile, so a write in flight (or one that
 * timed out in the client and runs later, after a Redis stall) cannot outlive the
 * invalidation. Tombstones that are gone (evicted, Redis restarted) make writes of older
 * data refused, never accepted: without `{prefix}tombs` nothing is written until the tier
 * is told where it stands (setAppliedSeq or an invalidation).
 *
 * Connection trouble: get misses, set drops the entry (both logged by the connection),
 * invalidate and the applied-seq calls reject.
 */
import { RESP_TYPES } from 'redis';
import type { CacheEntry, CacheTier } from '../tier.ts';
import { keyString, levelString, type LevelRange, type TileKey } from '../tile-key.ts';
import { decodeEntry, encodeHeader } from './entry-codec.ts';
import { anyHoldsTile, rangesByLevel } from './level-ranges.ts';
import { connectRedis, type RedisConnection, type RedisConnectionOptions } from './redis-connection.ts';

export interface RedisTierOptions extends RedisConnectionOptions {
  /** Put before every key, so several caches (or test runs) can share a database. Default `sodertorn-tiles:`. */
  readonly prefix?: string;
  /** Expire entries after this many seconds; none by default (invalidation keeps them fresh, maxmemory bounds them). */
  readonly maxAgeS?: number;
}

/** Index members read and removed per round trip: large enough to amortise the trip, small enough not to stall Redis. */
const INVALIDATE_BATCH = 1000;
const MEMBER = /^(\d{1,9})\/(\d{1,9})\//;
/** The entry, only while its index member exists. A script, not MULTI: node-redis decodes EXEC replies as text, which would mangle bodies. */
const GET_IF_INDEXED = `if redis.call('SISMEMBER', KEYS[2], ARGV[1]) == 1 then return redis.call('GET', KEYS[1]) end
return false`;
/**
 * Sets applied-seq to ARGV[1] only when that is greater, atomically, whatever other engines
 * write. Without a tombstone hash (a new or restarted Redis) data older than it is refused.
 */
const SET_IF_GREATER = `if redis.call('EXISTS', KEYS[2]) == 0 then redis.call('HSET', KEYS[2], '*', ARGV[1]) end
local current = tonumber(redis.call('GET', KEYS[1]))
local seq = tonumber(ARGV[1])
if current == nil or seq > current then redis.call('SET', KEYS[1], ARGV[1]) return 1 end
return 0`;
/** Tombstones kept per level; older ones raise the level's floor. */
const MAX_TOMBSTONES_PER_LEVEL = 512;
/**
 * Records one invalidation of a level: KEYS tomb zset, tombs hash; ARGV seq, level,
 * max per level, then ranges as `minX/minY/maxX/maxY`.
 */
const RECORD_TOMBSTONES = `local seq = tonumber(ARGV[1])
local level = ARGV[2]
if redis.call('EXISTS', KEYS[2]) == 0 then redis.call('HSET', KEYS[2], '*', ARGV[1]) end
local newest = tonumber(redis.call('HGET', KEYS[2], 'm:' .. level))
local function raiseFloor(to)
  local floor = tonumber(redis.call('HGET', KEYS[2], 'f:' .. level))
  if not floor or floor < to then redis.call('HSET', KEYS[2], 'f:' .. level, to) end
end
if newest and redis.call('EXISTS', KEYS[1]) == 0 then raiseFloor(newest) end
for i = 4, #ARGV do redis.call('ZADD', KEYS[1], seq, ARGV[1] .. '/' .. ARGV[i]) end
if not newest or seq > newest then redis.call('HSET', KEYS[2], 'm:' .. level, ARGV[1]) end
local excess = redis.call('ZCARD', KEYS[1]) - tonumber(ARGV[3])
if excess > 0 then
  local dropped = redis.call('ZRANGE', KEYS[1], 0, excess - 1, 'WITHSCORES')
  raiseFloor(tonumber(dropped[#dropped]))
  redis.call('ZREMRANGEBYRANK', KEYS[1], 0, excess - 1)
end
return 1`;
/**
 * Writes an entry and its index member unless a recorded invalidation newer than its data
 * covers the tile: KEYS tile, level index, tomb zset, tombs hash; ARGV value, member,
 * dataSeq, x, y, level, expiry seconds ('' for none). 1 when written.
 */
const SET_IF_FRESH = `if redis.call('EXISTS', KEYS[4]) == 0 then return 0 end
local seq = tonumber(ARGV[3])
local all = tonumber(redis.call('HGET', KEYS[4], '*'))
if all and seq < all then return 0 end
local floor = tonumber(redis.call('HGET', KEYS[4], 'f:' .. ARGV[6]))
if floor and seq < floor then return 0 end
if redis.call('HEXISTS', KEYS[4], 'm:' .. ARGV[6]) == 1 and redis.call('EXISTS', KEYS[3]) == 0 then return 0 end
local x = tonumber(ARGV[4])
local y = tonumber(ARGV[5])
for _, t in ipairs(redis.call('ZRANGEBYSCORE', KEYS[3], '(' .. ARGV[3], '+inf')) do
  local minX, minY, maxX, maxY = string.match(t, '^%d+/(%d+)/(%d+)/(%d+)/(%d+)$')
  if x >= tonumber(minX) and x <= tonumber(maxX) and y >= tonumber(minY) and y <= tonumber(maxY) then return 0 end
end
if ARGV[7] == '' then redis.call('SET', KEYS[1], ARGV[1]) else redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[7]) end
redis.call('SADD', KEYS[2], ARGV[2])
return 1`;

export class RedisTier implements CacheTier {
  readonly name = 'redis';
  private readonly prefix: string;
  /** The same connection, answering strings as Buffers: bodies are binary. */
  private readonly binary;

  private constructor(
    private readonly client: RedisConnection,
    private readonly options: RedisTierOptions,
  ) {
    this.prefix = options.prefix ?? 'sodertorn-tiles:';
    this.binary = client.withTypeMapping({ [RESP_TYPES.BLOB_STRING]: Buffer });
  }

  /** Connects; rejects with the server and the cause when Redis does not answer within the connect timeout. */
  static async open(options: RedisTierOptions): Promise<RedisTier> {
    return new RedisTier(await connectRedis(options), options);
  }

  async get(key: TileKey): Promise<CacheEntry | undefined> {
    const k = keyString(key);
    try {
      const value = await this.binary.eval(GET_IF_INDEXED, { keys: [this.tileKey(k), this.levelKey(levelString(key))], arguments: [memberOf(key)] });
      if (!Buffer.isBuffer(value)) return undefined;
      const decoded = decodeEntry(value);
      if ('entry' in decoded) return decoded.entry;
      this.options.logger.warn({ k, reason: decoded.corrupt }, 'Redis cache tier: corrupt entry removed');
      await this.remove(levelString(key), [memberOf(key)]);
    } catch (error) {
      this.options.logger.debug({ err: error, k }, 'Redis cache tier: get failed, counted as a miss');
    }
    return undefined;
  }

  /** Checked and written by one script, so it takes effect whole or not at all, whenever Redis runs it. */
  async set(key: TileKey, entry: CacheEntry): Promise<void> {
    const k = keyString(key);
    const level = levelString(key);
    try {
      // One copy of the body: Redis takes the value as one argument.
      const value = Buffer.concat([encodeHeader(entry), entry.body]);
      await this.client.eval(SET_IF_FRESH, {
        keys: [this.tileKey(k), this.levelKey(level), this.tombKey(level), this.tombsKey()],
        arguments: [value, memberOf(key), String(entry.dataSeq), String(key.x), String(key.y), level, this.options.maxAgeS ? String(this.options.maxAgeS) : ''],
      });
    } catch (error) {
      this.options.logger.debug({ err: error, k }, 'Redis cache tier: set failed, entry dropped');
    }
  }

  /**
   * Records each level's ranges as tombstones, then scans its index (SSCAN, so Redis is
   * never blocked) and removes the members in the ranges with their entries.
   */
  async invalidate(ranges: readonly LevelRange[], seq: number): Promise<number> {
    let removed = 0;
    try {
      const byLevel = rangesByLevel(ranges);
      for (const [level, levelRanges] of byLevel) {
        await this.client.eval(RECORD_TOMBSTONES, {
          keys: [this.tombKey(level), this.tombsKey()],
          arguments: [String(seq), level, String(MAX_TOMBSTONES_PER_LEVEL), ...levelRanges.map((r) => `${r.minX}/${r.minY}/${r.maxX}/${r.maxY}`)],
        });
      }
      for (const [level, levelRanges] of byLevel) {
        for await (const members of this.client.sScanIterator(this.levelKey(level), { COUNT: INVALIDATE_BATCH })) {
          const doomed = members.filter((m) => {
            const xy = MEMBER.exec(m);
            return xy !== null && anyHoldsTile(levelRanges, Number(xy[1]), Number(xy[2]));
          });
          if (doomed.length > 0) removed += await this.remove(level, doomed);
        }
      }
    } catch (error) {
      throw new Error(`Redis cache tier: invalidation failed after ${removed} entries, the tier is not trustworthy until one succeeds: ${(error as Error).message}`, { cause: error });
    }
    return removed;
  }

  async appliedSeq(): Promise<number | undefined> {
    const text = await this.client.get(this.appliedSeqKey());
    return text === null ? undefined : Number(text);
  }

  /** Moves the shared applied-seq forward; a lower seq (another engine is ahead) changes nothing. */
  async setAppliedSeq(seq: number): Promise<void> {
    if (!Number.isSafeInteger(seq) || seq < 0) throw new RangeError(`applied sequence must be a non-negative safe integer, got ${seq}`);
    await this.client.eval(SET_IF_GREATER, { keys: [this.appliedSeqKey(), this.tombsKey()], arguments: [String(seq)] });
  }

  /**
   * Removes this prefix's entries, indexes, tombstones and applied-seq (for every engine
   * sharing them); other keys stay. Nothing is stored again until setAppliedSeq.
   */
  async clear(): Promise<void> {
    // The tombstone hash first: writes are refused from here on, so none lands in what is being cleared.
    await this.client.del([this.tombsKey(), this.appliedSeqKey()]);
    for (const kind of ['tile:', 'level:', 'tomb:']) {
      for await (const keys of this.client.scanIterator({ MATCH: `${escapeGlob(this.prefix)}${kind}*`, COUNT: INVALIDATE_BATCH })) {
        if (keys.length > 0) await this.client.unlink(keys);
      }
    }
  }

  async close(): Promise<void> {
    if (this.client.isReady) await this.client.close();
    else this.client.destroy();
  }

  /** Removes members of one level's index and their entries in one transaction; resolves to the entries that existed. */
  private async remove(level: string, members: readonly string[]): Promise<number> {
    const [deleted] = await this.client
      .multi()
      .del(members.map((m) => this.tileKey(`${level}/${m}`)))
      .sRem(this.levelKey(level), [...members])
      .exec();
    return Number(deleted);
  }

  private tileKey(k: string): string {
    return `${this.prefix}tile:${k}`;
  }

  private levelKey(level: string): string {
    return `${this.prefix}level:${level}`;
  }

  private tombKey(level: string): string {
    return `${this.prefix}tomb:${level}`;
  }

  private tombsKey(): string {
    return `${this.prefix}tombs`;
  }

  private appliedSeqKey(): string {
    return `${this.prefix}applied-seq`;
  }
}

/** The index member of a key: what follows its level in the key string. */
function memberOf(key: TileKey): string {
  return `${key.x}/${key.y}/${key.variant}`;
}

/** Text that SCAN MATCH takes literally, whatever characters it holds. */
function escapeGlob(text: string): string {
  return text.replace(/[*?[\]\\]/g, '\\$&');
}
