/**
 * The features a style draws at a point of the map (WMS GetFeatureInfo): its layers from
 * the top down, their filters and zoom ranges honoured, each feature's geometry tested
 * against the point with a tolerance of a few pixels. Pure: decoded from the vector tiles
 * the map is drawn from.
 */
import { VectorTile, type VectorTileFeature } from '@mapbox/vector-tile';
import { featureFilter, type FilterSpecification, type LayerSpecification } from '@maplibre/maplibre-gl-style-spec';
import { PbfReader } from 'pbf';
import type { Bbox } from '../grids/tile-grid.ts';

export interface FoundFeature {
  /** The tile layer (the data), e.g. byggnad. */
  readonly layer: string;
  readonly id: number | undefined;
  readonly properties: Readonly<Record<string, string | number | boolean>>;
  /**
   * Its geometry in map units of the view's CRS (x, y), as the tile it was found in holds
   * it (clipped to that tile and its buffer); null when it has more than MAX_VERTICES.
   */
  readonly geometry: Geometry | null;
}

/** GeoJSON geometries, in map units. */
export type Geometry =
  | { readonly type: 'Point' | 'MultiPoint' | 'LineString'; readonly coordinates: unknown }
  | { readonly type: 'MultiLineString' | 'Polygon' | 'MultiPolygon'; readonly coordinates: unknown };

/** Vertices of one feature's geometry an answer carries at most: bounds a GetFeatureInfo answer (a lake's shore can have 100,000s). */
export const MAX_VERTICES = 10_000;

export interface QueryTile {
  /** The style source the tile belongs to. */
  readonly sourceId: string;
  readonly bbox: Bbox;
  readonly mvt: Uint8Array;
}

type Point = { x: number; y: number };

/** Up to `count` features under `point` (map units), topmost layer first, each once. */
export function featuresAt(layers: readonly LayerSpecification[], tiles: readonly QueryTile[], point: readonly [number, number], tolerance: number, zoom: number, count: number): FoundFeature[] {
  const found: FoundFeature[] = [];
  const seen = new Set<string>();
  const decoded = new Map<QueryTile, VectorTile>();
  for (const layer of [...layers].reverse()) {
    if (!('source' in layer) || !('source-layer' in layer) || layer['source-layer'] === undefined) continue;
    if (layer.layout?.visibility === 'none' || zoom < (layer.minzoom ?? 0) || zoom >= (layer.maxzoom ?? 24)) continue;
    const filter = featureFilter(layer.filter as FilterSpecification | undefined, `layers.${layer.id}.filter`);
    for (const tile of tiles) {
      if (tile.sourceId !== layer.source || !near(tile.bbox, point, tolerance)) continue;
      let vt = decoded.get(tile);
      if (!vt) decoded.set(tile, (vt = new VectorTile(new PbfReader(tile.mvt))));
      const data = vt.layers[layer['source-layer']];
      if (!data) continue;
      // The point and tolerance in the tile's own units (origin top left, y down).
      const scale = data.extent / (tile.bbox[2] - tile.bbox[0]);
      const at = { x: (point[0] - tile.bbox[0]) * scale, y: (tile.bbox[3] - point[1]) * scale };
      for (let i = 0; i < data.length; i++) {
        const feature = data.feature(i);
        const key = `${layer['source-layer']}/${feature.id ?? JSON.stringify(feature.properties)}`;
        if (seen.has(key)) continue;
        if (!filter.filter({ zoom }, { type: feature.type, properties: feature.properties, id: feature.id } as never)) continue;
        if (!hits(feature, layer.type, at, tolerance * scale)) continue;
        seen.add(key);
        found.push({ layer: layer['source-layer'], id: feature.id, properties: feature.properties, geometry: geometryOf(feature, tile.bbox, scale) });
        if (found.length >= count) return found;
      }
    }
  }
  return found;
}

function near(bbox: Bbox, [x, y]: readonly [number, number], tolerance: number): boolean {
  return x >= bbox[0] - tolerance && x <= bbox[2] + tolerance && y >= bbox[1] - tolerance && y <= bbox[3] + tolerance;
}

/**
 * Whether what a style layer draws of a feature is at the point: a fill inside its polygon
 * (or at its edge), a line at its line (a polygon's outline too), a circle or symbol at its
 * point or along its line.
 */
export function hits(feature: Pick<VectorTileFeature, 'type' | 'loadGeometry'>, layerType: LayerSpecification['type'], at: Point, tolerance: number): boolean {
  const fill = layerType === 'fill' || layerType === 'fill-extrusion';
  if (fill ? feature.type !== 3 : layerType !== 'line' && feature.type === 3) return false;
  const rings = feature.loadGeometry();
  if (feature.type === 1) return rings.some((ring) => ring.some((p) => (p.x - at.x) ** 2 + (p.y - at.y) ** 2 <= tolerance ** 2));
  const nearEdge = rings.some((ring) => ring.some((p, i) => i > 0 && segmentDistance(at, ring[i - 1]!, p) <= tolerance));
  if (!fill || nearEdge) return nearEdge;
  // Even-odd over every ring: holes cancel their outer ring.
  let inside = false;
  for (const ring of rings) {
    for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
      const [a, b] = [ring[i]!, ring[j]!];
      if (a.y > at.y !== b.y > at.y && at.x < ((b.x - a.x) * (at.y - a.y)) / (b.y - a.y) + a.x) inside = !inside;
    }
  }
  return inside;
}

function segmentDistance(p: Point, a: Point, b: Point): number {
  const [dx, dy] = [b.x - a.x, b.y - a.y];
  const length2 = dx * dx + dy * dy;
  const t = length2 === 0 ? 0 : Math.max(0, Math.min(1, ((p.x - a.x) * dx + (p.y - a.y) * dy) / length2));
  return Math.hypot(p.x - (a.x + t * dx), p.y - (a.y + t * dy));
}

/** A tile feature's geometry as GeoJSON in map units; rings sorted into polygons by their winding. */
export function geometryOf(feature: Pick<VectorTileFeature, 'type' | 'loadGeometry'>, bbox: Bbox, scale: number): Geometry | null {
  const rings = feature.loadGeometry();
  if (rings.reduce((n, r) => n + r.length, 0) > MAX_VERTICES) return null;
  // Micrometres for metre grids, ~0.1 m for degrees: below any pixel, and the same text on every run.
  const round = (v: number) => Math.round(v * 1e6) / 1e6;
  const toMap = (ring: readonly Point[]) => ring.map((p) => [round(bbox[0] + p.x / scale), round(bbox[3] - p.y / scale)]);
  if (feature.type === 1) {
    const points = rings.flatMap(toMap);
    return points.length === 1 ? { type: 'Point', coordinates: points[0] } : { type: 'MultiPoint', coordinates: points };
  }
  if (feature.type === 2) return rings.length === 1 ? { type: 'LineString', coordinates: toMap(rings[0]!) } : { type: 'MultiLineString', coordinates: rings.map(toMap) };
  // MVT: an outer ring winds clockwise in tile coordinates (y down), a hole the other way.
  const polygons: number[][][][] = [];
  for (const ring of rings) {
    if (ring.length < 4) continue;
    if (signedArea(ring) > 0 || polygons.length === 0) polygons.push([toMap(ring)]);
    else polygons[polygons.length - 1]!.push(toMap(ring));
  }
  if (polygons.length === 0) return null;
  return polygons.length === 1 ? { type: 'Polygon', coordinates: polygons[0] } : { type: 'MultiPolygon', coordinates: polygons };
}

/** Twice the signed area of a ring in tile coordinates: positive for clockwise on screen (y down). */
function signedArea(ring: readonly Point[]): number {
  let sum = 0;
  for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) sum += (ring[j]!.x - ring[i]!.x) * (ring[i]!.y + ring[j]!.y);
  return sum;
}
