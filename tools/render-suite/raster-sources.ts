/**
 * The SourceTiles of a suite test's `raster` and `image` sources: tile pictures (PNG,
 * JPEG, WebP) read from the suite folder and decoded before the render, since the
 * renderer reads no files. A raster source gives the tiles covering the view at the zoom
 * MapLibre loads (rounded, by its tileSize); an image source gives its one picture with
 * the four corners the style names.
 */
import type { StyleSpecification } from '@maplibre/maplibre-gl-style-spec';
import { lonLatToMercator } from '../../src/grids/web-mercator-quad.ts';
import type { Bbox } from '../../src/grids/tile-grid.ts';
import type { CrsPoint, RenderView, RgbaImage, SourceTile } from '../../src/render/renderer.ts';
import { readPng } from './compare.ts';
import { resolveLocalUrl, tileFiles, type SourceLike, type SourceTilesResult } from './sources.ts';
import { tileBbox } from './view.ts';

const NO_MVT = new Uint8Array(0);

/**
 * Decoded pictures by file, shared by the tests a thread runs: the suite's raster tiles
 * are a few dozen 256-px files (~10 MB decoded), so they are kept without a bound.
 */
const decoded = new Map<string, Promise<RgbaImage>>();

function decode(path: string): Promise<RgbaImage> {
  let image = decoded.get(path);
  if (!image) {
    image = readPng(path); // sharp reads JPEG and WebP too, whatever the name says
    decoded.set(path, image);
    image.catch(() => decoded.delete(path));
  }
  return image;
}

/** The pictures of every raster and image source of the style that the view needs. */
export async function buildRasterTiles(style: StyleSpecification, view: RenderView, folder: string): Promise<SourceTilesResult> {
  const pending: Promise<SourceTile | undefined>[] = [];
  const notes: string[] = [];
  const load = (sourceId: string, path: string, place: (image: RgbaImage) => SourceTile): void => {
    pending.push(
      decode(path).then(place, (error: Error) => {
        notes.push(`source ${sourceId}: ${path}: ${error.message}`);
        return undefined;
      }),
    );
  };
  for (const [sourceId, spec] of Object.entries(style.sources ?? {})) {
    const source = spec as SourceLike & { coordinates?: unknown };
    if (source.type === 'raster') {
      for (const { tile, path } of tileFiles(sourceId, source, view, folder, notes, true)) {
        load(sourceId, path, (image) => ({ sourceId, bbox: tileBbox(tile), mvt: NO_MVT, image }));
      }
    } else if (source.type === 'image') {
      const corners = imageCorners(source.coordinates);
      const path = source.url ? resolveLocalUrl(source.url, folder) : undefined;
      if (!corners || !path) {
        notes.push(`source ${sourceId}: an image source needs a suite URL and four [lon, lat] coordinates`);
        continue;
      }
      load(sourceId, path, (image) => ({ sourceId, bbox: boundsOf(corners), mvt: NO_MVT, image, corners }));
    }
  }
  const tiles = (await Promise.all(pending)).filter((tile): tile is SourceTile => tile !== undefined);
  return { tiles, notes };
}

/** An image source's `coordinates` (top-left, top-right, bottom-right, bottom-left) in EPSG:3857. */
function imageCorners(coordinates: unknown): [CrsPoint, CrsPoint, CrsPoint, CrsPoint] | undefined {
  if (!Array.isArray(coordinates) || coordinates.length !== 4) return undefined;
  const points = coordinates.map((c: unknown) =>
    Array.isArray(c) && typeof c[0] === 'number' && typeof c[1] === 'number' ? lonLatToMercator(c[0], c[1]) : undefined,
  );
  if (points.some((p) => p === undefined)) return undefined;
  return points as unknown as [CrsPoint, CrsPoint, CrsPoint, CrsPoint];
}

function boundsOf(points: readonly CrsPoint[]): Bbox {
  const xs = points.map((p) => p[0]);
  const ys = points.map((p) => p[1]);
  return [Math.min(...xs), Math.min(...ys), Math.max(...xs), Math.max(...ys)];
}
