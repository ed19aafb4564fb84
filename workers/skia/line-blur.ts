/**
 * line-blur as MapLibre draws it: not a Gaussian but a linear fade at the line's edges.
 * Its line shader makes a pixel at distance d from the centre line
 *
 *   alpha = clamp((outer edge − d) / (blur + 1 px), 0, 1)        (and likewise inside a gap)
 *
 * so the line keeps its width and fades out over `blur` px inside its edge, one more for
 * anti-aliasing. A canvas draws that ramp as N nested strokes, each narrower by blur / N:
 * stacked source-over with the alphas below, they add up to k / N of the colour where k
 * strokes cover a pixel, and Skia's own 1-px anti-aliasing smooths the steps.
 */

/** One of the nested strokes. */
export interface BlurStep {
  /** How far inside the blur this stroke's edge lies, 0…1: its half-width shrinks by blur × inset. */
  readonly inset: number;
  /** ctx.globalAlpha for this stroke, with the colour's own alpha still applied by the canvas. */
  readonly globalAlpha: number;
}

/** Steps never closer than a device pixel apart, and at most this many (a 64-px blur). */
const MAX_STEPS = 64;

/**
 * The nested strokes for a blur of `blurPx` device pixels over a colour of alpha
 * `colorAlpha` (0…1), widest first.
 */
export function blurSteps(blurPx: number, colorAlpha: number): BlurStep[] {
  const count = Math.min(MAX_STEPS, Math.max(1, Math.ceil(blurPx)));
  const alpha = Math.min(1, Math.max(0, colorAlpha));
  const steps: BlurStep[] = [];
  for (let k = 0; k < count; k++) {
    // After k strokes a covered pixel holds alpha·k/count; stroke k + 1 must lift that to
    // alpha·(k + 1)/count over source-over: a = (alpha/count) / (1 − alpha·k/count).
    const globalAlpha = 1 / (count - alpha * k);
    steps.push({ inset: (k + 0.5) / count, globalAlpha: Math.min(1, globalAlpha) });
  }
  return steps;
}
