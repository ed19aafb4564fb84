/**
 * JSON Web Tokens (RFC 7519) as access credentials, through `jose`. Two kinds of issuer:
 * a portal sharing the HS256 secret (access.tokens.secret, env ACCESS_TOKEN_SECRET; the
 * `token` command mints these), and an OpenID Connect provider (Entra ID, Keycloak)
 * whose RS256/ES256 keys are fetched from its JWKS URL. The header's `alg` decides
 * which key is used, never the key's own kind: an HMAC token is checked only with the
 * secret, so a public RSA key can never serve as an HMAC secret (algorithm confusion).
 */
import { createRemoteJWKSet, decodeProtectedHeader, errors, jwtVerify, SignJWT, type JWTPayload, type JWTVerifyOptions } from 'jose';

/** Signature algorithms a configuration may accept; `none` is not one of them. */
export const HMAC_ALGORITHMS = ['HS256', 'HS384', 'HS512'] as const;
/** Public-key algorithms an OIDC provider's JWKS may sign with. */
export const KEY_ALGORITHMS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512'] as const;
/** A JWS `alg` access.tokens.algorithms may name. */
export type JwtAlgorithm = (typeof HMAC_ALGORITHMS)[number] | (typeof KEY_ALGORITHMS)[number];

/** Whether an `alg` is checked with the shared secret (else with the provider's public keys). */
export const isHmacAlgorithm = (alg: string): boolean => (HMAC_ALGORITHMS as readonly string[]).includes(alg);

/** What a verified token says about its bearer. */
export interface TokenClaims {
  /** Who the token was issued to (the subject claim); logged, never the token itself. */
  readonly sub: string;
  /** Tileset and style ids the token opens ('*' for all). */
  readonly grants: readonly string[];
  /** Expiry, seconds since the epoch. */
  readonly exp: number;
}

/** Why a token is refused; the message (safe to show the client) says it in words. */
export type TokenRefusal =
  | 'malformed'
  | 'algorithm not accepted'
  | 'bad signature'
  | 'unknown key id'
  | 'keys unavailable'
  | 'expired'
  | 'not yet valid'
  | 'no expiry'
  | 'expires too late'
  | 'wrong issuer'
  | 'wrong audience'
  | 'bad claims';

const REFUSALS: Record<TokenRefusal, string> = {
  malformed: 'the token is not a well-formed JWT',
  'algorithm not accepted': 'the token is signed with an algorithm this server does not accept (access.tokens.algorithms)',
  'bad signature': 'the token is not valid: its signature does not verify',
  'unknown key id': "the token is signed with a key (kid) the issuer's JWKS does not hold",
  'keys unavailable': "the token cannot be checked now: the issuer's keys (access.tokens.jwksUrl) could not be fetched",
  expired: 'the token is expired',
  'not yet valid': 'the token is not valid yet (nbf)',
  'no expiry': 'the token has no expiry (exp)',
  'expires too late': 'the token expires later than access.maxTokenTtlS allows',
  'wrong issuer': 'the token is from another issuer (access.tokens.issuer)',
  'wrong audience': 'the token is for another audience (access.tokens.audience)',
  'bad claims': 'the token lacks a subject, or its grants are not a list of strings',
};

/** A refused token, with a reason code for tests and logs. */
export class TokenError extends Error {
  override name = 'TokenError';
  readonly reason: TokenRefusal;

  constructor(reason: TokenRefusal, options?: { cause?: unknown }) {
    super(REFUSALS[reason], options);
    this.reason = reason;
  }
}

/** access.tokens with access.maxTokenTtlS: what a token must be to be accepted. */
export interface TokenVerifierOptions {
  /** HS256 shared secret (at least 32 characters). */
  readonly secret?: string | undefined;
  /** An OIDC provider's JWKS (its keys are fetched, cached and refetched by jose). */
  readonly jwksUrl?: string | undefined;
  readonly issuer?: string | undefined;
  readonly audience?: string | readonly string[] | undefined;
  /** Default: HS256 with a secret, RS256 and ES256 with a JWKS. */
  readonly algorithms?: readonly JwtAlgorithm[] | undefined;
  readonly clockToleranceS: number;
  /** Claim holding the grants: a name or a dotted path (`realm_access.roles`). */
  readonly grantsClaim: string;
  /** Claim naming the bearer in logs (`token:<sub>`). */
  readonly subjectClaim: string;
  /** Tokens whose exp lies further ahead than this are refused (access.maxTokenTtlS). */
  readonly maxTtlS: number;
}

// Fetching keys must not hold requests for long, nor hammer the provider when tokens name
// unknown key ids: jose refetches on an unknown kid at most once per cooldown.
const JWKS_TIMEOUT_MS = 5_000;
const JWKS_COOLDOWN_MS = 30_000;
/** Keys are refetched this often even when every kid is known, so a revoked key leaves. */
const JWKS_MAX_AGE_MS = 10 * 60_000;
/** More grants than this is not a grant list but an attempt to fill memory (they are remembered). */
const MAX_GRANTS = 1000;
const MAX_SUBJECT_CHARS = 256;

const JWT_SHAPE = /^[A-Za-z0-9_-]{2,}\.[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*$/;

/** Whether a credential is a JWT (three base64url parts, a JSON header with an alg) rather than an API key. */
export function looksLikeJwt(credential: string): boolean {
  if (!JWT_SHAPE.test(credential)) return false;
  try {
    return typeof decodeProtectedHeader(credential).alg === 'string';
  } catch {
    return false;
  }
}

/** Checks tokens against the configured secret and/or JWKS, issuer, audience and lifetime. */
export class TokenVerifier {
  private readonly options: TokenVerifierOptions;
  private readonly secret: Uint8Array | undefined;
  private readonly jwks: ReturnType<typeof createRemoteJWKSet> | undefined;
  private readonly hmacAlgorithms: string[];
  private readonly keyAlgorithms: string[];

  constructor(options: TokenVerifierOptions) {
    if (!options.secret && !options.jwksUrl) throw new Error('a token verifier needs a secret or a JWKS URL');
    this.options = options;
    this.secret = options.secret ? new TextEncoder().encode(options.secret) : undefined;
    this.jwks = options.jwksUrl
      ? createRemoteJWKSet(new URL(options.jwksUrl), { timeoutDuration: JWKS_TIMEOUT_MS, cooldownDuration: JWKS_COOLDOWN_MS, cacheMaxAge: JWKS_MAX_AGE_MS })
      : undefined;
    const algorithms = options.algorithms ?? [...(this.secret ? ['HS256' as const] : []), ...(this.jwks ? ['RS256' as const, 'ES256' as const] : [])];
    // An algorithm whose key is not configured is dropped here (the config schema refuses it).
    this.hmacAlgorithms = this.secret ? algorithms.filter(isHmacAlgorithm) : [];
    this.keyAlgorithms = this.jwks ? algorithms.filter((a) => !isHmacAlgorithm(a)) : [];
  }

  /** The claims of a valid token; throws TokenError saying why one is not. `nowS`: seconds since the epoch. */
  async verify(token: string, nowS: number): Promise<TokenClaims> {
    let alg: unknown;
    try {
      alg = decodeProtectedHeader(token).alg;
    } catch (error) {
      throw new TokenError('malformed', { cause: error });
    }
    if (typeof alg !== 'string') throw new TokenError('malformed');
    const hmac = isHmacAlgorithm(alg);
    const algorithms = hmac ? this.hmacAlgorithms : this.keyAlgorithms;
    if (!algorithms.includes(alg)) throw new TokenError('algorithm not accepted');
    const { issuer, audience, clockToleranceS } = this.options;
    const verifyOptions: JWTVerifyOptions = {
      algorithms,
      ...(issuer === undefined ? {} : { issuer }),
      ...(audience === undefined ? {} : { audience: typeof audience === 'string' ? audience : [...audience] }),
      clockTolerance: clockToleranceS,
      currentDate: new Date(nowS * 1000),
      requiredClaims: ['exp'],
    };
    let payload: JWTPayload;
    try {
      payload = hmac ? (await jwtVerify(token, this.secret!, verifyOptions)).payload : (await jwtVerify(token, this.jwks!, verifyOptions)).payload;
    } catch (error) {
      throw refusalOf(error, !hmac);
    }
    const exp = payload.exp!;
    // The tolerance allows for an issuer whose clock runs ahead of ours.
    if (exp - nowS > this.options.maxTtlS + clockToleranceS) throw new TokenError('expires too late');
    const sub = claimAt(payload, this.options.subjectClaim);
    const grants = grantsOf(claimAt(payload, this.options.grantsClaim));
    if (typeof sub !== 'string' || sub.length === 0 || sub.length > MAX_SUBJECT_CHARS || grants === undefined) throw new TokenError('bad claims');
    return { sub, grants, exp };
  }
}

/** Maps what jose throws to a refusal; `viaJwks`: the key came from the remote key set. */
function refusalOf(error: unknown, viaJwks: boolean): TokenError {
  const because = (reason: TokenRefusal) => new TokenError(reason, { cause: error });
  if (error instanceof errors.JWTExpired) return because('expired');
  if (error instanceof errors.JWTClaimValidationFailed) {
    if (error.claim === 'iss') return because('wrong issuer');
    if (error.claim === 'aud') return because('wrong audience');
    if (error.claim === 'nbf') return because('not yet valid');
    if (error.claim === 'exp') return because('no expiry');
    return because('bad claims');
  }
  if (error instanceof errors.JOSEAlgNotAllowed) return because('algorithm not accepted');
  if (error instanceof errors.JWSSignatureVerificationFailed || error instanceof errors.JWKSMultipleMatchingKeys) return because('bad signature');
  if (error instanceof errors.JWKSNoMatchingKey) return because('unknown key id');
  if (error instanceof errors.JWSInvalid || error instanceof errors.JWTInvalid || error instanceof errors.JOSENotSupported) return because('malformed');
  // Left: the key set's fetch failed (timeout, not 200, not JSON, not a key set, no network).
  return because(viaJwks ? 'keys unavailable' : 'malformed');
}

/**
 * The value at a claim name, or else at a dotted path into nested objects
 * (`realm_access.roles`); a name with dots of its own (`https://example.org/roles`) is
 * tried whole first.
 */
export function claimAt(payload: Readonly<Record<string, unknown>>, path: string): unknown {
  if (Object.hasOwn(payload, path)) return payload[path];
  let value: unknown = payload;
  for (const part of path.split('.')) {
    if (typeof value !== 'object' || value === null || Array.isArray(value) || !Object.hasOwn(value, part)) return undefined;
    value = (value as Record<string, unknown>)[part];
  }
  return value;
}

/** Grants from a list of strings or a space-separated string (like `scope`); none when absent, undefined when malformed. */
function grantsOf(claim: unknown): readonly string[] | undefined {
  if (claim === undefined) return [];
  const grants = typeof claim === 'string' ? claim.split(' ').filter((g) => g.length > 0) : claim;
  if (!Array.isArray(grants) || grants.length > MAX_GRANTS || !grants.every((g) => typeof g === 'string')) return undefined;
  return grants as string[];
}

/** What the `token` command (or a portal's test) puts in a token. */
export interface TokenToSign {
  readonly sub: string;
  readonly grants: readonly string[];
  /** Lifetime from now, or an absolute expiry (seconds since the epoch). */
  readonly expiresInS?: number;
  readonly exp?: number;
  readonly issuer?: string | undefined;
  readonly audience?: string | readonly string[] | undefined;
  /** Where the verifier reads the grants (access.tokens.grantsClaim); default `grants`. */
  readonly grantsClaim?: string | undefined;
  /** Where the verifier reads the subject (access.tokens.subjectClaim); default `sub`. */
  readonly subjectClaim?: string | undefined;
}

/** An HS256 JWT for the bearer, signed with the shared secret. */
export async function signToken(secret: string, claims: TokenToSign): Promise<string> {
  const exp = claims.exp ?? Math.floor(Date.now() / 1000) + (claims.expiresInS ?? 3600);
  const payload: Record<string, unknown> = {};
  setClaim(payload, claims.grantsClaim ?? 'grants', [...claims.grants]);
  if ((claims.subjectClaim ?? 'sub') !== 'sub') setClaim(payload, claims.subjectClaim!, claims.sub);
  const jwt = new SignJWT(payload).setProtectedHeader({ alg: 'HS256', typ: 'JWT' }).setSubject(claims.sub).setExpirationTime(exp);
  // Issued now only when the lifetime counts from now: an explicit exp may lie in any past.
  if (claims.exp === undefined) jwt.setIssuedAt();
  if (claims.issuer !== undefined) jwt.setIssuer(claims.issuer);
  if (claims.audience !== undefined) jwt.setAudience(typeof claims.audience === 'string' ? claims.audience : [...claims.audience]);
  return jwt.sign(new TextEncoder().encode(secret));
}

/** Sets a claim at a dotted path, making the objects on the way. */
function setClaim(payload: Record<string, unknown>, path: string, value: unknown): void {
  const parts = path.split('.');
  let at = payload;
  for (const part of parts.slice(0, -1)) {
    // Own properties only: `constructor` must name a claim, not reach Object.
    if (!Object.hasOwn(at, part)) at[part] = {};
    at = at[part] as Record<string, unknown>;
  }
  at[parts.at(-1)!] = value;
}
