/**
 * A Redis connection for a cache: bounded waits everywhere (connect, every command), no
 * queueing of commands while disconnected (a cache answers "miss" at once instead), and
 * reconnection with capped exponential backoff for as long as the engine runs.
 */
import type { Logger } from 'pino';
import { createClient } from 'redis';

export interface RedisConnectionOptions {
  /** `redis://[user:password@]host:port[/db]`. */
  readonly url: string;
  /** How long open (and each connection attempt) may take. Default 2000 ms. */
  readonly connectTimeoutMs?: number;
  /** How long one command may take before it fails (a get then misses). Default 1000 ms. */
  readonly commandTimeoutMs?: number;
  readonly logger: Logger;
}

export type RedisConnection = ReturnType<typeof createConnection>;

/** Backoff between reconnection attempts: 100 ms doubling to 5 s, with jitter so several engines do not retry in step. */
export function reconnectDelayMs(retries: number): number {
  return Math.min(100 * 2 ** retries, 5000) + Math.floor(Math.random() * 100);
}

/** The URL without its password, for logs and errors. */
export function redactedUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return '(unparseable Redis URL)';
  }
}

/** A connected client, or a rejection naming the server and the cause once connectTimeoutMs has passed without a connection. */
export async function connectRedis(options: RedisConnectionOptions): Promise<RedisConnection> {
  const { logger } = options;
  const where = redactedUrl(options.url);
  const connectTimeoutMs = options.connectTimeoutMs ?? 2000;
  const client = createConnection(options.url, connectTimeoutMs, options.commandTimeoutMs ?? 1000);
  let lastError: Error | undefined;
  let connected = false;
  // Without an 'error' listener node-redis would throw; log an outage once, not at every retry.
  client.on('error', (error: Error) => {
    lastError = error;
    if (connected) logger.warn({ redis: where, err: error }, 'Redis cache tier: connection lost; reconnecting');
    connected = false;
  });
  client.on('ready', () => {
    if (!connected) logger.info({ redis: where }, 'Redis cache tier: connected');
    connected = true;
  });

  const connecting = client.connect();
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error('timed out')), connectTimeoutMs);
  });
  try {
    await Promise.race([connecting, timedOut]);
    return client;
  } catch (error) {
    connecting.catch(() => {}); // rejects once destroyed below
    client.destroy();
    const cause = lastError ?? (error as Error);
    throw new Error(`Redis at ${where} did not accept a connection within ${connectTimeoutMs} ms: ${cause.message}`, { cause });
  } finally {
    clearTimeout(timer);
  }
}

function createConnection(url: string, connectTimeoutMs: number, commandTimeoutMs: number) {
  return createClient({
    url,
    disableOfflineQueue: true,
    commandOptions: { timeout: commandTimeoutMs },
    socket: { connectTimeout: connectTimeoutMs, reconnectStrategy: reconnectDelayMs },
  });
}
