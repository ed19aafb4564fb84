import { describe, expect, it } from 'vitest';
import { EngineError } from '../../src/errors.ts';
import { webMercatorQuad } from '../../src/grids/web-mercator-quad.ts';
import { parseTileCoordinates } from '../../src/pipeline/tile-coordinates.ts';

const zoom = { minzoom: 2, maxzoom: 16, tilesetId: 'sodertorn' };
const parse = (z: string, x: string, y: string) => parseTileCoordinates(webMercatorQuad, zoom, { z, x, y });

function errorOf(fn: () => unknown): EngineError {
  try {
    fn();
  } catch (error) {
    if (error instanceof EngineError) return error;
    throw error;
  }
  throw new Error('expected an EngineError');
}

describe('parseTileCoordinates', () => {
  it('accepts valid tiles', () => {
    expect(parse('14', '9010', '4826')).toEqual({ z: 14, x: 9010, y: 4826 });
    expect(parse('2', '0', '3')).toEqual({ z: 2, x: 0, y: 3 });
  });

  it('names the valid zoom range of the tileset', () => {
    const e = errorOf(() => parse('17', '0', '0'));
    expect(e.code).toBe('ZOOM_OUT_OF_RANGE');
    expect(e.status).toBe(400);
    expect(e.message).toContain('2–16');
    expect(errorOf(() => parse('1', '0', '0')).code).toBe('ZOOM_OUT_OF_RANGE');
  });

  it('names the valid x and y range at the zoom', () => {
    const e = errorOf(() => parse('10', '1024', '0'));
    expect(e.code).toBe('INVALID_TILE_COORDINATE');
    expect(e.message).toBe('x must be an integer 0–1023 at zoom 10, got "1024"');
    expect(errorOf(() => parse('10', '0', '1024')).message).toContain('y must be an integer 0–1023');
  });

  it.each([['a', '0', '0'], ['1.5', '0', '0'], ['10', '-1', '0'], ['10', '0x1', '0'], ['10', '01', '0'], ['10', '', '0'], ['10', '1e3', '0'], ['99999999999999', '0', '0']])(
    'rejects %s/%s/%s as a 400',
    (z, x, y) => {
      expect(errorOf(() => parse(z, x, y)).status).toBe(400);
    },
  );
});
