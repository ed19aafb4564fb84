/**
 * The suite's render thread (piscina): runs one test per task. Rendering is synchronous
 * Skia work, so a render that runs away can only be stopped by ending its thread; the
 * runner does that when a test overruns its time box.
 */
import { runCase, type CaseResult, type RunCaseOptions } from './run-case.ts';
import type { SuiteCase } from './load-case.ts';

export interface CaseTask {
  readonly testCase: SuiteCase;
  readonly options: RunCaseOptions;
}

export default function runTask(task: CaseTask): Promise<CaseResult> {
  return runCase(task.testCase, task.options);
}
