import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { createInterface } from 'node:readline';

/** A child process leading a process group of its own: stopping it stops everything it started. */
export interface GroupProcess {
  readonly child: ChildProcess;
  readonly pid: number;
  /** Resolves when the leader has exited. */
  readonly exited: Promise<void>;
  /** SIGTERM to the group, SIGKILL to whatever is left after graceMs; resolves when the leader is gone. */
  stop(graceMs?: number): Promise<void>;
}

const groups = new Set<number>();
// The last resort if a suite dies before its afterAll: no engine or nginx outlives the test run.
process.once('exit', () => {
  for (const pid of groups) signalGroup(pid, 'SIGKILL');
});

function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // ESRCH: the group is empty already
  }
}

/** Spawns `command` detached, as the leader of a new process group. */
export function spawnGroup(command: string, args: readonly string[], options: SpawnOptions = {}): GroupProcess {
  const child = spawn(command, args, { ...options, detached: true });
  if (child.pid === undefined) throw new Error(`could not start ${command}`);
  const pid = child.pid;
  groups.add(pid);
  const exited = new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else child.once('exit', () => resolve());
  });
  return {
    child,
    pid,
    exited,
    async stop(graceMs = 5000) {
      signalGroup(pid, 'SIGTERM');
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([exited, new Promise((r) => (timer = setTimeout(r, graceMs)))]);
      clearTimeout(timer);
      // Whatever is left of the group (the leader past its grace, or children it left behind).
      signalGroup(pid, 'SIGKILL');
      await exited;
      groups.delete(pid);
    },
  };
}

/** Calls onLine for every line the stream writes. */
export function eachLine(stream: NodeJS.ReadableStream | null, onLine: (line: string) => void): void {
  if (stream) createInterface({ input: stream }).on('line', onLine);
}

/** The engine as its own process (`src/main.ts`, as `npm start` and the container run it). */
export interface EngineProcess {
  /** `http://127.0.0.1:PORT`. */
  readonly url: string;
  readonly process: GroupProcess;
}

/**
 * Starts `node --import tsx src/main.ts` with the given environment (on top of this process's)
 * in a process group of its own, and resolves with its URL once it listens.
 */
export function startEngineGroup(env: Record<string, string>, startTimeoutMs = 60_000): Promise<EngineProcess> {
  const group = spawnGroup(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    env: { ...process.env, HOST: '127.0.0.1', PORT: '0', LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return new Promise((resolve, reject) => {
    let settled = false;
    const fail = (message: string) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      void group.stop().then(() => reject(new Error(message)));
    };
    const timer = setTimeout(() => fail(`the engine did not listen within ${startTimeoutMs} ms`), startTimeoutMs);
    void group.exited.then(() => fail(`the engine exited with ${group.child.exitCode ?? group.child.signalCode} before it listened`));
    eachLine(group.child.stdout, (line) => {
      let entry: { url?: unknown; level?: unknown };
      try {
        entry = JSON.parse(line) as { url?: unknown; level?: unknown };
      } catch {
        return; // not a log line
      }
      // Errors (pino level 50 and above) are shown: a 500 in a test should say why.
      if (typeof entry.level === 'number' && entry.level >= 50) console.error(`[engine ${group.pid}] ${line}`);
      if (typeof entry.url === 'string' && !settled) {
        settled = true;
        clearTimeout(timer);
        resolve({ url: entry.url, process: group });
      }
    });
  });
}
