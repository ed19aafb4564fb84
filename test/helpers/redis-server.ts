import { createClient } from 'redis';
import { spawnGroup, type GroupProcess } from './process-group.ts';

/**
 * A Redis server of a test's own on a loopback port, keeping nothing on disk, that the test
 * may stall (SIGSTOP), pause (CLIENT PAUSE) or restart empty, as an operator's worst day
 * would, without touching the machine's shared Redis.
 */
export class RedisServer {
  private process: GroupProcess | undefined;

  constructor(readonly port: number) {}

  get url(): string {
    return `redis://127.0.0.1:${this.port}/0`;
  }

  /** Starts the server (empty) and waits until it answers. */
  async start(): Promise<void> {
    this.process = spawnGroup('redis-server', ['--port', String(this.port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--loglevel', 'warning'], { stdio: 'ignore' });
    for (let attempt = 0; ; attempt++) {
      const client = createClient({ url: this.url, socket: { reconnectStrategy: false, connectTimeout: 500 } });
      client.on('error', () => undefined);
      try {
        await client.connect();
        await client.ping();
        client.destroy();
        return;
      } catch (error) {
        client.destroy();
        if (attempt > 100) throw new Error(`redis-server on port ${this.port} did not answer: ${(error as Error).message}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    }
  }

  /** Kills the server (SIGKILL: what it held is gone) and starts it again, empty. */
  async restart(): Promise<void> {
    await this.process?.stop(0);
    await this.start();
  }

  /** Stops answering for ms (the process frozen, sockets open), then goes on: a stalled Redis. */
  async stall(ms: number): Promise<void> {
    const pid = this.process?.pid;
    if (pid === undefined) return;
    process.kill(pid, 'SIGSTOP');
    await new Promise((r) => setTimeout(r, ms));
    process.kill(pid, 'SIGCONT');
  }

  async stop(): Promise<void> {
    await this.process?.stop(1000);
    this.process = undefined;
  }
}
