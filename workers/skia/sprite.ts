/**
 * The images of a style's sprite, cut out of the sheet the caller decoded, once per sheet
 * and name. MapLibre's rule picks the sheet: @2x whenever the device pixel ratio is above
 * 1; each image then says how many of its pixels make a CSS pixel. Pure: no canvas, no
 * node: imports.
 */
import type { SpriteEntry, SpriteLoader, SpriteSheet } from '../../src/render/renderer.ts';

/** One sprite image, ready to sample. */
export interface SpriteIcon {
  readonly name: string;
  /** Size in image pixels. */
  readonly width: number;
  readonly height: number;
  /** Image pixels per CSS pixel: the icon shows width / pixelRatio CSS pixels wide. */
  readonly pixelRatio: number;
  readonly sdf: boolean;
  /** Straight RGBA, row-major, as the sheet holds it (what a canvas ImageData takes). */
  readonly rgba: Uint8Array;
  /**
   * Premultiplied RGBA, as MapLibre's atlas texture holds it: bilinear sampling then
   * blends colour by coverage instead of bleeding transparent black into edges.
   */
  readonly premultiplied: Uint8Array;
  /** The alpha channel alone: the distance field of an SDF icon. */
  readonly alpha: Uint8Array;
}

/** Cut images by sheet, so renders that share a sheet cut each image once. */
const iconsBySheet = new WeakMap<SpriteSheet, Map<string, SpriteIcon | null>>();

/** The images of one sprite sheet by name. */
export class SpriteAtlas {
  private readonly sheet: SpriteSheet;
  private readonly icons: Map<string, SpriteIcon | null>;

  private constructor(sheet: SpriteSheet) {
    this.sheet = sheet;
    let icons = iconsBySheet.get(sheet);
    if (!icons) iconsBySheet.set(sheet, (icons = new Map()));
    this.icons = icons;
  }

  /** The sheet for a device pixel ratio (@2x above 1), or undefined without a sprite. */
  static load(loader: SpriteLoader | undefined, devicePixelRatio: number): SpriteAtlas | undefined {
    const sheet = loader?.(devicePixelRatio > 1 ? 2 : 1);
    return sheet ? new SpriteAtlas(sheet) : undefined;
  }

  /** The image of that name, or undefined when the sheet lacks it or its entry is broken. */
  icon(name: string): SpriteIcon | undefined {
    let icon = this.icons.get(name);
    if (icon === undefined) {
      const entry = Object.hasOwn(this.sheet.entries, name) ? this.sheet.entries[name] : undefined;
      icon = entry ? cutIcon(name, entry, this.sheet) : null;
      this.icons.set(name, icon);
    }
    return icon ?? undefined;
  }
}

/**
 * The image name an `icon-image` or `*-pattern` value gives: the style spec evaluates them
 * to ResolvedImage objects (`{ name }`) or, from some functions, to plain strings.
 */
export function imageName(value: unknown): string | undefined {
  if (typeof value === 'string') return value || undefined;
  if (typeof value === 'object' && value !== null && typeof (value as { name?: unknown }).name === 'string') {
    return (value as { name: string }).name || undefined;
  }
  return undefined;
}

function cutIcon(name: string, entry: SpriteEntry, sheet: SpriteSheet): SpriteIcon | null {
  const { x, y, width, height } = entry;
  const image = sheet.image;
  const whole = [x, y, width, height].every(Number.isInteger);
  // MapLibre refuses entries that leave the sheet; so do we (the image draws nothing).
  if (!whole || x < 0 || y < 0 || width <= 0 || height <= 0 || x + width > image.width || y + height > image.height) return null;
  const rgba = new Uint8Array(width * height * 4);
  for (let row = 0; row < height; row++) {
    const from = ((y + row) * image.width + x) * 4;
    rgba.set(image.data.subarray(from, from + width * 4), row * width * 4);
  }
  const premultiplied = new Uint8Array(rgba.length);
  const alpha = new Uint8Array(width * height);
  for (let i = 0; i < alpha.length; i++) {
    const a = (alpha[i] = rgba[i * 4 + 3]!);
    for (let c = 0; c < 3; c++) premultiplied[i * 4 + c] = Math.round((rgba[i * 4 + c]! * a) / 255);
    premultiplied[i * 4 + 3] = a;
  }
  const pixelRatio = entry.pixelRatio !== undefined && entry.pixelRatio > 0 ? entry.pixelRatio : 1;
  return { name, width, height, pixelRatio, sdf: entry.sdf === true, rgba, premultiplied, alpha };
}
