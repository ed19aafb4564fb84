import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { StyleSpecification } from '@maplibre/maplibre-gl-style-spec';
import sharp from 'sharp';
import { afterAll, describe, expect, it } from 'vitest';
import { MERCATOR_HALF_EXTENT } from '../../src/grids/web-mercator-quad.ts';
import { compareImages, premultiply } from '../../tools/render-suite/compare.ts';
import { skipReason } from '../../tools/render-suite/eligibility.ts';
import { buildRasterTiles } from '../../tools/render-suite/raster-sources.ts';
import { listCases, parseCaseSpec } from '../../tools/render-suite/load-case.ts';
import { formatTable, summarize } from '../../tools/render-suite/report.ts';
import type { CaseResult } from '../../tools/render-suite/run-case.ts';
import { buildSourceTiles, fillTileUrl, resolveLocalUrl } from '../../tools/render-suite/sources.ts';
import { coveringTiles, tileBbox, tileZoomFor, viewOf } from '../../tools/render-suite/view.ts';

const style = (extra: Record<string, unknown>): StyleSpecification => ({ version: 8, sources: {}, layers: [], ...extra }) as StyleSpecification;

describe('parseCaseSpec', () => {
  it('fills in the suite defaults', () => {
    expect(parseCaseSpec(style({}))).toEqual({
      width: 512, height: 512, pixelRatio: 1, allowed: 0.00015, center: [0, 0], zoom: 0, bearing: 0, pitch: 0, extras: [],
    });
  });

  it('reads metadata.test and the view, ignoring values of the wrong kind', () => {
    const spec = parseCaseSpec(
      style({
        metadata: { test: { width: 64, height: 'tall', pixelRatio: 2, allowed: 0.001, operations: [['wait']] } },
        center: [18.1, 59.3],
        zoom: 14.5,
        bearing: 90,
      }),
    );
    expect(spec).toMatchObject({ width: 64, height: 512, pixelRatio: 2, allowed: 0.001, center: [18.1, 59.3], zoom: 14.5, bearing: 90 });
    expect(spec.extras).toEqual(['operations']);
  });
});

describe('skipReason', () => {
  const spec = parseCaseSpec(style({}));
  const vector = { src: { type: 'vector', tiles: ['local://tiles/{z}-{x}-{y}.mvt'] } };

  it('lets through what the Skia renderer draws', () => {
    const s = style({ sources: vector, layers: [{ id: 'f', type: 'fill', source: 'src', 'source-layer': 'a' }] });
    expect(skipReason(s, spec)).toBeUndefined();
  });

  it('names what it cannot do; hidden layers do not count', () => {
    const s = style({
      sources: { ...vector, img: { type: 'image', url: 'local://image/0.png', coordinates: [] } },
      layers: [
        { id: 's', type: 'symbol', source: 'src', 'source-layer': 'a', layout: { 'icon-image': 'x', 'text-writing-mode': ['vertical'] } },
        { id: 't', type: 'symbol', source: 'src', 'source-layer': 'a', layout: { 'symbol-placement': 'line' } },
        { id: 'p', type: 'fill', source: 'src', 'source-layer': 'a', paint: { 'fill-pattern': 'x' } },
        { id: 'r', type: 'raster', source: 'img', layout: { visibility: 'none' } },
      ],
    });
    expect(skipReason(s, spec)).toBe('vertical text');
    const cjk = style({
      sources: { g: { type: 'geojson', data: { type: 'Feature', properties: { name: '中国' }, geometry: { type: 'LineString', coordinates: [[0, 0], [1, 1]] } } } },
      layers: [{ id: 'c', type: 'symbol', source: 'g', layout: { 'symbol-placement': 'line', 'text-field': '{name}' } }],
    });
    expect(skipReason(cjk, spec)).toBe('upright CJK glyphs along lines');
    expect(skipReason(style({}), { ...spec, bearing: 45 })).toBeUndefined();
    expect(skipReason(style({}), { ...spec, pitch: 30 })).toBe('pitch (3D view)');
  });

  it('draws raster layers of raster and image sources, not hillshade over raster-dem', () => {
    const rasters = style({
      sources: { sat: { type: 'raster', tiles: ['local://tiles/{z}.png'] }, img: { type: 'image', url: 'local://image/0.png', coordinates: [] } },
      layers: [
        { id: 'r', type: 'raster', source: 'sat' },
        { id: 'i', type: 'raster', source: 'img' },
      ],
    });
    expect(skipReason(rasters, spec)).toBeUndefined();
    const dem = style({ sources: { dem: { type: 'raster-dem', tiles: ['local://x'] } }, layers: [{ id: 'h', type: 'hillshade', source: 'dem' }] });
    expect(skipReason(dem, spec)).toBe('hillshade layers');
  });
});

describe('local:// URLs', () => {
  it('resolve inside the suite folder only', () => {
    expect(resolveLocalUrl('local://tiles/0-0-0.mvt', '/suite')).toBe('/suite/tiles/0-0-0.mvt');
    expect(resolveLocalUrl('http://localhost:2900/tiles/a.png', '/suite')).toBe('/suite/tiles/a.png');
    expect(resolveLocalUrl('local://../etc/passwd', '/suite')).toBeUndefined();
    expect(resolveLocalUrl('https://example.com/a.mvt', '/suite')).toBeUndefined();
  });

  it('fill tile templates, TMS rows flipped', () => {
    expect(fillTileUrl('local://tiles/{z}-{x}-{y}.mvt', { z: 2, x: 1, y: 0 })).toBe('local://tiles/2-1-0.mvt');
    expect(fillTileUrl('local://tiles/{z}-{x}-{y}.mvt', { z: 2, x: 1, y: 0 }, 'tms')).toBe('local://tiles/2-1-3.mvt');
  });
});

describe('view and tiles', () => {
  it('centres the view; zoom 0 at 512 px is the whole world', () => {
    const view = viewOf(parseCaseSpec(style({})));
    expect(view.bbox[0]).toBeCloseTo(-MERCATOR_HALF_EXTENT, 3);
    expect(view.bbox[3]).toBeCloseTo(MERCATOR_HALF_EXTENT, 3);
    expect(coveringTiles(view.bbox, 0)).toEqual([{ z: 0, x: 0, y: 0, wrappedX: 0 }]);
  });

  it('picks tile zooms like MapLibre and wraps world copies', () => {
    expect(tileZoomFor(14.7, { maxzoom: 14 }, false)).toBe(14);
    expect(tileZoomFor(13.7, {}, false)).toBe(13);
    expect(tileZoomFor(13.7, { tileSize: 256 }, true)).toBe(15);
    expect(tileZoomFor(3, { minzoom: 5 }, false)).toBeUndefined();
    const [west] = coveringTiles([-MERCATOR_HALF_EXTENT - 10, -1, -MERCATOR_HALF_EXTENT + 10, 1], 1);
    expect(west).toEqual({ z: 1, x: -1, y: 0, wrappedX: 1 });
    expect(tileBbox(west!)[2]).toBeCloseTo(-MERCATOR_HALF_EXTENT, 3);
  });
});

describe('GeoJSON sources', () => {
  const folder = mkdtempSync(join(tmpdir(), 'render-suite-'));
  afterAll(() => rmSync(folder, { recursive: true, force: true }));
  const point = { type: 'Feature', properties: {}, geometry: { type: 'Point', coordinates: [10, 10] } };
  const view = viewOf(parseCaseSpec(style({})));

  it('tiles inline and file GeoJSON; broken data gives no tiles and a note', () => {
    mkdirSync(join(folder, 'data'));
    writeFileSync(join(folder, 'data', 'p.geojson'), JSON.stringify(point));
    writeFileSync(join(folder, 'data', 'bad.geojson'), '{ nope');
    const s = style({
      sources: {
        inline: { type: 'geojson', data: point },
        file: { type: 'geojson', data: 'local://data/p.geojson' },
        bad: { type: 'geojson', data: 'local://data/bad.geojson' },
        none: { type: 'geojson' },
      },
    });
    const { tiles, notes } = buildSourceTiles(s, view, folder);
    expect(tiles.map((t) => t.sourceId)).toEqual(['inline', 'file']);
    expect(tiles[0]!.mvt.length).toBeGreaterThan(0);
    expect(notes).toHaveLength(1);
    expect(notes[0]).toMatch(/^source bad:/);
  });

  it('decodes the raster tiles covering the view at the rounded zoom, and image sources with their corners', async () => {
    mkdirSync(join(folder, 'tiles'), { recursive: true });
    const png = (rgb: number[]) => sharp({ create: { width: 4, height: 4, channels: 4, background: { r: rgb[0]!, g: rgb[1]!, b: rgb[2]!, alpha: 1 } } }).png();
    await png([255, 0, 0]).toFile(join(folder, 'tiles', '1-0-0.png'));
    await png([0, 0, 255]).toFile(join(folder, 'tiles', '1-1-1.png'));
    // Zoom 0.4 over the world at 256-px tiles: MapLibre rounds 1.4 to level 1, four tiles, two on disk.
    const world = { ...view, zoom: 0.4 };
    const s = style({
      sources: {
        sat: { type: 'raster', tiles: ['local://tiles/{z}-{x}-{y}.png'], tileSize: 256 },
        img: { type: 'image', url: 'local://tiles/1-0-0.png', coordinates: [[-10, 10], [10, 10], [10, -10], [-10, -10]] },
        broken: { type: 'image', url: 'local://tiles/1-0-0.png', coordinates: [[0, 0]] },
      },
    });
    const { tiles, notes } = await buildRasterTiles(s, world, folder);
    expect(tiles.map((t) => t.sourceId)).toEqual(['sat', 'sat', 'img']);
    expect(tiles[0]!.bbox).toEqual(tileBbox({ z: 1, x: 0, y: 0, wrappedX: 0 }));
    expect([...tiles[1]!.image!.data.subarray(0, 4)]).toEqual([0, 0, 255, 255]);
    expect(tiles[2]!.corners![0]![0]).toBeCloseTo(-MERCATOR_HALF_EXTENT / 18, 3);
    expect(tiles[2]!.bbox[2]).toBeCloseTo(MERCATOR_HALF_EXTENT / 18, 3);
    expect(notes).toEqual([expect.stringMatching(/^source broken:/)]);
  });

  it('lists cases by group, filtered', () => {
    mkdirSync(join(folder, 'tests', 'fill-color', 'literal'), { recursive: true });
    mkdirSync(join(folder, 'tests', 'line-width', 'literal'), { recursive: true });
    writeFileSync(join(folder, 'tests', 'fill-color', 'literal', 'style.json'), '{}');
    writeFileSync(join(folder, 'tests', 'line-width', 'literal', 'style.json'), '{}');
    expect(listCases(folder).map((c) => c.id)).toEqual(['fill-color/literal', 'line-width/literal']);
    expect(listCases(folder, 'line').map((c) => c.group)).toEqual(['line-width']);
  });
});

describe('comparison', () => {
  const solid = (w: number, h: number, rgba: number[]) => ({ width: w, height: h, data: new Uint8Array(Array.from({ length: w * h }, () => rgba).flat()) });

  it('premultiplies colour by alpha', () => {
    expect([...premultiply(new Uint8Array([200, 100, 50, 128, 9, 9, 9, 0, 1, 2, 3, 255]))]).toEqual([100, 50, 25, 128, 0, 0, 0, 0, 1, 2, 3, 255]);
  });

  it('counts differing pixels as a fraction, within the suite threshold', () => {
    const a = solid(4, 4, [255, 255, 255, 255]);
    expect(compareImages(a, solid(4, 4, [255, 255, 255, 255])).diffFraction).toBe(0);
    // A faint tint stays under threshold 0.13; black on white does not.
    expect(compareImages(a, solid(4, 4, [250, 250, 250, 255])).diffFraction).toBe(0);
    const b = solid(4, 4, [255, 255, 255, 255]);
    b.data.set([0, 0, 0, 255], (1 * 4 + 1) * 4);
    b.data.set([0, 0, 0, 255], (2 * 4 + 2) * 4);
    expect(compareImages(a, b)).toEqual({ diffPixels: 2, diffFraction: 2 / 16 });
    // Transparent is compared as if over white.
    expect(compareImages(a, solid(4, 4, [0, 0, 0, 0])).diffFraction).toBe(0);
    expect(() => compareImages(a, solid(2, 2, [0, 0, 0, 0]))).toThrow(/size/);
  });
});

describe('summary', () => {
  const r = (group: string, status: CaseResult['status'], diffFraction: number | null): CaseResult => ({ id: `${group}/x`, group, status, diffFraction, allowed: 0.00015 });

  it('counts per group and in total', () => {
    const results = [r('b', 'compared', 0), r('b', 'compared', 0.005), r('b', 'compared', 0.2), r('a', 'skipped', null), r('a', 'error', null)];
    const summary = summarize(results);
    expect(summary.groups.map((g) => g.group)).toEqual(['a', 'b']);
    expect(summary.groups[1]).toEqual({ group: 'b', tests: 3, compared: 3, passBar: 1, within1: 2, skipped: 0, errors: 0 });
    expect(summary.total).toMatchObject({ tests: 5, compared: 3, passBar: 1, within1: 2, skipped: 1, errors: 1 });
    const table = formatTable(summary).split('\n');
    expect(table[0]).toMatch(/^group\s+tests\s+compared\s+suite bar/);
    expect(table.at(-1)).toMatch(/^total\s+5\s+3\s+1\s+2\s+1\s+1$/);
  });
});
