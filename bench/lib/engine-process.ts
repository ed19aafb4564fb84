import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';

export interface EngineProcess {
  readonly url: string;
  readonly pid: number;
  stop(): Promise<void>;
}

/**
 * Starts the engine as its own process (`src/main.ts`, as `npm start` does), so the load
 * generator and the server do not share one event loop. Resolves once it listens.
 */
export function startEngineProcess(env: Record<string, string>): Promise<EngineProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    env: { ...process.env, PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const stop = () =>
    new Promise<void>((resolve) => {
      if (child.exitCode !== null) return resolve();
      child.once('exit', () => resolve());
      child.kill('SIGTERM');
    });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      void stop();
      reject(new Error('engine did not start within 60 s'));
    }, 60_000);
    child.once('exit', (code) => reject(new Error(`engine exited with ${code}`)));
    createInterface({ input: child.stdout! }).on('line', (line) => {
      try {
        const entry = JSON.parse(line) as { url?: string };
        if (entry.url) {
          clearTimeout(timer);
          resolve({ url: entry.url, pid: child.pid!, stop });
        }
      } catch {
        // not a log line
      }
    });
  });
}

/** Fails an uncached benchmark whose engine caches tiles (its database has the change log, so the cache is on). */
export async function assertUncached(engineUrl: string): Promise<void> {
  const health = (await (await fetch(`${engineUrl}/health`)).json()) as { cache?: { enabled?: boolean } };
  if (health.cache?.enabled) throw new Error('the engine caches tiles here (the database has the change log): an uncached benchmark would measure the cache; run install-triggers --uninstall on it');
}
