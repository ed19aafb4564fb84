/**
 * `line-pattern`: the sprite image laid along each line as MapLibre's line_pattern shader
 * lays it: its height stretched across the line width, its width scaled alike and repeated
 * along the distance from the line's start (laid out at the integer zoom's width,
 * magnified with the map up to the next zoom). Drawn segment by segment, each a rectangle
 * with the pattern turned to its direction, with round pieces at joins (and round or square
 * caps). Joins of translucent patterns overlap, and line-offset and line-gap-width are not
 * applied to patterns.
 */
import { Path2D } from '@napi-rs/canvas';
import { isOutside, translateInPx, withClip, type DrawContext, type TileBatch } from './draw-context.ts';
import { iconCanvas } from './pattern.ts';
import { imageName, type SpriteIcon } from './sprite.ts';
import { bindProperty, type LineLayer } from './style-evaluation.ts';
import type { FeatureGeometry } from './tile-geometry.ts';

/** Draws a line layer whose line-pattern is set; nothing without the sprite or the image. */
export function drawLinePattern(dc: DrawContext, layer: LineLayer, batches: readonly TileBatch[]): void {
  const { ctx, globals, pixelRatio, patterns } = dc;
  if (!patterns) return;
  const nameOf = bindProperty(layer.properties.get('line-pattern'), globals);
  const opacityOf = bindProperty(layer.properties.get('line-opacity'), globals);
  const widthOf = bindProperty(layer.properties.get('line-width'), globals);
  // MapLibre's line-floorwidth: the width at the integer zoom sets the pattern's length.
  const floorWidthOf = bindProperty(layer.properties.get('line-width'), { ...globals, zoom: Math.floor(globals.zoom) });
  const capOf = bindProperty(layer.properties.get('line-cap'), globals);
  const translate = translateInPx(layer.properties.get('line-translate').evaluate(globals), layer.properties.get('line-translate-anchor').evaluate(globals), dc);

  for (const { features, clip } of batches) {
    withClip(ctx, dc.rotation, clip, translate, () => {
      for (const tileFeature of features) {
        if (tileFeature.type !== 2 && tileFeature.type !== 3) continue;
        const feature = tileFeature.feature;
        const icon = patterns.sprite.icon(imageName(nameOf(feature)) ?? '');
        const opacity = Math.min(1, opacityOf(feature));
        const widthPx = widthOf(feature) * pixelRatio;
        if (!icon || !(opacity > 0) || !(widthPx > 0)) continue;
        const geometry = tileFeature.geometry();
        if (isOutside(geometry, clip.rect, widthPx + Math.abs(translate[0]) + Math.abs(translate[1]))) continue;
        const lengthPx = (icon.width / icon.height) * floorWidthOf(feature) * patterns.pxPerDisplayPx;
        ctx.globalAlpha = opacity;
        const stroke = { icon, widthPx, lengthPx, cap: capOf(feature) };
        forEachRun(geometry, tileFeature.type === 3, (coords) => drawRun(ctx, coords, stroke));
      }
    });
  }
}

interface PatternStroke {
  readonly icon: SpriteIcon;
  readonly widthPx: number;
  /** Canvas pixels along the line that one repetition of the image takes. */
  readonly lengthPx: number;
  readonly cap: 'butt' | 'round' | 'square';
}

/**
 * The runs of a feature as flat [x0, y0, x1, y1, …] arrays: each line, each polygon ring
 * closed, ring parts along tile edges left out (they are cuts, not outlines).
 */
function forEachRun(geometry: FeatureGeometry, isPolygon: boolean, visit: (coords: number[]) => void): void {
  const { coords, ringEnds, tileEdge } = geometry;
  let start = 0;
  for (const end of ringEnds) {
    let run: number[] = [];
    for (let v = start; v < end; v++) {
      run.push(coords[v * 2]!, coords[v * 2 + 1]!);
      // A polygon ring's segment v → v+1 along a tile edge ends the run.
      if (isPolygon && tileEdge?.[v] === 1) {
        if (run.length >= 4) visit(run);
        run = [];
      }
    }
    if (run.length >= 4) visit(run);
    start = end;
  }
}

function drawRun(ctx: DrawContext['ctx'], coords: readonly number[], stroke: PatternStroke): void {
  const half = stroke.widthPx / 2;
  const last = coords.length / 2 - 1;
  let distance = 0;
  for (let i = 0; i < last; i++) {
    const x0 = coords[i * 2]!;
    const y0 = coords[i * 2 + 1]!;
    const x1 = coords[i * 2 + 2]!;
    const y1 = coords[i * 2 + 3]!;
    const length = Math.hypot(x1 - x0, y1 - y0);
    if (length === 0) continue;
    const dx = (x1 - x0) / length;
    const dy = (y1 - y0) / length;
    const pattern = ctx.createPattern(iconCanvas(stroke.icon), 'repeat');
    if (!pattern) return;
    // Image x runs along the segment from the line's start, image y across it, top on the left.
    const sx = stroke.lengthPx / stroke.icon.width;
    const sy = stroke.widthPx / stroke.icon.height;
    pattern.setTransform({
      a: dx * sx,
      b: dy * sx,
      c: -dy * sy,
      d: dx * sy,
      e: x0 - dx * distance + dy * half,
      f: y0 - dy * distance - dx * half,
    });
    ctx.fillStyle = pattern;
    // Square caps lengthen the run's first and last segments by half a width.
    const before = i === 0 && stroke.cap === 'square' ? half : 0;
    const after = i === last - 1 && stroke.cap === 'square' ? half : 0;
    const path = new Path2D();
    path.moveTo(x0 - dx * before + dy * half, y0 - dy * before - dx * half);
    path.lineTo(x1 + dx * after + dy * half, y1 + dy * after - dx * half);
    path.lineTo(x1 + dx * after - dy * half, y1 + dy * after + dx * half);
    path.lineTo(x0 - dx * before - dy * half, y0 - dy * before + dx * half);
    path.closePath();
    // Round pieces fill the joins (and round caps): at the segment's end unless it is the
    // run's last and not round-capped, and at the run's start when round-capped.
    if (i < last - 1 || stroke.cap === 'round') addDisc(path, x1, y1, half);
    if (i === 0 && stroke.cap === 'round') addDisc(path, x0, y0, half);
    ctx.fill(path, 'nonzero');
    distance += length;
  }
}

function addDisc(path: Path2D, x: number, y: number, radius: number): void {
  path.moveTo(x + radius, y);
  path.arc(x, y, radius, 0, 2 * Math.PI);
}
