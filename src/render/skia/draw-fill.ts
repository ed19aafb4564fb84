/**
 * `fill` layers: each feature's rings filled as one nonzero path, then the outlines when
 * the style sets `fill-outline-color` (MapLibre draws them after all fills of the layer).
 * Like MapLibre, a fill layer also fills line features (closing them) and skips points.
 * fill-antialias cannot turn Skia's anti-aliasing off; false only drops the outline.
 */
import { bindCssColor, isOutside, translateInPx, withClip, type DrawContext, type TileBatch } from './draw-context.ts';
import { polygonPath } from './feature-paths.ts';
import type { FillLayer } from './style-evaluation.ts';

/** Outline width in CSS pixels: MapLibre draws a one-pixel line. */
const OUTLINE_WIDTH_PX = 1;

/** Draws a fill layer's features, tile by tile, each tile clipped to its own extent. */
export function drawFill(dc: DrawContext, layer: FillLayer, batches: readonly TileBatch[]): void {
  // fill-pattern needs the style's sprite, which comes with icons; until then such a layer
  // draws nothing rather than the fallback fill-color MapLibre would ignore.
  if (layer.hasPattern) return;
  const { ctx, globals, pixelRatio } = dc;
  const fillStyleOf = bindCssColor(layer.color, layer.opacity, globals);
  const outlineStyleOf =
    layer.outlineColor && layer.antialias.evaluate(globals) ? bindCssColor(layer.outlineColor, layer.opacity, globals) : undefined;
  const translate = translateInPx(layer.translate.evaluate(globals), pixelRatio);
  const margin = Math.abs(translate[0]) + Math.abs(translate[1]) + pixelRatio;

  for (const { features, clip } of batches) {
    withClip(ctx, clip, translate, () => {
      let lastStyle = '';
      for (const feature of features) {
        if (feature.type !== 3 && feature.type !== 2) continue;
        const style = fillStyleOf(feature.feature);
        if (!style || isOutside(feature.geometry(), clip, margin)) continue;
        if (style !== lastStyle) ctx.fillStyle = lastStyle = style;
        ctx.fill(polygonPath(feature), 'nonzero');
      }
    });
  }
  if (!outlineStyleOf) return;
  const strokeColor = outlineStyleOf;
  for (const { features, clip } of batches) {
    withClip(ctx, clip, translate, () => {
      ctx.lineWidth = OUTLINE_WIDTH_PX * pixelRatio;
      ctx.setLineDash([]);
      let lastStyle = '';
      for (const feature of features) {
        if (feature.type !== 3 && feature.type !== 2) continue;
        const style = strokeColor(feature.feature);
        if (!style || isOutside(feature.geometry(), clip, margin)) continue;
        if (style !== lastStyle) ctx.strokeStyle = lastStyle = style;
        ctx.stroke(polygonPath(feature));
      }
    });
  }
}
