import type { Logger } from 'pino';
import { ConfigError } from '../../config/load-config.ts';
import { EngineError } from '../../errors.ts';
import type { Database, Queryable } from './database.ts';

/** The database as the sources read it, and the check every read waits for. */
export interface CheckedDatabase {
  readonly queryable: Queryable;
  /** Runs the check now (at start, so a refusal names the option paths before anything is served). */
  checkNow(): Promise<void>;
}

/**
 * A database no row is read from before `check` has passed (the tables the layers read,
 * checked against access.restrictedData as PostgreSQL resolves them): after a start without
 * the database, the first query runs the check; a refusal is logged and answers 503
 * ACCESS_NOT_VERIFIED, and the check runs again on the next query.
 */
export function checkedDatabase(database: Database, check: () => Promise<void>, logger: Logger): CheckedDatabase {
  let checked: Promise<void> | undefined;
  const run = () =>
    (checked ??= check().catch((error: unknown) => {
      checked = undefined;
      throw error;
    }));
  return {
    checkNow: run,
    queryable: {
      query: async (query, what, work) => {
        await run().catch((error: unknown) => {
          if (!(error instanceof ConfigError)) throw error;
          logger.error({ err: error.message }, 'refusing to read the database');
          throw new EngineError('ACCESS_NOT_VERIFIED', 'the tables cannot be checked against access.restrictedData; see the log');
        });
        return database.query(query, what, work);
      },
    },
  };
}
