/**
 * Delivers the change log to the engine, in seq order, without loss: on start and on every
 * reconnect it first replays the log from fromSeq(), then lets NOTIFY wake it to fetch what
 * is new. A NOTIFY carries nothing; the log is the truth, so a missed notification delays a
 * change at most until the next one (or the safety poll) and never loses it.
 *
 *   start ─► connect ─► LISTEN ─► replay seq > fromSeq() ─► live: wait for NOTIFY ─► fetch
 *              ▲                                                   │ connection lost
 *              └──────────── backoff (100 ms … 5 s) ◄──────────────┘
 */
import pg from 'pg';
import type { Logger } from 'pino';
import { Backoff, type BackoffOptions } from './backoff.ts';
import type { TableChange } from './change.ts';
import { fetchChanges } from './changelog-query.ts';
import { changeLogName, DEFAULT_CHANGELOG, listenSql, type ChangeLogName } from './changelog-sql.ts';
import { Wakeup } from './wakeup.ts';

export { latestSeq } from './changelog-query.ts';

export interface ChangeListenerOptions {
  /** postgres:// URL of the database holding the change log. */
  readonly url: string;
  /** The triggers' NOTIFY channel. */
  readonly channel: string;
  readonly logger: Logger;
  /** Where to replay from: called at start and on every reconnect (changes with seq > it are delivered). */
  fromSeq(): number;
  /**
   * Receives changes in seq order; the next fetch waits for it. When it rejects, the same
   * changes are offered again after a backoff: nothing is skipped.
   */
  onChanges(changes: TableChange[]): Promise<void>;
  /** `schema.table` of the log (default DEFAULT_CHANGELOG). */
  readonly changelog?: string;
  /** Changes per fetch and per onChanges call; bounds memory during a long replay. */
  readonly batchSize?: number;
  readonly backoff?: BackoffOptions;
  /** Names the connection in pg_stat_activity (default `sodertorn-tiles change listener`), e.g. per engine node. */
  readonly applicationName?: string;
  /** A fetch this often even without NOTIFY, as a safety net and a liveness check; 0 turns it off. */
  readonly safetyPollMs?: number;
}

const DEFAULTS = {
  batchSize: 5000,
  backoff: { initialMs: 100, maxMs: 5000 },
  safetyPollMs: 30_000,
} as const;

// A half-open TCP connection (a peer that vanished) is noticed by keep-alive probes or the
// safety poll's query timing out, instead of hanging for the OS's 2-hour default.
const KEEPALIVE_DELAY_MS = 10_000;
const QUERY_TIMEOUT_MS = 30_000;
const CONNECT_TIMEOUT_MS = 5_000;

/** Thrown inside the loops when stop() was called; never leaves the class. */
class Stopped extends Error {}

/** Resolves after ms, or at once when the signal aborts. */
function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const done = (): void => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Listens for change-log NOTIFYs on one dedicated connection and delivers the log in order. */
export class ChangeListener {
  readonly #options: ChangeListenerOptions;
  readonly #log: ChangeLogName;
  readonly #batchSize: number;
  readonly #backoff: BackoffOptions;
  readonly #safetyPollMs: number;
  readonly #wake = new Wakeup();
  readonly #stopping = new AbortController();
  readonly #started: Promise<void>;
  #resolveStarted!: () => void;
  #rejectStarted!: (error: Error) => void;
  #run: Promise<void> | undefined;
  #client: pg.Client | undefined;
  #connected = false;
  #deliveredSeq = 0;

  constructor(options: ChangeListenerOptions) {
    this.#options = options;
    this.#log = changeLogName(options.changelog ?? DEFAULT_CHANGELOG);
    listenSql(options.channel); // validates the channel name now rather than at first connect
    this.#batchSize = options.batchSize ?? DEFAULTS.batchSize;
    if (!Number.isInteger(this.#batchSize) || this.#batchSize < 1) throw new Error(`batchSize must be a positive integer, got ${this.#batchSize}`);
    this.#backoff = options.backoff ?? DEFAULTS.backoff;
    new Backoff(this.#backoff); // validates the bounds
    this.#safetyPollMs = options.safetyPollMs ?? DEFAULTS.safetyPollMs;
    this.#started = new Promise((resolve, reject) => {
      this.#resolveStarted = resolve;
      this.#rejectStarted = reject;
    });
    // Whoever awaits start() sees a rejection; nobody awaiting must not crash the process.
    this.#started.catch(() => undefined);
  }

  /** True while connected, replayed and listening: changes are then delivered within milliseconds. */
  get connected(): boolean {
    return this.#connected;
  }

  /** The seq of the last change onChanges accepted (fromSeq() until the first delivery). */
  get deliveredSeq(): number {
    return this.#deliveredSeq;
  }

  /** Starts listening; resolves after the first complete replay, rejects only if stopped first. */
  start(): Promise<void> {
    if (this.#stopping.signal.aborted) return Promise.reject(new Error('change listener was stopped; create a new one'));
    this.#run ??= this.#runLoop();
    return this.#started;
  }

  /** Stops listening and closes the connection; waits for an onChanges call in progress. */
  async stop(): Promise<void> {
    this.#stopping.abort();
    this.#wake.signal();
    await this.#client?.end().catch(() => undefined); // interrupts a connect or a fetch
    await this.#run;
  }

  get #stopped(): boolean {
    return this.#stopping.signal.aborted;
  }

  /** Sessions one after another until stopped; a failed session waits a growing backoff. */
  async #runLoop(): Promise<void> {
    const backoff = new Backoff(this.#backoff);
    const logger = this.#options.logger;
    let outage: string | undefined;
    while (!this.#stopped) {
      try {
        await this.#session(() => {
          if (outage !== undefined) logger.info({ attempts: backoff.failures }, 'change listener: reconnected');
          outage = undefined;
          backoff.reset();
        });
      } catch (error) {
        if (this.#stopped) break;
        const message = errorMessage(error);
        // Once per outage at warn; the attempts that follow at debug, so a long outage does not flood the log.
        if (outage === undefined) logger.warn({ err: message }, 'change listener: connection lost; reconnecting with backoff');
        else logger.debug({ err: message, attempts: backoff.failures }, 'change listener: reconnect failed');
        outage = message;
      }
      if (!this.#stopped) await sleep(backoff.next(), this.#stopping.signal);
    }
    this.#rejectStarted(new Error('change listener stopped before its first replay'));
    logger.info('change listener: stopped');
  }

  /** One connection: LISTEN, replay, then fetch on every wake-up until the connection fails. */
  async #session(onLive: () => void): Promise<void> {
    let lost: Error | undefined;
    const client = new pg.Client({
      connectionString: this.#options.url,
      application_name: this.#options.applicationName ?? 'sodertorn-tiles change listener',
      keepAlive: true,
      keepAliveInitialDelayMillis: KEEPALIVE_DELAY_MS,
      connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
      query_timeout: QUERY_TIMEOUT_MS,
    });
    // Without an 'error' listener a terminated backend would crash the process.
    client.on('error', (error) => {
      lost ??= error;
      this.#wake.signal();
    });
    client.on('end', () => {
      lost ??= new Error('connection ended');
      this.#wake.signal();
    });
    client.on('notification', () => this.#wake.signal());
    this.#client = client;
    try {
      if (this.#stopped) throw new Stopped();
      await client.connect();
      // LISTEN before the replay: a commit after this point is either replayed or notified.
      await client.query(listenSql(this.#options.channel));
      let cursor = this.#options.fromSeq();
      this.#deliveredSeq = cursor;
      this.#wake.take(); // the replay covers whatever woke us so far
      cursor = await this.#drain(client, cursor);
      this.#connected = true;
      onLive();
      this.#options.logger.info({ seq: cursor, channel: this.#options.channel }, 'change listener: replayed the change log; listening');
      this.#resolveStarted();
      for (;;) {
        await this.#wake.wait(this.#safetyPollMs > 0 ? this.#safetyPollMs : 2 ** 31 - 1);
        if (this.#stopped) throw new Stopped();
        if (lost) throw lost;
        this.#wake.take();
        cursor = await this.#drain(client, cursor);
      }
    } finally {
      this.#connected = false;
      await client.end().catch(() => undefined);
    }
  }

  /** Fetches and delivers batches until one comes back short; returns the new cursor. */
  async #drain(client: pg.Client, from: number): Promise<number> {
    let cursor = from;
    for (;;) {
      const changes = await fetchChanges(client, this.#log, cursor, this.#batchSize);
      if (changes.length > 0) {
        await this.#deliver(changes);
        cursor = changes[changes.length - 1]!.seq;
      }
      if (changes.length < this.#batchSize) return cursor;
    }
  }

  /** Hands changes to onChanges until it accepts them; backs off between attempts. */
  async #deliver(changes: TableChange[]): Promise<void> {
    const backoff = new Backoff(this.#backoff);
    for (;;) {
      if (this.#stopped) throw new Stopped();
      try {
        await this.#options.onChanges(changes);
        this.#deliveredSeq = changes[changes.length - 1]!.seq;
        return;
      } catch (error) {
        const delayMs = backoff.next();
        const range = { fromSeq: changes[0]!.seq, toSeq: changes[changes.length - 1]!.seq, attempt: backoff.failures };
        this.#options.logger[backoff.failures === 1 ? 'warn' : 'debug']({ err: errorMessage(error), ...range, retryInMs: delayMs }, 'change listener: onChanges failed; offering the same changes again');
        await sleep(delayMs, this.#stopping.signal);
      }
    }
  }
}
