import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AccessPolicy, RequestAccess, sha256Hex } from '../../src/access/access-policy.ts';
import { ClientLimits } from '../../src/access/client-limits.ts';
import { redactUrl, splitKeyPrefix } from '../../src/access/credentials.ts';
import { signToken, verifyToken } from '../../src/access/tokens.ts';
import { EngineError } from '../../src/errors.ts';

const SECRET = 'x'.repeat(40);

describe('signed tokens', () => {
  it('verify what was signed, until it expires', () => {
    const token = signToken(SECRET, { sub: 'anna', grants: ['fastighetsregister'], exp: 1000 });
    expect(verifyToken(SECRET, token, 999)).toEqual({ ok: true, claims: { sub: 'anna', grants: ['fastighetsregister'], exp: 1000 } });
    expect(verifyToken(SECRET, token, 1000)).toEqual({ ok: false, reason: 'expired' });
    expect(verifyToken('y'.repeat(40), token, 0)).toEqual({ ok: false, reason: 'bad signature' });
  });

  it('refuse any change to a token, never throwing', () => {
    const token = signToken(SECRET, { sub: 'anna', grants: ['*'], exp: 2000 });
    fc.assert(
      fc.property(fc.nat(token.length - 1), fc.string({ minLength: 1, maxLength: 3 }), (at, insert) => {
        const changed = token.slice(0, at) + insert + token.slice(at + 1);
        fc.pre(changed !== token);
        expect(verifyToken(SECRET, changed, 0).ok).toBe(false);
      }),
    );
    fc.assert(fc.property(fc.string({ maxLength: 300 }), (junk) => verifyToken(SECRET, junk, 0).ok === false));
  });
});

describe('access policy', () => {
  const policy = new AccessPolicy({
    keys: [{ name: 'planning', sha256: sha256Hex('k1'), grants: ['fastighet'] }],
    tokenSecret: SECRET,
    maxTokenTtlS: 3600,
    restrictedStyles: new Set(['gra']),
    isRestrictedTileset: (id) => id === 'fastighet',
    tilesetsOfStyle: (id) => (id === 'agare' ? ['sodertorn', 'fastighet'] : ['sodertorn']),
  });
  const access = (credential?: string) => new RequestAccess(policy, () => credential);
  const codeOf = (fn: () => unknown) => {
    try {
      fn();
      return 'allowed';
    } catch (error) {
      return (error as EngineError).code;
    }
  };

  it('opens public data to all, without authenticating anyone', () => {
    expect(access('garbage').requireTileset('sodertorn')).toBe(true);
    expect(access('garbage').requireStyle('grundkarta')).toBe(true);
  });

  it('makes a style drawing a restricted tileset as restricted as the tileset', () => {
    expect(policy.isPublicStyle('agare')).toBe(false);
    expect(codeOf(() => access().requireStyle('agare'))).toBe('UNAUTHORIZED');
    expect(codeOf(() => access('k1').requireStyle('agare'))).toBe('allowed');
    expect(codeOf(() => access('k1').requireStyle('gra'))).toBe('FORBIDDEN');
  });

  it('says 401 for no or a bad credential, 403 for a good one without the grant', () => {
    expect(codeOf(() => access().requireTileset('fastighet'))).toBe('UNAUTHORIZED');
    expect(codeOf(() => access('k2').requireTileset('fastighet'))).toBe('INVALID_CREDENTIAL');
    expect(codeOf(() => access('k1').requireTileset('fastighet'))).toBe('allowed');
    const now = Math.floor(Date.now() / 1000);
    expect(codeOf(() => access(signToken(SECRET, { sub: 's', grants: ['gra'], exp: now + 60 })).requireTileset('fastighet'))).toBe('FORBIDDEN');
    expect(codeOf(() => access(signToken(SECRET, { sub: 's', grants: ['*'], exp: now + 60 })).requireTileset('fastighet'))).toBe('allowed');
    expect(codeOf(() => access(signToken(SECRET, { sub: 's', grants: ['*'], exp: now + 7200 })).requireTileset('fastighet'))).toBe('INVALID_CREDENTIAL');
  });
});

describe('credentials in URLs', () => {
  it('split a /k/{key}/ prefix off the path', () => {
    expect(splitKeyPrefix('/k/abc%2F1/tiles/x.json')).toEqual({ key: 'abc/1', path: '/tiles/x.json' });
    expect(splitKeyPrefix('/k/abc')).toEqual({ key: undefined, path: '/k/abc' });
    expect(splitKeyPrefix('/tiles/k/abc/x')).toEqual({ key: undefined, path: '/tiles/k/abc/x' });
  });

  it('are blanked in what is logged', () => {
    expect(redactUrl('/k/secret/wms?SERVICE=WMS')).toBe('/k/[redacted]/wms?SERVICE=WMS');
    expect(redactUrl('/tiles/a.json?x=1&key=secret&token=t2')).toBe('/tiles/a.json?x=1&key=[redacted]&token=[redacted]');
  });
});

describe('client limits', () => {
  it('bound requests in flight per client and give slots back', () => {
    const limits = new ClientLimits({ maxConcurrent: 2, requestsPerS: 0, burst: 1 });
    const a = limits.admit('a');
    const b = limits.admit('a');
    expect(limits.admit('a')).toEqual({ ok: false, reason: 'concurrency', retryAfterS: 1 });
    expect(limits.admit('b').ok).toBe(true);
    if (a.ok) {
      a.release();
      a.release(); // twice is once
    }
    expect(limits.admit('a').ok).toBe(true);
    expect(limits.admit('a').ok).toBe(false);
    expect(b.ok).toBe(true);
  });

  it('refill the rate bucket with time', () => {
    let now = 0;
    const limits = new ClientLimits({ maxConcurrent: 0, requestsPerS: 10, burst: 2 }, () => now);
    const admitted = () => {
      const a = limits.admit('c');
      if (a.ok) a.release();
      return a.ok;
    };
    expect([admitted(), admitted(), admitted()]).toEqual([true, true, false]);
    now += 100; // one token back
    expect([admitted(), admitted()]).toEqual([true, false]);
    now += 10_000; // never more than the burst
    expect([admitted(), admitted(), admitted()]).toEqual([true, true, false]);
  });
});
