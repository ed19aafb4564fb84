/**
 * Sends the purge requests of each applied batch of changes to the HTTP cache in front
 * of the engine (Varnish, a CDN), after the engine's own tiers are invalidated and
 * without holding them up: enqueue returns at once, batches go out one after another in
 * commit order, the requests of a batch a few at a time, each with a timeout and retried
 * with backoff. A failure is counted and logged, never thrown: the engine's own cache is
 * already fresh, and the front serves the stale tile at most until its max-age.
 */
import http from 'node:http';
import https from 'node:https';
import type { Logger } from 'pino';
import type { EngineConfig } from '../../src/config/schema.ts';
import { Backoff } from '../invalidation/backoff.ts';
import type { LevelRange } from '../tile-key.ts';
import { purgeRequests, type PurgeRequest, type PurgeSettings } from './purge-requests.ts';
import type { UrlModel } from './tile-urls.ts';

export interface PurgerOptions {
  readonly settings: PurgeSettings;
  /** Requests of one batch in flight at once. */
  readonly concurrency: number;
  readonly timeoutMs: number;
  /** Attempts after the first failed one. */
  readonly retries: number;
  readonly logger: Logger;
  /** config.render.defaultStyle: which style a tileset's raster URLs stand for. */
  readonly defaultStyle?: string | undefined;
  /** Sends one request, resolving to its status; the default speaks HTTP(S). A seam for tests. */
  readonly send?: (request: PurgeRequest, signal: AbortSignal) => Promise<{ status: number; body: string }>;
}

/** Counts for /health. */
export interface PurgeStats {
  /** Requests answered 2xx. */
  sent: number;
  /** Requests that failed after every retry. */
  failed: number;
  /** Batches of changes not purged: too many URLs and no purge-everything, or the queue full. */
  skipped: number;
  /** Batches waiting or being sent. */
  queued: number;
  lastError: { message: string; at: string } | undefined;
}

/**
 * Batches waiting at most. Bounded so a front that is down for long does not pile up
 * memory; beyond it a batch is skipped with an error log (its tiles stay stale in the
 * front until their max-age).
 */
const MAX_QUEUED_BATCHES = 1000;
/** Retry delays: 200 ms doubling to 5 s, so a restarting Varnish or a rate-limited CDN gets room. */
const RETRY_BACKOFF = { initialMs: 200, maxMs: 5000 };
/** Characters of a failed answer's body kept in the error (a CDN says why there). */
const ERROR_BODY_CHARS = 300;

export class Purger {
  readonly stats: PurgeStats = { sent: 0, failed: 0, skipped: 0, queued: 0, lastError: undefined };
  private readonly options: PurgerOptions;
  private readonly send: NonNullable<PurgerOptions['send']>;
  private readonly agents: { http: http.Agent; https: https.Agent };
  private readonly closing = new AbortController();
  private tail: Promise<void> = Promise.resolve();

  constructor(options: PurgerOptions) {
    this.options = options;
    // Keep-alive: a batch in purge mode is thousands of small requests to one host.
    this.agents = { http: new http.Agent({ keepAlive: true, maxSockets: options.concurrency }), https: new https.Agent({ keepAlive: true, maxSockets: options.concurrency }) };
    this.send = options.send ?? ((request, signal) => this.sendHttp(request, signal));
  }

  /** A purger from config cache.purge; publicUrl is server.publicUrl, the default base of the URLs. */
  static fromConfig(config: NonNullable<EngineConfig['cache']['purge']>, context: { publicUrl: string | undefined; defaultStyle: string | undefined; logger: Logger }): Purger {
    const { concurrency, timeoutMs, retries, publicUrl, ...settings } = config;
    return new Purger({ settings: { ...settings, publicUrl: publicUrl ?? context.publicUrl }, concurrency, timeoutMs, retries, defaultStyle: context.defaultStyle, logger: context.logger });
  }

  /** Queues the purge of the ranges of one applied batch of changes; returns at once. */
  enqueue(ranges: readonly LevelRange[], model: Omit<UrlModel, 'defaultStyle'>): void {
    if (ranges.length === 0 || this.closing.signal.aborted) return;
    const { logger, settings } = this.options;
    if (this.stats.queued >= MAX_QUEUED_BATCHES) {
      this.drop(`purge queue full (${MAX_QUEUED_BATCHES} batches): the cache in front may serve stale tiles until their max-age`);
      return;
    }
    const plan = purgeRequests(ranges, { tilesets: model.tilesets, styles: model.styles, defaultStyle: this.options.defaultStyle }, settings);
    if (plan.overLimit) {
      if (plan.requests.length > 0) logger.warn({ urls: plan.urls, maxUrls: settings.maxUrls }, 'too many tile URLs to purge one by one; purging everything');
      else this.drop(`${plan.urls} tile URLs to purge, over cache.purge.maxUrls ${settings.maxUrls}, and no purgeEverything configured: the cache in front may serve stale tiles until their max-age`);
    }
    if (plan.requests.length === 0) return;
    this.stats.queued++;
    this.tail = this.tail.then(() => this.sendAll(plan.requests)).finally(() => this.stats.queued--);
  }

  /** Resolves when every queued batch has been sent or has failed. */
  idle(): Promise<void> {
    return this.tail;
  }

  /** Waits for the queue up to the request timeout, then abandons what is left. */
  async close(): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([this.tail, new Promise((resolve) => (timer = setTimeout(resolve, this.options.timeoutMs)))]);
    clearTimeout(timer);
    if (this.stats.queued > 0) this.options.logger.warn({ queued: this.stats.queued }, 'engine closing: purges not sent; the cache in front may serve stale tiles until their max-age');
    this.closing.abort();
    this.agents.http.destroy();
    this.agents.https.destroy();
  }

  private drop(message: string): void {
    this.stats.skipped++;
    this.stats.lastError = { message, at: new Date().toISOString() };
    this.options.logger.error(message);
  }

  /** The requests of one batch, `concurrency` at a time. */
  private async sendAll(requests: readonly PurgeRequest[]): Promise<void> {
    let next = 0;
    const worker = async () => {
      while (next < requests.length && !this.closing.signal.aborted) await this.sendOne(requests[next++]!);
    };
    await Promise.all(Array.from({ length: Math.min(this.options.concurrency, requests.length) }, worker));
  }

  private async sendOne(request: PurgeRequest): Promise<void> {
    const backoff = new Backoff(RETRY_BACKOFF);
    for (let attempt = 0; ; attempt++) {
      let error: string;
      try {
        const signal = AbortSignal.any([this.closing.signal, AbortSignal.timeout(this.options.timeoutMs)]);
        const { status, body } = await this.send(request, signal);
        if (status >= 200 && status < 300) {
          this.stats.sent++;
          return;
        }
        error = `${request.method} ${request.url} answered ${status}${body ? `: ${body.slice(0, ERROR_BODY_CHARS)}` : ''}`;
      } catch (thrown) {
        error = `${request.method} ${request.url} failed: ${(thrown as Error).message}`;
      }
      if (attempt >= this.options.retries || this.closing.signal.aborted) {
        this.stats.failed++;
        this.stats.lastError = { message: error, at: new Date().toISOString() };
        // Headers are not logged: they may hold the CDN's credentials.
        this.options.logger.error({ attempts: attempt + 1 }, `purge failed; the cache in front may serve the stale tiles until their max-age: ${error}`);
        return;
      }
      await new Promise((resolve) => setTimeout(resolve, backoff.next()));
    }
  }

  /** node:http rather than fetch: fetch drops the Host header, which PURGE needs to hit the cached object. */
  private sendHttp(request: PurgeRequest, signal: AbortSignal): Promise<{ status: number; body: string }> {
    const url = new URL(request.url);
    const secure = url.protocol === 'https:';
    return new Promise((resolve, reject) => {
      const req = (secure ? https : http).request(url, { method: request.method, headers: request.headers, signal, agent: secure ? this.agents.https : this.agents.http }, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          if (body.length < ERROR_BODY_CHARS) body += chunk;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
        res.on('error', reject);
      });
      req.on('error', reject);
      req.end(request.body);
    });
  }
}
