import { describe, expect, it } from 'vitest';
import { HttpMetrics } from '../../src/http/metrics.ts';

describe('/metrics text', () => {
  it('is rendered once per second however many scrape it, so a flood of scrapes costs one rendering', async () => {
    let now = 0;
    const metrics = new HttpMetrics({ renderQueue: () => 0, queryQueue: () => 0, renderTimings: () => undefined, cache: () => undefined }, () => now);
    metrics.observe('tile', 200, 0.01);
    const texts = await Promise.all(Array.from({ length: 100 }, () => metrics.text()));
    expect(new Set(texts).size).toBe(1);
    metrics.observe('tile', 200, 0.01);
    now = 999;
    expect(await metrics.text()).toBe(texts[0]);
    now = 1000;
    const fresh = await metrics.text();
    expect(fresh).not.toBe(texts[0]);
    expect(fresh.toString()).toMatch(/sodertorn_http_requests_total\{route="tile",status="200"\} 2/);
  });
});
