/** `background` layers: the whole canvas in one colour, or tiled with a sprite pattern. */
import type { DrawContext } from './draw-context.ts';
import { areaPattern } from './pattern.ts';
import { imageName } from './sprite.ts';
import { toCssColor, type BackgroundLayer } from './style-evaluation.ts';

/** Paints the canvas with the layer's colour (or pattern) times its opacity. */
export function drawBackground(dc: DrawContext, layer: BackgroundLayer, widthPx: number, heightPx: number): void {
  const { ctx, globals } = dc;
  const opacity = layer.properties.get('background-opacity').evaluate(globals);
  if (layer.properties.isSet('background-pattern')) {
    // As in MapLibre, a pattern replaces the colour; a missing image draws nothing.
    const icon = dc.patterns?.sprite.icon(imageName(layer.properties.get('background-pattern').evaluate(globals)) ?? '');
    const pattern = icon && opacity > 0 ? areaPattern(ctx, dc.patterns!, icon) : null;
    if (!pattern) return;
    ctx.save();
    ctx.globalAlpha = Math.min(1, opacity);
    ctx.fillStyle = pattern;
    // The pattern turns with the map: fill the map frame's share of the screen, turned.
    dc.rotation.apply(ctx);
    const shown = dc.rotation.screenInMap(widthPx, heightPx);
    ctx.fillRect(shown.x, shown.y, shown.width, shown.height);
    ctx.restore();
    return;
  }
  const style = toCssColor(layer.properties.get('background-color').evaluate(globals), opacity);
  if (!style) return;
  ctx.fillStyle = style;
  ctx.fillRect(0, 0, widthPx, heightPx);
}
