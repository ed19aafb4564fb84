/**
 * `line` layers: strokes with MapLibre's width, cap, join, miter limit, dashes (in line
 * widths), offset and gap width; line-pattern in draw-line-pattern.ts. A gap-width line is two parallel lines: the band between
 * the outlines of a (gap + 2·width) and a gap-wide stroke, filled.
 */
import { Path2D, PathOp, StrokeCap, StrokeJoin } from '@napi-rs/canvas';
import { bindCssColor, isOutside, translateInPx, withClip, type DrawContext, type TileBatch } from './draw-context.ts';
import { drawLinePattern } from './draw-line-pattern.ts';
import { linePath, lineRuns } from './feature-paths.ts';
import { joinOverlaps } from './line-overlaps.ts';
import { blurSteps, type BlurStep } from './line-blur.ts';
import { bindProperty, type FeatureValue, type LineLayer } from './style-evaluation.ts';

type Cap = 'butt' | 'round' | 'square';
type Join = 'bevel' | 'round' | 'miter';

const STROKE_CAPS: Record<Cap, StrokeCap> = { butt: StrokeCap.Butt, round: StrokeCap.Round, square: StrokeCap.Square };
const STROKE_JOINS: Record<Join, StrokeJoin> = { bevel: StrokeJoin.Bevel, round: StrokeJoin.Round, miter: StrokeJoin.Miter };

/** Draws a line layer's features, tile by tile, each tile clipped to its own extent. */
export function drawLine(dc: DrawContext, layer: LineLayer, batches: readonly TileBatch[]): void {
  // As in MapLibre, a pattern replaces line-color. line-gradient is not drawn: lines keep line-color.
  if (layer.properties.isSet('line-pattern')) return drawLinePattern(dc, layer, batches);
  const { ctx, globals, pixelRatio } = dc;
  const styleOf = bindCssColor(layer.properties.get('line-color'), layer.properties.get('line-opacity'), globals);
  const widthOf = bindProperty(layer.properties.get('line-width'), globals);
  const gapOf = bindProperty(layer.properties.get('line-gap-width'), globals);
  const offsetOf = bindProperty(layer.properties.get('line-offset'), globals);
  const dashOf = bindProperty(layer.properties.get('line-dasharray'), globals);
  const capOf = bindProperty(layer.properties.get('line-cap'), globals);
  const joinOf = bindProperty(layer.properties.get('line-join'), globals);
  const miterLimitOf = bindProperty(layer.properties.get('line-miter-limit'), globals);
  const blurOf = bindProperty(layer.properties.get('line-blur'), globals);
  const roundLimitOf = bindProperty(layer.properties.get('line-round-limit'), globals);
  const alphaOf = bindColorAlpha(layer, globals);
  const translate = translateInPx(layer.properties.get('line-translate').evaluate(globals), layer.properties.get('line-translate-anchor').evaluate(globals), dc);
  // MapLibre lays dashes out at the integer tile zoom and magnifies them with the map up
  // to the next one: at zoom 12.15 a dash is 2^0.15 = 1.11 widths long.
  const dashScale = 2 ** (globals.zoom - Math.floor(globals.zoom));

  for (const { features, clip } of batches) {
    withClip(ctx, dc.rotation, clip, translate, () => {
      // withClip restores globalAlpha with the rest of the context.
      const state = { style: '', fill: '', cap: '', join: '', miterLimit: -1, dash: '' };
      for (const tileFeature of features) {
        if (tileFeature.type !== 2 && tileFeature.type !== 3) continue;
        const feature = tileFeature.feature;
        const style = styleOf(feature);
        const width = widthOf(feature);
        if (!style || !(width > 0)) continue;
        const gap = Math.max(0, gapOf(feature));
        const offset = offsetOf(feature);
        const miterLimit = miterLimitOf(feature);
        const reachPx = (gap / 2 + width + Math.abs(offset)) * pixelRatio * Math.max(1, miterLimit);
        if (isOutside(tileFeature.geometry(), clip.rect, reachPx + Math.abs(translate[0]) + Math.abs(translate[1]))) continue;

        const cap = capOf(feature);
        const join = joinOf(feature);
        const dash = dashInPx(dashOf(feature), width * pixelRatio, cap, dashScale);
        const path = linePath(tileFeature, offset * pixelRatio);
        const blurPx = Math.max(0, blurOf(feature)) * pixelRatio;
        const steps = blurPx > 0 ? blurSteps(blurPx, alphaOf(feature)) : SHARP;
        if (gap > 0) {
          if (style !== state.fill) ctx.fillStyle = state.fill = style;
          for (const { inset, globalAlpha } of steps) {
            // Blurred, the outer edge moves in and the inner edge out into the gap.
            const gapPx = Math.max(0, gap * pixelRatio - 2 * blurPx * (1 - inset));
            const outerPx = (gap + 2 * width) * pixelRatio - 2 * blurPx * inset;
            if (!(outerPx > gapPx)) continue;
            ctx.globalAlpha = globalAlpha;
            ctx.fill(gapLineBand(path, (outerPx - gapPx) / 2, gapPx, cap, join, miterLimit, dash), 'nonzero');
          }
          continue;
        }
        if (style !== state.style) ctx.strokeStyle = state.style = style;
        if (cap !== state.cap) ctx.lineCap = state.cap = cap;
        if (join !== state.join) ctx.lineJoin = state.join = join;
        if (miterLimit !== state.miterLimit) ctx.miterLimit = state.miterLimit = miterLimit;
        const dashKey = dash ? dash.join(',') : '';
        if (dashKey !== state.dash) {
          ctx.setLineDash(dash ?? []);
          state.dash = dashKey;
        }
        for (const { inset, globalAlpha } of steps) {
          const widthPx = width * pixelRatio - 2 * blurPx * inset;
          if (!(widthPx > 0)) continue;
          ctx.lineWidth = widthPx;
          ctx.globalAlpha = globalAlpha;
          ctx.stroke(path);
        }
        // Translucent, the insides of bevel and round joins are laid on twice, as GL's quads do.
        if (steps === SHARP && !dash && alphaOf(feature) < 1) {
          const overlaps = joinOverlaps(lineRuns(tileFeature, offset * pixelRatio), (width * pixelRatio) / 2, { join, miterLimit, roundLimit: roundLimitOf(feature) });
          if (overlaps) {
            if (style !== state.fill) ctx.fillStyle = state.fill = style;
            ctx.fill(overlaps, 'nonzero');
          }
        }
      }
    });
  }
}

/** An unblurred line: one stroke of the full width. */
const SHARP: readonly BlurStep[] = [{ inset: 0, globalAlpha: 1 }];

/** The alpha of line-color times line-opacity, per feature: the nested strokes of a blur need it. */
function bindColorAlpha(layer: LineLayer, globals: DrawContext['globals']): FeatureValue<number> {
  const colorOf = bindProperty(layer.properties.get('line-color'), globals);
  const opacityOf = bindProperty(layer.properties.get('line-opacity'), globals);
  return (feature) => (colorOf(feature)?.a ?? 0) * opacityOf(feature);
}

/**
 * line-dasharray in device pixels: MapLibre counts dashes in line widths (times a zoom
 * scale). With round or square caps the canvas grows every dash by half a width at each
 * end, where MapLibre keeps the dash length, so those dashes are shortened (and gaps
 * lengthened) by a width.
 */
export function dashInPx(
  dasharray: readonly number[] | undefined,
  widthPx: number,
  cap: Cap,
  scale = 1,
): number[] | undefined {
  if (!dasharray || dasharray.length === 0) return undefined;
  let total = 0;
  for (const value of dasharray) {
    if (!(value >= 0)) return undefined;
    total += value;
  }
  if (total <= 0) return undefined;
  // Odd-length arrays repeat, as the canvas (and MapLibre's line atlas) do.
  const pattern = dasharray.length % 2 === 0 ? dasharray : [...dasharray, ...dasharray];
  const capPx = cap === 'butt' ? 0 : widthPx;
  return pattern.map((value, i) => {
    const px = value * widthPx * scale;
    return i % 2 === 0 ? Math.max(0, px - capPx) : px + capPx;
  });
}

/** The two parallel strokes of a gap-width line as one fillable path. */
function gapLineBand(
  line: Path2D,
  widthPx: number,
  gapPx: number,
  cap: Cap,
  join: Join,
  miterLimit: number,
  dash: number[] | undefined,
): Path2D {
  const stroke = { cap: STROKE_CAPS[cap], join: STROKE_JOINS[join], miterLimit };
  // Path2D.dash/stroke change the path they are called on: work on copies.
  const base = new Path2D(line);
  // Skia's path dash takes one on/off pair: the first pair of the pattern.
  if (dash && dash.length >= 2) base.dash(dash[0]!, dash[1]!, 0);
  const outer = new Path2D(base).stroke({ ...stroke, width: gapPx + 2 * widthPx });
  const inner = new Path2D(base).stroke({ ...stroke, width: gapPx });
  return outer.op(inner, PathOp.Difference);
}
