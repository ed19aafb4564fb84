import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load-config.ts';
import { mvtLayerSizes } from '../../src/core/tile-size-stats.ts';
import { tileSizes } from '../../src/tile-sizes-command.ts';
import { startEngine } from '../helpers/engine.ts';
import { TEST_DATABASE_URL } from '../helpers/test-db.ts';

/** The tile-sizes report over the test database: what it measures is what the tile route serves. */
const config = () => {
  const base = loadConfig({});
  return { ...base, database: { ...base.database, url: TEST_DATABASE_URL }, cache: { ...base.cache, redis: { ...base.cache.redis, enabled: false }, disk: { ...base.cache.disk, enabled: false } } };
};

async function report(request: Partial<Parameters<typeof tileSizes>[1]>) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await tileSizes(config(), { tileset: 'sodertorn', zoom: [8, 8], kommun: ['0181'], sample: 50, budgetBytes: 500 * 1024, ...request }, { out: (l) => out.push(l), err: (l) => err.push(l) });
  return { code, out, err };
}

describe('tile-sizes', { timeout: 90_000 }, () => {
  it('reports each level’s spread and its layers, heaviest first, with the bytes the tile route serves', async () => {
    // A budget of one byte lists every tile, heaviest first.
    const { code, out } = await report({ zoom: [7, 8], budgetBytes: 1 });
    expect(code).toBe(0);
    const z8 = out.findIndex((l) => l.startsWith('z8: '));
    const [, max] = /^z8: 2 tiles; raw p50 [\d.]+ KB, p95 [\d.]+ KB, max ([\d.]+) KB; gzip p95 [\d.]+ KB; over 0.0 KB: 2$/.exec(out[z8]!)!;
    const layerLines = out.slice(z8 + 1).filter((l) => l.startsWith('  ') && !l.includes('over budget'));
    expect(layerLines.map((l) => l.trim().split(/\s+/)[0])).toEqual(expect.arrayContaining(['mark', 'vag', 'kommun_etikett']));
    const heaviest = /over budget: (8\/\d+\/\d+) ([\d.]+) KB/.exec(out.slice(z8).find((l) => l.includes('over budget'))!)!;
    expect(heaviest[2]).toBe(max);
    const engine = await startEngine();
    try {
      const served = new Uint8Array(await (await fetch(`${engine.url}/tiles/sodertorn/${heaviest[1]}.mvt`)).arrayBuffer());
      expect((served.byteLength / 1024).toFixed(1)).toBe(max);
      // Its heaviest layer is among the layers reported, with no more bytes than their max.
      const top = mvtLayerSizes(served).sort((a, b) => b.bytes - a.bytes)[0]!;
      const topLine = layerLines.find((l) => l.trim().startsWith(`${top.name} `))!;
      expect(Number(/max\s+([\d.]+) KB/.exec(topLine)![1])).toBeGreaterThanOrEqual(Number((top.bytes / 1024).toFixed(1)));
    } finally {
      await engine.close();
    }
  });

  it('lists the tiles over the budget, and says which levels are not served', async () => {
    const { out } = await report({ zoom: [8, 25], budgetBytes: 1024 });
    expect(out.some((l) => /^ {2}over budget: 8\/\d+\/\d+ [\d.]+ KB$/.test(l))).toBe(true);
    expect(out).toContain('z19: not served (levels 0–18)');
  });

  it('answers an unknown tileset or municipality with a message and exit code 1', async () => {
    const unknown = await report({ tileset: 'okänd' });
    expect(unknown.code).toBe(1);
    expect(unknown.err.join('\n')).toMatch(/okänd/);
    const nowhere = await report({ kommun: ['9999'] });
    expect(nowhere.code).toBe(1);
    expect(nowhere.err.join('\n')).toMatch(/no municipality with code 9999/);
  });
});
