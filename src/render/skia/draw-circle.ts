/**
 * `circle` layers: a disc at every vertex of a feature (points, and as in MapLibre the
 * vertices of lines and polygons too), the stroke drawn outside the radius.
 */
import { bindCssColor, translateInPx, type DrawContext, type TileBatch } from './draw-context.ts';
import { bindProperty, type CircleLayer } from './style-evaluation.ts';

const FULL_TURN = 2 * Math.PI;

/**
 * Draws a circle layer's features. As in MapLibre, a tile draws the circles whose centre
 * lies inside it (not in its buffer) and does not clip them, so a circle on a tile edge is
 * drawn whole, once, whatever the buffer.
 */
export function drawCircle(dc: DrawContext, layer: CircleLayer, batches: readonly TileBatch[]): void {
  // circle-blur is not drawn: discs keep sharp (anti-aliased) edges.
  const { ctx, globals, pixelRatio } = dc;
  const fillOf = bindCssColor(layer.color, layer.opacity, globals);
  const strokeOf = bindCssColor(layer.strokeColor, layer.strokeOpacity, globals);
  const radiusOf = bindProperty(layer.radius, globals);
  const strokeWidthOf = bindProperty(layer.strokeWidth, globals);
  const [dx, dy] = translateInPx(layer.translate.evaluate(globals), pixelRatio);
  const width = ctx.canvas.width;
  const height = ctx.canvas.height;

  let lastFill = '';
  let lastStroke = '';
  let lastStrokeWidth = -1;
  ctx.save();
  for (const { features } of batches) {
    for (const tileFeature of features) {
      const feature = tileFeature.feature;
      const radiusPx = Math.max(0, radiusOf(feature)) * pixelRatio;
      const strokeWidthPx = Math.max(0, strokeWidthOf(feature)) * pixelRatio;
      const fill = radiusPx > 0 ? fillOf(feature) : undefined;
      const stroke = strokeWidthPx > 0 ? strokeOf(feature) : undefined;
      if (!fill && !stroke) continue;
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
        const x = px + dx;
        const y = py + dy;
        if (x + reach < 0 || x - reach > width || y + reach < 0 || y - reach > height) continue;
        if (fill) {
          if (fill !== lastFill) ctx.fillStyle = lastFill = fill;
          ctx.beginPath();
          ctx.arc(x, y, radiusPx, 0, FULL_TURN);
          ctx.fill();
        }
        if (stroke) {
          if (stroke !== lastStroke) ctx.strokeStyle = lastStroke = stroke;
          if (strokeWidthPx !== lastStrokeWidth) ctx.lineWidth = lastStrokeWidth = strokeWidthPx;
          ctx.beginPath();
          // The stroke band lies between radius and radius + stroke width, as in MapLibre.
          ctx.arc(x, y, radiusPx + strokeWidthPx / 2, 0, FULL_TURN);
          ctx.stroke();
        }
      }
    }
  }
  ctx.restore();
}
