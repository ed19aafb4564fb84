/**
 * Signed access tokens: `st1.<claims>.<signature>`, the claims base64url JSON
 * ({ sub, grants, exp }), the signature HMAC-SHA256 of "st1.<claims>" with the
 * operator's secret (access.tokenSecret / ACCESS_TOKEN_SECRET). A portal that knows
 * the secret mints short-lived tokens for its users; the engine needs no token store.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

export const TOKEN_PREFIX = 'st1.';

export interface TokenClaims {
  /** Who the token was issued to; logged, never the token itself. */
  readonly sub: string;
  /** Tileset and style ids the token opens ('*' for all). */
  readonly grants: readonly string[];
  /** Expiry, seconds since the epoch. */
  readonly exp: number;
}

const signatureOf = (secret: string, signed: string): Buffer => createHmac('sha256', secret).update(signed).digest();

export function signToken(secret: string, claims: TokenClaims): string {
  const body = `${TOKEN_PREFIX}${Buffer.from(JSON.stringify(claims)).toString('base64url')}`;
  return `${body}.${signatureOf(secret, body).toString('base64url')}`;
}

export type TokenCheck = { ok: true; claims: TokenClaims } | { ok: false; reason: 'malformed' | 'bad signature' | 'expired' };

/** Verifies a token's signature and expiry; `nowS` in seconds since the epoch. */
export function verifyToken(secret: string, token: string, nowS: number): TokenCheck {
  const dot = token.lastIndexOf('.');
  if (!token.startsWith(TOKEN_PREFIX) || dot <= TOKEN_PREFIX.length) return { ok: false, reason: 'malformed' };
  // Compared as text: base64 decoding is lenient, and a token must have exactly one spelling.
  const given = Buffer.from(token.slice(dot + 1));
  const expected = Buffer.from(signatureOf(secret, token.slice(0, dot)).toString('base64url'));
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return { ok: false, reason: 'bad signature' };
  let claims: unknown;
  try {
    claims = JSON.parse(Buffer.from(token.slice(TOKEN_PREFIX.length, dot), 'base64url').toString('utf8'));
  } catch {
    return { ok: false, reason: 'malformed' };
  }
  if (!isClaims(claims)) return { ok: false, reason: 'malformed' };
  if (claims.exp <= nowS) return { ok: false, reason: 'expired' };
  return { ok: true, claims };
}

function isClaims(value: unknown): value is TokenClaims {
  const c = value as Partial<TokenClaims> | null;
  return (
    typeof c === 'object' && c !== null &&
    typeof c.sub === 'string' && c.sub.length <= 200 &&
    Array.isArray(c.grants) && c.grants.length <= 1000 && c.grants.every((g) => typeof g === 'string') &&
    typeof c.exp === 'number' && Number.isFinite(c.exp)
  );
}
