import { describe, expect, it } from 'vitest';
import { Deadlines } from '../../src/http/deadlines.ts';

describe('request deadlines', () => {
  it('expire each deadline once, within a sweep of its time, and never one taken back', async () => {
    const deadlines = new Deadlines(10);
    const expired: string[] = [];
    const start = performance.now();
    deadlines.add({ at: start + 30, expire: () => expired.push('a') });
    const stop = deadlines.add({ at: start + 30, expire: () => expired.push('b') });
    deadlines.add({ at: start + 1000, expire: () => expired.push('late') });
    stop();
    await new Promise((r) => setTimeout(r, 80));
    expect(expired).toEqual(['a']);
    await new Promise((r) => setTimeout(r, 40));
    expect(expired).toEqual(['a']);
  });
});
