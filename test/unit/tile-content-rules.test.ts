import { describe, expect, it } from 'vitest';
import { loadConfig, parseConfig } from '../../src/config/load-config.ts';
import type { LayerContent } from '../../src/core/tile-content.ts';
import { zoomsDrawnFrom } from '../../src/grids/metatile.ts';
import { sweref99tm } from '../../src/grids/swedish-grids.ts';
import { equivalentZoom } from '../../src/grids/tile-grid.ts';
import { webMercatorQuad } from '../../src/grids/web-mercator-quad.ts';
import { loadStyles, type LoadedStyle } from '../../src/styles/style-store.ts';
import { contentFromStyles, labelContentOf, tileContentOf } from '../../src/styles/tile-content-rules.ts';

const config = loadConfig({});
const styles = loadStyles(config.render.stylesDir, new Set(config.tilesets.map((t) => t.id)));
const tileset = (id: string) => config.tilesets.find((t) => t.id === id)!;
const byId = (layers: readonly LayerContent[]) => new Map(layers.map((l) => [l.layer.id, l]));

describe('tile content that follows the styles', () => {
  it('draws a level over the zooms every client draws it at, and the first and last levels beyond them', () => {
    expect(zoomsDrawnFrom(webMercatorQuad, 8, [0, 18])).toEqual([6.5, 9]);
    expect(zoomsDrawnFrom(webMercatorQuad, 0, [0, 18])).toEqual([-Infinity, 1]);
    expect(zoomsDrawnFrom(webMercatorQuad, 18, [0, 18])).toEqual([16.5, Infinity]);
    const e = equivalentZoom(sweref99tm, 5);
    expect(zoomsDrawnFrom(sweref99tm, 5, [0, 13])).toEqual([e - 1.5, e + 1]);
  });

  it('leaves out at z8 the streets no style draws below z9–z12, and keeps the motorways', () => {
    const z8 = byId(contentFromStyles(tileset('sodertorn'), styles).layersAt(webMercatorQuad, 8));
    // motorvag (no minzoom) and vagnummer (minzoom 8): motorways only; vag-huvud starts at 9, within [6.5, 9) it is not.
    expect(z8.get('vag')?.keep).toEqual({ op: 'in', key: 'klass', values: ['motorväg'] });
    expect(z8.get('vag')?.attributes).toEqual(['klass', 'namn']);
    expect(z8.get('mark')?.keep).toEqual({ op: 'not', arg: { op: 'in', key: 'klass', values: ['vatten'] } });
    // Land cover is merged up to its merge.maxzoom (11), every feature: only fills draw it.
    expect(z8.get('mark')?.merge).toEqual({ op: 'true' });
    // Streets too, except the motorways the route-number symbols are placed on.
    expect(z8.get('vag')?.merge).toEqual({ op: 'not', arg: { op: 'in', key: 'klass', values: ['motorväg'] } });
    const z9 = byId(contentFromStyles(tileset('sodertorn'), styles).layersAt(webMercatorQuad, 9));
    expect(z9.get('vag')?.keep).toEqual({ op: 'in', key: 'klass', values: ['huvudgata', 'motorväg'] });
    const z12 = byId(contentFromStyles(tileset('sodertorn'), styles).layersAt(webMercatorQuad, 12));
    expect(z12.get('mark')?.merge).toBeUndefined();
  });

  it('keeps only the attributes some style reads: a building\'s height is drawn by none', () => {
    const z14 = byId(contentFromStyles(tileset('sodertorn'), styles).layersAt(webMercatorQuad, 14));
    expect(z14.get('byggnad')?.attributes).toEqual(['andamal']);
    expect(z14.get('byggnad')?.keep).toBeUndefined();
    // kommun is drawn as a border only (kommungrans reads nothing), its label from kommun_etikett.
    expect(z14.get('kommun')?.attributes).toEqual([]);
    // The label layer ends at its maxzoom 11, as the style layer drawing it does.
    expect(z14.has('kommun_etikett')).toBe(false);
    expect(byId(contentFromStyles(tileset('sodertorn'), styles).layersAt(webMercatorQuad, 11)).get('kommun_etikett')?.attributes).toEqual(['namn']);
    // Below the zooms a style draws it at (kommun-namn from 8): not in the tile.
    expect(byId(contentFromStyles(tileset('sodertorn'), styles).layersAt(webMercatorQuad, 6)).has('kommun_etikett')).toBe(false);
  });

  it('cuts a render buffer\'s tiles with what labels need: no buildings or land cover, the streets names are placed on', () => {
    const labels = labelContentOf(tileset('sodertorn'), styles)!;
    expect(labels.mode).toBe('labels');
    const z13 = byId(labels.layersAt(webMercatorQuad, 13));
    const served = byId(contentFromStyles(tileset('sodertorn'), styles).layersAt(webMercatorQuad, 13));
    // Only fills draw them.
    expect(z13.has('byggnad')).toBe(false);
    expect(z13.has('mark')).toBe(false);
    expect(served.has('byggnad')).toBe(true);
    // Streets with a name to place, and the attributes the labels read.
    expect(z13.get('vag')?.keep).toBeDefined();
    expect(z13.get('vag')?.attributes).toContain('namn');
    expect(labels.fingerprint(webMercatorQuad, 13)).not.toBe(contentFromStyles(tileset('sodertorn'), styles).fingerprint(webMercatorQuad, 13));
    // Tiles that carry everything have no cut of their own.
    expect(labelContentOf({ ...tileset('sodertorn'), content: 'full' }, styles)).toBeUndefined();
  });

  it('serves every feature and attribute of a tileset no style draws, and of one configured content: full', () => {
    expect(tileContentOf(tileset('byggnader'), styles).mode).toBe('full');
    expect(byId(tileContentOf(tileset('byggnader'), styles).layersAt(webMercatorQuad, 14)).get('byggnad')).toEqual({ layer: tileset('byggnader').layers[0], attributes: ['andamal', 'hojd'] });
    const full = { ...tileset('sodertorn'), content: 'full' as const };
    const z8 = byId(tileContentOf(full, styles).layersAt(webMercatorQuad, 8));
    expect(z8.get('vag')).toEqual({ layer: full.layers.find((l) => l.id === 'vag'), attributes: ['klass', 'namn'] });
    expect(z8.get('mark')?.merge).toBeUndefined();
  });

  it('keeps everything a style layer reads without naming it, and what no filter it cannot compile can exclude', () => {
    const { tilesets } = parseConfig({ tilesets: [{ id: 't', layers: [{ id: 'l', table: 'l', srid: 3006, attributes: ['a', 'b', 'c'] }] }] });
    const style = (layers: unknown[]): LoadedStyle => ({ id: 's', path: 's.json', sources: new Map([['src', 't']]), style: { version: 8, sources: { src: { type: 'vector', tiles: [] } }, layers } as never });
    const at = (layers: unknown[]) => contentFromStyles(tilesets[0]!, [style(layers)]).layersAt(webMercatorQuad, 10)[0];
    expect(at([{ id: 'x', type: 'symbol', source: 'src', 'source-layer': 'l', layout: { 'text-field': '{b}' } }])?.attributes).toEqual(['b']);
    expect(at([{ id: 'x', type: 'symbol', source: 'src', 'source-layer': 'l', layout: { 'text-field': ['get', ['concat', 'a', '']] } }])?.attributes).toEqual(['a', 'b', 'c']);
    expect(at([{ id: 'x', type: 'fill', source: 'src', 'source-layer': 'l', paint: { 'fill-color': { property: 'c', type: 'categorical', stops: [['x', '#000']] } } }])?.attributes).toEqual(['c']);
    // Two style layers: the union of what they keep and read.
    const two = at([
      { id: 'x', type: 'line', source: 'src', 'source-layer': 'l', filter: ['==', ['get', 'a'], 'p'] },
      { id: 'y', type: 'line', source: 'src', 'source-layer': 'l', filter: ['==', ['get', 'a'], 'q'], paint: { 'line-width': ['get', 'b'] } },
    ]);
    expect(two?.keep).toEqual({ op: 'in', key: 'a', values: ['p', 'q'] });
    expect(two?.attributes).toEqual(['a', 'b']);
    // A layer drawn by no style layer in range is not in the tile.
    expect(at([{ id: 'x', type: 'line', source: 'src', 'source-layer': 'l', minzoom: 12 }])).toBeUndefined();
    expect(at([{ id: 'x', type: 'line', source: 'src', 'source-layer': 'l', maxzoom: 8.5 }])).toBeUndefined();
    expect(at([{ id: 'x', type: 'line', source: 'src', 'source-layer': 'l', maxzoom: 9 }])).toBeDefined();
  });

  it('names what a level carries in 8 hex digits, which change with the styles and the layers, not between runs', () => {
    const rules = () => contentFromStyles(tileset('sodertorn'), styles);
    expect(rules().fingerprint(webMercatorQuad, 8)).toMatch(/^[0-9a-f]{8}$/);
    expect(rules().fingerprint(webMercatorQuad, 8)).toBe(rules().fingerprint(webMercatorQuad, 8));
    expect(rules().fingerprint(webMercatorQuad, 8)).not.toBe(rules().fingerprint(webMercatorQuad, 9));
    // vag-lokal drawn from z8: the z8 content changes, the z14 content does not.
    const changed = styles.map((s) => ({ ...s, style: { ...s.style, layers: s.style.layers.map((l) => (l.id === 'vag-lokal' ? { ...l, minzoom: 8 } : l)) } }));
    const other = contentFromStyles(tileset('sodertorn'), changed);
    expect(other.fingerprint(webMercatorQuad, 8)).not.toBe(rules().fingerprint(webMercatorQuad, 8));
    expect(other.fingerprint(webMercatorQuad, 14)).toBe(rules().fingerprint(webMercatorQuad, 14));
    // A layer attribute added in the configuration changes it too.
    const more = { ...tileset('sodertorn'), layers: tileset('sodertorn').layers.map((l) => (l.id === 'vag' ? { ...l, filter: 'id > 0' } : l)) };
    expect(contentFromStyles(more, styles).fingerprint(webMercatorQuad, 8)).not.toBe(rules().fingerprint(webMercatorQuad, 8));
  });

  it('adds a layer\'s zoomFilters at the levels of their zooms, in both contents', () => {
    const withFilters = { ...tileset('sodertorn'), layers: tileset('sodertorn').layers.map((l) => (l.id === 'vag' ? { ...l, zoomFilters: [{ minzoom: 0, maxzoom: 9, filter: 'ST_Length(geom) > 1000' }] } : l)) };
    for (const rules of [contentFromStyles(withFilters, styles), tileContentOf({ ...withFilters, content: 'full' }, styles)]) {
      expect(byId(rules.layersAt(webMercatorQuad, 9)).get('vag')?.where).toBe('(ST_Length(geom) > 1000)');
      expect(byId(rules.layersAt(webMercatorQuad, 10)).get('vag')?.where).toBeUndefined();
    }
  });
});

