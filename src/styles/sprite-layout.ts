/**
 * Where each image goes on a sprite sheet: shelves of images sorted by height, each shelf
 * as wide as the sheet allows, with a pixel of air between images so bilinear sampling
 * of one never bleeds into its neighbour. Pure.
 */
export interface ImageSize {
  readonly name: string;
  readonly width: number;
  readonly height: number;
}

export interface PlacedImage extends ImageSize {
  readonly x: number;
  readonly y: number;
}

const GAP = 1;

/** Places images on a sheet at most `maxWidth` wide (wider images get a shelf of their own); returns the sheet size too. */
export function layoutSprite(images: readonly ImageSize[], maxWidth = 512): { width: number; height: number; placed: PlacedImage[] } {
  const sorted = [...images].sort((a, b) => b.height - a.height || a.name.localeCompare(b.name));
  const placed: PlacedImage[] = [];
  let [x, y, shelfHeight, width] = [0, 0, 0, 0];
  for (const image of sorted) {
    if (x > 0 && x + image.width > maxWidth) {
      y += shelfHeight + GAP;
      [x, shelfHeight] = [0, 0];
    }
    placed.push({ ...image, x, y });
    x += image.width + GAP;
    shelfHeight = Math.max(shelfHeight, image.height);
    width = Math.max(width, x - GAP);
  }
  return { width: Math.max(width, 1), height: Math.max(y + shelfHeight, 1), placed: placed.sort((a, b) => a.name.localeCompare(b.name)) };
}
