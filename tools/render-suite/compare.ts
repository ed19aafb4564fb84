/**
 * Comparing a render with a suite's expected image, as the suite does: pixelmatch at
 * threshold 0.13 (YIQ colour distance, anti-aliased pixels ignored, transparent pixels
 * blended over white), the score being the fraction of pixels that differ.
 *
 * The suite's expected.png files store premultiplied colour, so the render (straight
 * alpha, as RgbaImage holds it) is premultiplied before the two are compared.
 */
import pixelmatch from 'pixelmatch';
import sharp from 'sharp';
import type { RgbaImage } from '../../src/render/renderer.ts';

/** The suite's pixelmatch threshold. */
export const SUITE_THRESHOLD = 0.13;

/** A copy of a straight-alpha RGBA buffer with colour scaled by alpha (rounded). */
export function premultiply(data: Uint8Array): Uint8Array {
  const out = new Uint8Array(data.length);
  for (let i = 0; i < data.length; i += 4) {
    const a = data[i + 3]!;
    if (a === 255) {
      out[i] = data[i]!;
      out[i + 1] = data[i + 1]!;
      out[i + 2] = data[i + 2]!;
    } else if (a > 0) {
      out[i] = Math.round((data[i]! * a) / 255);
      out[i + 1] = Math.round((data[i + 1]! * a) / 255);
      out[i + 2] = Math.round((data[i + 2]! * a) / 255);
    }
    out[i + 3] = a;
  }
  return out;
}

export interface Comparison {
  readonly diffPixels: number;
  /** Differing pixels over all pixels, 0…1. */
  readonly diffFraction: number;
}

/**
 * Counts the pixels that differ between two RGBA images of the same size. `diffOut`, if
 * given (width × height × 4 bytes), receives pixelmatch's picture of the differences.
 */
export function compareImages(actual: RgbaImage, expected: RgbaImage, diffOut?: Uint8Array, threshold = SUITE_THRESHOLD): Comparison {
  if (actual.width !== expected.width || actual.height !== expected.height) {
    throw new RangeError(`size ${actual.width}×${actual.height} differs from the expected ${expected.width}×${expected.height}`);
  }
  const { width, height } = actual;
  // pixelmatch ≥ 8 measures in OKLab and 7.2 blends over a checkerboard by default: the
  // suite's numbers are YIQ distances over white, which 7.2 gives with checkerboard off.
  const diffPixels = pixelmatch(actual.data, expected.data, diffOut, width, height, { threshold, checkerboard: false });
  return { diffPixels, diffFraction: diffPixels / (width * height) };
}

/** A PNG file as RGBA bytes exactly as stored (no colour management, alpha added if absent). */
export async function readPng(path: string): Promise<RgbaImage> {
  const { data, info } = await sharp(path).ensureAlpha().raw().toBuffer({ resolveWithObject: true });
  return { width: info.width, height: info.height, data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength) };
}

/** Writes RGBA bytes as a PNG (used to keep renders and diffs for a look). */
export async function writePng(path: string, image: RgbaImage): Promise<void> {
  await sharp(Buffer.from(image.data.buffer, image.data.byteOffset, image.data.byteLength), {
    raw: { width: image.width, height: image.height, channels: 4 },
  })
    .png()
    .toFile(path);
}
