/**
 * A level-triggered wake-up flag: any number of signals before the waiter looks collapse
 * into one wake-up, which is how a burst of NOTIFYs becomes one fetch.
 */
export class Wakeup {
  #pending = false;
  #resolve: (() => void) | undefined;

  /** Sets the flag and wakes the waiter, if any. */
  signal(): void {
    this.#pending = true;
    this.#resolve?.();
  }

  /** Clears the flag; true when it was set. */
  take(): boolean {
    const was = this.#pending;
    this.#pending = false;
    return was;
  }

  /** Resolves at once when the flag is set, else on the next signal or after timeoutMs. */
  wait(timeoutMs: number): Promise<void> {
    if (this.#pending) return Promise.resolve();
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.#resolve = undefined;
        resolve();
      };
      const timer = setTimeout(done, timeoutMs);
      this.#resolve = done;
    });
  }
}
