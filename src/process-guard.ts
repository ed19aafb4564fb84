/**
 * The last line of defence against a dead process: an error that escapes every handler
 * (a rejected promise nobody awaits, an exception thrown from a callback) is logged with
 * its stack and counted, and the engine keeps serving. Each one is a bug: every promise
 * made on a request's behalf is handled where it is made, and the test suite shows this
 * guard never fires (sodertorn_process_escaped_errors_total stays 0).
 */
import type { Logger } from 'pino';

export type EscapeKind = 'unhandledRejection' | 'uncaughtException';

const counts: Record<EscapeKind, number> = { unhandledRejection: 0, uncaughtException: 0 };
let installed = false;

/** Errors that escaped since the process started, by kind (all 0 unless the guard fired). */
export function escapedErrors(): Readonly<Record<EscapeKind, number>> {
  return counts;
}

/** Installs the guard once per process: later calls do nothing. */
export function guardProcess(logger: Logger): void {
  if (installed) return;
  installed = true;
  process.on('unhandledRejection', (reason) => {
    counts.unhandledRejection++;
    logger.error({ err: reason, escaped: 'unhandledRejection' }, 'a rejected promise had no handler (a bug; the engine keeps serving)');
  });
  process.on('uncaughtException', (error) => {
    counts.uncaughtException++;
    logger.error({ err: error, escaped: 'uncaughtException' }, 'an exception escaped every handler (a bug; the engine keeps serving)');
  });
}
