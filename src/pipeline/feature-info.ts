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
}

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
        found.push({ layer: layer['source-layer'], id: feature.id, properties: feature.properties });
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
