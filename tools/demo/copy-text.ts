import type { Geometry, Position } from 'geojson';

/**
 * Text for PostgreSQL's COPY … FROM STDIN (text format): EWKT geometries and escaped values.
 * Pure functions, so the escaping rules are unit-tested without a database.
 */

function coordinate(value: number): string {
  if (!Number.isFinite(value)) throw new RangeError(`coordinate ${value} is not a finite number`);
  return String(value);
}

function positions(list: readonly Position[]): string {
  return list.map((p) => `${coordinate(p[0]!)} ${coordinate(p[1]!)}`).join(',');
}

/** EWKT of a Point, LineString or Polygon: `SRID=3006;POLYGON((x y,…))`, accepted by geometry input. */
export function toEwkt(geometry: Geometry, srid: number): string {
  switch (geometry.type) {
    case 'Point':
      return `SRID=${srid};POINT(${positions([geometry.coordinates])})`;
    case 'LineString':
      return `SRID=${srid};LINESTRING(${positions(geometry.coordinates)})`;
    case 'Polygon':
      return `SRID=${srid};POLYGON(${geometry.coordinates.map((ring) => `(${positions(ring)})`).join(',')})`;
    default:
      throw new TypeError(`toEwkt does not handle ${geometry.type} geometries`);
  }
}

/**
 * One field in COPY text format: `\N` for null; backslash, tab, newline and carriage return
 * escaped, since they would otherwise end the field or the row.
 */
export function copyField(value: string | number | null | undefined): string {
  if (value === null || value === undefined) return '\\N';
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new RangeError(`value ${value} is not a finite number`);
    return String(value);
  }
  return value.replace(/[\\\t\n\r]/g, (c) => (c === '\\' ? '\\\\' : c === '\t' ? '\\t' : c === '\n' ? '\\n' : '\\r'));
}

/** One COPY text row: fields separated by tabs, ending in a newline. */
export function copyRow(values: readonly (string | number | null | undefined)[]): string {
  return `${values.map(copyField).join('\t')}\n`;
}
