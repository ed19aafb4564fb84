/**
 * The engine's fonts: every TrueType/OpenType file in a folder, named as MapLibre names
 * fonts ("{family} {style}", e.g. "Noto Sans Bold"), turned into SDF glyph ranges by
 * fontnik (the generator MapLibre's own glyph servers use). Ranges are made on demand,
 * kept in a bounded LRU and combined on the fly for stacks of several fonts. Used by the
 * /fonts endpoint and by every render thread.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import fontnik, { type FontFaceInfo } from 'fontnik';
import { LRUCache } from 'lru-cache';
import { ConfigError } from '../config/load-config.ts';
import { EngineError } from '../errors.ts';
import { GLYPH_RANGE_SIZE, parseFontstack, resolveFontstack } from './fontstack.ts';

const FONT_FILE = /\.(ttf|otf)$/i;

/** Bytes of generated ranges kept; a Latin range of one font is ~75 KB. */
const DEFAULT_CACHE_BYTES = 32 * 1024 * 1024;

function call<T>(run: (callback: (error: Error | null, result: T) => void) => void): Promise<T> {
  return new Promise((resolve, reject) => run((error, result) => (error ? reject(error) : resolve(result))));
}

export class FontLibrary {
  private readonly faces: ReadonlyMap<string, Buffer>;
  private readonly fallback: string;
  private readonly ranges: LRUCache<string, Uint8Array>;
  private readonly pending = new Map<string, Promise<Uint8Array>>();

  private constructor(faces: ReadonlyMap<string, Buffer>, fallback: string, cacheBytes: number) {
    this.faces = faces;
    this.fallback = fallback;
    this.ranges = new LRUCache({ maxSize: cacheBytes, sizeCalculation: (b) => Math.max(1, b.byteLength) });
  }

  /** Reads every font file of a folder; a folder without fonts, or an unknown fallback, fails start-up. */
  static async load(dir: string, options: { fallback?: string | undefined; cacheBytes?: number } = {}): Promise<FontLibrary> {
    let files: string[];
    try {
      files = readdirSync(dir).filter((f) => FONT_FILE.test(f)).sort();
    } catch (error) {
      throw new ConfigError(`fonts folder ${dir} cannot be read: ${(error as Error).message}`);
    }
    const faces = new Map<string, Buffer>();
    for (const file of files) {
      const bytes = readFileSync(join(dir, file));
      for (const face of await call<FontFaceInfo[]>((cb) => fontnik.load(bytes, cb))) {
        faces.set(face.style_name ? `${face.family_name} ${face.style_name}` : face.family_name, bytes);
      }
    }
    if (faces.size === 0) throw new ConfigError(`fonts folder ${dir} holds no .ttf or .otf font`);
    const fallback = options.fallback ?? [...faces.keys()].find((n) => n.endsWith(' Regular')) ?? [...faces.keys()][0]!;
    if (!faces.has(fallback)) throw new ConfigError(`fallback font "${fallback}" is not in ${dir}; fonts: ${[...faces.keys()].join(', ')}`);
    return new FontLibrary(faces, fallback, options.cacheBytes ?? DEFAULT_CACHE_BYTES);
  }

  /** Font names, as a style's text-font lists them. */
  get names(): string[] {
    return [...this.faces.keys()];
  }

  /** The fonts a requested stack is drawn with (its known fonts, else a fallback of the same style). */
  resolve(fontstack: string): string[] {
    return resolveFontstack(parseFontstack(fontstack), this.names, this.fallback);
  }

  /** The glyph PBF of a stack's range starting at `start` (a multiple of 256). */
  async glyphRange(fontstack: string, start: number): Promise<Uint8Array> {
    const fonts = this.resolve(fontstack);
    const key = `${fonts.join(',')}/${start}`;
    const cached = this.ranges.get(key);
    if (cached) return cached;
    let flight = this.pending.get(key);
    if (!flight) {
      flight = this.generate(fonts, start).finally(() => this.pending.delete(key));
      this.pending.set(key, flight);
    }
    return flight;
  }

  private async generate(fonts: readonly string[], start: number): Promise<Uint8Array> {
    try {
      const parts = await Promise.all(
        fonts.map((name) => call<Buffer>((cb) => fontnik.range({ font: this.faces.get(name)!, start, end: start + GLYPH_RANGE_SIZE - 1 }, cb))),
      );
      const combined = parts.length === 1 ? parts[0]! : await call<Buffer>((cb) => fontnik.composite(parts, cb));
      const bytes = new Uint8Array(combined.buffer, combined.byteOffset, combined.byteLength);
      this.ranges.set(`${fonts.join(',')}/${start}`, bytes);
      return bytes;
    } catch (error) {
      throw new EngineError('INTERNAL', `glyphs ${start}-${start + GLYPH_RANGE_SIZE - 1} of ${fonts.join(',')} could not be made`, { cause: error });
    }
  }
}
