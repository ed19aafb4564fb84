import { describe, expect, it } from 'vitest';
import { copyField, copyRow, toEwkt } from '../../tools/demo/copy-text.ts';
import { createTableSql, quoteIdent } from '../../tools/demo/load-postgis.ts';

describe('COPY text', () => {
  it('escapes backslash, tab, newline and carriage return, and writes null as \\N', () => {
    expect(copyField('Storgatan 12')).toBe('Storgatan 12');
    expect(copyField('a\\b\tc\nd\re')).toBe('a\\\\b\\tc\\nd\\re');
    expect(copyField(null)).toBe('\\N');
    expect(copyField(undefined)).toBe('\\N');
    expect(copyField(12.5)).toBe('12.5');
    expect(() => copyField(Number.NaN)).toThrow(RangeError);
  });

  it('joins fields with tabs and ends rows with a newline', () => {
    expect(copyRow([1, 'sjö', null, 'SRID=3006;POINT(1 2)'])).toBe('1\tsjö\t\\N\tSRID=3006;POINT(1 2)\n');
  });

  it('writes EWKT for points, lines and polygons with holes', () => {
    expect(toEwkt({ type: 'Point', coordinates: [674000.25, 6570000] }, 3006)).toBe('SRID=3006;POINT(674000.25 6570000)');
    expect(toEwkt({ type: 'LineString', coordinates: [[0, 0], [1, 1]] }, 3006)).toBe('SRID=3006;LINESTRING(0 0,1 1)');
    const square = [[0, 0], [4, 0], [4, 4], [0, 4], [0, 0]];
    const hole = [[1, 1], [1, 2], [2, 2], [2, 1], [1, 1]];
    expect(toEwkt({ type: 'Polygon', coordinates: [square, hole] }, 3006)).toBe('SRID=3006;POLYGON((0 0,4 0,4 4,0 4,0 0),(1 1,1 2,2 2,2 1,1 1))');
    expect(() => toEwkt({ type: 'MultiPoint', coordinates: [] }, 3006)).toThrow(TypeError);
    expect(() => toEwkt({ type: 'Point', coordinates: [Number.POSITIVE_INFINITY, 0] }, 3006)).toThrow(RangeError);
  });
});

describe('table SQL', () => {
  it('quotes identifiers and refuses impossible ones', () => {
    expect(quoteIdent('byggnad')).toBe('"byggnad"');
    expect(quoteIdent('odd"name')).toBe('"odd""name"');
    expect(() => quoteIdent('')).toThrow(RangeError);
    expect(() => quoteIdent('a\u0000b')).toThrow(RangeError);
  });

  it('creates each layer table with typed columns and a typed geometry', () => {
    expect(createTableSql('"s"."byggnad"', 'byggnad')).toBe(
      'CREATE TABLE "s"."byggnad" (id bigint NOT NULL, "andamal" text NOT NULL, "hojd" real NOT NULL, geom geometry(Polygon, 3006) NOT NULL)',
    );
    expect(createTableSql('"public"."vatten"', 'vatten')).toContain('"namn" text, geom geometry(Polygon, 3006) NOT NULL');
    expect(createTableSql('"public"."adress"', 'adress')).toContain('geom geometry(Point, 3006)');
  });
});
