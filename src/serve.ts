import { createEngine } from './app.ts';
import { loadConfig, type ConfigEnv } from './config/load-config.ts';
import { createLogger } from './logger.ts';

/** Loads config, builds the engine, listens, and closes cleanly on SIGINT/SIGTERM. */
export async function serve(env: ConfigEnv): Promise<void> {
  const config = loadConfig(env);
  const logger = createLogger(config.server.logLevel);
  const engine = await createEngine(config, logger);
  const url = await engine.listen(config.server.port, config.server.host);
  logger.info({ url, mode: engine.mode, tilesets: [...engine.tilesets.keys()] }, `serving tiles at ${url}/tiles`);
  const stop = (signal: string) => {
    logger.info({ signal }, 'shutting down');
    engine.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}
