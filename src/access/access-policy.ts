/**
 * Who may read what. Tilesets and styles are public unless restricted; a restricted one
 * is served only to a caller whose API key or signed token grants it (or '*'). A style
 * drawing a restricted tileset is as restricted as the tileset: its raster tiles, prints
 * and WMS maps show that tileset's data.
 */
import { createHash } from 'node:crypto';
import { LRUCache } from 'lru-cache';
import { EngineError } from '../errors.ts';
import type { ClientLimitOptions } from './client-limits.ts';
import { TOKEN_PREFIX, verifyToken } from './tokens.ts';

export interface ApiKey {
  /** Shown in logs and metrics instead of the key. */
  readonly name: string;
  /** Hex SHA-256 of the key: the configuration holds no secret. */
  readonly sha256: string;
  readonly grants: readonly string[];
  /** The key's own per-client limits, over the defaults. */
  readonly limits?: Partial<ClientLimitOptions> | undefined;
}

export interface Principal {
  readonly name: string;
  readonly grants: ReadonlySet<string>;
  readonly limits?: Partial<ClientLimitOptions> | undefined;
  /** When the credential stops standing for this caller (a token's expiry), seconds since the epoch. */
  readonly expiresS: number;
}

export interface AccessOptions {
  readonly keys: readonly ApiKey[];
  readonly tokenSecret?: string | undefined;
  /** Tokens expiring further ahead than this are refused, so a leaked token cannot live for ever. */
  readonly maxTokenTtlS: number;
  readonly restrictedStyles: ReadonlySet<string>;
  readonly isRestrictedTileset: (tilesetId: string) => boolean;
  readonly tilesetsOfStyle: (styleId: string) => readonly string[];
}

export const sha256Hex = (text: string): string => createHash('sha256').update(text).digest('hex');

/** Credentials remembered after a successful check, so hot restricted tiles skip hashing and HMAC. */
const REMEMBERED_CREDENTIALS = 10_000;

export class AccessPolicy {
  private readonly options: AccessOptions;
  private readonly keysByHash: ReadonlyMap<string, ApiKey>;
  /** Only successes: a flood of made-up keys cannot fill it. Tokens are kept until they expire. */
  private readonly known = new LRUCache<string, Principal>({ max: REMEMBERED_CREDENTIALS });

  constructor(options: AccessOptions) {
    this.options = options;
    this.keysByHash = new Map(options.keys.map((k) => [k.sha256.toLowerCase(), k]));
  }

  /** The caller a key or token stands for; INVALID_CREDENTIAL (401) when it stands for nobody. */
  authenticate(credential: string, nowS: number): Principal {
    if (credential.startsWith(TOKEN_PREFIX)) {
      const secret = this.options.tokenSecret;
      if (!secret) throw invalid('this server accepts no signed tokens');
      const check = verifyToken(secret, credential, nowS);
      if (!check.ok) throw invalid(`the token is ${check.reason === 'expired' ? 'expired' : 'not valid'}`);
      if (check.claims.exp - nowS > this.options.maxTokenTtlS) throw invalid('the token expires later than access.maxTokenTtlS allows');
      return { name: `token:${check.claims.sub}`, grants: new Set(check.claims.grants), expiresS: check.claims.exp };
    }
    const key = this.keysByHash.get(sha256Hex(credential));
    if (!key) throw invalid('the API key is not known');
    return { name: `key:${key.name}`, grants: new Set(key.grants), expiresS: Infinity, limits: key.limits };
  }

  /** The caller a credential stands for, or undefined when it stands for nobody; remembered. */
  callerOf(credential: string, nowS: number): Principal | undefined {
    const known = this.known.get(credential);
    if (known && known.expiresS > nowS) return known;
    try {
      const principal = this.authenticate(credential, nowS);
      this.known.set(credential, principal);
      return principal;
    } catch {
      return undefined;
    }
  }

  isPublicTileset(id: string): boolean {
    return !this.options.isRestrictedTileset(id);
  }

  isPublicStyle(id: string): boolean {
    return !this.options.restrictedStyles.has(id) && this.options.tilesetsOfStyle(id).every((t) => this.isPublicTileset(t));
  }

  mayTileset(principal: Principal | undefined, id: string): boolean {
    return this.isPublicTileset(id) || granted(principal, id);
  }

  mayStyle(principal: Principal | undefined, id: string): boolean {
    return (!this.options.restrictedStyles.has(id) || granted(principal, id)) && this.options.tilesetsOfStyle(id).every((t) => this.mayTileset(principal, t));
  }
}

const granted = (principal: Principal | undefined, id: string): boolean => principal !== undefined && (principal.grants.has('*') || principal.grants.has(id));

const invalid = (why: string) => new EngineError('INVALID_CREDENTIAL', `${why}; send a valid key or token (Authorization: Bearer, X-Api-Key, ?key= or /k/{key}/…)`);

/**
 * One request's view of the policy. The caller is authenticated on first need: public
 * tiles never pay for it, and a bad key sent with a public request is ignored.
 */
export class RequestAccess {
  private readonly policy: AccessPolicy;
  private readonly credential: () => string | undefined;
  private principal: Principal | undefined | null = null;

  constructor(policy: AccessPolicy, credential: () => string | undefined) {
    this.policy = policy;
    this.credential = credential;
  }

  /** Who is asking, once authenticated ('anonymous' without a credential). */
  get callerName(): string {
    return this.principal?.name ?? 'anonymous';
  }

  /** Throws 401/403 unless the caller may read the tileset; returns whether it is public. */
  requireTileset(id: string): boolean {
    if (this.policy.isPublicTileset(id)) return true;
    this.demand(this.policy.mayTileset(this.caller(), id), 'tileset', id);
    return false;
  }

  /** Throws 401/403 unless the caller may read the style (and the tilesets it draws); returns whether it is public. */
  requireStyle(id: string): boolean {
    if (this.policy.isPublicStyle(id)) return true;
    this.demand(this.policy.mayStyle(this.caller(), id), 'style', id);
    return false;
  }

  /** For lists and capabilities: whether to show a tileset. */
  mayTileset(id: string): boolean {
    return this.policy.isPublicTileset(id) || this.policy.mayTileset(this.caller(), id);
  }

  mayStyle(id: string): boolean {
    return this.policy.isPublicStyle(id) || this.policy.mayStyle(this.caller(), id);
  }

  private caller(): Principal | undefined {
    if (this.principal === null) {
      const credential = this.credential();
      const nowS = Math.floor(Date.now() / 1000);
      // A credential found valid before is remembered; authenticate says why one is not.
      this.principal = credential === undefined ? undefined : (this.policy.callerOf(credential, nowS) ?? this.policy.authenticate(credential, nowS));
    }
    return this.principal;
  }

  private demand(allowed: boolean, kind: 'tileset' | 'style', id: string): void {
    if (allowed) return;
    if (this.principal === undefined) throw new EngineError('UNAUTHORIZED', `${kind} "${id}" is restricted; send an API key or token that grants it`);
    throw new EngineError('FORBIDDEN', `${this.principal!.name} is not granted ${kind} "${id}"`);
  }
}
