import { createWriteStream } from 'node:fs';
import { mkdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Geometry, Position } from 'geojson';
import { LAYER_NAMES, LAYER_TABLES, type BaseMap, type DemoFeature, type LayerName } from './layers.ts';
import { toWgs84 } from './projection.ts';

/** What writeDemoFiles wrote for one layer. */
export interface WrittenFile {
  readonly layer: LayerName;
  readonly path: string;
  readonly features: number;
  readonly bytes: number;
}

/** 7 decimals of a degree is ~1 cm: as precise as the EPSG:3006 source (rounded to cm). */
const DECIMALS = 1e7;
/** Features are written in chunks of about this many characters (bounded memory, few writes). */
const CHUNK_CHARS = 1 << 16;

function position(p: Position): Position {
  const [lon, lat] = toWgs84(p[0]!, p[1]!);
  return [Math.round(lon * DECIMALS) / DECIMALS, Math.round(lat * DECIMALS) / DECIMALS];
}

/** An EPSG:3006 geometry in WGS84, rounded to 7 decimals. */
export function geometryToWgs84(geometry: Geometry): Geometry {
  switch (geometry.type) {
    case 'Point':
      return { type: 'Point', coordinates: position(geometry.coordinates) };
    case 'LineString':
      return { type: 'LineString', coordinates: geometry.coordinates.map(position) };
    case 'Polygon':
      return { type: 'Polygon', coordinates: geometry.coordinates.map((ring) => ring.map(position)) };
    default:
      throw new TypeError(`geometryToWgs84 does not handle ${geometry.type} geometries`);
  }
}

/**
 * One GeoJSON Feature as JSON, properties in the table's column order: the same map gives the
 * same bytes.
 */
export function featureJson(layer: LayerName, f: DemoFeature): string {
  const properties: Record<string, string | number | null> = {};
  for (const c of LAYER_TABLES[layer].columns) properties[c.name] = f.properties[c.name] ?? null;
  return JSON.stringify({ type: 'Feature', id: f.id, geometry: geometryToWgs84(f.geometry), properties });
}

/** A FeatureCollection, one feature per line (diffable), in chunks. */
function* collectionChunks(layer: LayerName, features: Iterable<DemoFeature>, counter: { features: number }): Generator<string> {
  let chunk = '{"type":"FeatureCollection","features":[';
  for (const f of features) {
    chunk += `${counter.features === 0 ? '\n' : ',\n'}${featureJson(layer, f)}`;
    counter.features++;
    if (chunk.length >= CHUNK_CHARS) {
      yield chunk;
      chunk = '';
    }
  }
  yield `${chunk}\n]}\n`;
}

/**
 * Writes `<dir>/<layer>.geojson` for every layer: RFC 7946 FeatureCollections in WGS84, feature
 * `id` = the table's id, `properties` = its attribute columns. Streams, so any scale fits.
 */
export async function writeDemoFiles(map: BaseMap, dir: string): Promise<WrittenFile[]> {
  await mkdir(dir, { recursive: true });
  const written: WrittenFile[] = [];
  for (const layer of LAYER_NAMES) {
    const path = join(dir, `${layer}.geojson`);
    const counter = { features: 0 };
    await pipeline(Readable.from(collectionChunks(layer, map[layer](), counter), { objectMode: false }), createWriteStream(path));
    written.push({ layer, path, features: counter.features, bytes: (await stat(path)).size });
  }
  return written;
}
