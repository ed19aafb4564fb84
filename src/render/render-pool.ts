import { Piscina } from 'piscina';
import { FairQueue } from '../admission/fair-queue.ts';
import type { Work } from '../admission/work.ts';
import { EngineError } from '../errors.ts';
import type { RenderAnswer, RenderTask, RenderWorkerData } from './render-task.ts';
import type { GlyphRangeBytes } from './render-task.ts';

/** Makes a glyph range (the font library, in the main thread). */
export type GlyphRangeSource = (fontstack: string, start: number) => Promise<Uint8Array>;

/**
 * Attempts of one render while threads ask for glyphs. Each attempt carries every range
 * asked for so far and must ask for at least one more, so a render's text needs few: its
 * labels are shaped before any is placed, and all ranges are asked for at once.
 */
const MAX_GLYPH_ATTEMPTS = 8;

export interface RenderPoolOptions {
  readonly workers: number;
  readonly maxQueue: number;
  readonly timeoutMs: number;
}

/** The worker file next to this module's tree: .ts under tsx and tests, .js when built. */
function workerFile(): URL {
  const ext = import.meta.url.endsWith('.ts') ? '.ts' : '.js';
  return new URL(`../../workers/render-worker${ext}`, import.meta.url);
}

/**
 * Render threads on piscina (threads are reused; a thread per task measured ten times
 * slower here). A render waits for its client's turn in a fair queue and goes to piscina
 * only when a thread is free, so one client's burst of metatiles and print pieces cannot
 * push every other client's tile behind it. The queue is bounded: when it is full the
 * largest share is cut with 503 OVERLOADED and Retry-After at once, never an unbounded wait.
 */
/** What the pipelines need of the render threads: the seam where tests put a stub pool. */
export type RenderPieces = Pick<RenderPool, 'renderPieces'>;

export class RenderPool {
  private readonly pool: Piscina;
  private closing = false;
  private readonly options: RenderPoolOptions;
  private readonly glyphSource: GlyphRangeSource | undefined;
  private readonly turns: FairQueue;
  private rendered = 0;
  private redrawn = 0;

  /** Without a glyph source, labels are drawn only from glyphs threads already hold (none). */
  constructor(options: RenderPoolOptions, data: RenderWorkerData, glyphSource?: GlyphRangeSource) {
    this.options = options;
    this.glyphSource = glyphSource;
    this.turns = new FairQueue({ slots: options.workers, maxQueued: options.maxQueue, what: 'renders' });
    const file = workerFile();
    this.pool = new Piscina({
      filename: file.href,
      minThreads: options.workers,
      maxThreads: options.workers,
      maxQueue: options.maxQueue,
      idleTimeout: Number.MAX_SAFE_INTEGER,
      workerData: data,
      // TypeScript sources run through tsx's loader, in the threads as in the main thread.
      execArgv: file.pathname.endsWith('.ts') ? ['--import', 'tsx'] : [],
    });
  }

  /** Renders a view to one image. */
  async render(task: RenderTask, work?: Work): Promise<Uint8Array> {
    const [image] = await this.renderPieces(task, work);
    return image!;
  }

  /**
   * Renders a view, one encoded image per piece of the task. A thread that lacks glyph
   * ranges answers with what it lacks and the task is sent again with them: nothing is
   * drawn without every glyph its labels need, so the same view always gives the same
   * image. A range that cannot be made fails the render (503, not cached) rather than
   * drawing without its labels.
   */
  async renderPieces(task: RenderTask, work: Work = {}): Promise<readonly Uint8Array[]> {
    const glyphs: GlyphRangeBytes[] = [];
    for (let attempt = 1; ; attempt++) {
      const answer = await this.run({ ...task, ...(glyphs.length ? { glyphs } : {}), final: !this.glyphSource }, work);
      if ('images' in answer) {
        this.rendered++;
        return answer.images;
      }
      const wanted = answer.missingGlyphs.filter(({ fontstack, start }) => !glyphs.some((g) => g.fontstack === fontstack && g.start === start));
      if (wanted.length === 0 || attempt >= MAX_GLYPH_ATTEMPTS) {
        const missing = answer.missingGlyphs.map((g) => `${g.fontstack} ${g.start}`).join('; ');
        throw new EngineError('GLYPHS_UNAVAILABLE', `the render still lacks glyph ranges after ${attempt} attempts (${missing.slice(0, 200)})`, { retryAfterS: 1 });
      }
      for (const { fontstack, start } of wanted) glyphs.push({ fontstack, start, bytes: await this.glyphRange(fontstack, start) });
      this.redrawn++;
    }
  }

  private async glyphRange(fontstack: string, start: number): Promise<Uint8Array> {
    try {
      return await this.glyphSource!(fontstack, start);
    } catch (error) {
      // A stack that can never be made (a style naming nine fonts) draws no text, the same every time.
      if (error instanceof EngineError && error.status < 500) return new Uint8Array(0);
      throw new EngineError('GLYPHS_UNAVAILABLE', `glyphs ${start}–${start + 255} of "${fontstack.slice(0, 100)}" could not be made`, { retryAfterS: 1, cause: error });
    }
  }

  private async run(task: RenderTask, { signal, client }: Work): Promise<RenderAnswer> {
    let turnDone: () => void;
    try {
      turnDone = await this.turns.acquire(client, signal);
    } catch (error) {
      if (signal?.aborted) throw new EngineError('REQUEST_ABORTED', 'the client went away', { cause: error });
      throw error;
    }
    try {
      return await this.runInTurn(task, signal);
    } finally {
      turnDone();
    }
  }

  private async runInTurn(task: RenderTask, signal: AbortSignal | undefined): Promise<RenderAnswer> {
    // The deadline counts from the thread's start: time waiting for a turn is the queue's, bounded apart.
    const timeout = AbortSignal.timeout(this.options.timeoutMs);
    const abort = signal ? AbortSignal.any([signal, timeout]) : timeout;
    try {
      return (await this.pool.run(task, { signal: abort })) as RenderAnswer;
    } catch (error) {
      if (timeout.aborted) throw new EngineError('RENDER_TIMEOUT', `the render ran over ${this.options.timeoutMs} ms`, { retryAfterS: 1, cause: error });
      if (signal?.aborted) throw new EngineError('REQUEST_ABORTED', 'the client went away', { cause: error });
      // Renders cut by close() on shutdown are the drain's doing, not a failed render.
      if (this.closing) throw new EngineError('SHUTTING_DOWN', 'the engine is stopping', { retryAfterS: 1, cause: error });
      if (/queue is at limit/i.test(String((error as Error)?.message))) {
        throw new EngineError('OVERLOADED', `more than ${this.options.maxQueue} renders are waiting`, { retryAfterS: 1, cause: error });
      }
      throw new EngineError('RENDER_FAILED', 'the render failed', { cause: error });
    }
  }

  /** Renders finished since start (a metatile is one render, however many tiles it serves). */
  get renderCount(): number {
    return this.rendered;
  }

  /** Render threads running. */
  get threadCount(): number {
    return this.pool.threads.length;
  }

  /** Renders waiting for a thread. */
  /** Renders sent again because their thread lacked glyph ranges: 0 while every label's text is in the ranges threads start with. */
  get redrawnForGlyphs(): number {
    return this.redrawn;
  }

  get queueSize(): number {
    return this.turns.queued + this.pool.queueSize;
  }

  /** Median and 99th percentile, in ms, of the time renders waited for a thread and ran (since start). */
  timings(): { waitMs: { p50: number; p99: number }; runMs: { p50: number; p99: number } } {
    const { waitTime, runTime } = this.pool.histogram;
    return { waitMs: { p50: waitTime.p50, p99: waitTime.p99 }, runMs: { p50: runTime.p50, p99: runTime.p99 } };
  }

  async close(): Promise<void> {
    this.closing = true;
    await this.pool.destroy();
  }
}
