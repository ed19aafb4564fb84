/**
 * The render suite as a yardstick for the Skia renderer:
 *
 *   npm run render-suite -- [--out results.json] [--filter <substring>] [--jobs N]
 *                           [--timeout <s>] [--save-images <dir>] [--verbose] [FOLDER]
 *
 * Renders every `tests/<group>/<case>/style.json` of FOLDER (default ../shared/render-suite
 * beside the repository) that a 2D renderer can do, compares it with expected.png
 * (pixelmatch, threshold 0.13), writes one result per test to --out (default
 * bench/results/render-suite.json) and prints a table per group. The exit code is 0
 * whenever the suite ran: it measures, it does not gate.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { SUITE_THRESHOLD } from '../tools/render-suite/compare.ts';
import { listCases } from '../tools/render-suite/load-case.ts';
import { formatTable, share, skipReasons, summarize } from '../tools/render-suite/report.ts';
import { runSuite } from '../tools/render-suite/runner.ts';

const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const USAGE =
  'usage: npm run render-suite -- [--out results.json] [--filter <substring>] [--jobs N] [--timeout <s>] [--save-images <dir>] [--verbose] [FOLDER]';

async function main(): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      allowPositionals: true,
      options: {
        out: { type: 'string' },
        filter: { type: 'string' },
        jobs: { type: 'string' },
        timeout: { type: 'string' },
        'save-images': { type: 'string' },
        verbose: { type: 'boolean', short: 'v' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (error) {
    console.error(`${(error as Error).message}\n${USAGE}`);
    return 2;
  }
  const { values, positionals } = parsed;
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  if (positionals.length > 1) {
    console.error(`one FOLDER at most\n${USAGE}`);
    return 2;
  }
  // npm runs scripts from the package root; paths typed by the user are from where they typed.
  const userCwd = process.env['INIT_CWD'] ?? process.cwd();
  const folder = positionals[0] ? resolve(userCwd, positionals[0]) : resolve(REPO_ROOT, '../shared/render-suite');
  const out = values.out ? resolve(userCwd, values.out) : resolve(REPO_ROOT, 'bench/results/render-suite.json');
  const saveDir = values['save-images'] ? resolve(userCwd, values['save-images']) : undefined;
  const jobs = values.jobs ? Number(values.jobs) : 1;
  const timeoutS = values.timeout ? Number(values.timeout) : 60;
  if (!(Number.isInteger(jobs) && jobs >= 1 && jobs <= availableParallelism() * 2) || !(timeoutS > 0)) {
    console.error(`--jobs wants 1…${availableParallelism() * 2}, --timeout a positive number of seconds\n${USAGE}`);
    return 2;
  }

  let cases;
  try {
    cases = listCases(folder, values.filter);
  } catch (error) {
    console.error(`cannot read the suite at ${folder}: ${(error as Error).message}`);
    return 2;
  }
  console.log(`render suite: ${cases.length} tests in ${folder}${values.filter ? ` matching "${values.filter}"` : ''}, ${jobs} thread(s)`);

  const started = performance.now();
  const progress = process.stderr.isTTY && !values.verbose;
  const results = await runSuite(cases, {
    folder,
    jobs,
    timeoutMs: timeoutS * 1000,
    ...(saveDir ? { saveDir } : {}),
    onResult(result, done, total) {
      if (values.verbose) {
        const score = result.diffFraction === null ? result.status.padStart(9) : `${(result.diffFraction * 100).toFixed(3).padStart(7)} %`;
        const mark = result.diffFraction === null ? '    ' : result.diffFraction <= (result.allowed ?? 0) ? 'ok  ' : '    ';
        console.log(`${score} ${mark}${result.id}${result.reason ? `  (${result.reason})` : ''}`);
      } else if (progress) {
        process.stderr.write(`\r${done}/${total}`);
      }
    },
  });
  const durationMs = Math.round(performance.now() - started);
  if (progress) process.stderr.write('\r');

  const summary = summarize(results);
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(
    out,
    `${JSON.stringify(
      {
        folder,
        filter: values.filter ?? null,
        threshold: SUITE_THRESHOLD,
        finishedAt: new Date().toISOString(),
        durationMs,
        totals: summary.total,
        groups: summary.groups,
        results,
      },
      null,
      2,
    )}\n`,
  );

  console.log(`\n${formatTable(summary)}\n`);
  const t = summary.total;
  console.log(`within the suite's bar: ${share(t.passBar, t.compared)}; within 1 %: ${share(t.within1, t.compared)}`);
  console.log(`skipped ${t.skipped}, errors ${t.errors}, ${(durationMs / 1000).toFixed(1)} s; results in ${out}`);
  const reasons = skipReasons(results);
  if (reasons.length > 0) {
    console.log('skipped for:');
    for (const [reason, count] of reasons) console.log(`  ${String(count).padStart(4)}  ${reason}`);
  }
  for (const r of results) if (r.status === 'error') console.log(`error ${r.id}: ${r.reason}`);
  return 0;
}

process.exitCode = await main();
