/**
 * `circle` layers: a disc at every vertex of a feature (points, and as in MapLibre the
 * vertices of lines and polygons too), the stroke drawn outside the radius, the edge
 * softened by circle-blur; painted per pixel as MapLibre's shader does (circle-coverage.ts).
 */
import type { Color } from '@maplibre/maplibre-gl-style-spec';
import { translateInPx, type DrawContext, type TileBatch } from './draw-context.ts';
import { paintCircle, type ShadedCircle } from './circle-coverage.ts';
import { clampToCanvas, paintThroughBuffer } from './paint-buffer.ts';
import { bindProperty, type CircleLayer, type FeatureValue, type StyleProperty } from './style-evaluation.ts';

/**
 * Draws a circle layer's features. As in MapLibre, a tile draws the circles whose centre
 * lies inside it (not in its buffer) and does not clip them, so a circle on a tile edge is
 * drawn whole, once, whatever the buffer. All circles of the layer share one buffer,
 * each blended over those before it.
 */
export function drawCircle(dc: DrawContext, layer: CircleLayer, batches: readonly TileBatch[]): void {
  const { ctx, globals, pixelRatio } = dc;
  const fillOf = bindPremultiplied(layer.properties.get('circle-color'), layer.properties.get('circle-opacity'), globals);
  const strokeOf = bindPremultiplied(layer.properties.get('circle-stroke-color'), layer.properties.get('circle-stroke-opacity'), globals);
  const radiusOf = bindProperty(layer.properties.get('circle-radius'), globals);
  const strokeWidthOf = bindProperty(layer.properties.get('circle-stroke-width'), globals);
  const blurOf = bindProperty(layer.properties.get('circle-blur'), globals);
  const [dx, dy] = translateInPx(layer.properties.get('circle-translate').evaluate(globals), layer.properties.get('circle-translate-anchor').evaluate(globals), dc);
  const width = ctx.canvas.width;
  const height = ctx.canvas.height;

  const circles: ShadedCircle[] = [];
  for (const { features } of batches) {
    for (const tileFeature of features) {
      const feature = tileFeature.feature;
      const radiusPx = Math.max(0, radiusOf(feature)) * pixelRatio;
      const strokeWidthPx = Math.max(0, strokeWidthOf(feature)) * pixelRatio;
      const fill = fillOf(feature);
      const stroke = strokeOf(feature);
      if (!(fill[3] > 0 && radiusPx > 0) && !(stroke[3] > 0 && strokeWidthPx > 0)) continue;
      const blur = Math.max(0, blurOf(feature));
      const reach = radiusPx + strokeWidthPx;
      const { scaleX, scaleY, offsetX, offsetY, extent } = tileFeature.placement;
      const { coords } = tileFeature.geometry();
      for (let i = 0; i < coords.length; i += 2) {
        const px = coords[i]!;
        const py = coords[i + 1]!;
        // Back to the tile's integer coordinates (exact after rounding) for the ownership test.
        const gx = Math.round((px - offsetX) / scaleX);
        const gy = Math.round((py - offsetY) / scaleY);
        if (gx < 0 || gx >= extent || gy < 0 || gy >= extent) continue;
        const [x, y] = dc.rotation.toScreen(px + dx, py + dy);
        const bounds = clampToCanvas([Math.floor(x - reach), Math.floor(y - reach), Math.ceil(x + reach), Math.ceil(y + reach)], width, height);
        if (bounds) circles.push({ x, y, radiusPx, strokeWidthPx, blur, fill, stroke, bounds });
      }
    }
  }
  paintThroughBuffer(ctx, circles, paintCircle);
}

const CLEAR: readonly [number, number, number, number] = [0, 0, 0, 0];

/** A colour times an opacity, premultiplied RGBA 0…1, per feature. */
function bindPremultiplied(
  color: StyleProperty<Color | undefined>,
  opacity: StyleProperty<number>,
  globals: DrawContext['globals'],
): FeatureValue<readonly [number, number, number, number]> {
  const premultiply = (c: Color | undefined, o: number): readonly [number, number, number, number] => {
    const k = Math.min(1, Math.max(0, o));
    return c && k > 0 ? [c.r * k, c.g * k, c.b * k, c.a * k] : CLEAR;
  };
  if (!color.featureDependent && !opacity.featureDependent) {
    const value = premultiply(color.evaluate(globals), opacity.evaluate(globals));
    return () => value;
  }
  const colorOf = bindProperty(color, globals);
  const opacityOf = bindProperty(opacity, globals);
  return (feature) => premultiply(colorOf(feature), opacityOf(feature));
}
