import { describe, expect, it } from 'vitest';
import { sha256Hex } from '../../src/access/access-policy.ts';
import { verifyToken } from '../../src/access/tokens.ts';
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

  it('token signs with ACCESS_TOKEN_SECRET for the lifetime asked', async () => {
    const secret = 'a-secret-of-at-least-thirty-two-characters';
    const io = capture({ ACCESS_TOKEN_SECRET: secret });
    expect(await runCli(['token', '--sub', 'anna', '--grant', 'fastighetsregister', '--ttl', '600'], io)).toBe(0);
    const check = verifyToken(secret, io.stdout[0]!, Math.floor(Date.now() / 1000));
    expect(check.ok && check.claims.sub === 'anna' && check.claims.grants).toEqual(['fastighetsregister']);
    if (check.ok) expect(check.claims.exp - Date.now() / 1000).toBeGreaterThan(590);
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
