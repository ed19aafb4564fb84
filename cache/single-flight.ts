import { setMaxListeners } from 'node:events';

/** How a caller takes part in a flight. */
export interface FlightOptions<Tag> {
  /** The caller's own signal: leaving detaches it; the production stops when nobody waits any more. */
  readonly signal?: AbortSignal | undefined;
  /** Recorded with a production this call starts (e.g. the change-log sequence it starts at). */
  readonly tag?: Tag;
  /** Whether this caller may join a production already running, given its tag; when not, a new one starts. */
  readonly mayJoin?: (tag: Tag | undefined) => boolean;
}

interface Flight<T, Tag> {
  readonly promise: Promise<T>;
  readonly controller: AbortController;
  readonly tag: Tag | undefined;
  waiters: number;
}

/**
 * Concurrent calls for the same key share one in-flight production, so a burst of
 * requests for one missing tile produces it once. The production is aborted when every
 * caller waiting for it has gone away (a client disconnect stops a query or render only
 * if no other request shares it). Nothing is kept once it settles.
 *
 * A production is a promise nobody may be left holding: its rejection is always handled
 * here, so a production whose callers have all left (and that then fails or is aborted)
 * can never become an unhandled rejection that ends the process.
 */
export class SingleFlight<T, Tag = undefined> {
  private readonly inFlight = new Map<string, Flight<T, Tag>>();

  /** Runs produce() unless a call for key is already running (and may be joined), then joins that one. */
  run(key: string, produce: (signal: AbortSignal) => Promise<T>, options: FlightOptions<Tag> = {}): Promise<T> {
    const { signal } = options;
    // A caller already gone starts nothing and joins nothing.
    if (signal?.aborted) return Promise.reject(signal.reason ?? new Error('aborted'));
    let flight = this.inFlight.get(key);
    if (!flight || (options.mayJoin && !options.mayJoin(flight.tag))) flight = this.start(key, produce, options.tag);
    flight.waiters++;
    if (!signal) return flight.promise;
    const joined = flight;
    return new Promise<T>((resolve, reject) => {
      const leave = () => {
        joined.waiters--;
        if (joined.waiters === 0) {
          joined.controller.abort(signal.reason);
          if (this.inFlight.get(key) === joined) this.inFlight.delete(key);
        }
        reject(signal.reason ?? new Error('aborted'));
      };
      signal.addEventListener('abort', leave, { once: true });
      joined.promise.then(
        (value) => {
          signal.removeEventListener('abort', leave);
          resolve(value);
        },
        (error: unknown) => {
          signal.removeEventListener('abort', leave);
          reject(error);
        },
      );
    });
  }

  /** Number of productions currently running. */
  get size(): number {
    return this.inFlight.size;
  }

  private start(key: string, produce: (signal: AbortSignal) => Promise<T>, tag: Tag | undefined): Flight<T, Tag> {
    const controller = new AbortController();
    // One production may fan out to many sub-requests (a metatile's vector tiles), each listening.
    setMaxListeners(0, controller.signal);
    const promise = (async () => produce(controller.signal))().finally(() => {
      if (this.inFlight.get(key) === flight) this.inFlight.delete(key);
    });
    // Handled here once and for all; each caller still sees the rejection through its own promise.
    promise.catch(() => {});
    const flight: Flight<T, Tag> = { promise, controller, tag, waiters: 0 };
    this.inFlight.set(key, flight);
    return flight;
  }
}
