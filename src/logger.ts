import { pino, type Logger } from 'pino';

/** Paths blanked in every log line, should a secret ever reach a logged object. */
const SECRETS = ['authorization', '*.authorization', '*.headers.authorization', '*["x-api-key"]', '*.headers["x-api-key"]', 'tokenSecret', '*.tokenSecret', 'password', '*.password'];

/** JSON logs to stdout at the configured level (server.logLevel, LOG_LEVEL); secrets redacted. */
export function createLogger(level: string = 'info'): Logger {
  return pino({ level, base: { service: 'sodertorn-tiles' }, redact: { paths: SECRETS, censor: '[redacted]' } });
}
