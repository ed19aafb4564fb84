/**
 * The answers for an id that is not there. A restricted id the caller may not read gets
 * exactly the same answer as an id that does not exist, and lists name only public ids:
 * nobody learns from an error what is behind a key.
 */
import { EngineError } from '../errors.ts';

export function unknownTileset(id: string, listed: readonly string[]): EngineError {
  return new EngineError('UNKNOWN_TILESET', `no tileset "${id.slice(0, 64)}"; known: ${listed.join(', ') || '(none)'}`, { detail: { tilesets: [...listed] } });
}

/** Styles are also asked for by the tileset they draw (XYZ raster, WMTS style "default"). */
export function unknownStyle(name: string, listed: readonly string[]): EngineError {
  return new EngineError('UNKNOWN_STYLE', `no style or styled tileset "${name.slice(0, 64)}"; styles: ${listed.join(', ') || '(none)'}`, { detail: { styles: [...listed] } });
}
