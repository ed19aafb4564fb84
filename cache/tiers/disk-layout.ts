/**
 * Where the disk tier keeps an entry: `{dir}/{levelString}/{x}/{y}.{variant}`, i.e. the
 * key string with its last `/` turned into a `.`. Key strings hold only percent-encoded
 * names and digits, yet every path is still checked to resolve inside dir.
 */
import { resolve, sep } from 'node:path';
import { keyString, parseKey, type TileKey } from '../tile-key.ts';

/** Name of the file holding the applied change-log sequence, beside the level folders. */
export const APPLIED_SEQ_FILE = 'applied-seq';
/** The top folders entries live under: one per tile kind code of `levelString`. */
export const KIND_FOLDERS = ['v', 'r'] as const;
/** Temporary files start with this; no entry file does (y is digits), so a scan can tell them apart. */
export const TEMP_PREFIX = '~';

/** A path below dir, or an error when the parts would resolve anywhere else. */
export function insideDir(dir: string, relative: string): string {
  const root = resolve(dir);
  const path = resolve(root, relative);
  if (!path.startsWith(root + sep)) throw new Error(`cache path ${JSON.stringify(relative)} resolves outside ${root}`);
  return path;
}

/** The file of a tile key (an error for a key that does not survive keyString → parseKey, e.g. x = -1 or variant '../x'). */
export function entryPath(dir: string, key: TileKey): { path: string; k: string } {
  const k = keyString(key);
  if (!parseKey(k)) throw new Error(`not a valid tile key: ${JSON.stringify(k)}`);
  return { path: pathOfKeyString(dir, k), k };
}

/** The file of a (valid) key string. */
export function pathOfKeyString(dir: string, k: string): string {
  const cut = k.lastIndexOf('/');
  return insideDir(dir, `${k.slice(0, cut)}.${k.slice(cut + 1)}`);
}

/**
 * The key string of an entry file's path relative to dir (`/`-separated), or undefined
 * for any other file, including one whose names are not in canonical encoding.
 */
export function keyStringOfRelativePath(relative: string): string | undefined {
  const slash = relative.lastIndexOf('/');
  const dot = relative.indexOf('.', slash + 1);
  if (slash < 0 || dot < 0) return undefined;
  const k = `${relative.slice(0, dot)}/${relative.slice(dot + 1)}`;
  const key = parseKey(k);
  return key && keyString(key) === k ? k : undefined;
}
