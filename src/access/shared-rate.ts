/**
 * Per-client request rates shared by every engine process through Redis, so N replicas
 * behind a proxy allow a client the configured rate, not N times it. A token bucket in
 * its GCRA form: one key per client holding the "theoretical arrival time", advanced
 * atomically by a Lua script on Redis's own clock (the replicas' clocks may differ).
 * When Redis does not answer, the process's own bucket decides: limits never take the
 * service down.
 */
import type { Logger } from 'pino';
import { connectRedis, type RedisConnection } from '../../cache/tiers/redis-connection.ts';

/** KEYS[1] the client's key; ARGV: ms per request, burst allowance in ms. Returns { admitted, retry after ms }. */
const GCRA = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local interval = tonumber(ARGV[1])
local allowance = tonumber(ARGV[2])
local tat = tonumber(redis.call('GET', KEYS[1]) or now)
if tat < now then tat = now end
local next = tat + interval
if next - now > allowance then return {0, next - now - allowance} end
redis.call('SET', KEYS[1], next, 'PX', math.ceil(next - now) + 1000)
return {1, 0}
`;

export type RateVerdict = { ok: true } | { ok: false; retryAfterS: number };

export class SharedRate {
  private readonly client: RedisConnection;
  private readonly prefix: string;
  private readonly logger: Logger;
  private failing = false;

  private constructor(client: RedisConnection, prefix: string, logger: Logger) {
    this.client = client;
    this.prefix = prefix;
    this.logger = logger;
  }

  static async open(options: { url: string; prefix: string; logger: Logger }): Promise<SharedRate> {
    return new SharedRate(await connectRedis({ url: options.url, logger: options.logger, commandTimeoutMs: 250 }), options.prefix, options.logger);
  }

  /** Admits a request of a client at `requestsPerS` with `burst`; undefined when Redis could not decide. */
  async admit(client: string, requestsPerS: number, burst: number): Promise<RateVerdict | undefined> {
    const interval = 1000 / requestsPerS;
    try {
      const [admitted, retryMs] = (await this.client.eval(GCRA, { keys: [`${this.prefix}rate:${client}`], arguments: [String(interval), String(interval * burst)] })) as [number, number];
      if (this.failing) this.logger.info('shared rate limits: Redis answers again');
      this.failing = false;
      return admitted === 1 ? { ok: true } : { ok: false, retryAfterS: Math.max(1, Math.ceil(retryMs / 1000)) };
    } catch (error) {
      if (!this.failing) this.logger.warn({ err: (error as Error).message }, 'shared rate limits: Redis does not answer; each process limits on its own');
      this.failing = true;
      return undefined;
    }
  }

  async close(): Promise<void> {
    await this.client.close().catch(() => undefined);
  }
}
