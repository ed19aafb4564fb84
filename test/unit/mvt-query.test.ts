import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load-config.ts';
import { webMercatorQuad } from '../../src/grids/web-mercator-quad.ts';
import { quoteIdent, quoteLiteral, quoteTable } from '../../src/core/sql-quote.ts';
import { labelPointIndexSql, tileQuery } from '../../src/sources/postgis/mvt-query.ts';
import { layersAtZoom } from '../../src/core/tile-content.ts';
import type { LayerConfig } from '../../src/config/schema.ts';

const everything = (layers: readonly LayerConfig[]) => layers.map((layer) => ({ layer, attributes: layer.attributes }));

describe('MVT query builder', () => {
  it('quotes identifiers and literals so names cannot inject SQL', () => {
    expect(quoteIdent('a"b')).toBe('"a""b"');
    expect(quoteTable('s.t"; DROP TABLE x; --')).toBe('"s"."t""; DROP TABLE x; --"');
    expect(quoteLiteral("it's")).toBe("'it''s'");
  });

  it('builds one statement with bound bounds for the layers of a zoom', () => {
    const { tilesets } = parseConfig({
      tilesets: [
        {
          id: 't',
          layers: [
            { id: 'kommun', table: 'kommun', srid: 3006, attributes: ['namn'], idColumn: 'id' },
            { id: 'byggnad', table: 'public.byggnad', srid: 3006, minzoom: 13, attributes: ['andamal'] },
          ],
        },
      ],
    });
    const layers = tilesets[0]!.layers;
    expect(layersAtZoom(layers, 12).map((l) => l.id)).toEqual(['kommun']);
    const sql = tileQuery(everything(layersAtZoom(layers, 14)), webMercatorQuad, { extent: 4096, buffer: 64 });
    // Features in a stable order: by id, else by geometry and attributes.
    expect(sql).toContain(`ST_AsMVT(q, 'kommun', 4096, '__geom', '__id' ORDER BY q."__id", q."__geom", q."namn"::text)`);
    expect(sql).toContain(`ST_AsMVT(q, 'byggnad', 4096, '__geom' ORDER BY q."__geom", q."andamal"::text)`);
    // Ids the catalogue says are unique are enough on their own.
    const unique = tileQuery(everything(layersAtZoom(layers, 14)), webMercatorQuad, { extent: 4096, buffer: 64, uniqueIdLayers: new Set(['kommun']) });
    expect(unique).toContain(`ST_AsMVT(q, 'kommun', 4096, '__geom', '__id' ORDER BY q."__id")`);
    expect(sql).toContain(`FROM "public"."byggnad" t`);
    expect(sql).toContain('ST_MakeEnvelope($1, $2, $3, $4, 3857)');
    expect(sql).toContain('ST_Transform(t."geom", 3857)');
    expect(sql.match(/ \|\| /g)).toHaveLength(1);
    expect(sql).not.toMatch(/\$5/);
  });

  it('writes a label point layer as one point per row, found in the layer\'s own CRS before it is transformed', () => {
    const { tilesets } = parseConfig({ tilesets: [{ id: 't', layers: [{ id: 'etikett', table: 'kommun', srid: 3006, attributes: ['namn'], labelPoint: true }] }] });
    const sql = tileQuery(everything(tilesets[0]!.layers), webMercatorQuad, { extent: 4096, buffer: 64 });
    const point = 'CASE WHEN ST_Dimension(t."geom") = 2 THEN (ST_MaximumInscribedCircle(t."geom")).center ELSE ST_PointOnSurface(t."geom") END';
    expect(sql).toContain(`ST_Transform(${point}, 3857)`);
    // The prefilter tests the point too, the expression of its index.
    expect(sql).toMatch(new RegExp(`t\\."geom" && ST_Transform\\(ST_Segmentize\\(.*\\) AND ${point.replace(/[()."]/g, '\\$&')} && ST_Transform`));
    expect(labelPointIndexSql(tilesets[0]!.layers[0]!)).toBe(`CREATE INDEX IF NOT EXISTS "kommun_geom_label_idx" ON "kommun" USING gist ((${point.replaceAll('t."geom"', '"geom"')}))`);
  });

  it('merges the features of a tile by their attributes, by geometry type, keeping those a label is placed on apart', () => {
    const { tilesets } = parseConfig({ tilesets: [{ id: 't', layers: [{ id: 'vag', table: 'vag', srid: 3006, idColumn: 'id', attributes: ['klass', 'namn'] }, { id: 'mark', table: 'mark', srid: 3006, idColumn: 'id', attributes: ['klass'] }] }] });
    const [vag, mark] = tilesets[0]!.layers as [LayerConfig, LayerConfig];
    const attributeTypes = new Map([
      ['vag', new Map([['geom', 'geometry(LineString,3006)'], ['klass', 'text'], ['namn', 'text']])],
      ['mark', new Map([['geom', 'geometry(Polygon,3006)'], ['klass', 'text']])],
    ]);
    const opts = { extent: 4096, buffer: 64, uniqueIdLayers: new Set(['vag', 'mark']), attributeTypes };
    const motorways = { op: 'in', key: 'klass', values: ['motorväg'] } as const;
    const streets = tileQuery([{ layer: vag, attributes: vag.attributes, merge: { op: 'not', arg: motorways } }], webMercatorQuad, opts);
    expect(streets).toContain('ST_LineMerge(ST_Collect(t."geom"))');
    expect(streets).toContain('NULL::bigint AS "__id"');
    expect(streets).toContain(`GROUP BY t."klass", t."namn"`);
    // What a label is placed on is kept apart, with its id; merged features come first.
    expect(streets).toContain(`UNION ALL SELECT ST_AsMVTGeom(ST_Transform(t."geom", 3857)`);
    expect(streets).toContain(`NOT (NOT (COALESCE(t."klass"::text IN ('motorväg'), false)))`);
    expect(streets).toContain(`ORDER BY q."__id" NULLS FIRST, q."klass"::text, q."namn"::text)`);
    const cover = tileQuery([{ layer: mark, attributes: mark.attributes, merge: { op: 'true' } }], webMercatorQuad, opts);
    expect(cover).toContain('ST_Union(ST_MakeValid(t."geom"))');
    expect(cover).not.toContain('UNION ALL');
  });
});

