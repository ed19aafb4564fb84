import { describe, expect, it } from 'vitest';
import { SingleFlight } from '../../cache/single-flight.ts';

/** A production that resolves when told to and records whether it was aborted. */
function controllable() {
  let resolve!: (v: string) => void;
  const state = { runs: 0, aborted: false };
  const produce = (signal: AbortSignal) => {
    state.runs++;
    signal.addEventListener('abort', () => (state.aborted = true));
    return new Promise<string>((r) => (resolve = r));
  };
  return { produce, state, finish: (v: string) => resolve(v) };
}

describe('SingleFlight', () => {
  it('runs one production for concurrent callers of a key and forgets it when settled', async () => {
    const flights = new SingleFlight<string>();
    const c = controllable();
    const all = Promise.all(Array.from({ length: 1000 }, () => flights.run('t', c.produce)));
    expect(c.state.runs).toBe(1);
    expect(flights.size).toBe(1);
    c.finish('tile');
    expect(new Set(await all)).toEqual(new Set(['tile']));
    expect(flights.size).toBe(0);
  });

  it('keeps the production while any caller still waits, and aborts it when all have gone', async () => {
    const flights = new SingleFlight<string>();
    const c = controllable();
    const a = new AbortController();
    const b = new AbortController();
    const pa = flights.run('t', c.produce, a.signal);
    const pb = flights.run('t', c.produce, b.signal);
    a.abort(new Error('a left'));
    await expect(pa).rejects.toThrow('a left');
    expect(c.state.aborted).toBe(false);
    b.abort(new Error('b left'));
    await expect(pb).rejects.toThrow('b left');
    expect(c.state.aborted).toBe(true);
    // A new caller after everyone left starts afresh.
    const again = controllable();
    const pc = flights.run('t', again.produce);
    again.finish('fresh');
    expect(await pc).toBe('fresh');
  });
});
