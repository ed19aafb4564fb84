import { beforeAll, describe, expect, it } from 'vitest';
import { AccessPolicy, RequestAccess, sha256Hex, type AccessOptions, type SettledCaller } from '../../src/access/access-policy.ts';
import { ClientLimits } from '../../src/access/client-limits.ts';
import { redactUrl, splitKeyPrefix } from '../../src/access/credentials.ts';
import { signToken, TokenError, TokenVerifier } from '../../src/access/jwt-tokens.ts';
import { EngineError } from '../../src/errors.ts';

const SECRET = 'x'.repeat(40);

/** Every check runs at this instant (seconds since the epoch); the verifier's own tests are in jwt-tokens.test.ts. */
const NOW_S = 1_750_000_000;

describe('access policy', () => {
  const options: AccessOptions = {
    keys: [{ name: 'planning', sha256: sha256Hex('k1'), grants: ['fastighet'] }],
    tokens: new TokenVerifier({ secret: SECRET, clockToleranceS: 30, grantsClaim: 'grants', subjectClaim: 'sub', maxTtlS: 3600 }),
    restrictedStyles: new Set(['gra']),
    // fastighet is restricted on its own; adresser by its data (grant adress); agare draws fastighet.
    accessOfTileset: (id) => ({ fastighet: { ownGrant: 'fastighet', dataGrants: [] }, adresser: { dataGrants: [['adress', 'fastighet']] }, sodertorn: { dataGrants: [] } })[id],
    tilesetsOfStyle: (id) => (id === 'agare' ? ['sodertorn', 'fastighet'] : ['sodertorn']),
    tilesetIds: () => ['sodertorn', 'fastighet', 'adresser'],
    styleIds: () => ['grundkarta', 'gra', 'agare'],
  };
  const policy = new AccessPolicy(options);
  const tokens = { gra: '', all: '', overlong: '' };
  // What the server settles before a route runs: the caller, or why the credential stands for nobody.
  const settled = new Map<string, SettledCaller>();
  beforeAll(async () => {
    tokens.gra = await signToken(SECRET, { sub: 's', grants: ['gra'], exp: NOW_S + 60 });
    tokens.all = await signToken(SECRET, { sub: 's', grants: ['*'], exp: NOW_S + 60 });
    tokens.overlong = await signToken(SECRET, { sub: 's', grants: ['*'], exp: NOW_S + 7200 });
    for (const credential of ['garbage', 'k1', 'k2', ...Object.values(tokens)]) {
      settled.set(credential, await policy.authenticate(credential, NOW_S).catch((error: EngineError) => error));
    }
  });
  const access = (credential?: string) => {
    if (credential !== undefined && !settled.has(credential)) throw new Error(`settle ${credential} in beforeAll`);
    return new RequestAccess(policy, credential === undefined ? undefined : settled.get(credential));
  };
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
    expect(codeOf(() => access().requireStyle('agare'))).toBe('UNKNOWN_STYLE');
    expect(codeOf(() => access('k1').requireStyle('agare'))).toBe('allowed');
    expect(codeOf(() => access('k1').requireStyle('gra'))).toBe('UNKNOWN_STYLE');
  });

  it('answers a caller who may not read an id as if it did not exist, naming only public ids; 401 only for a bad credential', () => {
    expect(codeOf(() => access().requireTileset('fastighet'))).toBe('UNKNOWN_TILESET');
    expect(codeOf(() => access('k2').requireTileset('fastighet'))).toBe('INVALID_CREDENTIAL');
    expect(codeOf(() => access('k1').requireTileset('fastighet'))).toBe('allowed');
    expect(codeOf(() => access(tokens.gra).requireTileset('fastighet'))).toBe('UNKNOWN_TILESET');
    expect(codeOf(() => access(tokens.all).requireTileset('fastighet'))).toBe('allowed');
    expect(codeOf(() => access(tokens.overlong).requireTileset('fastighet'))).toBe('INVALID_CREDENTIAL');
    try {
      access(tokens.gra).requireStyle('agare', 'fastighet');
    } catch (error) {
      expect((error as EngineError).message).toBe('no style or styled tileset "fastighet"; styles: grundkarta');
    }
    expect.assertions(7);
  });

  it('opens data restricted by its tables with any one of the restriction’s grants', () => {
    expect(policy.isPublicTileset('adresser')).toBe(false);
    expect(codeOf(() => access().requireTileset('adresser'))).toBe('UNKNOWN_TILESET');
    expect(codeOf(() => access('k1').requireTileset('adresser'))).toBe('allowed');
    expect(codeOf(() => access(tokens.gra).requireTileset('adresser'))).toBe('UNKNOWN_TILESET');
    expect(policy.publicTilesetIds()).toEqual(['sodertorn']);
  });

  it('tells the server when an answer comes to depend on the caller, and only then', () => {
    let told = 0;
    const watched = new RequestAccess(policy, undefined, () => told++);
    watched.requireTileset('sodertorn');
    expect(told).toBe(0);
    expect(watched.mayTileset('fastighet')).toBe(false);
    expect(told).toBe(1);
  });

  it('remembers a valid key for good and a token until it expires, never a refused credential', async () => {
    const token = await signToken(SECRET, { sub: 'anna', grants: ['gra'], exp: NOW_S + 60 });
    expect(policy.remembered(token, NOW_S)).toBeUndefined();
    expect((await policy.authenticate(token, NOW_S)).name).toBe('token:anna');
    expect(policy.remembered(token, NOW_S + 59)?.grants).toEqual(new Set(['gra']));
    expect(policy.remembered(token, NOW_S + 60)).toBeUndefined();
    expect(policy.remembered('k1', NOW_S + 1e9)?.name).toBe('key:planning');
    await expect(policy.authenticate('k2', NOW_S)).rejects.toMatchObject({ code: 'INVALID_CREDENTIAL', message: expect.stringMatching(/API key is not known/) });
    expect(policy.remembered('k2', NOW_S)).toBeUndefined();
    expect(await policy.callerOf('k2', NOW_S)).toBeUndefined();
    expect((await policy.callerOf('k1', NOW_S))?.name).toBe('key:planning');
  });

  it('answers 503 when the issuer’s keys cannot be fetched: the token may be fine, the client should retry', async () => {
    const unreachable = new AccessPolicy({ ...options, tokens: { verify: () => Promise.reject(new TokenError('keys unavailable')) } });
    await expect(unreachable.authenticate(tokens.all, NOW_S)).rejects.toMatchObject({ code: 'TOKEN_KEYS_UNAVAILABLE', status: 503, retryAfterS: 30 });
  });

  it('says why a token is refused, and refuses all tokens when none are configured', async () => {
    const expired = await signToken(SECRET, { sub: 's', grants: ['*'], exp: NOW_S - 60 });
    await expect(policy.authenticate(expired, NOW_S)).rejects.toMatchObject({ code: 'INVALID_CREDENTIAL', message: expect.stringMatching(/^the token is expired/) });
    const keysOnly = new AccessPolicy({ ...options, tokens: undefined });
    await expect(keysOnly.authenticate(tokens.all, NOW_S)).rejects.toMatchObject({ code: 'INVALID_CREDENTIAL', message: expect.stringMatching(/accepts no tokens/) });
    expect((await keysOnly.authenticate('k1', NOW_S)).name).toBe('key:planning');
  });

  it('checks a new token once for the requests that bring it at the same time', async () => {
    let checks = 0;
    const counting = new AccessPolicy({
      ...options,
      tokens: {
        verify: async () => {
          checks++;
          await new Promise((resolve) => setImmediate(resolve));
          return { sub: 'u', grants: ['gra'], exp: NOW_S + 60 };
        },
      },
    });
    const callers = await Promise.all([1, 2, 3].map(() => counting.authenticate(tokens.gra, NOW_S)));
    expect(checks).toBe(1);
    expect(new Set(callers).size).toBe(1);
    await counting.authenticate(tokens.gra, NOW_S);
    expect(checks).toBe(1);
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
