/**
 * Fair shares of a scarce resource (database connections, render threads) between
 * clients. Work runs on `slots` at once; what waits is queued per client and a free slot
 * goes to the clients in turn (round robin), so a client with a thousand queued tile
 * queries delays another client's one query by at most one query per slot, not a
 * thousand. The queue is bounded: when it is full, a newcomer takes the place of the
 * newest waiter of the client queuing the most (that one is refused with 503), unless the
 * newcomer's own client is that client. A client alone may use the whole queue; as soon as
 * others come, the largest share shrinks first.
 *
 *   slots ████ (4 running)    queue: a a a a a a │ b │ c c      → next slots go a, b, c, a, c, a …
 *   full, d arrives → a's newest waiter is refused, d queues
 *
 * Pure: no I/O and no timers; the caller releases what it acquired.
 */
import { EngineError } from '../errors.ts';

export interface FairQueueOptions {
  /** Units of work running at once. */
  readonly slots: number;
  /** Units waiting in all; beyond it the client with the most waiting loses its newest. */
  readonly maxQueued: number;
  /** What is queued, for messages ("tile queries", "renders"). */
  readonly what: string;
}

interface Waiter {
  readonly grant: (release: () => void) => void;
  readonly refuse: (error: unknown) => void;
  readonly unlisten: () => void;
}

/** Whoever a unit of work runs for when no client is named: background re-warming, seeding, start-up. */
export const ENGINE_CLIENT = 'engine';

export class FairQueue {
  private readonly options: FairQueueOptions;
  /** Waiters by client, clients in the order they are served next (a served client moves to the end). */
  private readonly waiting = new Map<string, Waiter[]>();
  private free: number;
  private count = 0;

  constructor(options: FairQueueOptions) {
    this.options = options;
    this.free = options.slots;
  }

  /** Units running now. */
  get running(): number {
    return this.options.slots - this.free;
  }

  /** Units waiting now. */
  get queued(): number {
    return this.count;
  }

  /**
   * Resolves to the release of a slot once the client's turn comes; rejects with 503
   * OVERLOADED when the queue has no room for the client, or with the signal's reason when
   * it aborts while waiting. Call release exactly once when the work is done.
   */
  acquire(client: string = ENGINE_CLIENT, signal?: AbortSignal): Promise<() => void> {
    if (signal?.aborted) return Promise.reject(signal.reason);
    if (this.free > 0 && this.count === 0) {
      this.free--;
      return Promise.resolve(this.releaser());
    }
    if (this.count >= this.options.maxQueued && !this.makeRoomFor(client)) return Promise.reject(this.overloaded());
    return new Promise((resolve, reject) => {
      const onAbort = () => {
        this.remove(client, waiter);
        reject(signal!.reason);
      };
      const waiter: Waiter = {
        grant: resolve,
        refuse: reject,
        unlisten: () => signal?.removeEventListener('abort', onAbort),
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      const queue = this.waiting.get(client);
      if (queue) queue.push(waiter);
      else this.waiting.set(client, [waiter]);
      this.count++;
    });
  }

  private releaser(): () => void {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.free++;
      this.dispatch();
    };
  }

  /** Gives free slots to the waiting clients in turn. */
  private dispatch(): void {
    while (this.free > 0 && this.count > 0) {
      const [client, queue] = this.waiting.entries().next().value as [string, Waiter[]];
      const waiter = queue.shift()!;
      this.count--;
      this.waiting.delete(client);
      if (queue.length > 0) this.waiting.set(client, queue); // to the back of the line
      waiter.unlisten();
      this.free--;
      waiter.grant(this.releaser());
    }
  }

  /** Refuses the newest waiter of the client queuing the most, if that is not `client` itself. */
  private makeRoomFor(client: string): boolean {
    let largest: string | undefined;
    let size = 0;
    for (const [other, queue] of this.waiting) {
      if (queue.length > size) [largest, size] = [other, queue.length];
    }
    const own = this.waiting.get(client)?.length ?? 0;
    if (largest === undefined || largest === client || size <= own + 1) return false;
    const queue = this.waiting.get(largest)!;
    const dropped = queue.pop()!;
    this.count--;
    if (queue.length === 0) this.waiting.delete(largest);
    dropped.unlisten();
    dropped.refuse(this.overloaded());
    return true;
  }

  private remove(client: string, waiter: Waiter): void {
    const queue = this.waiting.get(client);
    const at = queue?.indexOf(waiter) ?? -1;
    if (at < 0) return;
    queue!.splice(at, 1);
    this.count--;
    if (queue!.length === 0) this.waiting.delete(client);
  }

  private overloaded(): EngineError {
    return new EngineError('OVERLOADED', `more than ${this.options.maxQueued} ${this.options.what} are waiting`, { retryAfterS: 1 });
  }
}
