import pg from 'pg';
import type { Logger } from 'pino';
import { FairQueue } from '../../admission/fair-queue.ts';
import type { Work } from '../../admission/work.ts';
import { EngineError } from '../../errors.ts';
import { leavesConnectionUsable, toDatabaseError } from './pg-errors.ts';

export interface DatabaseOptions {
  readonly url: string;
  readonly poolSize: number;
  readonly statementTimeoutMs: number;
  readonly connectTimeoutMs: number;
  readonly retryAfterS: number;
  /** Queries waiting for a connection, all clients together, before the largest share is cut with 503 OVERLOADED. */
  readonly maxQueued: number;
}

/**
 * The pooled connection to PostGIS. Owns the pg.Pool, the limits around it and the
 * mapping of connection failures to 503s. A dead database never crashes the process:
 * idle-client errors are logged and the pool reconnects on the next checkout.
 * Connections are handed out by a fair queue: clients take turns, so one client's flood
 * of tile queries cannot hold back another's.
 */
/** What reads need of the database: its one way to run a query. */
export type Queryable = Pick<Database, 'query'>;

/**
 * Session settings of the engine's connections. No JIT: PostGIS functions carry high cost
 * estimates, so a tile statement crosses jit_above_cost and spends 50–70 ms compiling for a
 * query that runs in 13 (a z11 tile here). No parallel workers: starting them costs ~25 ms a
 * statement, and tiles already run side by side on every connection of the pool.
 */
export const TILE_SESSION_OPTIONS = '-c jit=off -c max_parallel_workers_per_gather=0';

export class Database {
  readonly pool: pg.Pool;
  private readonly options: DatabaseOptions;
  private readonly logger: Logger;
  private readonly turns: FairQueue;

  constructor(options: DatabaseOptions, logger: Logger) {
    this.options = options;
    this.logger = logger;
    this.turns = new FairQueue({ slots: options.poolSize, maxQueued: options.maxQueued, what: 'tile queries' });
    this.pool = new pg.Pool({
      connectionString: options.url,
      max: options.poolSize,
      // Keep warm connections: the first ST_Transform on a new one costs 90–270 ms (PROJ loads).
      idleTimeoutMillis: 0,
      connectionTimeoutMillis: options.connectTimeoutMs,
      statement_timeout: options.statementTimeoutMs,
      // A safety net above the server-side limit for a server that stops answering.
      query_timeout: options.statementTimeoutMs + 2_000,
      application_name: 'sodertorn-tiles',
      options: TILE_SESSION_OPTIONS,
    });
    this.pool.on('error', (error) => this.logger.warn({ err: error.message }, 'idle database connection failed'));
  }

  get retryAfterS(): number {
    return this.options.retryAfterS;
  }

  /**
   * Runs a query on a pooled connection. A connection that failed mid-query is
   * destroyed rather than returned, so a broken socket is never reused.
   */
  async query<R extends pg.QueryResultRow>(config: pg.QueryConfig, what: string, work: Work = {}): Promise<pg.QueryResult<R>> {
    const { signal } = work;
    let turnDone: () => void;
    try {
      turnDone = await this.turns.acquire(work.client, signal);
    } catch (error) {
      if (signal?.aborted) throw new EngineError('REQUEST_ABORTED', 'the client went away', { cause: error });
      throw error;
    }
    try {
      return await this.queryInTurn<R>(config, what, signal);
    } finally {
      turnDone();
    }
  }

  /** Queries waiting for a connection now. */
  get queued(): number {
    return this.turns.queued;
  }

  private async queryInTurn<R extends pg.QueryResultRow>(config: pg.QueryConfig, what: string, signal: AbortSignal | undefined): Promise<pg.QueryResult<R>> {
    let client: pg.PoolClient;
    try {
      client = await this.pool.connect();
    } catch (error) {
      throw toDatabaseError(error, this.options.retryAfterS, what);
    }
    if (signal?.aborted) {
      client.release();
      throw new EngineError('REQUEST_ABORTED', 'the client went away');
    }
    let failed: unknown;
    const started = performance.now();
    // A client that goes away cancels its statement instead of leaving it to statement_timeout.
    // processID (the backend pid) is set by pg at connect, though its types leave it out.
    let cancelling: Promise<void> | undefined;
    const cancel = () => {
      cancelling = this.cancelBackend((client as pg.PoolClient & { processID: number }).processID);
    };
    signal?.addEventListener('abort', cancel, { once: true });
    // A connection lost mid-query fails the query and is also emitted as 'error' on the client,
    // which the pool listens for only while the client is idle: unheard, it would crash the process.
    const onLost = () => undefined;
    client.on('error', onLost);
    try {
      return await client.query<R>(config);
    } catch (error) {
      failed = error;
      if (signal?.aborted) throw new EngineError('REQUEST_ABORTED', 'the client went away', { cause: error });
      throw toDatabaseError(error, this.options.retryAfterS, what);
    } finally {
      signal?.removeEventListener('abort', cancel);
      client.off('error', onLost);
      // A server error (bad SQL, statement timeout) leaves the connection usable; anything
      // without a SQLSTATE (socket closed, client-side timeout) does not.
      const release = () => client.release(failed === undefined || leavesConnectionUsable(failed) ? undefined : true);
      // The connection goes back only once its cancel has landed: a late cancel would
      // otherwise hit the next request's statement on the same backend.
      if (cancelling) void cancelling.finally(release);
      else release();
      if (this.logger.isLevelEnabled('debug')) this.logger.debug({ what, sqlMs: performance.now() - started }, 'query');
    }
  }

  /**
   * Opens every pool connection and loads PROJ on each, so the first tiles do not pay
   * for it. Failures are logged, not thrown: the engine starts without its database.
   */
  async warm(srids: readonly number[]): Promise<boolean> {
    const transforms = srids.map((s) => `ST_Transform(ST_SetSRID(ST_MakePoint(18, 59.2), 4326), ${Number(s)})`);
    const sql = `SELECT ${transforms.length ? transforms.join(', ') : '1'}`;
    const clients: pg.PoolClient[] = [];
    try {
      for (let i = 0; i < this.options.poolSize; i++) clients.push(await this.pool.connect());
      await Promise.all(clients.map((c) => c.query(sql)));
      return true;
    } catch (error) {
      this.logger.warn({ err: (error as Error).message }, 'could not warm database connections; serving 503 until it is reachable');
      return false;
    } finally {
      for (const c of clients) c.release();
    }
  }

  /**
   * Cancels the statement running on a backend, over a connection of its own: the pool
   * may be exhausted, and the connection to cancel is one of its members.
   */
  private async cancelBackend(processId: number): Promise<void> {
    const canceller = new pg.Client({ connectionString: this.options.url, connectionTimeoutMillis: this.options.connectTimeoutMs, application_name: 'sodertorn-tiles-cancel' });
    try {
      await canceller.connect();
      await canceller.query('SELECT pg_cancel_backend($1)', [processId]);
    } catch (error) {
      this.logger.warn({ err: (error as Error).message }, 'could not cancel an abandoned tile query');
    } finally {
      await canceller.end().catch(() => undefined);
    }
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}
