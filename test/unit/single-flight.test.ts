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
    const pa = flights.run('t', c.produce, { signal: a.signal });
    const pb = flights.run('t', c.produce, { signal: b.signal });
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

  it('starts nothing for a caller that has already gone, and never leaves a rejection unhandled', async () => {
    // The engine died of this: a client left while its request waited on a stalled cache
    // tier; the production started for it was aborted at once and its rejection had no handler.
    const escaped: unknown[] = [];
    const onUnhandled = (reason: unknown) => escaped.push(reason);
    process.on('unhandledRejection', onUnhandled);
    try {
      const flights = new SingleFlight<string>();
      const gone = new AbortController();
      gone.abort(new Error('the client went away'));
      let runs = 0;
      const failing = async (signal: AbortSignal) => {
        runs++;
        await new Promise((r) => setTimeout(r, 1));
        throw signal.reason ?? new Error('failed');
      };
      await expect(flights.run('t', failing, { signal: gone.signal })).rejects.toThrow('went away');
      expect(runs).toBe(0);
      expect(flights.size).toBe(0);
      // Every caller leaves a production that then fails: still handled.
      const leaving = new AbortController();
      const p = flights.run('u', failing, { signal: leaving.signal });
      leaving.abort(new Error('left'));
      await expect(p).rejects.toThrow('left');
      // A production that fails with no caller holding a signal is still each caller's to see.
      await expect(flights.run('v', failing)).rejects.toThrow('failed');
      await new Promise((r) => setTimeout(r, 20));
      expect(escaped).toEqual([]);
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  });

  it('joins a running production only when the caller may, else starts a new one for later callers', async () => {
    const flights = new SingleFlight<string, number>();
    const old = controllable();
    const pOld = flights.run('t', old.produce, { tag: 5 });
    // A caller that must see changes after 5 may not take what started at 5.
    const fresh = controllable();
    const pNew = flights.run('t', fresh.produce, { tag: 9, mayJoin: (tag) => tag !== undefined && tag >= 9 });
    expect(old.state.runs).toBe(1);
    expect(fresh.state.runs).toBe(1);
    // Later callers join the newest production.
    const pLater = flights.run('t', fresh.produce, { tag: 9, mayJoin: (tag) => tag !== undefined && tag >= 9 });
    expect(fresh.state.runs).toBe(1);
    old.finish('old tile');
    fresh.finish('new tile');
    expect(await pOld).toBe('old tile');
    expect(await pNew).toBe('new tile');
    expect(await pLater).toBe('new tile');
    expect(flights.size).toBe(0);
  });
});
