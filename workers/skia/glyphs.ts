/**
 * SDF glyphs from MapLibre glyph PBFs (`glyphs` → `stacks` → `glyphs`), decoded once per
 * range and loader. Bitmaps are signed distance fields rasterised at 24 px with a 3-px
 * border around the glyph's width × height. Pure: no canvas, no node: imports.
 */
import { PbfReader } from 'pbf';
import type { GlyphLoader } from '../../src/render/renderer.ts';

/** One glyph of a font stack, in the 24-px space the PBFs are rasterised in. */
export interface Glyph {
  readonly id: number;
  /** (width + 6) × (height + 6) SDF values, row-major; empty for blank glyphs (space). */
  readonly bitmap: Uint8Array;
  readonly width: number;
  readonly height: number;
  readonly left: number;
  readonly top: number;
  readonly advance: number;
}

/** Size glyphs are rasterised at, and the SDF border around each bitmap (MapLibre's ONE_EM, GLYPH_PBF_BORDER). */
export const GLYPH_SIZE_PX = 24;
export const GLYPH_BORDER_PX = 3;

type GlyphRange = ReadonlyMap<number, Glyph>;

/** Decoded ranges by font stack, then range start; kept as long as the loader lives. */
type RangeCache = Map<string, Map<number, GlyphRange>>;

const rangesByLoader = new WeakMap<GlyphLoader, RangeCache>();

/** Finds glyphs by font stack and code point through a loader, caching decoded ranges. */
export class GlyphSource {
  private readonly loader: GlyphLoader | undefined;
  private readonly ranges: RangeCache;

  constructor(loader: GlyphLoader | undefined) {
    this.loader = loader;
    let ranges = loader ? rangesByLoader.get(loader) : undefined;
    if (!ranges) {
      ranges = new Map();
      if (loader) rangesByLoader.set(loader, ranges);
    }
    this.ranges = ranges;
  }

  /** The glyph, or undefined when the range or the glyph is missing. */
  glyph(fontstack: string, codePoint: number): Glyph | undefined {
    if (!this.loader) return undefined;
    const start = codePoint - (codePoint % 256);
    let stack = this.ranges.get(fontstack);
    if (!stack) this.ranges.set(fontstack, (stack = new Map()));
    let range = stack.get(start);
    if (!range) {
      const bytes = this.loader(fontstack, start);
      // A missing range is not remembered: the loader must hear of it in every render that
      // needs it (a render thread notes what each render missed and asks for it), or a later
      // render on the same thread would draw without those labels and say nothing.
      if (!bytes) return undefined;
      range = decodeGlyphs(bytes);
      stack.set(start, range);
    }
    return range.get(codePoint);
  }
}

/** All glyphs of a glyph PBF (of every stack it holds), by code point. */
export function decodeGlyphs(bytes: Uint8Array): Map<number, Glyph> {
  const glyphs = new Map<number, Glyph>();
  const pbf = new PbfReader(bytes);
  pbf.readFields((tag, result, reader) => {
    if (tag !== 1) return;
    reader.readMessage((stackTag, _stack, stackReader) => {
      if (stackTag !== 3) return;
      const glyph = stackReader.readMessage(readGlyphField, {
        id: 0,
        bitmap: new Uint8Array(0),
        width: 0,
        height: 0,
        left: 0,
        top: 0,
        advance: 0,
      });
      result.set(glyph.id, glyph);
    }, {});
  }, glyphs);
  return glyphs;
}

function readGlyphField(tag: number, glyph: { -readonly [K in keyof Glyph]: Glyph[K] }, pbf: PbfReader): void {
  if (tag === 1) glyph.id = pbf.readVarint();
  else if (tag === 2) glyph.bitmap = pbf.readBytes();
  else if (tag === 3) glyph.width = pbf.readVarint();
  else if (tag === 4) glyph.height = pbf.readVarint();
  else if (tag === 5) glyph.left = pbf.readSVarint();
  else if (tag === 6) glyph.top = pbf.readSVarint();
  else if (tag === 7) glyph.advance = pbf.readVarint();
}
