import { VectorTile } from '@mapbox/vector-tile';
import GeoJSONVT from 'geojson-vt';
import { PbfReader } from 'pbf';
import { fromGeojsonVt } from 'vt-pbf';
import { describe, expect, it } from 'vitest';
import { EXIT_USAGE, runCli, type CliIo } from '../../src/cli.ts';
import { evenSample, levelSizes, mvtLayerSizes, quantile } from '../../src/core/tile-size-stats.ts';

/** An MVT of two layers: `n` points and one line, cut by geojson-vt and encoded by vt-pbf. */
function tileOf(n: number): Uint8Array {
  const points = { type: 'FeatureCollection', features: Array.from({ length: n }, (_, i) => ({ type: 'Feature', properties: { namn: `p${i}` }, geometry: { type: 'Point', coordinates: [-170 + i, 10] } })) };
  const line = { type: 'FeatureCollection', features: [{ type: 'Feature', properties: {}, geometry: { type: 'LineString', coordinates: [[-170, -10], [170, 10]] } }] };
  const tile = (fc: object) => new GeoJSONVT(fc as never, { maxZoom: 0, indexMaxZoom: 0 }).getTile(0, 0, 0)!;
  return fromGeojsonVt({ punkt: tile(points), linje: tile(line) }, { version: 2 });
}

describe('tile size statistics', () => {
  it('reads each layer’s bytes and features as an MVT decoder sees them, the layer bytes adding up to the tile', () => {
    const mvt = tileOf(40);
    const sizes = mvtLayerSizes(mvt);
    const decoded = new VectorTile(new PbfReader(mvt));
    expect(sizes.map((l) => [l.name, l.features])).toEqual(Object.entries(decoded.layers).map(([name, layer]) => [name, layer.length]));
    expect(sizes.find((l) => l.name === 'punkt')!.features).toBe(40);
    // Each layer is a length-delimited field: its bytes plus a tag and a length of a few bytes each.
    const framing = mvt.byteLength - sizes.reduce((sum, l) => sum + l.bytes, 0);
    expect(framing).toBeGreaterThanOrEqual(2 * sizes.length);
    expect(framing).toBeLessThanOrEqual(4 * sizes.length);
    expect(mvtLayerSizes(new Uint8Array(0))).toEqual([]);
  });

  it('summarises a level: nearest-rank quantiles, every tile counted for every layer, heaviest layer first, tiles over budget', () => {
    expect(quantile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 0.95)).toBe(10);
    expect(quantile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 0.5)).toBe(5);
    expect(quantile([], 0.5)).toBe(0);
    const level = levelSizes(
      8,
      [
        { x: 1, y: 1, bytes: 900, gzipBytes: 400, layers: [{ name: 'vag', bytes: 800, features: 30 }, { name: 'mark', bytes: 90, features: 3 }] },
        { x: 2, y: 1, bytes: 100, gzipBytes: 60, layers: [{ name: 'mark', bytes: 95, features: 4 }] },
      ],
      500,
    );
    expect(level.layers.map((l) => l.name)).toEqual(['vag', 'mark']);
    expect(level.layers[0]!.bytes).toEqual({ p50: 0, p95: 800, max: 800 });
    expect(level.bytes).toEqual({ p50: 100, p95: 900, max: 900 });
    expect(level.overBudget).toEqual([{ x: 1, y: 1, bytes: 900 }]);
  });

  it('samples evenly and deterministically, first and last included', () => {
    const items = Array.from({ length: 101 }, (_, i) => i);
    expect(evenSample(items, 5)).toEqual([0, 25, 50, 75, 100]);
    expect(evenSample(items, 500)).toHaveLength(101);
    expect(evenSample(items, 1)).toEqual([0]);
  });
});

describe('tile-sizes command line', () => {
  const capture = (): CliIo & { stderr: string[] } => {
    const stderr: string[] = [];
    return { stderr, out: () => undefined, err: (l) => stderr.push(l), env: {} };
  };
  it.each([
    [[], /--tileset is required/],
    [['--tileset', 'a'], /--zoom is required/],
    [['--tileset', 'a', '--zoom', '8', '--sample', '0'], /--sample must be between 1 and 10000/],
    [['--tileset', 'a', '--zoom', '8', '--kommun', '181'], /four-digit municipality code/],
  ])('exits 2 with a clear message for %j', async (argv, message) => {
    const io = capture();
    expect(await runCli(['tile-sizes', ...argv], io)).toBe(EXIT_USAGE);
    expect(io.stderr.join('\n')).toMatch(message);
  });
});
