import { setMaxListeners } from 'node:events';

/**
 * Concurrent calls for the same key share one in-flight production, so a burst of
 * requests for one missing tile produces it once. The production is aborted when every
 * caller waiting for it has gone away (a client disconnect stops a query or render only
 * if no other request shares it). Nothing is kept once it settles.
 */
export class SingleFlight<T> {
  private readonly inFlight = new Map<string, { promise: Promise<T>; waiters: number; controller: AbortController }>();

  /** Runs produce() unless a call for key is already running, then joins that one. */
  run(key: string, produce: (signal: AbortSignal) => Promise<T>, callerSignal?: AbortSignal): Promise<T> {
    let entry = this.inFlight.get(key);
    if (!entry) {
      const controller = new AbortController();
      // One production may fan out to many sub-requests (a metatile's vector tiles), each listening.
      setMaxListeners(0, controller.signal);
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

  /** Number of productions currently running. */
  get size(): number {
    return this.inFlight.size;
  }
}
