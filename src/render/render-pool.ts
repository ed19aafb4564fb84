import { Piscina } from 'piscina';
import { EngineError } from '../errors.ts';
import type { RenderTask, RenderWorkerData } from './render-task.ts';

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
 * slower here). The queue is bounded: when it is full the answer is 503 OVERLOADED with
 * Retry-After at once, never an unbounded wait.
 */
export class RenderPool {
  private readonly pool: Piscina;
  private readonly options: RenderPoolOptions;

  constructor(options: RenderPoolOptions, data: RenderWorkerData) {
    this.options = options;
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

  /** Renders a view; transfers the tile buffers to the thread. */
  async render(task: RenderTask, signal?: AbortSignal): Promise<Uint8Array> {
    if (this.pool.queueSize >= this.options.maxQueue) {
      throw new EngineError('OVERLOADED', `more than ${this.options.maxQueue} renders are waiting`, { retryAfterS: 1 });
    }
    const timeout = AbortSignal.timeout(this.options.timeoutMs);
    const abort = signal ? AbortSignal.any([signal, timeout]) : timeout;
    try {
      const result = (await this.pool.run(task, { signal: abort })) as Uint8Array;
      return result instanceof Uint8Array ? result : new Uint8Array(result as ArrayBufferLike);
    } catch (error) {
      if (timeout.aborted) throw new EngineError('RENDER_TIMEOUT', `the render ran over ${this.options.timeoutMs} ms`, { retryAfterS: 1, cause: error });
      if (signal?.aborted) throw new EngineError('REQUEST_ABORTED', 'the client went away', { cause: error });
      if (/queue is at limit/i.test(String((error as Error)?.message))) {
        throw new EngineError('OVERLOADED', `more than ${this.options.maxQueue} renders are waiting`, { retryAfterS: 1, cause: error });
      }
      throw new EngineError('RENDER_FAILED', 'the render failed', { cause: error });
    }
  }

  /** Renders waiting for a thread. */
  get queueSize(): number {
    return this.pool.queueSize;
  }

  async close(): Promise<void> {
    await this.pool.destroy();
  }
}
