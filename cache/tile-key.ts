/**
 * What a cache entry is: one tile of a vector tileset or of a style, in a grid, in one
 * variant (the MVT, or a raster format at a pixel ratio). Keys are strings made only of
 * safe characters, so tiers can use them as Redis keys and file paths. Pure.
 */

export type TileKind = 'vector' | 'raster';

export interface TileKey {
  readonly kind: TileKind;
  /** Tileset id (vector) or style id (raster). */
  readonly name: string;
  readonly grid: string;
  readonly z: number;
  readonly x: number;
  readonly y: number;
  /** `mvt` for vector tiles; `{scale}.{format}` for raster tiles: `1.png`, `2.webp`. */
  readonly variant: string;
}

/** All tiles of one level of a tileset or style inside a column/row range, in every variant. */
export interface LevelRange {
  readonly kind: TileKind;
  readonly name: string;
  readonly grid: string;
  readonly z: number;
  readonly minX: number;
  readonly minY: number;
  readonly maxX: number;
  readonly maxY: number;
}

const KIND_CODE: Record<TileKind, string> = { vector: 'v', raster: 'r' };
const CODE_KIND: Record<string, TileKind> = { v: 'vector', r: 'raster' };

/** Encoded names, by name: keys are built on every request, from a handful of names. */
const parts = new Map<string, string>();

/** A name or grid id in a key: percent-encoded, so it holds no '/' and no '.' segment. */
function part(text: string): string {
  let encoded = parts.get(text);
  if (encoded === undefined) {
    encoded = encodeURIComponent(text).replace(/\./g, '%2E');
    if (parts.size < 10_000) parts.set(text, encoded);
  }
  return encoded;
}

/** The level a key belongs to, as a string: `v/sodertorn/WebMercatorQuad/14`. */
export function levelString(k: Pick<TileKey, 'kind' | 'name' | 'grid' | 'z'>): string {
  return `${KIND_CODE[k.kind]}/${part(k.name)}/${part(k.grid)}/${k.z}`;
}

/** `v/sodertorn/WebMercatorQuad/14/9010/4826/mvt`. */
export function keyString(k: TileKey): string {
  return `${levelString(k)}/${k.x}/${k.y}/${k.variant}`;
}

const KEY = /^([vr])\/([^/]+)\/([^/]+)\/(\d{1,2})\/(\d{1,9})\/(\d{1,9})\/([0-9a-z.]{1,16})$/;

/** The key of a key string, or undefined when it is not one. */
export function parseKey(text: string): TileKey | undefined {
  const m = KEY.exec(text);
  if (!m) return undefined;
  try {
    return { kind: CODE_KIND[m[1]!]!, name: decodeURIComponent(m[2]!), grid: decodeURIComponent(m[3]!), z: Number(m[4]), x: Number(m[5]), y: Number(m[6]), variant: m[7]! };
  } catch {
    return undefined;
  }
}

/** True when the key's tile lies in the range (any variant). */
export function inRange(k: TileKey, r: LevelRange): boolean {
  return k.kind === r.kind && k.name === r.name && k.grid === r.grid && k.z === r.z && k.x >= r.minX && k.x <= r.maxX && k.y >= r.minY && k.y <= r.maxY;
}

/** Number of tiles in a range. */
export function rangeSize(r: LevelRange): number {
  return (r.maxX - r.minX + 1) * (r.maxY - r.minY + 1);
}
