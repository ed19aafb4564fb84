import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEngine, type RunningEngine } from '../helpers/engine.ts';

/** Hot tiles are answered from memory before routing: the answers must be the slow path's, byte for byte. */
let running: RunningEngine;
beforeAll(async () => {
  running = await startEngine({ database: null });
});
afterAll(() => running?.close());

const TILE = '/tiles/sodertorn/14/9010/4826.mvt';

async function answer(path: string, headers: Record<string, string> = {}, method = 'GET') {
  const res = await fetch(`${running.url}${path}`, { method, headers });
  return { status: res.status, headers: Object.fromEntries(res.headers), body: Buffer.from(await res.arrayBuffer()) };
}

async function hits(): Promise<number> {
  return ((await (await fetch(`${running.url}/health`)).json()) as { cache: { hits: { memory: number } } }).cache.hits.memory;
}

describe('the fast path for cached tiles', () => {
  it('answers what the slow path answered: headers, body, gzip, 304 and HEAD', async () => {
    const slow = await answer(TILE, { 'Accept-Encoding': 'identity' });
    const before = await hits();
    const fast = await answer(TILE, { 'Accept-Encoding': 'identity' });
    expect(await hits()).toBe(before + 1);
    expect(fast.status).toBe(200);
    expect(fast.body.equals(slow.body)).toBe(true);
    for (const h of ['content-type', 'cache-control', 'etag', 'access-control-allow-origin', 'vary', 'content-length']) expect(fast.headers[h], h).toBe(slow.headers[h]);

    const zipped = await answer(TILE, { 'Accept-Encoding': 'gzip' });
    expect(zipped.headers['content-encoding']).toBe('gzip');
    // fetch decodes gzip itself: the bytes are the tile.
    expect(zipped.body.equals(slow.body)).toBe(true);

    const notModified = await answer(TILE, { 'If-None-Match': slow.headers.etag! });
    expect(notModified.status).toBe(304);
    expect(notModified.body.length).toBe(0);

    const head = await answer(TILE, {}, 'HEAD');
    expect(head.status).toBe(200);
    expect(head.body.length).toBe(0);
  });

  it('serves gzip a client asked for through a raw socket, as valid gzip of the tile', async () => {
    const slow = await answer(TILE, { 'Accept-Encoding': 'identity' });
    const { request } = await import('node:http');
    const raw = await new Promise<Buffer>((resolve, reject) => {
      request(`${running.url}${TILE}`, { headers: { 'Accept-Encoding': 'gzip' } }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c)).on('end', () => resolve(Buffer.concat(chunks)));
      }).on('error', reject).end();
    });
    expect(gunzipSync(raw).equals(slow.body)).toBe(true);
  });

  it('leaves URLs with a query, other methods and unknown tiles to the router', async () => {
    expect((await answer(`${TILE}?x=1`)).status).toBe(200);
    expect((await answer(TILE, {}, 'DELETE')).status).toBe(405);
    expect((await answer('/tiles/sodertorn/14/9010/999999.mvt')).status).toBe(400);
  });
});
