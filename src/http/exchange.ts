import type { IncomingMessage, ServerResponse } from 'node:http';
import type { RequestAccess } from '../access/access-policy.ts';
import type { RouteParams } from './router.ts';

/** One request as a route handler sees it. */
export interface Exchange {
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
  readonly params: RouteParams;
  /** Query string parameters. */
  readonly query: URLSearchParams;
  /**
   * Base URL for links in answers (see link-base.ts). Reading it adds Host to `headers.Vary`
   * when the links depend on the Host header: read it before copying `headers`.
   */
  readonly baseUrl: string;
  /** Headers every answer carries (CORS). */
  readonly headers: Record<string, string>;
  /** Aborted when the client disconnects or the request runs over limits.requestTimeoutMs. */
  readonly signal: AbortSignal;
  /** Who asks: the name of a valid key or token, else `ip:{address}`; its limits and its turns in the fair queues go by it. */
  readonly client: string;
  /** What this caller may read: routes check every tileset and style they expose. */
  readonly access: RequestAccess;
}

export type Handler = (exchange: Exchange) => Promise<void> | void;
