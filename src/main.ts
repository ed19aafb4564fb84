import { createEngine } from './app.ts';
import { ConfigError, loadConfig } from './config/load-config.ts';
import { createLogger } from './logger.ts';

/** `npm start`: load config, build the engine, listen, and close cleanly on SIGINT/SIGTERM. */
async function main(): Promise<void> {
  const config = loadConfig();
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

main().catch((error: unknown) => {
  console.error(error instanceof ConfigError ? error.message : error);
  process.exit(1);
});
