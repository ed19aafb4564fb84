/**
 * `fill` layers: each feature's rings filled as one nonzero path, in fill-color or the
 * fill-pattern sprite image, then the outlines when the style sets `fill-outline-color`
 * (MapLibre draws them after all fills of the layer).
 * Like MapLibre, a fill layer also fills line features (closing them) and skips points.
 * fill-antialias cannot turn Skia's anti-aliasing off; false only drops the outline.
 */
import type { CanvasPattern } from '@napi-rs/canvas';
import { bindCssColor, isOutside, translateInPx, withClip, type DrawContext, type TileBatch } from './draw-context.ts';
import { polygonPath } from './feature-paths.ts';
import { patternCache } from './pattern.ts';
import { imageName } from './sprite.ts';
import { bindProperty, type FeatureValue, type FillLayer } from './style-evaluation.ts';

/** Outline width in CSS pixels: MapLibre draws a one-pixel line. */
const OUTLINE_WIDTH_PX = 1;

/** Draws a fill layer's features, tile by tile, each tile clipped to its own extent. */
export function drawFill(dc: DrawContext, layer: FillLayer, batches: readonly TileBatch[]): void {
  const { ctx, globals, pixelRatio } = dc;
  // As in MapLibre, a pattern replaces fill-color; without the sprite or the image the
  // feature draws nothing.
  const fillStyleOf = layer.properties.isSet('fill-pattern') ? bindPattern(dc, layer) : bindCssColor(layer.properties.get('fill-color'), layer.properties.get('fill-opacity'), globals);
  const outlineStyleOf =
    layer.properties.isSet('fill-outline-color') && layer.properties.get('fill-antialias').evaluate(globals) ? bindCssColor(layer.properties.get('fill-outline-color'), layer.properties.get('fill-opacity'), globals) : undefined;
  const translate = translateInPx(layer.properties.get('fill-translate').evaluate(globals), layer.properties.get('fill-translate-anchor').evaluate(globals), dc);
  const margin = Math.abs(translate[0]) + Math.abs(translate[1]) + pixelRatio;

  for (const { features, clip } of batches) {
    withClip(ctx, dc.rotation, clip, translate, () => {
      let lastStyle: FillStyle | undefined;
      let lastAlpha = 1;
      for (const feature of features) {
        if (feature.type !== 3 && feature.type !== 2) continue;
        const fill = fillStyleOf(feature.feature);
        const style = typeof fill === 'object' ? fill.pattern : fill;
        if (!style || isOutside(feature.geometry(), clip.rect, margin)) continue;
        if (style !== lastStyle) ctx.fillStyle = lastStyle = style;
        const alpha = typeof fill === 'object' ? fill.opacity : 1;
        if (alpha !== lastAlpha) ctx.globalAlpha = lastAlpha = alpha;
        ctx.fill(polygonPath(feature), 'nonzero');
      }
    });
  }
  if (!outlineStyleOf) return;
  const strokeColor = outlineStyleOf;
  for (const { features, clip } of batches) {
    withClip(ctx, dc.rotation, clip, translate, () => {
      ctx.lineWidth = OUTLINE_WIDTH_PX * pixelRatio;
      ctx.setLineDash([]);
      let lastStyle = '';
      for (const feature of features) {
        if (feature.type !== 3 && feature.type !== 2) continue;
        const style = strokeColor(feature.feature);
        if (!style || isOutside(feature.geometry(), clip.rect, margin)) continue;
        if (style !== lastStyle) ctx.strokeStyle = lastStyle = style;
        ctx.stroke(polygonPath(feature));
      }
    });
  }
}

type FillStyle = string | CanvasPattern;

/** The feature's fill-pattern and its opacity (a pattern carries no colour to fold it into). */
function bindPattern(dc: DrawContext, layer: FillLayer): FeatureValue<{ pattern: CanvasPattern; opacity: number } | undefined> {
  const patterns = dc.patterns;
  if (!patterns) return () => undefined;
  const nameOf = bindProperty(layer.properties.get('fill-pattern'), dc.globals);
  const opacityOf = bindProperty(layer.properties.get('fill-opacity'), dc.globals);
  const patternOf = patternCache(dc.ctx, patterns);
  return (feature) => {
    const pattern = patternOf(imageName(nameOf(feature)));
    const opacity = Math.min(1, opacityOf(feature));
    return pattern && opacity > 0 ? { pattern, opacity } : undefined;
  };
}
