/**
 * Symbol layers, MapLibre's three stages: layout (symbol-layout.ts: text shaped, icons
 * fitted, anchors at points and along lines), placement (symbol-placement.ts: one collision
 * index for the whole render, top layer first) and drawing here: a layer's placed icons
 * (draw-icon.ts), then its text (draw-sdf.ts), in style order.
 */
import { CollisionIndex } from './collision-index.ts';
import type { DrawContext, TileBatch } from './draw-context.ts';
import { drawIcons, type PlacedIcon } from './draw-icon.ts';
import { drawSdfSymbols, type SdfSymbol } from './draw-sdf.ts';
import type { GlyphSource } from './glyphs.ts';
import type { SpriteAtlas } from './sprite.ts';
import type { SymbolLayer } from './style-evaluation.ts';
import { layoutSymbolLayer } from './symbol-layout.ts';
import { placeLayers, type PlacedLayer } from './symbol-placement.ts';

/** A symbol layer's texts (each a label's glyphs) and icons that won their place, in draw order. */
export type PlacedSymbols = PlacedLayer<readonly SdfSymbol[], PlacedIcon>;

/**
 * Lays out and places the symbols of the layers that show, given in style order with the
 * tiles that carry their features; the result per layer, to draw with drawPlacedSymbols.
 */
export function layOutAndPlaceSymbols(
  dc: DrawContext,
  layers: readonly { layer: SymbolLayer; batches: readonly TileBatch[] }[],
  widthPx: number,
  resources: { glyphs: GlyphSource; sprite: SpriteAtlas | undefined },
): Map<SymbolLayer, PlacedSymbols> {
  const env = { globals: dc.globals, pixelRatio: dc.pixelRatio, rotation: dc.rotation, ...resources };
  const laidOut = layers.map(({ layer, batches }) => layoutSymbolLayer(layer, batches, env));
  const placed = placeLayers(laidOut, new CollisionIndex(widthPx));
  return new Map(layers.map(({ layer }, i) => [layer, placed[i]!]));
}

/** Draws a symbol layer's placed icons, then its text. */
export function drawPlacedSymbols(dc: DrawContext, placed: PlacedSymbols): void {
  drawIcons(dc.ctx, placed.icons, dc.pixelRatio);
  drawSdfSymbols(dc.ctx, placed.texts.flat(), dc.pixelRatio);
}
