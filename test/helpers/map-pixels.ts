import type pg from 'pg';
import sharp from 'sharp';

/** The water colour of the grundkarta style (tokens.yaml colour.vatten). */
export const WATER = [0xa9, 0xcd, 0xe8];

/**
 * Whether a colour is within `levels` of another on every channel: raster tiles are
 * palette PNGs, whose palette holds a flat colour to within a level or two.
 */
export function isNearColour(rgb: readonly number[], expected: readonly number[], levels = 2): boolean {
  return expected.every((v, i) => Math.abs(v - rgb[i]!) <= levels);
}

/** The RGB of one pixel of an encoded image. */
export async function rgbAt(image: Buffer, col: number, row: number): Promise<number[]> {
  const { data, info } = await sharp(image).raw().toBuffer({ resolveWithObject: true });
  const i = (row * info.width + col) * info.channels;
  return [...data.subarray(i, i + 3)];
}

/**
 * A point well inside water in the test data, in an EPSG code's CRS: the sea (2 km from its
 * shore) or the largest named lake (150 m from its shore), so a map of it shows water there.
 */
export async function waterPoint(db: pg.Pool, srid: number, water: 'hav' | 'sjö'): Promise<[number, number]> {
  const inset = water === 'hav' ? 2000 : 150;
  const { rows } = await db.query<{ x: number; y: number }>(
    `SELECT ST_X(p) AS x, ST_Y(p) AS y FROM (
       SELECT ST_Transform(ST_PointOnSurface(ST_Buffer(geom, -$2::float8)), $1::int) AS p FROM vatten
       WHERE typ = $3 AND ($3 = 'hav' OR namn IS NOT NULL) ORDER BY ST_Area(geom) DESC LIMIT 1) s`,
    [srid, inset, water],
  );
  return [rows[0]!.x, rows[0]!.y];
}

/**
 * The share of pixels two images of the same size agree on: no RGB channel further apart
 * than `tolerance` (0–255). Two renderers of one style differ in anti-aliasing and text.
 */
export async function pixelAgreement(a: Buffer, b: Buffer, tolerance: number): Promise<number> {
  const [x, y] = await Promise.all([a, b].map((png) => sharp(png).removeAlpha().raw().toBuffer({ resolveWithObject: true })));
  if (x!.info.width !== y!.info.width || x!.info.height !== y!.info.height) throw new Error(`sizes differ: ${x!.info.width}×${x!.info.height} and ${y!.info.width}×${y!.info.height}`);
  const pixels = x!.info.width * x!.info.height;
  let agreeing = 0;
  for (let i = 0; i < pixels * 3; i += 3) {
    const d = Math.max(Math.abs(x!.data[i]! - y!.data[i]!), Math.abs(x!.data[i + 1]! - y!.data[i + 1]!), Math.abs(x!.data[i + 2]! - y!.data[i + 2]!));
    if (d <= tolerance) agreeing++;
  }
  return agreeing / pixels;
}

/**
 * The engine's own map of an extent (WMS 1.3.0 GetMap of a style), the reference a client's
 * drawing is compared with. `bbox` is easting first; EPSG:3006 and 3011 are sent northing first.
 */
export async function wmsMap(engineUrl: string, crs: string, [xmin, ymin, xmax, ymax]: readonly number[], [width, height]: readonly [number, number], style = 'grundkarta'): Promise<Buffer> {
  const bbox = crs === 'EPSG:3006' || crs === 'EPSG:3011' ? [ymin, xmin, ymax, xmax] : [xmin, ymin, xmax, ymax];
  const query = new URLSearchParams({ SERVICE: 'WMS', VERSION: '1.3.0', REQUEST: 'GetMap', LAYERS: style, STYLES: '', CRS: crs, BBOX: bbox.join(','), WIDTH: String(width), HEIGHT: String(height), FORMAT: 'image/png' });
  const res = await fetch(`${engineUrl}/wms?${query}`);
  if (res.status !== 200) throw new Error(`WMS GetMap answered ${res.status}: ${await res.text()}`);
  return Buffer.from(await res.arrayBuffer());
}
