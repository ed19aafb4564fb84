/** Exponential backoff with jitter, for reconnecting and for retrying a failed delivery. Pure. */

export interface BackoffOptions {
  /** First delay; it doubles after each failure. */
  readonly initialMs: number;
  /** Ceiling of the delay. */
  readonly maxMs: number;
}

/** Delays of initialMs, 2×, 4× … up to maxMs, each drawn from its upper half so engines restarting together spread out. */
export class Backoff {
  #failures = 0;

  constructor(
    private readonly options: BackoffOptions,
    private readonly random: () => number = Math.random,
  ) {
    if (!(options.initialMs > 0) || !(options.maxMs >= options.initialMs)) {
      throw new Error(`backoff needs 0 < initialMs <= maxMs, got initialMs ${options.initialMs}, maxMs ${options.maxMs}`);
    }
  }

  /** Failures since the last reset. */
  get failures(): number {
    return this.#failures;
  }

  /** The delay before the next attempt; counts a failure. */
  next(): number {
    const ceiling = Math.min(this.options.maxMs, this.options.initialMs * 2 ** Math.min(this.#failures, 30));
    this.#failures++;
    return Math.round(ceiling / 2 + (this.random() * ceiling) / 2);
  }

  /** After a success: the next failure waits initialMs again. */
  reset(): void {
    this.#failures = 0;
  }
}
