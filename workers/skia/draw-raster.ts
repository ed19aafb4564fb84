/**
 * `raster` layers: the decoded pictures of a raster source's tiles (or an image source's
 * one picture) stretched over their extent, colour-adjusted as MapLibre's raster shader
 * does (raster-color.ts), sampled per device pixel (raster-quad.ts) into one buffer per
 * layer that is then drawn over the canvas. raster-fade-duration plays no part: a static
 * render shows tiles fully faded in.
 */
import type { SourceTile } from '../../src/render/renderer.ts';
import type { DrawContext } from './draw-context.ts';
import { clampToCanvas, paintThroughBuffer, type PixelBounds } from './paint-buffer.ts';
import { isIdentityMatrix, rasterColorMatrix } from './raster-color.ts';
import { paintQuad, type CanvasPoint, type Quad, type QuadPaint } from './raster-quad.ts';
import type { RasterLayer } from './style-evaluation.ts';
import { tileClipRect, type CanvasFrame } from './tile-geometry.ts';

/** A raster tile placed on the canvas: what paintQuad needs but the layer's paint. */
export type PlacedRaster = Pick<QuadPaint, 'image' | 'corners' | 'bounds' | 'clipToQuad'>;

/**
 * The tiles that carry a picture, placed on the canvas and grouped by source; tiles off
 * the canvas are left out. A tile owns the whole pixels of its rounded rectangle, as
 * vector tiles clip to theirs, so neighbours meet without a gap or an overlap; an image
 * source with corners, and any tile of a turned view, owns the pixels whose centres fall
 * inside its quad.
 */
export function placeRasterTiles(tiles: readonly SourceTile[], frame: CanvasFrame): Map<string, PlacedRaster[]> {
  const bySource = new Map<string, PlacedRaster[]>();
  for (const tile of tiles) {
    if (!tile.image) continue;
    const placed = placeRaster(tile, frame);
    if (!placed) continue;
    let list = bySource.get(tile.sourceId);
    if (!list) bySource.set(tile.sourceId, (list = []));
    list.push(placed);
  }
  return bySource;
}

function placeRaster(tile: SourceTile, frame: CanvasFrame): PlacedRaster | undefined {
  const image = tile.image!;
  if (image.width === 0 || image.height === 0) return undefined;
  const [minX, minY, maxX, maxY] = tile.bbox;
  const crsCorners = tile.corners ?? [
    [minX, maxY],
    [maxX, maxY],
    [maxX, minY],
    [minX, minY],
  ];
  const corners = crsCorners.map(([x, y]) => toCanvas(frame, x, y)) as unknown as Quad;
  if (!tile.corners && frame.rotation.isNone) {
    const clip = tileClipRect(tile.bbox, frame);
    if (!clip) return undefined;
    const bounds: PixelBounds = [clip.x, clip.y, clip.x + clip.width, clip.y + clip.height];
    return { image, corners, bounds, clipToQuad: false };
  }
  const xs = corners.map((p) => p[0]);
  const ys = corners.map((p) => p[1]);
  const bounds = clampToCanvas(
    [Math.floor(Math.min(...xs)), Math.floor(Math.min(...ys)), Math.ceil(Math.max(...xs)), Math.ceil(Math.max(...ys))],
    frame.widthPx,
    frame.heightPx,
  );
  return bounds ? { image, corners, bounds, clipToQuad: true } : undefined;
}

/** A point of the view's CRS on the screen, in canvas pixels (y down). */
function toCanvas(frame: CanvasFrame, x: number, y: number): CanvasPoint {
  const [vMinX, vMinY, vMaxX, vMaxY] = frame.viewBbox;
  return frame.rotation.toScreen(((x - vMinX) / (vMaxX - vMinX)) * frame.widthPx, ((vMaxY - y) / (vMaxY - vMinY)) * frame.heightPx);
}

/** Draws a raster layer's tiles, all in one buffer composited over the canvas. */
export function drawRaster(dc: DrawContext, layer: RasterLayer, tiles: readonly PlacedRaster[] | undefined): void {
  const { globals } = dc;
  const opacity = layer.properties.get('raster-opacity').evaluate(globals);
  if (!tiles || tiles.length === 0 || !(opacity > 0)) return;
  const matrix = rasterColorMatrix({
    hueRotateDeg: layer.properties.get('raster-hue-rotate').evaluate(globals),
    brightnessMin: layer.properties.get('raster-brightness-min').evaluate(globals),
    brightnessMax: layer.properties.get('raster-brightness-max').evaluate(globals),
    saturation: layer.properties.get('raster-saturation').evaluate(globals),
    contrast: layer.properties.get('raster-contrast').evaluate(globals),
  });
  const paint = {
    resampling: layer.properties.get('raster-resampling').evaluate(globals),
    matrix: isIdentityMatrix(matrix) ? undefined : matrix,
    opacity,
  };
  paintThroughBuffer(dc.ctx, tiles, (data, stride, originX, originY, tile) => paintQuad(data, stride, originX, originY, { ...tile, ...paint }));
}
