/**
 * Request deadlines checked by one sweeping interval rather than a timer per request: at
 * 10,000s of routed requests a second a timer each is a measurable cost, and a deadline a
 * few tens of milliseconds late is still a deadline.
 */
export interface Deadline {
  /** performance.now() at which it expires. */
  readonly at: number;
  expire(): void;
}

export class Deadlines {
  private readonly pending = new Set<Deadline>();
  private readonly sweepMs: number;
  private readonly now: () => number;
  private timer: NodeJS.Timeout | undefined;

  /** Deadlines are met within sweepMs of their time; `now` is the clock they are read on (tests pass their own). */
  constructor(sweepMs: number, now: () => number = () => performance.now()) {
    this.sweepMs = sweepMs;
    this.now = now;
  }

  /** Watches a deadline; the returned function stops watching it. */
  add(deadline: Deadline): () => void {
    this.pending.add(deadline);
    if (!this.timer) {
      this.timer = setInterval(() => this.sweep(), this.sweepMs);
      this.timer.unref();
    }
    return () => this.pending.delete(deadline);
  }

  /** Expires what is due now; the interval calls it every sweepMs. */
  sweep(): void {
    if (this.pending.size === 0) {
      clearInterval(this.timer);
      this.timer = undefined;
      return;
    }
    const now = this.now();
    for (const deadline of this.pending) {
      if (deadline.at > now) continue;
      this.pending.delete(deadline);
      deadline.expire();
    }
  }
}
