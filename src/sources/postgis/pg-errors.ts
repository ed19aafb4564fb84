import { EngineError } from '../../errors.ts';

/** SQLSTATE classes and codes that mean "the database is not there right now". */
const UNAVAILABLE_SQLSTATES = new Set(['57P01', '57P02', '57P03', '53300', '3D000']);
const UNAVAILABLE_NODE_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH']);
const UNAVAILABLE_MESSAGES = [/connection terminated/i, /timeout exceeded when trying to connect/i, /connection timeout/i, /Client has encountered a connection error/i, /not queryable/i];

/** True when the error says the connection or server is gone (vs. a bad query). */
export function isConnectionError(error: unknown): boolean {
  const e = error as { code?: unknown; message?: unknown } | null;
  if (!e || typeof e !== 'object') return false;
  const code = typeof e.code === 'string' ? e.code : '';
  if (code.startsWith('08') || UNAVAILABLE_SQLSTATES.has(code) || UNAVAILABLE_NODE_CODES.has(code)) return true;
  const message = typeof e.message === 'string' ? e.message : '';
  return UNAVAILABLE_MESSAGES.some((re) => re.test(message));
}

/**
 * Maps a pg failure to what the client should see. The message never includes the
 * connection string or the SQL: both could leak credentials or schema details.
 */
export function toDatabaseError(error: unknown, retryAfterS: number, what: string): EngineError {
  if (error instanceof EngineError) return error;
  const code = (error as { code?: unknown } | null)?.code;
  if (code === '57014' || /query read timeout/i.test(String((error as Error)?.message))) {
    return new EngineError('QUERY_TIMEOUT', `${what} ran over its time limit`, { retryAfterS, cause: error });
  }
  if (isConnectionError(error)) {
    return new EngineError('DATABASE_UNAVAILABLE', `the database is unavailable; retry in ${retryAfterS} s`, { retryAfterS, cause: error });
  }
  return new EngineError('INTERNAL', `${what} failed`, { cause: error });
}

/**
 * True for an error the server reported with a SQLSTATE on a live session (bad SQL,
 * statement timeout): the connection can go back to the pool. Socket failures,
 * client-side timeouts and shutdowns (57P*) cannot.
 */
export function leavesConnectionUsable(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) && !code.startsWith('57P') && !code.startsWith('08');
}
