/**
 * Who may read what. Tilesets and styles are public unless restricted: on their own
 * (tilesets[].access, access.restrictedStyles; opened by a grant of their id) or by the
 * data they read (access.restrictedData; opened by one of its grants). A style drawing a
 * restricted tileset is as restricted as the tileset: its raster tiles, prints and WMS maps
 * show that tileset's data. A caller who may not read something is told it does not exist.
 */
import { createHash } from 'node:crypto';
import { LRUCache } from 'lru-cache';
import { EngineError } from '../errors.ts';
import { grantsOpen, isPublicAccess, type TilesetAccess } from './data-restrictions.ts';
import { unknownStyle, unknownTileset } from './unknown-ids.ts';
import type { ClientLimitOptions } from './client-limits.ts';
import { looksLikeJwt, TokenError, type TokenVerifier } from './jwt-tokens.ts';

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
  /** Checks JWTs (access.tokens, access.maxTokenTtlS); without it every token is refused. */
  readonly tokens?: Pick<TokenVerifier, 'verify'> | undefined;
  readonly restrictedStyles: ReadonlySet<string>;
  /** What reading a tileset takes (its own restriction and its data's); undefined for an unknown id. */
  readonly accessOfTileset: (tilesetId: string) => TilesetAccess | undefined;
  readonly tilesetsOfStyle: (styleId: string) => readonly string[];
  /** Every tileset and style id, in the order lists show them. */
  readonly tilesetIds: () => readonly string[];
  readonly styleIds: () => readonly string[];
}

export const sha256Hex = (text: string): string => createHash('sha256').update(text).digest('hex');

/** Credentials remembered after a successful check, so hot restricted tiles skip hashing and signature checks. */
const REMEMBERED_CREDENTIALS = 10_000;

export class AccessPolicy {
  private readonly options: AccessOptions;
  private readonly keysByHash: ReadonlyMap<string, ApiKey>;
  /** Only successes: a flood of made-up keys cannot fill it. Tokens are kept until they expire. */
  private readonly known = new LRUCache<string, Principal>({ max: REMEMBERED_CREDENTIALS });
  /** Checks under way, shared by the requests that bring one new credential at once (bounded by requests in flight). */
  private readonly pending = new Map<string, Promise<Principal>>();

  constructor(options: AccessOptions) {
    this.options = options;
    this.keysByHash = new Map(options.keys.map((k) => [k.sha256.toLowerCase(), k]));
  }

  /** The caller a credential found valid before stands for (undefined: not remembered, or expired); synchronous, for the fast path. */
  remembered(credential: string, nowS: number): Principal | undefined {
    const known = this.known.get(credential);
    if (known === undefined) return undefined;
    if (known.expiresS > nowS) return known;
    this.known.delete(credential);
    return undefined;
  }

  /** The caller a key or token stands for, remembered once valid; rejects with INVALID_CREDENTIAL (401) when it stands for nobody. */
  authenticate(credential: string, nowS: number): Promise<Principal> {
    const known = this.remembered(credential, nowS);
    if (known) return Promise.resolve(known);
    // The first requests with a new token share one check (and any fetch of the issuer's keys).
    let pending = this.pending.get(credential);
    if (pending === undefined) {
      pending = this.check(credential, nowS).finally(() => this.pending.delete(credential));
      this.pending.set(credential, pending);
    }
    return pending;
  }

  /** The caller a credential stands for, or undefined when it stands for nobody. */
  callerOf(credential: string, nowS: number): Promise<Principal | undefined> {
    return this.authenticate(credential, nowS).catch(() => undefined);
  }

  private async check(credential: string, nowS: number): Promise<Principal> {
    const principal = looksLikeJwt(credential) ? await this.checkToken(credential, nowS) : this.checkKey(credential);
    // Only successes: a flood of made-up credentials cannot fill it.
    this.known.set(credential, principal);
    return principal;
  }

  private async checkToken(token: string, nowS: number): Promise<Principal> {
    if (!this.options.tokens) throw invalid('this server accepts no tokens');
    try {
      const claims = await this.options.tokens.verify(token, nowS);
      return { name: `token:${claims.sub}`, grants: new Set(claims.grants), expiresS: claims.exp };
    } catch (error) {
      if (error instanceof TokenError && error.reason === 'keys unavailable') throw new EngineError('TOKEN_KEYS_UNAVAILABLE', error.message, { retryAfterS: 30 });
      throw error instanceof TokenError ? invalid(error.message) : error;
    }
  }

  private checkKey(credential: string): Principal {
    const key = this.keysByHash.get(sha256Hex(credential));
    if (!key) throw invalid('the API key is not known');
    return { name: `key:${key.name}`, grants: new Set(key.grants), expiresS: Infinity, limits: key.limits };
  }

  /** Unknown ids count as public: the pipeline answers them as unknown, as it answers restricted ones. */
  isPublicTileset(id: string): boolean {
    const access = this.options.accessOfTileset(id);
    return access === undefined || isPublicAccess(access);
  }

  isPublicStyle(id: string): boolean {
    return !this.options.restrictedStyles.has(id) && this.options.tilesetsOfStyle(id).every((t) => this.isPublicTileset(t));
  }

  mayTileset(principal: Principal | undefined, id: string): boolean {
    const access = this.options.accessOfTileset(id);
    return access === undefined || isPublicAccess(access) || (principal !== undefined && grantsOpen(principal.grants, access));
  }

  /** Ids a list or an error may name to anyone: the public ones. */
  publicTilesetIds(): string[] {
    return this.options.tilesetIds().filter((id) => this.isPublicTileset(id));
  }

  publicStyleIds(): string[] {
    return this.options.styleIds().filter((id) => this.isPublicStyle(id));
  }

  mayStyle(principal: Principal | undefined, id: string): boolean {
    return (!this.options.restrictedStyles.has(id) || granted(principal, id)) && this.options.tilesetsOfStyle(id).every((t) => this.mayTileset(principal, t));
  }
}

const granted = (principal: Principal | undefined, id: string): boolean => principal !== undefined && (principal.grants.has('*') || principal.grants.has(id));

const invalid = (why: string) => new EngineError('INVALID_CREDENTIAL', `${why}; send a valid key or token (Authorization: Bearer, X-Api-Key, ?key= or /k/{key}/…)`);

/**
 * A request's credential once checked: who it stands for, why it stands for nobody (the
 * INVALID_CREDENTIAL error), or undefined when the request brought none.
 */
export type SettledCaller = Principal | EngineError | undefined;

/**
 * One request's view of the policy, over its caller settled before the route ran. A bad
 * credential sent with a public request is ignored: its error is thrown only when a
 * restricted id needs the caller.
 */
export class RequestAccess {
  private readonly policy: AccessPolicy;
  private readonly settled: SettledCaller;
  private readonly onCallerRead: (() => void) | undefined;

  /** onCallerRead: told when the answer starts to depend on who is asking (the server makes it private). */
  constructor(policy: AccessPolicy, settled: SettledCaller, onCallerRead?: () => void) {
    this.policy = policy;
    this.settled = settled;
    this.onCallerRead = onCallerRead;
  }

  /** Throws unless the caller holds the grant (or '*'): for operations routes, no secret but not for everyone. */
  requireGrant(grant: string): void {
    const caller = this.caller();
    if (caller === undefined) throw new EngineError('UNAUTHORIZED', `this route needs an API key or token granting "${grant}"`);
    if (!caller.grants.has('*') && !caller.grants.has(grant)) throw new EngineError('FORBIDDEN', `${caller.name} is not granted "${grant}"`);
  }

  /** Who is asking ('anonymous' without a valid credential). */
  get callerName(): string {
    return this.settled instanceof EngineError ? 'anonymous' : (this.settled?.name ?? 'anonymous');
  }

  /**
   * Returns whether the tileset is public; unless the caller may read it, throws what an
   * unknown id gets (401 only for a credential that is not valid).
   */
  requireTileset(id: string): boolean {
    if (this.policy.isPublicTileset(id)) return true;
    if (!this.policy.mayTileset(this.caller(), id)) throw unknownTileset(id, this.policy.publicTilesetIds());
    return false;
  }

  /**
   * The same for a style (and the tilesets it draws); `asked` is the name the request
   * used (a tileset's, for its default style), the only name an error may repeat.
   */
  requireStyle(id: string, asked = id): boolean {
    if (this.policy.isPublicStyle(id)) return true;
    if (!this.policy.mayStyle(this.caller(), id)) throw unknownStyle(asked, this.policy.publicStyleIds());
    return false;
  }

  /** For lists and capabilities: whether to show a tileset. */
  mayTileset(id: string): boolean {
    return this.policy.isPublicTileset(id) || this.policy.mayTileset(this.caller(), id);
  }

  mayStyle(id: string): boolean {
    return this.policy.isPublicStyle(id) || this.policy.mayStyle(this.caller(), id);
  }

  /**
   * Whether a style is one the caller may name, for checking a request against the styles
   * there are: unlike mayStyle it leaves the answer shareable, as the answer depends only on
   * the style asked for, and requireStyle on that one makes it private if it is restricted.
   */
  maySeeStyle(id: string): boolean {
    if (this.policy.isPublicStyle(id)) return true;
    if (this.settled instanceof EngineError) throw this.settled;
    return this.policy.mayStyle(this.settled, id);
  }

  isPublicTileset(id: string): boolean {
    return this.policy.isPublicTileset(id);
  }

  /** Ids an error may name to anyone. */
  publicTilesetIds(): string[] {
    return this.policy.publicTilesetIds();
  }

  publicStyleIds(): string[] {
    return this.policy.publicStyleIds();
  }

  /** The caller, or the INVALID_CREDENTIAL error of a credential that stands for nobody. */
  private caller(): Principal | undefined {
    this.onCallerRead?.();
    if (this.settled instanceof EngineError) throw this.settled;
    return this.settled;
  }
}
