/**
 * Per-client limits in front of the routes: requests in flight at once, and a token
 * bucket of requests per second. Hot tiles answered from memory by the fast path are
 * not counted: they cost neither the database nor the renderer this protects.
 * A client is its key or token (by name) when it sends a valid one, else its address: staff
 * behind one office NAT each get their own share by their keys.
 */
import { LRUCache } from 'lru-cache';

export interface ClientLimitOptions {
  /** Slow-path requests one client may have in flight; 0 = no limit. */
  readonly maxConcurrent: number;
  /** Sustained requests per second per client; 0 = no limit. */
  readonly requestsPerS: number;
  /** Requests a client may send at once above the sustained rate. */
  readonly burst: number;
}

interface ClientState {
  inFlight: number;
  tokens: number;
  refilledAtMs: number;
}

export type Admission = { ok: true; release: () => void } | { ok: false; reason: 'concurrency' | 'rate'; retryAfterS: number };

/** Clients tracked at once; the least recently seen are forgotten first. */
const MAX_CLIENTS = 50_000;

export class ClientLimits {
  private readonly options: ClientLimitOptions;
  private readonly clients = new LRUCache<string, ClientState>({ max: MAX_CLIENTS });
  private readonly now: () => number;

  constructor(options: ClientLimitOptions, now: () => number = () => performance.now()) {
    this.options = options;
    this.now = now;
  }

  get enabled(): boolean {
    return this.options.maxConcurrent > 0 || this.options.requestsPerS > 0;
  }

  /** Admits a request of a client, or says why not; call release() when its answer is done. `own`: this client's limits over the defaults. */
  admit(client: string, own?: Partial<ClientLimitOptions>): Admission {
    const { maxConcurrent, requestsPerS, burst } = own ? { ...this.options, ...own } : this.options;
    const now = this.now();
    let state = this.clients.get(client);
    if (!state) this.clients.set(client, (state = { inFlight: 0, tokens: burst, refilledAtMs: now }));
    if (maxConcurrent > 0 && state.inFlight >= maxConcurrent) return { ok: false, reason: 'concurrency', retryAfterS: 1 };
    if (requestsPerS > 0) {
      state.tokens = Math.min(burst, state.tokens + ((now - state.refilledAtMs) / 1000) * requestsPerS);
      state.refilledAtMs = now;
      if (state.tokens < 1) return { ok: false, reason: 'rate', retryAfterS: Math.max(1, Math.ceil((1 - state.tokens) / requestsPerS)) };
      state.tokens -= 1;
    }
    state.inFlight++;
    const admitted = state;
    let released = false;
    return {
      ok: true,
      release: () => {
        if (released) return;
        released = true;
        admitted.inFlight--;
      },
    };
  }
}
