/** `background` layers: the whole canvas in one colour. */
import type { DrawContext } from './draw-context.ts';
import { toCssColor, type BackgroundLayer } from './style-evaluation.ts';

/** Paints the canvas with the layer's colour times its opacity. */
export function drawBackground(dc: DrawContext, layer: BackgroundLayer, widthPx: number, heightPx: number): void {
  // background-pattern needs the style's sprite, which comes with icons.
  if (layer.hasPattern) return;
  const style = toCssColor(layer.color.evaluate(dc.globals), layer.opacity.evaluate(dc.globals));
  if (!style) return;
  dc.ctx.fillStyle = style;
  dc.ctx.fillRect(0, 0, widthPx, heightPx);
}
