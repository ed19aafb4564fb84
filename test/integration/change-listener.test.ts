import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { TableChange } from '../../cache/invalidation/change.ts';
import { ChangeListener, latestSeq, type ChangeListenerOptions } from '../../cache/invalidation/change-listener.ts';
import { fetchChanges } from '../../cache/invalidation/changelog-query.ts';
import { changeLogName } from '../../cache/invalidation/changelog-sql.ts';
import { createChangeLogFixture, pointSql, type ChangeLogFixture } from '../helpers/changelog-db.ts';
import { TEST_DATABASE_URL } from '../helpers/test-db.ts';

const APP = `listener-it-${process.pid}`;
let f: ChangeLogFixture;
const running: ChangeListener[] = [];

beforeAll(async () => {
  f = await createChangeLogFixture('listener_it');
});
afterEach(async () => {
  await Promise.all(running.splice(0).map((l) => l.stop()));
});
afterAll(async () => {
  await f?.close();
});

/** A pino logger that keeps its records for assertions. */
function recordingLogger(): { logger: pino.Logger; messages: string[] } {
  const messages: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      messages.push((JSON.parse(chunk.toString()) as { msg: string }).msg);
      done();
    },
  });
  return { logger: pino({ level: 'debug' }, stream), messages };
}

/** A listener on the fixture that records what it delivers; fromSeq follows the deliveries. */
function listen(from: number, options: Partial<ChangeListenerOptions> = {}) {
  const delivered: TableChange[] = [];
  const batches: number[][] = [];
  let last = from;
  const waiters: { seq: number; resolve: () => void }[] = [];
  const { logger, messages } = recordingLogger();
  const listener = new ChangeListener({
    url: TEST_DATABASE_URL,
    channel: f.channel,
    changelog: f.changelog,
    applicationName: APP,
    logger,
    fromSeq: () => last,
    async onChanges(changes) {
      batches.push(changes.map((c) => c.seq));
      delivered.push(...changes);
      last = changes[changes.length - 1]!.seq;
      for (const w of waiters.filter((w) => w.seq <= last)) w.resolve();
    },
    ...options,
  });
  running.push(listener);
  /** Resolves once a change with seq ≥ seq is delivered. */
  const reached = (seq: number) => (last >= seq ? Promise.resolve() : new Promise<void>((resolve) => waiters.push({ seq, resolve })));
  return { listener, delivered, batches, messages, reached, last: () => last };
}

async function insertPoint(x: number, y = 6570000): Promise<void> {
  await f.db.query(`INSERT INTO ${f.points} (namn, geom) VALUES ('p', ${pointSql(x, y)})`);
}

/** Every logged seq after from, straight from the table. */
async function loggedSeqsAfter(from: number): Promise<number[]> {
  return (await fetchChanges(f.db, changeLogName(f.changelog), from, 100_000)).map((c) => c.seq);
}

function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

describe('ChangeListener', () => {
  it('delivers every committed change, one by one, with its table, box and rows', async () => {
    const t = listen(await latestSeq(f.db, f.changelog));
    await t.listener.start();
    expect(t.listener.connected).toBe(true);
    const lags: number[] = [];
    for (let i = 0; i < 40; i++) {
      const seqBefore = t.last();
      const started = performance.now();
      await insertPoint(650000 + i);
      await t.reached(seqBefore + 1);
      lags.push(performance.now() - started);
    }
    const [p50, p99] = [percentile(lags, 50), percentile(lags, 99)];
    // Logged, not asserted: bench/ measures speed (commit → fresh tile).
    console.log(`statement + commit to onChanges: median ${p50.toFixed(1)} ms, p99 ${p99.toFixed(1)} ms (${lags.length} changes)`);
    expect(lags).toHaveLength(40);
    expect(t.delivered.at(-1)).toMatchObject({ table: f.points, bbox: [650039, 6570000, 650039, 6570000], rows: 1 });
  });

  it('coalesces a burst of commits into few fetches, in seq order', async () => {
    const from = await latestSeq(f.db, f.changelog);
    const t = listen(from);
    await t.listener.start();
    await Promise.all(Array.from({ length: 200 }, (_, i) => insertPoint(655000 + i)));
    const logged = await loggedSeqsAfter(from);
    await t.reached(logged.at(-1)!);
    expect(t.delivered.map((c) => c.seq)).toEqual(logged);
    expect(t.batches.length).toBeLessThan(200);
  });

  it('delivers every change exactly once, in order, across pg_terminate_backend of its connection', async () => {
    const from = await latestSeq(f.db, f.changelog);
    const t = listen(from);
    await t.listener.start();
    let terminated = 0;
    for (let round = 0; round < 3; round++) {
      await expect.poll(() => t.listener.connected).toBe(true);
      const { rows } = await f.db.query<{ ok: boolean }>('SELECT pg_terminate_backend(pid) AS ok FROM pg_stat_activity WHERE application_name = $1', [APP]);
      terminated += rows.filter((r) => r.ok).length;
      // Committed while the listener is down (its first reconnect waits ≥ 50 ms) and after it is back.
      for (let i = 0; i < 50; i++) await insertPoint(656000 + round * 50 + i);
    }
    const logged = await loggedSeqsAfter(from);
    expect(logged).toHaveLength(150);
    await t.reached(logged.at(-1)!);
    expect(terminated).toBe(3);
    expect(t.delivered.map((c) => c.seq)).toEqual(logged);
    expect(t.messages.filter((m) => m.includes('connection lost')).length).toBeGreaterThanOrEqual(1);
    expect(t.messages.filter((m) => m.includes('reconnected')).length).toBeGreaterThanOrEqual(2);
    await expect.poll(() => t.listener.connected).toBe(true);
  });

  it('replays what changed while it was stopped, from fromSeq', async () => {
    const first = listen(await latestSeq(f.db, f.changelog));
    await first.listener.start();
    await insertPoint(657000);
    const seq = (await loggedSeqsAfter(first.last())).at(-1)!;
    await first.reached(seq);
    await first.listener.stop();
    expect(first.listener.connected).toBe(false);

    for (let i = 1; i <= 5; i++) await insertPoint(657000 + i);
    const missed = await loggedSeqsAfter(first.last());
    const second = listen(first.last(), { batchSize: 2 });
    await second.listener.start(); // resolves after the replay
    expect(second.delivered.map((c) => c.seq)).toEqual(missed);
    expect(second.batches.map((b) => b.length)).toEqual([2, 2, 1]);
  });

  it('offers the same changes again when onChanges rejects', async () => {
    const from = await latestSeq(f.db, f.changelog);
    const calls: number[][] = [];
    let done!: () => void;
    const accepted = new Promise<void>((resolve) => (done = resolve));
    const t = listen(from, {
      backoff: { initialMs: 20, maxMs: 50 },
      async onChanges(changes) {
        calls.push(changes.map((c) => c.seq));
        if (calls.length === 1) throw new Error('tier unavailable');
        done();
      },
    });
    await t.listener.start();
    await insertPoint(658000);
    await accepted;
    expect(calls).toHaveLength(2);
    expect(calls[1]).toEqual(calls[0]);
    await expect.poll(() => t.listener.deliveredSeq).toBe(calls[0]!.at(-1));
    expect(t.messages).toContain('change listener: onChanges failed; offering the same changes again');
  });

  it('keeps retrying an unreachable database without throwing; start() rejects only when stopped', async () => {
    const { logger, messages } = recordingLogger();
    const listener = new ChangeListener({
      url: 'postgres://postgres@127.0.0.1:1/none',
      channel: f.channel,
      logger,
      fromSeq: () => 0,
      onChanges: async () => undefined,
      backoff: { initialMs: 10, maxMs: 40 },
    });
    const started = listener.start();
    await expect.poll(() => messages.filter((m) => m.includes('reconnect failed')).length).toBeGreaterThanOrEqual(3);
    expect(messages.filter((m) => m.includes('connection lost'))).toHaveLength(1);
    expect(listener.connected).toBe(false);
    await listener.stop();
    await expect(started).rejects.toThrow('stopped before its first replay');
    await expect(listener.start()).rejects.toThrow('stopped');
  });
});
