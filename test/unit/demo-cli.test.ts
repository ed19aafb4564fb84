import { describe, expect, it } from 'vitest';
import { EXIT_USAGE, commands, runCli, type CliIo } from '../../src/cli.ts';

function capture(env: Record<string, string | undefined> = {}): CliIo & { stdout: string[]; stderr: string[] } {
  const stdout: string[] = [];
  const stderr: string[] = [];
  return { stdout, stderr, out: (l) => stdout.push(l), err: (l) => stderr.push(l), env };
}

describe('cli', () => {
  it('lists the commands on --help and exits 0', async () => {
    const io = capture();
    expect(await runCli(['--help'], io)).toBe(0);
    for (const name of Object.keys(commands)) expect(io.stdout.join('\n')).toContain(name);
  });

  it('exits 2 with the usage when no command is given', async () => {
    const io = capture();
    expect(await runCli([], io)).toBe(EXIT_USAGE);
    expect(io.stderr.join('\n')).toContain('Usage:');
  });

  it('has --help on every command', async () => {
    for (const name of Object.keys(commands)) {
      const io = capture();
      expect(await runCli([name, '--help'], io), name).toBe(0);
      expect(io.stdout.join('\n'), name).toContain(`Usage: sodertorn-tiles ${name}`);
    }
  });

  it.each([
    [['nope'], /unknown command "nope"/],
    [['generate-demo', '--bogus'], /Unknown option '--bogus'/],
    [['generate-demo', '--buildings', 'many'], /--buildings must be a whole number/],
    [['generate-demo', '--buildings', '99999999'], /--buildings must be between 0 and 2000000/],
    [['load', '--seed', '-1'], /--seed/],
    [['load', '--schema', ''], /--schema/],
    [['generate-demo', 'extra'], /unexpected argument "extra"/],
  ])('exits 2 with a clear message for %j', async (argv, message) => {
    const io = capture();
    expect(await runCli(argv, io)).toBe(EXIT_USAGE);
    expect(io.stderr.join('\n')).toMatch(message);
  });
});
