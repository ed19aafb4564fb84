import { describe, expect, it } from 'vitest';
import { EXIT_USAGE, runCli, type CliIo } from '../../src/cli.ts';

function capture(): CliIo & { stderr: string[] } {
  const stderr: string[] = [];
  return { stderr, out: () => undefined, err: (l) => stderr.push(l), env: {} };
}

describe('seed command line', () => {
  it.each([
    [[], /exactly one of --tileset \(vector tiles\) and --style/],
    [['--tileset', 'a', '--style', 'b', '--zoom', '1'], /exactly one of --tileset/],
    [['--tileset', 'a'], /--zoom is required/],
    [['--tileset', 'a', '--zoom', '14-10'], /first level must not be above the second/],
    [['--tileset', 'a', '--zoom', 'ten'], /--zoom must be a level or a range/],
    [['--tileset', 'a', '--zoom', '10', '--format', 'png'], /--format and --scale go with --style/],
    [['--style', 'a', '--zoom', '10', '--format', 'gif'], /--format must be png, webp or jpg/],
    [['--style', 'a', '--zoom', '10', '--scale', '3'], /--scale must be between 1 and 2/],
    [['--tileset', 'a', '--zoom', '10', '--bbox', '18,59,17,60'], /minimum below maximum/],
    [['--tileset', 'a', '--zoom', '10', '--bbox', '18,59,17'], /--bbox must be minLon,minLat,maxLon,maxLat/],
    [['--tileset', 'a', '--zoom', '10', '--kommun', '126'], /four-digit municipality code/],
    [['--tileset', 'a', '--zoom', '10', '--concurrency', '0'], /--concurrency must be between 1 and 64/],
  ])('exits 2 with a clear message for %j', async (argv, message) => {
    const io = capture();
    expect(await runCli(['seed', ...argv], io)).toBe(EXIT_USAGE);
    expect(io.stderr.join('\n')).toMatch(message);
  });
});
