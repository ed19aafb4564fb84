/**
 * The default renderer: a MapLibre style drawn over vector tiles with Skia
 * (@napi-rs/canvas). Layers draw in style order; within a layer, tile by tile, each tile
 * clipped to its own extent so features repeated in neighbouring tiles' buffers draw once.
 */
import type { Canvas, SKRSContext2D } from '@napi-rs/canvas';
import { CanvasPool } from './canvas-pool.ts';
import type { GlobalProperties, StyleSpecification } from '@maplibre/maplibre-gl-style-spec';
import type { GlyphLoader, Renderer, RenderOptions, RenderView, RgbaImage, SourceTile, SpriteLoader } from '../../src/render/renderer.ts';
import { drawBackground } from './draw-background.ts';
import { drawCircle } from './draw-circle.ts';
import type { DrawContext, TileBatch } from './draw-context.ts';
import { drawFill } from './draw-fill.ts';
import { drawLine } from './draw-line.ts';
import { drawRaster, placeRasterTiles } from './draw-raster.ts';
import { drawPlacedSymbols, layOutAndPlaceSymbols, type PlacedSymbols } from './draw-symbol.ts';
import { GlyphSource } from './glyphs.ts';
import { patternContext } from './pattern.ts';
import { SpriteAtlas } from './sprite.ts';
import { compileStyle, isLayerShown, type CompiledLayer, type FeatureLayer, type GlobalCompositeOperationName, type SymbolLayer } from './style-evaluation.ts';
import { DecodedTile, type CanvasFrame, type PixelRect, type TileFeature } from './tile-geometry.ts';
import { ViewRotation } from './view-rotation.ts';

/**
 * 8192² device pixels: the canvas and its RGBA copy then take 512 MB together, about what
 * a render thread can spare; an A2 print at 300 DPI (7016 × 4961) still fits.
 */
const MAX_CANVAS_PIXELS = 8192 * 8192;

/** This thread's canvases, kept between renders. */
const canvases = new CanvasPool();

/**
 * Draws background, fill, line, circle and raster layers (with sprite patterns, given a sprite),
 * and the text (given glyphs) and icons (given a sprite) of symbol layers placed at
 * points and along lines; hillshade, heatmap, fill-extrusion and
 * color-relief layers are skipped. Stateless between renders apart from the
 * compiled-style, glyph and sprite caches, keyed by the style object, the glyph loader and
 * the sprite sheet: pass the same objects each time to compile and decode once.
 */
export class SkiaRenderer implements Renderer {
  private readonly glyphs: GlyphLoader | undefined;
  private readonly sprite: SpriteLoader | undefined;

  /** `glyphs` and `sprite` serve renders whose options bring none of their own. */
  constructor(options: RenderOptions = {}) {
    this.glyphs = options.glyphs;
    this.sprite = options.sprite;
  }

  async render(style: StyleSpecification, view: RenderView, tiles: readonly SourceTile[], options: RenderOptions = {}): Promise<RgbaImage> {
    const glyphs = options.glyphs ?? this.glyphs;
    const sprite = options.sprite ?? this.sprite;
    const image = renderImage(style, view, tiles, { ...(glyphs ? { glyphs } : {}), ...(sprite ? { sprite } : {}) });
    // Skia objects (canvases, paths, pixel buffers) are freed by finalizers that Node runs
    // on a later turn of the event loop: yield one, so a caller that awaits render after
    // render in a loop does not pile up native memory (~7 MB a busy render).
    await new Promise<void>((resolve) => setImmediate(resolve));
    return image;
  }
}

/**
 * The whole render, synchronous: Skia calls block the thread they run on anyway. Callers
 * that loop over it must let the event loop turn between calls (see SkiaRenderer.render).
 */
export function renderImage(
  style: StyleSpecification,
  view: RenderView,
  tiles: readonly SourceTile[],
  options: RenderOptions = {},
): RgbaImage {
  const compiled = compileStyle(style);
  const width = Math.round(view.widthPx * view.pixelRatio);
  const height = Math.round(view.heightPx * view.pixelRatio);
  if (!(width > 0 && height > 0) || width * height > MAX_CANVAS_PIXELS) {
    throw new RangeError(
      `render size ${width}×${height} device px (${view.widthPx}×${view.heightPx} at pixel ratio ${view.pixelRatio}) ` +
        `is outside 1 px to ${MAX_CANVAS_PIXELS} px`,
    );
  }
  const canvas = canvases.take(width, height);
  const globals: GlobalProperties = { zoom: view.zoom };
  const rotation = new ViewRotation(view.bearing ?? 0, width, height);
  const frame: CanvasFrame = { viewBbox: view.bbox, widthPx: width, heightPx: height, rotation };
  const tilesBySource = decodeTiles(tiles, frame);
  const rastersBySource = placeRasterTiles(tiles, frame);
  let scratch: Canvas | undefined;

  const keep = view.keep ?? { left: 0, top: 0, width, height };
  // Pixels outside `keep` are thrown away: Skia skips drawing what the clip leaves out.
  const keepOnly = (ctx: SKRSContext2D): SKRSContext2D => {
    if (view.keep) {
      ctx.beginPath();
      ctx.rect(keep.left, keep.top, keep.width, keep.height);
      ctx.clip();
    }
    return ctx;
  };
  const kept = rotation.rectInMap({ x: keep.left, y: keep.top, width: keep.width, height: keep.height });
  const sprite = SpriteAtlas.load(options.sprite, view.pixelRatio);
  const main: DrawContext = {
    ctx: keepOnly(canvas.getContext('2d')),
    globals,
    pixelRatio: view.pixelRatio,
    rotation,
    ...(sprite ? { patterns: patternContext(sprite, frame, view.zoom, view.pixelRatio) } : {}),
  };
  const placedSymbols = placeSymbolLayers(main, compiled.layers, tilesBySource, width, { glyphs: options.glyphs, sprite });
  for (const layer of compiled.layers) {
    if (!isLayerShown(layer, view.zoom)) continue;
    if (layer.type === 'background') {
      drawBackground(main, layer, width, height);
      continue;
    }
    if (layer.type === 'raster') {
      drawRaster(main, layer, rastersBySource.get(layer.source));
      continue;
    }
    if (layer.type === 'symbol') {
      const placed = placedSymbols.get(layer);
      if (placed) drawPlacedSymbols(main, placed);
      continue;
    }
    // A fill or line draws inside its tile's own pixels: tiles wholly outside the kept pixels
    // are not even decoded. Circles reach past their tile, symbols are placed over all.
    const tiles = layer.type === 'circle' ? tilesBySource.get(layer.source) : tilesBySource.get(layer.source)?.filter((tile) => overlaps(tile.clip!.rect, kept));
    const batches = selectFeatures(layer, tiles, globals);
    if (batches.length === 0) continue;
    const opacity = layer.layerOpacity.evaluate(globals);
    if (!(opacity > 0)) continue;
    if (opacity >= 1 && layer.layerBlend === 'source-over') {
      drawFeatureLayer(main, layer, batches);
      continue;
    }
    // Layer opacity and blend apply to the layer as a whole: draw it apart, then composite.
    if (!scratch) keepOnly((scratch = canvases.take(width, height)).getContext('2d'));
    const scratchCtx = scratch.getContext('2d');
    scratchCtx.clearRect(0, 0, width, height);
    drawFeatureLayer({ ...main, ctx: scratchCtx }, layer, batches);
    compositeLayer(main.ctx, scratch, opacity, layer.layerBlend);
  }

  const pixels = main.ctx.getImageData(keep.left, keep.top, keep.width, keep.height).data;
  canvases.give(canvas);
  if (scratch) canvases.give(scratch);
  // getImageData gives straight (un-premultiplied) RGBA, which is what RgbaImage holds.
  return { width: keep.width, height: keep.height, data: new Uint8Array(pixels.buffer, pixels.byteOffset, pixels.byteLength) };
}

/** The shown symbol layers with features in view, laid out and placed against one collision index (see draw-symbol.ts). */
function placeSymbolLayers(
  dc: DrawContext,
  layers: readonly CompiledLayer[],
  tilesBySource: Map<string, DecodedTile[]>,
  widthPx: number,
  resources: { glyphs: GlyphLoader | undefined; sprite: SpriteAtlas | undefined },
): Map<SymbolLayer, PlacedSymbols> {
  const shown: { layer: SymbolLayer; batches: TileBatch[] }[] = [];
  for (const layer of layers) {
    if (layer.type !== 'symbol' || !isLayerShown(layer, dc.globals.zoom)) continue;
    const batches = selectFeatures(layer, tilesBySource.get(layer.source), dc.globals);
    if (batches.length > 0) shown.push({ layer, batches });
  }
  if (shown.length === 0) return new Map();
  return layOutAndPlaceSymbols(dc, shown, widthPx, { glyphs: new GlyphSource(resources.glyphs), sprite: resources.sprite });
}

function drawFeatureLayer(dc: DrawContext, layer: FeatureLayer, batches: readonly TileBatch[]): void {
  switch (layer.type) {
    case 'fill':
      return drawFill(dc, layer, batches);
    case 'line':
      return drawLine(dc, layer, batches);
    case 'circle':
      return drawCircle(dc, layer, batches);
    case 'symbol':
      return; // drawn apart: symbols need the render's glyphs, sprite and collision index
  }
}

/** Whether two rectangles share any area. */
function overlaps(a: PixelRect, b: PixelRect): boolean {
  return a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;
}

function compositeLayer(ctx: SKRSContext2D, layer: Canvas, opacity: number, blend: GlobalCompositeOperationName): void {
  ctx.save();
  ctx.globalAlpha = Math.min(opacity, 1);
  ctx.globalCompositeOperation = blend;
  ctx.drawImage(layer, 0, 0);
  ctx.restore();
}

/** Each tile decoded once per render, grouped by source; tiles off the canvas are dropped. */
function decodeTiles(tiles: readonly SourceTile[], frame: CanvasFrame): Map<string, DecodedTile[]> {
  const bySource = new Map<string, DecodedTile[]>();
  for (const tile of tiles) {
    if (tile.image) continue; // a raster tile: placed by placeRasterTiles
    const decoded = new DecodedTile(tile, frame);
    if (!decoded.clip) continue;
    let list = bySource.get(tile.sourceId);
    if (!list) bySource.set(tile.sourceId, (list = []));
    list.push(decoded);
  }
  return bySource;
}

/** The features of each tile that pass the layer's filter, in sort-key order if it has one. */
function selectFeatures(
  layer: FeatureLayer,
  tiles: readonly DecodedTile[] | undefined,
  globals: GlobalProperties,
): TileBatch[] {
  const batches: TileBatch[] = [];
  for (const tile of tiles ?? []) {
    const features = tile.features(layer.sourceLayer).filter((f) => layer.filter(globals, f.feature));
    if (features.length === 0) continue;
    batches.push({ features: layer.sortKey ? sortByKey(features, layer.sortKey, globals) : features, clip: tile.clip!, tileRect: tile.rect });
  }
  return batches;
}

function sortByKey(
  features: TileFeature[],
  sortKey: NonNullable<FeatureLayer['sortKey']>,
  globals: GlobalProperties,
): TileFeature[] {
  const keys = new Map<TileFeature, number>();
  for (const f of features) keys.set(f, sortKey.evaluate(globals, f.feature) ?? 0);
  // Array.prototype.sort is stable, so equal keys keep tile order as in MapLibre.
  return features.sort((a, b) => keys.get(a)! - keys.get(b)!);
}
