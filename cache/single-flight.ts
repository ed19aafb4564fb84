/**
 * Concurrent calls for the same key share one in-flight promise, so a burst of requests
 * for one missing tile produces it once. The entry is dropped when the promise settles;
 * nothing is cached beyond that.
 */
export class SingleFlight<T> {
  private readonly inFlight = new Map<string, Promise<T>>();

  /** Runs produce() unless a call for key is already running, then joins that one. */
  run(key: string, produce: () => Promise<T>): Promise<T> {
    const running = this.inFlight.get(key);
    if (running) return running;
    const promise = produce().finally(() => this.inFlight.delete(key));
    this.inFlight.set(key, promise);
    return promise;
  }

  /** Number of productions currently running. */
  get size(): number {
    return this.inFlight.size;
  }
}

/**
 * Single flight whose production is aborted when every caller waiting for it has gone
 * away (a client disconnect aborts a render only if no other request shares it).
 */
export class AbortableSingleFlight<T> {
  private readonly inFlight = new Map<string, { promise: Promise<T>; waiters: number; controller: AbortController }>();

  run(key: string, produce: (signal: AbortSignal) => Promise<T>, callerSignal?: AbortSignal): Promise<T> {
    let entry = this.inFlight.get(key);
    if (!entry) {
      const controller = new AbortController();
      const promise = produce(controller.signal).finally(() => {
        if (this.inFlight.get(key)?.promise === promise) this.inFlight.delete(key);
      });
      entry = { promise, waiters: 0, controller };
      this.inFlight.set(key, entry);
    }
    const joined = entry;
    joined.waiters++;
    if (!callerSignal) return joined.promise;
    return new Promise<T>((resolve, reject) => {
      const leave = () => {
        joined.waiters--;
        if (joined.waiters === 0) {
          joined.controller.abort(callerSignal.reason);
          if (this.inFlight.get(key) === joined) this.inFlight.delete(key);
        }
        reject(callerSignal.reason ?? new Error('aborted'));
      };
      if (callerSignal.aborted) return leave();
      callerSignal.addEventListener('abort', leave, { once: true });
      joined.promise.then(
        (value) => {
          callerSignal.removeEventListener('abort', leave);
          resolve(value);
        },
        (error: unknown) => {
          callerSignal.removeEventListener('abort', leave);
          reject(error);
        },
      );
    });
  }
}
