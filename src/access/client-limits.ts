/**
 * Per-client limits in front of the routes: requests in flight at once, and a token
 * bucket of requests per second. Hot tiles answered from memory by the fast path are
 * not counted: they cost neither the database nor the renderer this protects.
 * A client is its key or token (by name) when it sends a valid one, else its address: staff
 * behind one office NAT each get their own share by their keys.
 */
import { LRUCache } from 'lru-cache';
import type { SharedRate } from './shared-rate.ts';

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
  /** Rates shared by every process through Redis; the local bucket decides when it cannot. */
  private readonly shared: SharedRate | undefined;

  constructor(options: ClientLimitOptions, now: () => number = () => performance.now(), shared?: SharedRate) {
    this.options = options;
    this.now = now;
    this.shared = shared;
  }

  get enabled(): boolean {
    return this.options.maxConcurrent > 0 || this.options.requestsPerS > 0;
  }

  /** Whether admissions go to Redis (then use admitShared). */
  get isShared(): boolean {
    return this.shared !== undefined;
  }

  /** Admits a request of a client, or says why not; call release() when its answer is done. `own`: this client's limits over the defaults. */
  admit(client: string, own?: Partial<ClientLimitOptions>): Admission {
    const limits = own ? { ...this.options, ...own } : this.options;
    const state = this.stateOf(client, limits.burst);
    if (limits.maxConcurrent > 0 && state.inFlight >= limits.maxConcurrent) return { ok: false, reason: 'concurrency', retryAfterS: 1 };
    const refused = this.takeLocalToken(state, limits);
    return refused ?? this.enter(state);
  }

  /** As admit, the rate counted across every process sharing the Redis (concurrency stays per process). */
  async admitShared(client: string, own?: Partial<ClientLimitOptions>): Promise<Admission> {
    const limits = own ? { ...this.options, ...own } : this.options;
    const state = this.stateOf(client, limits.burst);
    if (limits.maxConcurrent > 0 && state.inFlight >= limits.maxConcurrent) return { ok: false, reason: 'concurrency', retryAfterS: 1 };
    const admission = this.enter(state); // holds the slot while Redis decides
    if (limits.requestsPerS <= 0) return admission;
    const verdict = (await this.shared?.admit(client, limits.requestsPerS, limits.burst)) ?? (this.takeLocalToken(state, limits) ? { ok: false as const, retryAfterS: 1 } : { ok: true as const });
    if (verdict.ok) return admission;
    if (admission.ok) admission.release();
    return { ok: false, reason: 'rate', retryAfterS: verdict.retryAfterS };
  }

  private stateOf(client: string, burst: number): ClientState {
    let state = this.clients.get(client);
    if (!state) this.clients.set(client, (state = { inFlight: 0, tokens: burst, refilledAtMs: this.now() }));
    return state;
  }

  /** Takes a token from the process's own bucket; the refusal when there is none. */
  private takeLocalToken(state: ClientState, { requestsPerS, burst }: ClientLimitOptions): Admission | undefined {
    if (requestsPerS <= 0) return undefined;
    const now = this.now();
    state.tokens = Math.min(burst, state.tokens + ((now - state.refilledAtMs) / 1000) * requestsPerS);
    state.refilledAtMs = now;
    if (state.tokens < 1) return { ok: false, reason: 'rate', retryAfterS: Math.max(1, Math.ceil((1 - state.tokens) / requestsPerS)) };
    state.tokens -= 1;
    return undefined;
  }

  private enter(state: ClientState): Admission {
    state.inFlight++;
    let released = false;
    return {
      ok: true,
      release: () => {
        if (released) return;
        released = true;
        state.inFlight--;
      },
    };
  }
}
