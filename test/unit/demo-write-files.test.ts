import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { LAYER_NAMES, generateBaseMap } from '../../tools/demo/generate.ts';
import { fromWgs84, toWgs84 } from '../../tools/demo/projection.ts';
import { featureJson, writeDemoFiles } from '../../tools/demo/write-files.ts';

const dirs: string[] = [];
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

describe('projection', () => {
  it('puts Huddinge where SWEREF 99 TM has it and round-trips to the millimetre', () => {
    const [x, y] = fromWgs84(17.982, 59.237);
    expect(x).toBeCloseTo(670107, -1);
    expect(y).toBeCloseTo(6570248, -1);
    const [lon, lat] = toWgs84(x, y);
    expect(lon).toBeCloseTo(17.982, 8);
    expect(lat).toBeCloseTo(59.237, 8);
  });
});

describe('writeDemoFiles', () => {
  it('writes one WGS84 FeatureCollection per layer, byte-identical for the same seed', async () => {
    const a = await mkdtemp(join(tmpdir(), 'demo-a-'));
    const b = await mkdtemp(join(tmpdir(), 'demo-b-'));
    dirs.push(a, b);
    const written = await writeDemoFiles(generateBaseMap({ seed: 3, buildings: 300 }), a);
    await writeDemoFiles(generateBaseMap({ seed: 3, buildings: 300 }), b);
    expect(written.map((w) => w.layer)).toEqual(LAYER_NAMES);
    for (const w of written) {
      const bytes = await readFile(w.path, 'utf8');
      expect(await readFile(join(b, `${w.layer}.geojson`), 'utf8'), w.layer).toBe(bytes);
      expect(Buffer.byteLength(bytes)).toBe(w.bytes);
      const collection = JSON.parse(bytes) as { type: string; features: { id: number; geometry: { coordinates: unknown } }[] };
      expect(collection.type).toBe('FeatureCollection');
      expect(collection.features).toHaveLength(w.features);
      const numbers = JSON.stringify(collection.features.map((f) => f.geometry.coordinates)).match(/-?\d+\.\d+/g) ?? [];
      for (const n of numbers) expect(n.split('.')[1]!.length, n).toBeLessThanOrEqual(7);
    }
    const byggnad = JSON.parse(await readFile(join(a, 'byggnad.geojson'), 'utf8')) as { features: { id: number; geometry: { coordinates: number[][][] } }[] };
    expect(byggnad.features).toHaveLength(300);
    const [lon, lat] = byggnad.features[0]!.geometry.coordinates[0]![0]!;
    expect(lon! > 17 && lon! < 18.6 && lat! > 58.7 && lat! < 59.5).toBe(true);
  });

  it('serialises properties in column order with nulls kept', () => {
    const json = featureJson('vatten', { id: 5, geometry: { type: 'Point', coordinates: [674000, 6570000] }, properties: { namn: null, typ: 'sjö' } });
    expect(json).toMatch(/^\{"type":"Feature","id":5,"geometry":\{"type":"Point","coordinates":\[18\.\d{1,7},59\.\d{1,7}\]\},"properties":\{"typ":"sjö","namn":null\}\}$/);
  });
});
