/**
 * Whether PostgreSQL answers, found out in the background on a connection of its own.
 * /health and /ready read the last answer: a probe costs no query and never waits for a
 * tile pool connection, so a flood of probes cannot starve tiles, and tiles holding every
 * pooled connection cannot make the orchestrator think the database is down.
 */
import pg from 'pg';
import type { Logger } from 'pino';

export interface DatabaseProbeOptions {
  readonly url: string;
  readonly intervalMs: number;
  /** A check that takes longer counts as unreachable. */
  readonly timeoutMs: number;
}

export class DatabaseProbe {
  private readonly options: DatabaseProbeOptions;
  private readonly logger: Logger;
  private client: pg.Client | undefined;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  private answered: boolean;

  /** `reachable`: what is known at start (the pool's warm-up). */
  constructor(options: DatabaseProbeOptions, logger: Logger, reachable: boolean) {
    this.options = options;
    this.logger = logger;
    this.answered = reachable;
  }

  /** Whether PostgreSQL answered the last check. */
  get reachable(): boolean {
    return this.answered;
  }

  start(): void {
    this.schedule();
  }

  /** Checks now; resolves to the answer (also kept for `reachable`). */
  async check(): Promise<boolean> {
    if (this.stopped) return this.answered;
    const was = this.answered;
    try {
      if (!this.client) {
        const client = new pg.Client({ connectionString: this.options.url, connectionTimeoutMillis: this.options.timeoutMs, query_timeout: this.options.timeoutMs, application_name: 'sodertorn-tiles probe' });
        // A connection lost between checks is reported here; the next check opens another.
        client.on('error', () => undefined);
        this.client = client;
        await client.connect();
      }
      await this.client.query('SELECT 1');
      this.answered = true;
    } catch (error) {
      this.answered = false;
      const client = this.client;
      this.client = undefined;
      await client?.end().catch(() => undefined);
      if (was) this.logger.warn({ err: (error as Error).message }, 'database probe: PostgreSQL does not answer');
    }
    if (this.answered && !was) this.logger.info('database probe: PostgreSQL answers again');
    return this.answered;
  }

  async close(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.client?.end().catch(() => undefined);
    this.client = undefined;
  }

  private schedule(): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      void this.check().finally(() => this.schedule());
    }, this.options.intervalMs);
    this.timer.unref();
  }
}
