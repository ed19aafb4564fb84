/**
 * Runs suite tests on render threads, `jobs` at a time, each time-boxed: a test that
 * overruns has its thread ended (piscina starts a fresh one) and counts as an error.
 */
import { Piscina } from 'piscina';
import type { CaseTask } from './case-worker.ts';
import type { SuiteCase } from './load-case.ts';
import { errorText, type CaseResult } from './run-case.ts';

export interface RunSuiteOptions {
  readonly folder: string;
  readonly saveDir?: string;
  /** Tests rendered at once (threads). */
  readonly jobs: number;
  /** Time box of one test, ms. */
  readonly timeoutMs: number;
  /** Called as each test finishes (in completion order). */
  readonly onResult?: (result: CaseResult, done: number, total: number) => void;
}

/** The worker next to this module: .ts under tsx, .js when built. */
function workerFile(): URL {
  const ext = import.meta.url.endsWith('.ts') ? '.ts' : '.js';
  return new URL(`./case-worker${ext}`, import.meta.url);
}

/** Results in the order of `cases`. */
export async function runSuite(cases: readonly SuiteCase[], options: RunSuiteOptions): Promise<CaseResult[]> {
  const file = workerFile();
  const jobs = Math.max(1, Math.floor(options.jobs));
  const pool = new Piscina({
    filename: file.href,
    minThreads: jobs,
    maxThreads: jobs,
    idleTimeout: Number.MAX_SAFE_INTEGER,
    execArgv: file.pathname.endsWith('.ts') ? ['--import', 'tsx'] : [],
  });
  const results: CaseResult[] = new Array(cases.length);
  let next = 0;
  let done = 0;

  async function lane(): Promise<void> {
    while (next < cases.length) {
      const index = next++;
      const testCase = cases[index]!;
      const task: CaseTask = { testCase, options: { folder: options.folder, ...(options.saveDir ? { saveDir: options.saveDir } : {}) } };
      // One lane per thread, so the time box starts when the test does, not while it queues.
      const timeout = AbortSignal.timeout(options.timeoutMs);
      let result: CaseResult;
      try {
        result = (await pool.run(task, { signal: timeout })) as CaseResult;
      } catch (error) {
        const reason = timeout.aborted ? `ran over the ${options.timeoutMs / 1000} s time box` : errorText(error);
        result = { id: testCase.id, group: testCase.group, diffFraction: null, status: 'error', reason };
      }
      results[index] = result;
      options.onResult?.(result, ++done, cases.length);
    }
  }

  try {
    await Promise.all(Array.from({ length: Math.min(jobs, cases.length) }, lane));
  } finally {
    await pool.destroy();
  }
  return results;
}
