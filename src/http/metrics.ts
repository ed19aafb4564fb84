/**
 * Prometheus metrics at /metrics (prom-client): requests by route and status, latency per
 * output kind, render queue depth, cache hits per tier, misses, invalidations and their
 * lag, and the process's own (memory, event loop, GC). Hot tiles answered by the fast path
 * are counted in a plain integer and read at scrape time, so they pay no metrics library.
 */
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { CacheStats } from '../../cache/tiered-cache.ts';
import { escapedErrors } from '../process-guard.ts';

/** What the metrics read at scrape time. */
export interface MetricSources {
  readonly renderQueue: () => number;
  /** Tile queries waiting for a database connection (0 without a database). */
  readonly queryQueue: () => number;
  readonly renderTimings: () => { waitMs: { p50: number; p99: number }; runMs: { p50: number; p99: number } } | undefined;
  readonly cache: () => CacheStats | undefined;
}

/** The output kind of a route, for the latency histogram. */
function kindOf(route: string): string {
  if (route === 'tile' || route === 'grid-tile') return 'tile';
  if (route.startsWith('wmts')) return 'wmts';
  if (route === 'wms' || route === 'print') return route;
  return 'other';
}

/**
 * How long one rendering of /metrics is served to every scraper: rendering reads every
 * metric (~ms of event loop), so a flood of scrapes must not render each time.
 */
const EXPOSITION_REUSE_MS = 1000;

export class HttpMetrics {
  readonly registry = new Registry();
  private readonly now: () => number;
  private exposition: { at: number; text: Promise<Buffer> } | undefined;
  private readonly requests: Counter<'route' | 'status'>;
  private readonly latency: Histogram<'kind'>;
  private readonly limited: Counter<'reason'>;
  private readonly queries: Histogram<'tileset' | 'layers'>;
  private readonly tileBytes: Histogram<'tileset' | 'grid' | 'z'>;
  private readonly overBudget: Counter<'tileset' | 'grid' | 'z'>;
  private readonly budgetBytes: number;
  private fastHits = 0;

  /** budgetBytes: tiles.sizeBudgetBytes, above which a produced vector tile is counted as over budget. */
  constructor(sources: MetricSources, now: () => number = () => performance.now(), budgetBytes = 500 * 1024) {
    this.now = now;
    this.budgetBytes = budgetBytes;
    const registry = this.registry;
    this.tileBytes = new Histogram({
      name: 'sodertorn_vector_tile_bytes',
      help: 'Raw bytes of the vector tiles produced (not those served from a cache), by tileset, grid and level: which zoom is heavy',
      labelNames: ['tileset', 'grid', 'z'],
      buckets: [1024, 10 * 1024, 50 * 1024, 100 * 1024, 250 * 1024, 500 * 1024, 1024 * 1024],
      registers: [registry],
    });
    this.overBudget = new Counter({
      name: 'sodertorn_vector_tiles_over_budget_total',
      help: 'Vector tiles produced above tiles.sizeBudgetBytes, by tileset, grid and level (sodertorn-tiles tile-sizes says which layer makes them so)',
      labelNames: ['tileset', 'grid', 'z'],
      registers: [registry],
    });
    collectDefaultMetrics({ register: registry, prefix: 'sodertorn_' });
    this.requests = new Counter({ name: 'sodertorn_http_requests_total', help: 'HTTP requests answered by the router, by route and status', labelNames: ['route', 'status'], registers: [registry] });
    this.latency = new Histogram({
      name: 'sodertorn_http_request_duration_seconds',
      help: 'Time to answer, by output kind (tile, wmts, wms, print, other)',
      labelNames: ['kind'],
      buckets: [0.001, 0.005, 0.02, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 15, 60],
      registers: [registry],
    });
    this.limited = new Counter({ name: 'sodertorn_http_limited_total', help: 'Requests refused with 429 by the per-client limits, by reason (concurrency, rate)', labelNames: ['reason'], registers: [registry] });
    const fast = (): number => this.fastHits;
    new Counter({
      name: 'sodertorn_fast_path_tiles_total',
      help: 'Hot tiles answered from memory before routing',
      registers: [registry],
      collect() {
        this.reset();
        this.inc(fast());
      },
    });
    new Counter({
      name: 'sodertorn_process_escaped_errors_total',
      help: 'Errors no handler caught (unhandled rejections, uncaught exceptions): each is a bug; the process guard logged it and kept serving',
      labelNames: ['kind'],
      registers: [registry],
      collect() {
        this.reset();
        for (const [kind, count] of Object.entries(escapedErrors())) this.inc({ kind }, count);
      },
    });
    this.queries = new Histogram({
      name: 'sodertorn_tile_query_seconds',
      help: 'PostGIS time of one vector tile, by tileset and the layers its statement reads (one statement per zoom band)',
      labelNames: ['tileset', 'layers'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10],
      registers: [registry],
    });
    const quantiles = (name: string, help: string, read: (t: NonNullable<ReturnType<MetricSources['renderTimings']>>) => { p50: number; p99: number }) =>
      new Gauge({
        name,
        help,
        labelNames: ['quantile'],
        registers: [registry],
        collect() {
          const timings = sources.renderTimings();
          if (!timings) return;
          const { p50, p99 } = read(timings);
          this.set({ quantile: '0.5' }, (p50 || 0) / 1000);
          this.set({ quantile: '0.99' }, (p99 || 0) / 1000);
        },
      });
    quantiles('sodertorn_render_wait_seconds', 'Time renders waited for a render thread (since start)', (t) => t.waitMs);
    quantiles('sodertorn_render_run_seconds', 'Time renders ran in a thread (since start)', (t) => t.runMs);
    new Gauge({ name: 'sodertorn_render_queue_depth', help: 'Renders waiting for a thread', registers: [registry], collect() { this.set(sources.renderQueue()); } });
    new Gauge({ name: 'sodertorn_tile_query_queue_depth', help: 'Tile queries waiting for a database connection (clients take turns)', registers: [registry], collect() { this.set(sources.queryQueue()); } });
    new Counter({
      name: 'sodertorn_cache_hits_total',
      help: 'Tiles served from a cache tier',
      labelNames: ['tier'],
      registers: [registry],
      collect() {
        this.reset();
        for (const [tier, hits] of Object.entries(sources.cache()?.hits ?? {})) this.inc({ tier }, hits);
      },
    });
    const stat = (name: string, help: string, read: (s: CacheStats) => number) =>
      new Counter({ name, help, registers: [registry], collect() { this.reset(); this.inc(read(sources.cache() ?? ({} as CacheStats)) || 0); } });
    stat('sodertorn_cache_misses_total', 'Cache lookups that found nothing', (s) => s.misses);
    stat('sodertorn_cache_invalidations_total', 'Change-log batches applied to the cache', (s) => s.invalidations);
    stat('sodertorn_cache_tiles_removed_total', 'Cached tiles removed by invalidation', (s) => s.removed);
    stat('sodertorn_cache_tiles_rewarmed_total', 'Hot tiles produced again right after a change removed them', (s) => s.rewarmed);
    new Gauge({
      name: 'sodertorn_cache_invalidation_lag_seconds',
      help: 'Commit-to-invalidation lag of the last change applied',
      registers: [registry],
      collect() {
        const lag = sources.cache()?.lastLagMs;
        if (lag !== undefined) this.set(lag / 1000);
      },
    });
  }

  /** The text of /metrics, rendered at most once per EXPOSITION_REUSE_MS whatever the number of scrapers. */
  text(): Promise<Buffer> {
    const now = this.now();
    if (!this.exposition || now - this.exposition.at >= EXPOSITION_REUSE_MS) {
      const text = this.registry.metrics().then((t) => Buffer.from(t));
      // A failed rendering is not reused.
      text.catch(() => (this.exposition = undefined));
      this.exposition = { at: now, text };
    }
    return this.exposition.text;
  }

  /** Records a request the router answered. */
  observe(route: string, status: number, seconds: number): void {
    this.requests.inc({ route, status: String(status) });
    this.latency.observe({ kind: kindOf(route) }, seconds);
  }

  /** Records the PostGIS time of one vector tile. */
  observeQuery(tileset: string, layers: string, seconds: number): void {
    this.queries.observe({ tileset, layers }, seconds);
  }

  /** Records the size of a vector tile just produced, and whether it is over the budget. */
  observeTileSize(tileset: string, grid: string, z: number, bytes: number): void {
    const labels = { tileset, grid, z: String(z) };
    this.tileBytes.observe(labels, bytes);
    if (bytes > this.budgetBytes) this.overBudget.inc(labels);
  }

  /** Counts a request refused by the per-client limits. */
  countLimited(reason: string): void {
    this.limited.inc({ reason });
  }

  /** Counts a tile the fast path answered. */
  countFastHit(): void {
    this.fastHits++;
  }
}
