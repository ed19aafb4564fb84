import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import pixelmatch from 'pixelmatch';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEngine, type RunningEngine } from '../helpers/engine.ts';

/**
 * Golden images of the Södertörn style, compared with a tolerance. References are
 * written only when BLESS_GOLDEN=1 is set by a person who looked at them; CI never does.
 */
const GOLDEN_DIR = 'test/golden';
const BLESS = process.env.BLESS_GOLDEN === '1';
/** Fraction of pixels allowed to differ (anti-aliasing across Skia builds), with pixelmatch's 0.13 colour threshold. */
const ALLOWED = 0.002;

const CASES = [
  { name: 'xyz-10-huddinge', path: '/tiles/grundkarta/10/563/301@2x.png' },
  { name: 'xyz-14-huddinge', path: '/tiles/grundkarta/14/9010/4826@2x.png' },
  { name: 'xyz-15-nynashamn', path: '/tiles/grundkarta/15/18017/9712.png' },
  { name: 'sweref99tm-9', path: '/tiles/grundkarta/3006/9/913/942@2x.png' },
  { name: 'sweref991800-7-handen', path: '/tiles/grundkarta/3011/7/308/466.png' },
];

let running: RunningEngine;
beforeAll(async () => {
  running = await startEngine();
});
afterAll(() => running?.close());

async function rgba(png: Buffer): Promise<{ data: Buffer; width: number; height: number }> {
  const { data, info } = await sharp(png).ensureAlpha().raw().toBuffer({ resolveWithObject: true });
  return { data, width: info.width, height: info.height };
}

describe('golden images of the Södertörn style', () => {
  it.each(CASES)('$name matches its reference', async ({ name, path }) => {
    const res = await fetch(`${running.url}${path}`);
    expect(res.status).toBe(200);
    const png = Buffer.from(await res.arrayBuffer());
    const file = join(GOLDEN_DIR, `${name}.png`);
    if (BLESS) {
      mkdirSync(GOLDEN_DIR, { recursive: true });
      writeFileSync(file, png);
    }
    expect(existsSync(file), `${file} is missing: render it with BLESS_GOLDEN=1 and look at it before committing`).toBe(true);
    const actual = await rgba(png);
    const expected = await rgba(readFileSync(file));
    expect([actual.width, actual.height]).toEqual([expected.width, expected.height]);
    const differing = pixelmatch(actual.data, expected.data, undefined, actual.width, actual.height, { threshold: 0.13 });
    expect(differing / (actual.width * actual.height)).toBeLessThanOrEqual(ALLOWED);
  });
});

describe('seams between neighbouring raster tiles', () => {
  /** Mean absolute RGB difference between two pixel columns. */
  function columnDiff(a: { data: Buffer; width: number; height: number }, colA: number, b: { data: Buffer; width: number }, colB: number): number {
    let sum = 0;
    for (let row = 0; row < a.height; row++) {
      for (let c = 0; c < 3; c++) sum += Math.abs(a.data[(row * a.width + colA) * 4 + c]! - b.data[(row * b.width + colB) * 4 + c]!);
    }
    return sum / (a.height * 3);
  }

  it.each([
    ['XYZ z14', '/tiles/grundkarta/14/9010/4826.png', '/tiles/grundkarta/14/9011/4826.png'],
    ['3006 level 10', '/tiles/grundkarta/3006/10/1827/1885.png', '/tiles/grundkarta/3006/10/1828/1885.png'],
  ])('%s: the shared edge continues, no gap or double line', async (_name, leftPath, rightPath) => {
    const [left, right] = await Promise.all([leftPath, rightPath].map(async (p) => rgba(Buffer.from(await (await fetch(`${running.url}${p}`)).arrayBuffer()))));
    const across = columnDiff(left!, left!.width - 1, right!, 0);
    // Two neighbouring columns inside one tile differ this much; across the seam must not differ more.
    const inside = Math.max(columnDiff(left!, left!.width - 2, left!, left!.width - 1), columnDiff(right!, 0, right!, 1));
    expect(across).toBeLessThanOrEqual(inside * 2 + 2);
  });
});
