/**
 * Vector tiles decoded once per render and placed on the canvas. A tile's integer
 * coordinates map to canvas pixels by one affine transform per tile layer:
 *
 *   tile (gx, gy), y down ──► CRS (x, y), y up ──► canvas (px, py), y down
 *   px = offsetX + gx · scaleX          scaleX = bboxWidth / extent / viewWidth · canvasWidth
 *   py = offsetY + gy · scaleY          scaleY = bboxHeight / extent / viewHeight · canvasHeight
 *
 * Geometry is decoded lazily, only for features a layer's filter keeps, and shared by
 * every style layer that reads the same source layer.
 */
import { VectorTile, type VectorTileFeature, type VectorTileLayer } from '@mapbox/vector-tile';
import type { Feature } from '@maplibre/maplibre-gl-style-spec';
import type { Path2D } from '@napi-rs/canvas';
import { PbfReader } from 'pbf';
import type { Bbox } from '../../src/grids/tile-grid.ts';
import type { SourceTile } from '../../src/render/renderer.ts';
import type { FrameRect, ViewRotation } from './view-rotation.ts';

/** A rectangle in canvas pixels. */
export type PixelRect = FrameRect;

/**
 * The canvas a render draws on and the view extent it shows. Pixels here are the map
 * frame's (see view-rotation.ts): the view extent north up, turned onto the screen by the
 * rotation.
 */
export interface CanvasFrame {
  readonly viewBbox: Bbox;
  readonly widthPx: number;
  readonly heightPx: number;
  readonly rotation: ViewRotation;
}

/**
 * Where a tile draws: its own pixels in the map frame, and for a turned view the screen
 * pixels it owns (an exact clip, see ViewRotation.pixelsInside).
 */
export interface TileClip {
  /** The tile's own rectangle in map-frame pixels, cut to what the screen shows. */
  readonly rect: PixelRect;
  /** The screen pixels of that rectangle when the view is turned; undefined without a bearing. */
  readonly screen: Path2D | undefined;
}

/** One feature's geometry in canvas pixels: all rings (or lines, or points) in one array. */
export interface FeatureGeometry {
  /** x0, y0, x1, y1, ... for every vertex of every ring. */
  readonly coords: Float64Array;
  /** End (exclusive, in vertices) of each ring; ring i spans ringEnds[i-1] .. ringEnds[i]. */
  readonly ringEnds: Uint32Array;
  /**
   * For polygons: 1 at vertex i when the segment i → i+1 is a cut along or beyond the
   * tile edge. Line layers leave those out, so clipped polygons show no outline on tile
   * borders. Undefined for points and lines, and for polygons without such cuts.
   */
  readonly tileEdge: Uint8Array | undefined;
  /** Bounding box in canvas pixels. */
  readonly minX: number;
  readonly minY: number;
  readonly maxX: number;
  readonly maxY: number;
}

const GEOMETRY_TYPES = ['Unknown', 'Point', 'LineString', 'Polygon'] as const;

/** A feature of a decoded tile: what expressions see, and its geometry on demand. */
export class TileFeature {
  /** 1 point, 2 line, 3 polygon (MVT geometry types). */
  readonly type: 0 | 1 | 2 | 3;
  /** The feature as style expressions see it. */
  readonly feature: Feature;
  /** How this feature's tile layer maps onto the canvas. */
  readonly placement: TilePlacement;
  private readonly source: VectorTileFeature;
  private decoded: FeatureGeometry | undefined;
  /** The fill path, built by the first layer that needs it (see feature-paths.ts). */
  polygonPath: Path2D | undefined;
  /** The stroke path, when it differs from the fill path (tile-edge cuts, or a line). */
  linePath: Path2D | undefined;

  constructor(source: VectorTileFeature, placement: TilePlacement) {
    this.source = source;
    this.placement = placement;
    this.type = source.type;
    this.feature = { type: GEOMETRY_TYPES[source.type], properties: source.properties, id: source.id };
  }

  /** Vertices in canvas pixels, decoded on first use. */
  geometry(): FeatureGeometry {
    this.decoded ??= decodeGeometry(this.source, this.placement);
    return this.decoded;
  }
}

/** Affine transform from one tile layer's coordinates to canvas pixels. */
export interface TilePlacement {
  readonly scaleX: number;
  readonly scaleY: number;
  readonly offsetX: number;
  readonly offsetY: number;
  readonly extent: number;
}

/** Where a tile layer of the given extent lands on the canvas. */
export function placeTile(tileBbox: Bbox, extent: number, frame: CanvasFrame): TilePlacement {
  const [vMinX, vMinY, vMaxX, vMaxY] = frame.viewBbox;
  const pxPerUnitX = frame.widthPx / (vMaxX - vMinX);
  const pxPerUnitY = frame.heightPx / (vMaxY - vMinY);
  return {
    scaleX: ((tileBbox[2] - tileBbox[0]) / extent) * pxPerUnitX,
    scaleY: ((tileBbox[3] - tileBbox[1]) / extent) * pxPerUnitY,
    offsetX: (tileBbox[0] - vMinX) * pxPerUnitX,
    offsetY: (vMaxY - tileBbox[3]) * pxPerUnitY,
    extent,
  };
}

/**
 * The tile's own extent on the canvas, in whole pixels, cut to what the screen shows;
 * undefined when the tile is off screen. Rounding makes neighbours share one pixel edge, so
 * the features both carry in their buffers draw exactly once, with no anti-aliased seam.
 */
export function tileClipRect(tileBbox: Bbox, frame: CanvasFrame): PixelRect | undefined {
  const own = tilePixelRect(tileBbox, frame);
  const shown = frame.rotation.screenInMap(frame.widthPx, frame.heightPx);
  const left = Math.max(Math.floor(shown.x), own.x);
  const right = Math.min(Math.ceil(shown.x + shown.width), own.x + own.width);
  const top = Math.max(Math.floor(shown.y), own.y);
  const bottom = Math.min(Math.ceil(shown.y + shown.height), own.y + own.height);
  if (right <= left || bottom <= top) return undefined;
  return { x: left, y: top, width: right - left, height: bottom - top };
}

/** Where a tile draws on this frame, or undefined when it shows nowhere on screen. */
export function tileClip(tileBbox: Bbox, frame: CanvasFrame): TileClip | undefined {
  const rect = tileClipRect(tileBbox, frame);
  if (!rect || frame.rotation.isNone) return rect && { rect, screen: undefined };
  const screen = frame.rotation.pixelsInside(rect, frame.widthPx, frame.heightPx);
  return screen && { rect, screen };
}

/** The tile's whole extent on the canvas in whole pixels, not cut to the canvas. */
export function tilePixelRect(tileBbox: Bbox, frame: CanvasFrame): PixelRect {
  const [vMinX, vMinY, vMaxX, vMaxY] = frame.viewBbox;
  const toPxX = (x: number): number => Math.round(((x - vMinX) / (vMaxX - vMinX)) * frame.widthPx);
  const toPxY = (y: number): number => Math.round(((vMaxY - y) / (vMaxY - vMinY)) * frame.heightPx);
  const left = toPxX(tileBbox[0]);
  const top = toPxY(tileBbox[3]);
  return { x: left, y: top, width: toPxX(tileBbox[2]) - left, height: toPxY(tileBbox[1]) - top };
}

/** A source tile decoded once per render; features are read per source layer on demand. */
export class DecodedTile {
  readonly sourceId: string;
  /** Where this tile's drawing is clipped; undefined when it is off the canvas. */
  readonly clip: TileClip | undefined;
  /** The tile's whole extent on the canvas: labels are placed by the tile holding their anchor. */
  readonly rect: PixelRect;
  private readonly tile: SourceTile;
  private readonly frame: CanvasFrame;
  private vectorTile: VectorTile | undefined;
  private readonly layers = new Map<string, readonly TileFeature[]>();

  constructor(tile: SourceTile, frame: CanvasFrame) {
    this.tile = tile;
    this.frame = frame;
    this.sourceId = tile.sourceId;
    this.clip = tileClip(tile.bbox, frame);
    this.rect = tilePixelRect(tile.bbox, frame);
  }

  /**
   * Features of a source layer. An empty name (a layer without `source-layer`, as for
   * GeoJSON sources) reads the tile's only layer.
   */
  features(sourceLayer: string): readonly TileFeature[] {
    let features = this.layers.get(sourceLayer);
    if (!features) {
      const layer = this.layer(sourceLayer);
      features = layer ? readFeatures(layer, placeTile(this.tile.bbox, layer.extent, this.frame)) : [];
      this.layers.set(sourceLayer, features);
    }
    return features;
  }

  private layer(name: string): VectorTileLayer | undefined {
    if (this.tile.mvt.byteLength === 0) return undefined;
    this.vectorTile ??= new VectorTile(new PbfReader(this.tile.mvt));
    const layers = this.vectorTile.layers;
    if (name !== '') return layers[name];
    const names = Object.keys(layers);
    return names.length === 1 ? layers[names[0]!] : layers['_geojsonTileLayer'];
  }
}

function readFeatures(layer: VectorTileLayer, placement: TilePlacement): TileFeature[] {
  const features = new Array<TileFeature>(layer.length);
  for (let i = 0; i < layer.length; i++) features[i] = new TileFeature(layer.feature(i), placement);
  return features;
}

function decodeGeometry(source: VectorTileFeature, placement: TilePlacement): FeatureGeometry {
  const rings = source.loadGeometry();
  let vertexCount = 0;
  for (const ring of rings) vertexCount += ring.length;
  const coords = new Float64Array(vertexCount * 2);
  const ringEnds = new Uint32Array(rings.length);
  let tileEdge = source.type === 3 ? new Uint8Array(vertexCount) : undefined;
  let hasCut = false;
  const { scaleX, scaleY, offsetX, offsetY, extent } = placement;
  let minX = Infinity;
  let minY = Infinity;
  let maxX = -Infinity;
  let maxY = -Infinity;
  let v = 0;
  for (let r = 0; r < rings.length; r++) {
    const ring = rings[r]!;
    for (let i = 0; i < ring.length; i++) {
      const p = ring[i]!;
      const x = offsetX + p.x * scaleX;
      const y = offsetY + p.y * scaleY;
      coords[v * 2] = x;
      coords[v * 2 + 1] = y;
      if (x < minX) minX = x;
      if (x > maxX) maxX = x;
      if (y < minY) minY = y;
      if (y > maxY) maxY = y;
      const next = ring[i + 1];
      if (tileEdge && next && isTileEdge(p.x, p.y, next.x, next.y, extent)) {
        tileEdge[v] = 1;
        hasCut = true;
      }
      v++;
    }
    ringEnds[r] = v;
  }
  if (!hasCut) tileEdge = undefined;
  return { coords, ringEnds, tileEdge, minX, minY, maxX, maxY };
}

/**
 * Whether a segment is a cut the tile producer made: parallel to a tile edge and on it or
 * beyond it (in the buffer). Real edges just outside the tile are kept, since their
 * stroke can reach into it.
 */
function isTileEdge(x0: number, y0: number, x1: number, y1: number, extent: number): boolean {
  if (x0 === x1) return x0 <= 0 || x0 >= extent;
  if (y0 === y1) return y0 <= 0 || y0 >= extent;
  return false;
}
