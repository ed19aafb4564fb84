import type { TilesetInfo } from '../sources/tile-source.ts';

/** TileJSON 3.0.0 document for a vector tileset (https://github.com/mapbox/tilejson-spec). */
export interface TileJson {
  tilejson: '3.0.0';
  tiles: string[];
  name: string;
  description?: string;
  attribution?: string;
  scheme: 'xyz';
  minzoom: number;
  maxzoom: number;
  bounds: [number, number, number, number];
  center: [number, number, number];
  vector_layers: { id: string; fields: Record<string, string>; minzoom: number; maxzoom: number; description?: string }[];
}

/** The whole world in WGS84, as TileJSON defaults its bounds. */
const WORLD: [number, number, number, number] = [-180, -85.0511287798066, 180, 85.0511287798066];

/** Builds a tileset's TileJSON with tile URLs under baseUrl. */
export function buildTileJson(info: TilesetInfo, baseUrl: string): TileJson {
  const bounds: [number, number, number, number] = info.bounds ? [...info.bounds] : WORLD;
  const centerZoom = Math.min(Math.max(info.minzoom, 10), info.maxzoom);
  return {
    tilejson: '3.0.0',
    tiles: [`${baseUrl}/tiles/${encodeURIComponent(info.id)}/{z}/{x}/{y}.mvt`],
    name: info.name,
    ...(info.description === undefined ? {} : { description: info.description }),
    ...(info.attribution === undefined ? {} : { attribution: info.attribution }),
    scheme: 'xyz',
    minzoom: info.minzoom,
    maxzoom: info.maxzoom,
    bounds,
    center: [(bounds[0] + bounds[2]) / 2, (bounds[1] + bounds[3]) / 2, centerZoom],
    vector_layers: info.layers.map((l) => ({
      id: l.id,
      fields: { ...l.fields },
      minzoom: Math.max(l.minzoom, info.minzoom),
      maxzoom: Math.min(l.maxzoom, info.maxzoom),
      ...(l.description === undefined ? {} : { description: l.description }),
    })),
  };
}
