import { pino, type Logger } from 'pino';

/** JSON logs to stdout at the configured level (server.logLevel, LOG_LEVEL). */
export function createLogger(level: string = 'info'): Logger {
  return pino({ level, base: { service: 'sodertorn-tiles' } });
}
