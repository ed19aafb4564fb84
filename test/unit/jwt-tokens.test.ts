import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, exportSPKI, generateKeyPair, SignJWT, UnsecuredJWT, type CryptoKey, type JWTPayload } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { claimAt, looksLikeJwt, signToken, TokenError, TokenVerifier, type TokenRefusal, type TokenVerifierOptions } from '../../src/access/jwt-tokens.ts';
import { parseConfig } from '../../src/config/load-config.ts';

const SECRET = 'a-shared-secret-of-at-least-32-characters';
const ISSUER = 'https://login.example.org/tenant-a/v2.0';
const AUDIENCE = 'api://sodertorn-tiles';
/** Every check runs at this instant (seconds since the epoch), never the wall clock. */
const NOW_S = 1_750_000_000;
const DEFAULTS = { clockToleranceS: 30, grantsClaim: 'grants', subjectClaim: 'sub', maxTtlS: 3600 } as const;

/** A JWKS endpoint on port 0 serving the test's RSA and EC public keys. */
let jwksServer: Server;
let jwksUrl: string;
let jwksFetches = 0;
let rsa: { privateKey: CryptoKey; publicKey: CryptoKey };
let ec: { privateKey: CryptoKey; publicKey: CryptoKey };

beforeAll(async () => {
  rsa = await generateKeyPair('RS256', { extractable: true });
  ec = await generateKeyPair('ES256', { extractable: true });
  const keys = [
    { ...(await exportJWK(rsa.publicKey)), kid: 'rsa-1', alg: 'RS256', use: 'sig' },
    { ...(await exportJWK(ec.publicKey)), kid: 'ec-1', alg: 'ES256', use: 'sig' },
  ];
  const body = JSON.stringify({ keys });
  jwksServer = createServer((_req, res) => {
    jwksFetches++;
    res.writeHead(200, { 'Content-Type': 'application/json' }).end(body);
  });
  await new Promise<void>((resolve) => jwksServer.listen(0, '127.0.0.1', resolve));
  jwksUrl = `http://127.0.0.1:${(jwksServer.address() as AddressInfo).port}/keys`;
});
afterAll(() => new Promise<void>((resolve) => jwksServer.close(() => resolve())));

const oidc = (extra: Partial<TokenVerifierOptions> = {}) => new TokenVerifier({ ...DEFAULTS, jwksUrl, issuer: ISSUER, audience: AUDIENCE, grantsClaim: 'roles', ...extra });
const portal = (extra: Partial<TokenVerifierOptions> = {}) => new TokenVerifier({ ...DEFAULTS, secret: SECRET, ...extra });

/** A token as an OIDC provider signs it: RS256 with kid rsa-1 unless told otherwise. */
function providerToken(claims: JWTPayload, header: { alg?: string; kid?: string } = {}, key: CryptoKey | Uint8Array = rsa.privateKey): Promise<string> {
  return new SignJWT({ iss: ISSUER, aud: AUDIENCE, sub: 'user-1', roles: ['fastighetsregister'], iat: NOW_S, exp: NOW_S + 600, ...claims })
    .setProtectedHeader({ alg: header.alg ?? 'RS256', kid: header.kid ?? 'rsa-1', typ: 'JWT' })
    .sign(key);
}

/** The refusal a verification ends in, or 'accepted'. */
async function outcome(verifier: TokenVerifier, token: string, nowS = NOW_S): Promise<TokenRefusal | 'accepted'> {
  try {
    await verifier.verify(token, nowS);
    return 'accepted';
  } catch (error) {
    if (error instanceof TokenError) return error.reason;
    throw error;
  }
}

describe('HS256 tokens of the shared secret', () => {
  it('verify what signToken made, with its subject, grants and expiry', async () => {
    const token = await signToken(SECRET, { sub: 'anna', grants: ['fastighetsregister', 'gra'], exp: NOW_S + 600 });
    expect(looksLikeJwt(token)).toBe(true);
    expect(await portal().verify(token, NOW_S)).toEqual({ sub: 'anna', grants: ['fastighetsregister', 'gra'], exp: NOW_S + 600 });
  });

  it('refuse another secret, a changed token and junk', async () => {
    const token = await signToken(SECRET, { sub: 'anna', grants: ['*'], exp: NOW_S + 600 });
    expect(await outcome(portal({ secret: 'another-secret-of-at-least-32-characters' }), token)).toBe('bad signature');
    const [header, payload, signature] = token.split('.');
    const widened = Buffer.from(JSON.stringify({ sub: 'anna', grants: ['*', 'more'], exp: NOW_S + 600 })).toString('base64url');
    expect(await outcome(portal(), `${header}.${widened}.${signature}`)).toBe('bad signature');
    expect(await outcome(portal(), `${header}.${payload}.${signature}x`)).toBe('bad signature');
    expect(await outcome(portal(), `${header}.!!.${signature}`)).toBe('bad signature');
    expect(await outcome(portal(), 'junk')).toBe('malformed');
    expect(await outcome(portal(), `${Buffer.from('{"alg":').toString('base64url')}.${payload}.${signature}`)).toBe('malformed');
  });

  it('carry issuer and audience, and are refused without them when they are required', async () => {
    const verifier = portal({ issuer: ISSUER, audience: [AUDIENCE, 'other'] });
    const bare = await signToken(SECRET, { sub: 'a', grants: [], exp: NOW_S + 60 });
    const full = await signToken(SECRET, { sub: 'a', grants: [], exp: NOW_S + 60, issuer: ISSUER, audience: AUDIENCE });
    expect(await outcome(verifier, full)).toBe('accepted');
    expect(await outcome(verifier, bare)).toBe('wrong issuer');
  });

  it('put grants and subject where the configuration reads them', async () => {
    const token = await signToken(SECRET, { sub: 'anna', grants: ['gra'], exp: NOW_S + 60, grantsClaim: 'realm_access.roles', subjectClaim: 'preferred_username' });
    const claims = await portal({ grantsClaim: 'realm_access.roles', subjectClaim: 'preferred_username' }).verify(token, NOW_S);
    expect(claims).toMatchObject({ sub: 'anna', grants: ['gra'] });
  });
});

describe('tokens of an OIDC provider, keys from its JWKS', () => {
  it('accept RS256 and ES256 tokens signed with a key the JWKS holds', async () => {
    expect(await oidc().verify(await providerToken({}), NOW_S)).toEqual({ sub: 'user-1', grants: ['fastighetsregister'], exp: NOW_S + 600 });
    expect(await outcome(oidc(), await providerToken({}, { alg: 'ES256', kid: 'ec-1' }, ec.privateKey))).toBe('accepted');
    expect(jwksFetches).toBeGreaterThan(0);
  });

  it('refuse a token for another audience or from another issuer (another tenant of the provider)', async () => {
    expect(await outcome(oidc(), await providerToken({ aud: 'api://someone-else' }))).toBe('wrong audience');
    expect(await outcome(oidc(), await providerToken({ iss: 'https://login.example.org/tenant-b/v2.0' }))).toBe('wrong issuer');
  });

  it('refuse a key id the JWKS does not hold', async () => {
    expect(await outcome(oidc(), await providerToken({}, { kid: 'rsa-2' }))).toBe('unknown key id');
  });

  it('say the keys are unavailable when the JWKS cannot be fetched', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(closed.address() as AddressInfo).port}/keys`;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    expect(await outcome(oidc({ jwksUrl: url }), await providerToken({}))).toBe('keys unavailable');
  });
});

describe('refused whatever the key', () => {
  it('expired beyond the clock tolerance; expired within it is still accepted', async () => {
    const token = await providerToken({ exp: NOW_S - 10 });
    expect(await outcome(oidc(), token)).toBe('accepted');
    expect(await outcome(oidc(), token, NOW_S + 25)).toBe('expired');
    expect(await outcome(oidc({ clockToleranceS: 0 }), token)).toBe('expired');
    const portalToken = await signToken(SECRET, { sub: 's', grants: [], exp: NOW_S });
    expect(await outcome(portal(), portalToken, NOW_S + 29)).toBe('accepted');
    expect(await outcome(portal(), portalToken, NOW_S + 30)).toBe('expired');
  });

  it('not valid yet (nbf beyond the tolerance)', async () => {
    expect(await outcome(oidc(), await providerToken({ nbf: NOW_S + 120 }))).toBe('not yet valid');
  });

  it('without an expiry, or expiring later than access.maxTokenTtlS (and the tolerance) allows', async () => {
    expect(await outcome(oidc(), await providerToken({ exp: undefined }))).toBe('no expiry');
    expect(await outcome(oidc(), await providerToken({ exp: NOW_S + 3600 + 30 }))).toBe('accepted');
    expect(await outcome(oidc(), await providerToken({ exp: NOW_S + 3600 + 31 }))).toBe('expires too late');
    expect(await outcome(portal(), await signToken(SECRET, { sub: 's', grants: [], exp: NOW_S + 7200 }))).toBe('expires too late');
  });

  it('alg none, signed by nobody', async () => {
    const unsigned = new UnsecuredJWT({ iss: ISSUER, aud: AUDIENCE, sub: 'mallory', roles: ['*'], exp: NOW_S + 60 }).encode();
    expect(looksLikeJwt(unsigned)).toBe(true);
    expect(await outcome(oidc(), unsigned)).toBe('algorithm not accepted');
    expect(await outcome(portal(), unsigned)).toBe('algorithm not accepted');
  });

  it('HS256 signed with the RSA public key as the secret (algorithm confusion)', async () => {
    const publicPem = await exportSPKI(rsa.publicKey);
    const forged = await providerToken({ roles: ['*'] }, { alg: 'HS256', kid: 'rsa-1' }, new TextEncoder().encode(publicPem));
    expect(await outcome(oidc(), forged)).toBe('algorithm not accepted');
    // With a shared secret as well, an HMAC token is checked against that secret only.
    expect(await outcome(oidc({ secret: SECRET, algorithms: ['HS256', 'RS256'] }), forged)).toBe('bad signature');
    // And an algorithm the configuration leaves out is refused though its key would verify.
    expect(await outcome(oidc({ algorithms: ['ES256'] }), await providerToken({}))).toBe('algorithm not accepted');
  });

  it('claims that are not a subject and a list of grants', async () => {
    expect(await outcome(oidc(), await providerToken({ sub: undefined }))).toBe('bad claims');
    expect(await outcome(oidc(), await providerToken({ roles: { admin: true } }))).toBe('bad claims');
    expect(await outcome(oidc(), await providerToken({ roles: [1, 2] }))).toBe('bad claims');
  });
});

describe('grants', () => {
  it('are read from a nested claim (Keycloak realm_access.roles) and a space-separated string (scope)', async () => {
    const keycloak = await providerToken({ realm_access: { roles: ['fastighetsregister', 'gra'] } });
    expect((await oidc({ grantsClaim: 'realm_access.roles' }).verify(keycloak, NOW_S)).grants).toEqual(['fastighetsregister', 'gra']);
    const scoped = await providerToken({ scope: 'fastighetsregister  gra ' });
    expect((await oidc({ grantsClaim: 'scope' }).verify(scoped, NOW_S)).grants).toEqual(['fastighetsregister', 'gra']);
    // None when the claim is absent: the caller is known, and granted nothing.
    expect((await oidc({ grantsClaim: 'groups' }).verify(scoped, NOW_S)).grants).toEqual([]);
  });

  it('paths take a claim named with dots whole first, and only own properties', () => {
    expect(claimAt({ 'https://example.org/roles': ['a'] }, 'https://example.org/roles')).toEqual(['a']);
    expect(claimAt({ a: { b: { c: 'x' } } }, 'a.b.c')).toBe('x');
    expect(claimAt({ a: ['x'] }, 'a.0')).toBeUndefined();
    expect(claimAt({}, 'constructor.name')).toBeUndefined();
  });
});

describe('credentials', () => {
  it('look like a JWT only with three base64url parts and a header naming an alg', async () => {
    expect(looksLikeJwt(await signToken(SECRET, { sub: 'a', grants: [], expiresInS: 60 }))).toBe(true);
    expect(looksLikeJwt('property-key-0123456789abcdef')).toBe(false);
    expect(looksLikeJwt('a.b.c')).toBe(false);
    expect(looksLikeJwt(`${Buffer.from('{"typ":"JWT"}').toString('base64url')}.e30.`)).toBe(false);
    expect(looksLikeJwt(`${Buffer.from('{"alg":"HS256"}').toString('base64url')}.e30.sig`)).toBe(true);
  });
});

describe('access.tokens configuration', () => {
  const problems = (tokens: unknown): string => {
    try {
      parseConfig({ access: { tokens } });
      return '';
    } catch (error) {
      return (error as Error).message;
    }
  };

  it('requires issuer and audience with a jwksUrl', () => {
    expect(problems({ jwksUrl: 'https://idp.example.org/keys' })).toMatch(/access\.tokens\.issuer: is required[\s\S]*access\.tokens\.audience: is required/);
    expect(problems({ jwksUrl: 'https://idp.example.org/keys', issuer: ISSUER, audience: [AUDIENCE] })).toBe('');
  });

  it('accepts no none algorithm, and no algorithm without its key', () => {
    expect(problems({ secret: SECRET, algorithms: ['none'] })).toMatch(/access\.tokens\.algorithms\[0\]/);
    expect(problems({ algorithms: ['HS256'] })).toMatch(/HS256 needs access\.tokens\.secret/);
    expect(problems({ secret: SECRET, algorithms: ['RS256'] })).toMatch(/RS256 needs access\.tokens\.jwksUrl/);
  });

  it('bounds the clock tolerance and checks the claim paths', () => {
    expect(problems({ clockToleranceS: 301 })).toMatch(/access\.tokens\.clockToleranceS/);
    expect(problems({ grantsClaim: 'realm_access..roles' })).toMatch(/access\.tokens\.grantsClaim/);
    expect(problems({ secret: 'short' })).toMatch(/access\.tokens\.secret: must be at least 32/);
    expect(parseConfig({}).access.tokens).toEqual({ clockToleranceS: 30, grantsClaim: 'grants', subjectClaim: 'sub' });
  });
});
