import { createEngine } from './app.ts';
import { loadConfig, type ConfigEnv } from './config/load-config.ts';
import { createLogger } from './logger.ts';
import { guardProcess } from './process-guard.ts';

/**
 * Loads config, builds the engine, listens. SIGTERM/SIGINT drain: /ready turns 503, no new
 * connections, in-flight requests get limits.shutdownGraceMs, then everything is closed and
 * the process exits 0. A second signal exits at once (1).
 */
export async function serve(env: ConfigEnv): Promise<void> {
  const config = loadConfig(env);
  const logger = createLogger(config.server.logLevel);
  guardProcess(logger);
  const engine = await createEngine(config, logger);
  const url = await engine.listen(config.server.port, config.server.host);
  logger.info({ url, mode: engine.mode, tilesets: [...engine.tilesets.keys()] }, `serving tiles at ${url}/tiles`);
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) {
      logger.warn({ signal }, 'second signal: stopping now');
      process.exit(1);
    }
    stopping = true;
    logger.info({ signal, graceMs: config.limits.shutdownGraceMs }, 'draining, then shutting down');
    engine.close().then(
      () => {
        logger.info('stopped');
        process.exit(0);
      },
      (error: unknown) => {
        logger.error({ err: error }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}
