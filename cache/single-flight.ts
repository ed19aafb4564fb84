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
