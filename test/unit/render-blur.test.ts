import { describe, expect, it } from 'vitest';
import { circleCoverage } from '../../workers/skia/circle-coverage.ts';
import { blurSteps } from '../../workers/skia/line-blur.ts';

/** Alpha after stacking the steps source-over, where the first `covered` of them cover a pixel. */
function stacked(steps: ReturnType<typeof blurSteps>, colorAlpha: number, covered: number): number {
  let alpha = 0;
  for (const { globalAlpha } of steps.slice(0, covered)) alpha += colorAlpha * globalAlpha * (1 - alpha);
  return alpha;
}

describe('blurSteps', () => {
  it('spaces nested strokes at most a pixel apart, widest first', () => {
    const steps = blurSteps(4, 1);
    expect(steps.map((s) => s.inset)).toEqual([0.125, 0.375, 0.625, 0.875]);
    expect(blurSteps(0.3, 1)).toHaveLength(1);
    expect(blurSteps(1000, 1)).toHaveLength(64);
  });

  it('adds up to k / N of the colour where k strokes cover a pixel, whatever its alpha', () => {
    for (const colorAlpha of [1, 0.6, 0.2]) {
      const steps = blurSteps(5, colorAlpha);
      for (let k = 0; k <= 5; k++) expect(stacked(steps, colorAlpha, k)).toBeCloseTo((colorAlpha * k) / 5, 12);
    }
  });
});

describe('circleCoverage', () => {
  it('fades an unblurred disc over the last device pixel inside its radius', () => {
    expect(circleCoverage(8.9, 10, 0, 0).opacity).toBe(1);
    expect(circleCoverage(9.5, 10, 0, 0).opacity).toBeCloseTo(0.5, 12);
    expect(circleCoverage(10, 10, 0, 0).opacity).toBe(0);
  });

  it('fades over blur × (radius + stroke) with a smoothstep, and mixes into the stroke over the same width', () => {
    // Radius 10 + stroke 10, blur 0.25: the edge fades over 15…20 px, fill → stroke over 5…10 px.
    expect(circleCoverage(15, 10, 10, 0.25).opacity).toBe(1);
    expect(circleCoverage(17.5, 10, 10, 0.25).opacity).toBeCloseTo(0.5, 12);
    expect(circleCoverage(5, 10, 10, 0.25).strokeMix).toBe(0);
    expect(circleCoverage(7.5, 10, 10, 0.25).strokeMix).toBeCloseTo(0.5, 12);
    expect(circleCoverage(10, 10, 10, 0.25).strokeMix).toBe(1);
    expect(circleCoverage(7.5, 10, 0, 0.25).strokeMix).toBe(0); // no stroke, no mix
  });
});
