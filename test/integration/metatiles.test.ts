import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import pixelmatch from 'pixelmatch';
import { loadConfig } from '../../src/config/load-config.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEngine, type RunningEngine } from '../helpers/engine.ts';

/**
 * Metatiles and labels: a metatile is drawn once for all its tiles, and a label that
 * crosses the edge between two metatiles is drawn whole on both sides.
 */
async function rgba(res: Response): Promise<{ data: Buffer; width: number; height: number }> {
  expect(res.status).toBe(200);
  const { data, info } = await sharp(Buffer.from(await res.arrayBuffer())).ensureAlpha().raw().toBuffer({ resolveWithObject: true });
  return { data, width: info.width, height: info.height };
}

function differingFraction(a: { data: Buffer; width: number; height: number }, b: { data: Buffer }): number {
  return pixelmatch(a.data, b.data, undefined, a.width, a.height, { threshold: 0.13 }) / (a.width * a.height);
}

async function health(url: string): Promise<{ renders: { completed: number } }> {
  return (await (await fetch(`${url}/health`)).json()) as { renders: { completed: number } };
}

let running: RunningEngine;
beforeAll(async () => {
  running = await startEngine();
});
afterAll(() => running?.close());

describe('metatiles', () => {
  it('read the vector tiles only under their buffer with what labels need, and draw the same pixels as from whole tiles', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'metatile-cuts-'));
    const cut = await startEngine({ overrides: { cache: { disk: { enabled: true, dir, maxBytes: 64 * 1024 * 1024 } } } });
    // Tiles that carry everything: every cut of them is the whole tile.
    const whole = await startEngine({ overrides: { tilesets: loadConfig({}).tilesets.map((t) => ({ ...t, content: 'full' as const })) } });
    try {
      // Street names and town labels round Huddinge centre at z14 and z15 (no level merges there), and
      // "Västerhaninge", anchored under the buffer of the block east of it, reaching into its tile 4508 (see below).
      for (const path of ['/tiles/grundkarta/13/4508/2418.png', '/tiles/grundkarta/14/9009/4825.png', '/tiles/grundkarta/14/9010/4826.png', '/tiles/grundkarta/15/18021/9653.png', '/tiles/gra/14/9011/4827.png']) {
        const [a, b] = await Promise.all([cut, whole].map(async (e) => Buffer.from(await (await fetch(`${e.url}${path}`)).arrayBuffer())));
        expect(a!.equals(b!), `${path}: the same bytes`).toBe(true);
      }
      const files = (readdirSync(dir, { recursive: true }) as string[]).map(String);
      expect(files.some((f) => f.includes('.lbl.')), 'the buffer\'s tiles cut for labels').toBe(true);
      expect(files.some((f) => /\.mvt\./.test(f)), 'the block\'s own tiles as served').toBe(true);
    } finally {
      await Promise.all([cut.close(), whole.close()]);
    }
  });

  it('draw the 16 tiles of a 4 × 4 block in one render, shared by concurrent requests', async () => {
    const before = (await health(running.url)).renders.completed;
    const paths: string[] = [];
    for (let y = 4824; y < 4828; y++) for (let x = 9008; x < 9012; x++) paths.push(`/tiles/grundkarta/14/${x}/${y}.png`);
    const answers = await Promise.all(paths.map((p) => fetch(`${running.url}${p}`)));
    expect(answers.map((a) => a.status)).toEqual(paths.map(() => 200));
    const images = await Promise.all(answers.map((a) => a.arrayBuffer()));
    expect(new Set(images.map((b) => Buffer.from(b).toString('base64'))).size).toBe(16);
    expect((await health(running.url)).renders.completed - before).toBe(1);
    // Asked again right after, the block's tiles are served without drawing it again.
    await Promise.all(paths.slice(0, 4).map(async (p) => expect((await fetch(`${running.url}${p}`)).status).toBe(200)));
    expect((await health(running.url)).renders.completed - before).toBe(1);
  });

  // "Västerhaninge" is anchored 10 px west of the edge between the metatiles 4504–4507 and
  // 4508–4511 of XYZ zoom 13: its label crosses into tile 4508.
  const WEST = '/tiles/grundkarta/13/4507/2418.png';
  const EAST = '/tiles/grundkarta/13/4508/2418.png';

  it('draw a label that crosses the edge between two metatiles whole on both sides', async () => {
    // The reference: a metatile of 8, in which the same edge lies inside one block.
    const wide = await startEngine({ overrides: { render: { metatile: 8 } } });
    // The control: no buffer, so the label is cut where the blocks meet.
    const bare = await startEngine({ overrides: { render: { metatileBufferPx: 0 } } });
    try {
      for (const path of [WEST, EAST]) {
        const [blocks, reference, unbuffered] = await Promise.all([running.url, wide.url, bare.url].map(async (u) => rgba(await fetch(`${u}${path}`))));
        expect(differingFraction(blocks!, reference!), `${path} with 4 × 4 metatiles vs inside an 8 × 8 one`).toBeLessThan(0.001);
        if (path === EAST) expect(differingFraction(unbuffered!, reference!), 'without a buffer the label is cut').toBeGreaterThan(0.002);
      }
    } finally {
      await Promise.all([wide.close(), bare.close()]);
    }
  });
});
