import { closeSync, mkdtempSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnGroup, type GroupProcess } from './process-group.ts';

/** An nginx of the test's own, in the foreground, in a process group of its own. */
export interface RunningNginx {
  readonly process: GroupProcess;
  /** The prefix folder (`-p`): config, pid file, temp folders. */
  readonly dir: string;
  /** Lines nginx wrote to stdout so far (the access log of deploy/nginx.conf), in order. */
  accessLog(): string[];
  /** What nginx wrote to stderr (its error log). */
  errors(): string;
  stop(): Promise<void>;
}

/** Where scripts/test-setup.mjs has Debian's nginx installed. */
export const NGINX = '/usr/sbin/nginx';

/** Runs `nginx -g 'daemon off;'` over the given config text (relative paths under a fresh prefix). */
export function startNginx(conf: string): RunningNginx {
  const dir = mkdtempSync(join(tmpdir(), 'nginx-'));
  const confPath = join(dir, 'nginx.conf');
  writeFileSync(confPath, conf);
  // stdout is a file: nginx opens /dev/stdout for its access log, which fails (ENXIO) on the
  // socket Node makes for a piped stdio, but works on a file as on the container's pipe.
  const stdoutPath = join(dir, 'stdout.log');
  const stdout = openSync(stdoutPath, 'a');
  const group = spawnGroup(NGINX, ['-p', `${dir}/`, '-c', confPath, '-e', 'stderr', '-g', 'daemon off;'], { stdio: ['ignore', stdout, 'pipe'] });
  closeSync(stdout);
  let stderr = '';
  group.child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return {
    process: group,
    dir,
    accessLog: () => readFileSync(stdoutPath, 'utf8').split('\n').filter((l) => l.length > 0),
    errors: () => stderr,
    // SIGTERM is nginx's fast shutdown: the master stops its workers and exits.
    stop: () => group.stop(),
  };
}
