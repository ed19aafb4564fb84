import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load-config.ts';
import { tilesetsFromTables, type GeometryTableRow } from '../../src/sources/postgis/discover.ts';

const row = (schema: string, table: string, extra: Partial<GeometryTableRow> = {}): GeometryTableRow => ({
  schema,
  table,
  geometryColumn: 'geom',
  srid: 3006,
  columns: [
    { name: 'id', type: 'integer' },
    { name: 'namn', type: 'text' },
    { name: 'data', type: 'jsonb' },
  ],
  integerKey: 'id',
  ...extra,
});

describe('table discovery', () => {
  it('publishes each geometry table as a one-layer tileset with its simple columns', () => {
    const [ts] = tilesetsFromTables([row('public', 'byggnad')], new Set());
    expect(ts).toEqual({
      id: 'byggnad',
      name: 'public.byggnad',
      minzoom: 0,
      maxzoom: 22,
      layers: [{ id: 'byggnad', table: 'public.byggnad', geometryColumn: 'geom', srid: 3006, idColumn: 'id', attributes: ['namn'], minzoom: 0, maxzoom: 22 }],
    });
    // What discovery produces is a valid configuration.
    expect(() => parseConfig({ tilesets: [ts] })).not.toThrow();
  });

  it('keeps ids unique across schemas, geometry columns and configured tilesets', () => {
    const ids = tilesetsFromTables(
      [row('a', 'vag'), row('b', 'vag'), row('public', 'mark'), row('public', 'mark', { geometryColumn: 'centroid' }), row('public', 'taken')],
      new Set(['taken']),
    ).map((t) => t.id);
    expect(ids).toEqual(['a-vag', 'b-vag', 'mark', 'mark-centroid']);
  });

  it('turns names with spaces or punctuation into safe ids and keeps Swedish letters', () => {
    const [ts] = tilesetsFromTables([row('public', 'Särskild yta; drop', { integerKey: null })], new Set());
    expect(ts!.id).toBe('Särskild_yta__drop');
    expect(ts!.layers[0]!.table).toBe('public.Särskild yta; drop');
    expect(ts!.layers[0]).not.toHaveProperty('idColumn');
    expect(ts!.layers[0]!.attributes).toEqual(['id', 'namn']);
  });
});
