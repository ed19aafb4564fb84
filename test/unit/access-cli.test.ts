import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { sha256Hex } from '../../src/access/access-policy.ts';
import { TokenVerifier } from '../../src/access/jwt-tokens.ts';
import { EXIT_USAGE, runCli, type CliIo } from '../../src/cli.ts';

function capture(env: Record<string, string> = {}): CliIo & { stdout: string[]; stderr: string[] } {
  const stdout: string[] = [];
  const stderr: string[] = [];
  return { stdout, stderr, out: (l) => stdout.push(l), err: (l) => stderr.push(l), env };
}

describe('key and token commands', () => {
  it('key prints a new key and the access.keys entry holding only its SHA-256', async () => {
    const io = capture();
    expect(await runCli(['key', '--name', 'planering', '--grant', 'fastighetsregister,gra'], io)).toBe(0);
    const key = /^key: (\S+)$/.exec(io.stdout[0]!)![1]!;
    expect(key.length).toBeGreaterThanOrEqual(32);
    expect(io.stdout.join('\n')).toContain(`sha256: ${sha256Hex(key)}, grants: ["fastighetsregister","gra"]`);
    expect(io.stdout.slice(1).join('\n')).not.toContain(key);
  });

  it('token mints an HS256 JWT with ACCESS_TOKEN_SECRET for the lifetime asked', async () => {
    const secret = 'a-secret-of-at-least-thirty-two-characters';
    const io = capture({ ACCESS_TOKEN_SECRET: secret });
    const before = Math.floor(Date.now() / 1000);
    expect(await runCli(['token', '--sub', 'anna', '--grant', 'fastighetsregister,gra', '--grant', 'ortofoto', '--ttl', '600'], io)).toBe(0);
    const token = io.stdout[0]!;
    expect(JSON.parse(Buffer.from(token.split('.')[0]!, 'base64url').toString())).toEqual({ alg: 'HS256', typ: 'JWT' });
    const verifier = new TokenVerifier({ secret, clockToleranceS: 0, grantsClaim: 'grants', subjectClaim: 'sub', maxTtlS: 3600 });
    const claims = await verifier.verify(token, before);
    expect(claims.sub).toBe('anna');
    expect(claims.grants).toEqual(['fastighetsregister', 'gra', 'ortofoto']);
    // Lifetime counted from the moment it was issued: exactly the seconds asked for.
    const payload = JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()) as { iat: number; exp: number };
    expect(payload.exp - payload.iat).toBe(600);
    expect(claims.exp).toBe(payload.exp);
  });

  it('token carries the configured issuer and audience, and its grants where the configuration reads them', async () => {
    const secret = 'a-secret-of-at-least-thirty-two-characters';
    const tokens = { issuer: 'https://portal.example.se', audience: 'sodertorn-tiles', grantsClaim: 'realm_access.roles' };
    const config = join(mkdtempSync(join(tmpdir(), 'token-cli-')), 'config.json');
    writeFileSync(config, JSON.stringify({ access: { tokens } }));
    const io = capture({ ACCESS_TOKEN_SECRET: secret, CONFIG: config });
    expect(await runCli(['token', '--sub', 'anna', '--grant', 'gra'], io)).toBe(0);
    const nowS = Math.floor(Date.now() / 1000);
    const verifier = new TokenVerifier({ secret, ...tokens, clockToleranceS: 0, subjectClaim: 'sub', maxTtlS: 3600 });
    expect(await verifier.verify(io.stdout[0]!, nowS)).toMatchObject({ sub: 'anna', grants: ['gra'] });
    await expect(new TokenVerifier({ secret, ...tokens, audience: 'another-app', clockToleranceS: 0, subjectClaim: 'sub', maxTtlS: 3600 }).verify(io.stdout[0]!, nowS)).rejects.toMatchObject({ reason: 'wrong audience' });
  });

  it('refuses missing flags and a missing secret', async () => {
    const noGrant = capture();
    expect(await runCli(['key', '--name', 'x'], noGrant)).toBe(EXIT_USAGE);
    expect(noGrant.stderr.join('\n')).toMatch(/--name and --grant are required/);
    const noSecret = capture();
    expect(await runCli(['token', '--sub', 'x', '--grant', '*'], noSecret)).toBe(1);
    expect(noSecret.stderr.join('\n')).toMatch(/ACCESS_TOKEN_SECRET/);
  });
});
