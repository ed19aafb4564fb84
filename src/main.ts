import { ConfigError } from './config/load-config.ts';
import { serve } from './serve.ts';

// `npm start`: the engine with configuration from the file and the environment.
serve(process.env).catch((error: unknown) => {
  console.error(error instanceof ConfigError ? error.message : error);
  process.exit(1);
});
