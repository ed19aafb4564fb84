/**
 * The colour adjustments of `raster` layers as MapLibre's raster shader applies them to
 * each (un-premultiplied) texel: hue rotation, saturation, contrast, then brightness
 * min/max. Every step is affine in (r, g, b), so the four fold into one 3 × 4 matrix,
 * built once per layer and applied per pixel. Pure: numbers in, numbers out.
 */

/** The raster paint properties that change colour (the style spec's defaults are 0, 0, 1, 0, 0). */
export interface RasterColorPaint {
  /** raster-hue-rotate, degrees. */
  readonly hueRotateDeg: number;
  /** raster-brightness-min and -max: where black and white land, 0…1. */
  readonly brightnessMin: number;
  readonly brightnessMax: number;
  /** raster-saturation and raster-contrast, −1…1. */
  readonly saturation: number;
  readonly contrast: number;
}

/**
 * Row-major 3 × 4 affine colour matrix: out.r = m[0]·r + m[1]·g + m[2]·b + m[3], then
 * rows g (m[4…7]) and b (m[8…11]); channels 0…1.
 */
export type ColorMatrix = Float64Array;

/**
 * MapLibre's hue rotation: a rotation about the grey axis, as the weights of one output
 * channel; the other two channels take the same weights cycled.
 */
export function spinWeights(hueRotateDeg: number): [number, number, number] {
  const angle = (hueRotateDeg * Math.PI) / 180;
  const s = Math.sin(angle);
  const c = Math.cos(angle);
  return [(2 * c + 1) / 3, (-Math.sqrt(3) * s - c + 1) / 3, (Math.sqrt(3) * s - c + 1) / 3];
}

/** How far each channel moves towards the grey average: −saturation below 0, growing without bound towards 1. */
export function saturationFactor(saturation: number): number {
  // 1.001 keeps saturation 1 finite, as MapLibre does.
  return saturation > 0 ? 1 - 1 / (1.001 - saturation) : -saturation;
}

/** The slope about mid-grey that raster-contrast sets. */
export function contrastFactor(contrast: number): number {
  return contrast > 0 ? 1 / (1 - contrast) : 1 + contrast;
}

/** The one matrix doing hue rotation, saturation, contrast and brightness, in the shader's order. */
export function rasterColorMatrix(paint: RasterColorPaint): ColorMatrix {
  const [w0, w1, w2] = spinWeights(paint.hueRotateDeg);
  // Spin: out.r = (r, g, b)·(w0, w1, w2), out.g = ·(w2, w0, w1), out.b = ·(w1, w2, w0).
  const spin = [
    [w0, w1, w2],
    [w2, w0, w1],
    [w1, w2, w0],
  ];
  // Saturation mixes towards the mean of r, g, b (which the spin keeps: its weights sum
  // to 1): (1 − f)·I + f/3 on every entry. Contrast and brightness scale all channels
  // alike: x ↦ low + (high − low)·((x − ½)·c + ½).
  const sat = saturationFactor(paint.saturation);
  const scale = (paint.brightnessMax - paint.brightnessMin) * contrastFactor(paint.contrast);
  const offset = paint.brightnessMin + (paint.brightnessMax - paint.brightnessMin) * 0.5 * (1 - contrastFactor(paint.contrast));
  const matrix = new Float64Array(12);
  for (let row = 0; row < 3; row++) {
    for (let col = 0; col < 3; col++) {
      let value = 0;
      for (let k = 0; k < 3; k++) value += ((row === k ? 1 - sat : 0) + sat / 3) * spin[k]![col]!;
      matrix[row * 4 + col] = scale * value;
    }
    matrix[row * 4 + 3] = offset;
  }
  return matrix;
}

/** Whether the matrix leaves colours as they are (all paint properties at their defaults). */
export function isIdentityMatrix(matrix: ColorMatrix): boolean {
  const EPSILON = 1e-9;
  for (let i = 0; i < 12; i++) {
    const expected = i % 5 === 0 && i < 11 ? 1 : 0; // entries 0, 5, 10: the diagonal
    if (Math.abs(matrix[i]! - expected) > EPSILON) return false;
  }
  return true;
}
