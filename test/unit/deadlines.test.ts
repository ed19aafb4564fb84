import { describe, expect, it } from 'vitest';
import { Deadlines } from '../../src/http/deadlines.ts';

describe('request deadlines', () => {
  it('expire each deadline once, at a sweep after its time, and never one taken back', () => {
    let now = 1000;
    const deadlines = new Deadlines(10, () => now);
    const expired: string[] = [];
    deadlines.add({ at: 1030, expire: () => expired.push('a') });
    const stop = deadlines.add({ at: 1030, expire: () => expired.push('b') });
    deadlines.add({ at: 2000, expire: () => expired.push('late') });
    stop();
    now = 1029;
    deadlines.sweep();
    expect(expired).toEqual([]);
    now = 1040;
    deadlines.sweep();
    expect(expired).toEqual(['a']);
    deadlines.sweep();
    expect(expired).toEqual(['a']);
    now = 2000;
    deadlines.sweep();
    expect(expired).toEqual(['a', 'late']);
  });
});
