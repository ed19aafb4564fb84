import { readFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateBaseMap, LAYER_NAMES } from '../../tools/demo/generate.ts';
import { writeDemoFiles } from '../../tools/demo/write-files.ts';
import { TEST_DATA } from '../helpers/test-db.ts';
import { startEngine, type RunningEngine } from '../helpers/engine.ts';
import { decodeTile, fetchTile } from '../helpers/mvt.ts';
import { webMercatorQuad } from '../../src/grids/web-mercator-quad.ts';
import { SAMPLE_TILES, SWEDISH_GRID_TILES } from '../helpers/sample-tiles.ts';

/** PostGIS encodes a real column as an MVT float, the GeoJSON path as a double: compare at float precision. */
function asFloat32(properties: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(properties).map(([k, v]) => [k, typeof v === 'number' ? Math.fround(v) : v]));
}

let embedded: RunningEngine;
let postgis: RunningEngine;

beforeAll(async () => {
  [embedded, postgis] = await Promise.all([startEngine({ database: null }), startEngine()]);
});
afterAll(async () => {
  await embedded?.close();
  await postgis?.close();
});

describe('embedded mode (no database)', () => {
  it('ships demo files that are exactly the generator output loaded into the test database', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'demo-'));
    await writeDemoFiles(generateBaseMap(TEST_DATA), dir);
    for (const layer of LAYER_NAMES) {
      expect(readFileSync(join(dir, `${layer}.geojson`)).equals(readFileSync(`data/demo/${layer}.geojson`)), layer).toBe(true);
    }
  });

  it('reports its mode and lists the same tilesets', async () => {
    expect(embedded.engine.mode).toBe('embedded');
    expect(await (await fetch(`${embedded.url}/health`)).json()).toMatchObject({ status: 'ok', mode: 'embedded', renders: { completed: expect.any(Number), queued: 0 }, cache: { enabled: true } });
    const list = async (r: RunningEngine) => ((await (await fetch(`${r.url}/tiles`)).json()) as { tilesets: { id: string }[] }).tilesets.map((t) => t.id);
    expect(await list(embedded)).toEqual(await list(postgis));
  });

  it('describes the same layers and fields in TileJSON', async () => {
    const tj = async (r: RunningEngine) => (await (await fetch(`${r.url}/tiles/sodertorn.json`)).json()) as { vector_layers: unknown[]; bounds: number[] };
    const [a, b] = await Promise.all([tj(embedded), tj(postgis)]);
    expect(a.vector_layers).toEqual(b.vector_layers);
    a.bounds.forEach((v, i) => expect(v).toBeCloseTo(b.bounds[i]!, 3));
  });

  it.each([...SAMPLE_TILES.map((t) => ({ grid: webMercatorQuad, ...t })), ...SWEDISH_GRID_TILES])('serves the same layers and features as PostGIS for $grid.id $z/$x/$y', async ({ grid, z, x, y }) => {
    const path = grid === webMercatorQuad ? `/tiles/sodertorn/${z}/${x}/${y}.mvt` : `/tiles/sodertorn/${grid.id}/${z}/${x}/${y}.mvt`;
    const [a, b] = await Promise.all([fetchTile(`${embedded.url}${path}`), fetchTile(`${postgis.url}${path}`)]);
    expect(a.status).toBe(b.status);
    const fromFiles = decodeTile(a.bytes);
    const fromDb = decodeTile(b.bytes);
    expect(Object.keys(fromFiles).sort()).toEqual(Object.keys(fromDb).sort());
    for (const layer of Object.keys(fromDb)) {
      if (fromDb[layer]!.some((f) => f.id === undefined)) {
        // Merged in PostGIS (layers[].merge), one feature per class; the embedded mode does not merge: its features have those classes.
        const merged = fromDb[layer]!.filter((f) => f.id === undefined).map((f) => JSON.stringify(f.properties));
        const classes = new Set(fromFiles[layer]!.map((f) => JSON.stringify(f.properties)));
        for (const c of merged) expect(classes.has(c), `${layer}: merged class ${c}`).toBe(true);
        expect(new Set(merged).size).toBe(merged.length);
        // Those kept apart (a label is placed on them) are in both, by id.
        const embeddedIds = new Set(fromFiles[layer]!.map((f) => f.id));
        for (const f of fromDb[layer]!.filter((g) => g.id !== undefined)) expect(embeddedIds.has(f.id), `${layer} ${f.id}`).toBe(true);
        continue;
      }
      const ids = (d: typeof fromDb) => new Set(d[layer]!.map((f) => f.id));
      const [fa, fb] = [ids(fromFiles), ids(fromDb)];
      const union = new Set([...fa, ...fb]);
      const differing = [...union].filter((id) => !(fa.has(id) && fb.has(id)));
      // Clipping and snapping differ in the last unit between geojson-vt and PostGIS: a feature
      // touching the buffer's edge may fall on either side. Everything else must agree.
      expect(differing.length, `${layer}: ${differing.length} of ${union.size} differ`).toBeLessThanOrEqual(Math.max(2, union.size * 0.02));
      const props = new Map(fromDb[layer]!.map((f) => [f.id, f.properties]));
      for (const f of fromFiles[layer]!) if (props.has(f.id)) expect(asFloat32(f.properties)).toEqual(asFloat32(props.get(f.id)!));
    }
  });

  it('answers 204 for empty tiles and the same errors', async () => {
    expect((await fetchTile(`${embedded.url}/tiles/sodertorn/10/0/0.mvt`)).status).toBe(204);
    expect((await fetch(`${embedded.url}/tiles/sodertorn/19/0/0.mvt`)).status).toBe(400);
    expect((await fetch(`${embedded.url}/tiles/sodertorn/3006/10/0/0.mvt`)).status).toBe(204);
    expect((await fetch(`${embedded.url}/tiles/sodertorn/3006/14/0/0.mvt`)).status).toBe(400);
    expect((await fetch(`${embedded.url}/tiles/nope/1/0/0.mvt`)).status).toBe(404);
  });
});
