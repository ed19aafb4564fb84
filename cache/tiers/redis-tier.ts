/**
 * The shared tier in Redis, for several engine processes at once. Keys:
 *
 *   {prefix}tile:{keyString}     header + body (entry-codec.ts), optionally with a TTL
 *   {prefix}level:{levelString}  SET of `{x}/{y}/{variant}`: the entries of one level
 *   {prefix}applied-seq          the change-log sequence applied to every entry
 *
 * An entry and its index member are written and removed together in MULTI, and a read
 * checks both in one script: an entry is served only while its member exists, so an index
 * that lost members (eviction under maxmemory, a crash between writers) causes misses,
 * never a stale tile that no invalidation can find.
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
/** Sets applied-seq to ARGV[1] only when that is greater, atomically, whatever other engines write. */
const SET_IF_GREATER = `local current = tonumber(redis.call('GET', KEYS[1]))
local seq = tonumber(ARGV[1])
if current == nil or seq > current then redis.call('SET', KEYS[1], ARGV[1]) return 1 end
return 0`;

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

  async set(key: TileKey, entry: CacheEntry): Promise<void> {
    const k = keyString(key);
    try {
      // One copy of the body: Redis takes the value as one argument.
      const value = Buffer.concat([encodeHeader(entry), entry.body]);
      const expiration = this.options.maxAgeS ? { expiration: { type: 'EX' as const, value: this.options.maxAgeS } } : undefined;
      await this.client.multi().set(this.tileKey(k), value, expiration).sAdd(this.levelKey(levelString(key)), memberOf(key)).exec();
    } catch (error) {
      this.options.logger.debug({ err: error, k }, 'Redis cache tier: set failed, entry dropped');
    }
  }

  /** Scans each level's index (SSCAN, so Redis is never blocked) and removes the members in the ranges with their entries. */
  async invalidate(ranges: readonly LevelRange[]): Promise<number> {
    let removed = 0;
    try {
      for (const [level, levelRanges] of rangesByLevel(ranges)) {
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
    await this.client.eval(SET_IF_GREATER, { keys: [this.appliedSeqKey()], arguments: [String(seq)] });
  }

  /** Removes this prefix's entries, indexes and applied-seq (for every engine sharing them); other keys stay. */
  async clear(): Promise<void> {
    for (const kind of ['tile:', 'level:']) {
      for await (const keys of this.client.scanIterator({ MATCH: `${escapeGlob(this.prefix)}${kind}*`, COUNT: INVALIDATE_BATCH })) {
        if (keys.length > 0) await this.client.unlink(keys);
      }
    }
    await this.client.del(this.appliedSeqKey());
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
