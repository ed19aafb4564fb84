import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FairQueue } from '../../src/admission/fair-queue.ts';

/** Lets granted promises settle. */
const settled = () => new Promise((resolve) => setImmediate(resolve));

describe('FairQueue', () => {
  it('gives free slots to waiting clients in turn, not in arrival order', async () => {
    const queue = new FairQueue({ slots: 1, maxQueued: 100, what: 'tile queries' });
    const order: string[] = [];
    const first = await queue.acquire('a');
    const take = (client: string) => queue.acquire(client).then((release) => {
      order.push(client);
      release();
    });
    // a floods the queue, then b and c ask once each.
    const all = [...Array.from({ length: 5 }, () => take('a')), take('b'), take('c')];
    first();
    await Promise.all(all);
    expect(order).toEqual(['a', 'b', 'c', 'a', 'a', 'a', 'a']);
  });

  it('refuses the newest waiter of the client queuing the most when full, so a newcomer gets in', async () => {
    const queue = new FairQueue({ slots: 1, maxQueued: 3, what: 'renders' });
    const running = await queue.acquire('a');
    const outcomes: string[] = [];
    const watch = (client: string, n: number) =>
      queue.acquire(client).then(
        (release) => {
          outcomes.push(`${client}${n} ran`);
          release();
        },
        (error: Error & { code?: string }) => outcomes.push(`${client}${n} ${error.code}`),
      );
    const waits = [watch('a', 1), watch('a', 2), watch('a', 3)];
    // Full: b takes the place of a's newest.
    waits.push(watch('b', 1));
    await settled();
    expect(outcomes).toEqual(['a3 OVERLOADED']);
    // Full again, and a (the largest) asking once more is refused itself.
    waits.push(watch('a', 4));
    await settled();
    expect(outcomes).toEqual(['a3 OVERLOADED', 'a4 OVERLOADED']);
    expect(queue.queued).toBe(3);
    running();
    await Promise.all(waits);
    expect(outcomes.slice(2)).toEqual(['a1 ran', 'b1 ran', 'a2 ran']);
  });

  it('forgets a waiter whose client leaves, and a client that has gone asks for nothing', async () => {
    const queue = new FairQueue({ slots: 1, maxQueued: 10, what: 'tile queries' });
    const running = await queue.acquire('a');
    const leaving = new AbortController();
    const waiting = queue.acquire('b', leaving.signal);
    leaving.abort(new Error('b left'));
    await expect(waiting).rejects.toThrow('b left');
    expect(queue.queued).toBe(0);
    await expect(queue.acquire('c', leaving.signal)).rejects.toThrow('b left');
    running();
    running(); // a second release gives back nothing
    expect(queue.running).toBe(0);
  });

  it('never runs more than its slots nor queues more than its bound, whatever clients do', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.record({ client: fc.constantFrom('a', 'b', 'c', 'd'), release: fc.boolean() }), { maxLength: 80 }), async (steps) => {
        const queue = new FairQueue({ slots: 2, maxQueued: 5, what: 'renders' });
        const held: (() => void)[] = [];
        for (const step of steps) {
          if (step.release && held.length > 0) held.shift()!();
          else void queue.acquire(step.client).then((release) => held.push(release), () => {});
          await settled();
          expect(queue.running).toBeLessThanOrEqual(2);
          expect(queue.queued).toBeLessThanOrEqual(5);
          // A slot is never idle while someone waits.
          if (queue.queued > 0) expect(queue.running).toBe(2);
        }
      }),
      { numRuns: 100 },
    );
  });
});
