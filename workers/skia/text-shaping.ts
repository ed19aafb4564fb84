/**
 * Text laid out as MapLibre's shaping.ts does it, in the 24-px glyph space: lines broken
 * at spaces with its least-badness line breaker, each line justified, the block aligned
 * to the anchor, then moved by text-offset. Pure: scale by text-size / 24 to draw.
 *
 *        left                     right
 *   top   ┌──────────────────────────┐   anchor 'center' sits in the middle of the
 *         │  first line (y = -17+…)  │   block; 'top-left' at its top-left corner …
 *         │      second line         │   (before text-offset moves the whole block)
 * bottom  └──────────────────────────┘
 */
import { GLYPH_SIZE_PX, type Glyph, type GlyphSource } from './glyphs.ts';

/** A glyph at its pen position: x at the left of its advance, y at the top of its 24-px em (minus 17). */
export interface PositionedGlyph {
  readonly glyph: Glyph;
  readonly x: number;
  readonly y: number;
}

/** A shaped label: glyphs and the block's box, relative to the anchor, in 24-px units. */
export interface Shaping {
  readonly glyphs: readonly PositionedGlyph[];
  readonly left: number;
  readonly top: number;
  readonly right: number;
  readonly bottom: number;
  readonly lineCount: number;
}

export type TextAnchor = 'center' | 'left' | 'right' | 'top' | 'bottom' | 'top-left' | 'top-right' | 'bottom-left' | 'bottom-right';

export interface ShapingOptions {
  readonly fontstack: string;
  /** text-max-width in ems; 0 for no wrapping. */
  readonly maxWidthEms: number;
  readonly lineHeightEms: number;
  readonly letterSpacingEms: number;
  readonly justify: 'auto' | 'left' | 'center' | 'right';
  readonly anchor: TextAnchor;
  readonly offsetEms: readonly [number, number];
}

/** MapLibre's baseline shift of the first line (SHAPING_DEFAULT_OFFSET). */
const SHAPING_DEFAULT_OFFSET = -17;

const WHITESPACE = new Set([0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x20]);
/** Code points after which a line may break (MapLibre's `breakable`). */
const BREAKABLE = new Set([0x0a, 0x20, 0x26, 0x29, 0x2b, 0x2d, 0x2f, 0xad, 0xb7, 0x200b, 0x2010, 0x2013, 0x2027]);

/**
 * Blocks where a line may break between any two characters (MapLibre's
 * charAllowsIdeographicBreaking): CJK ideographs, kana, Yi, full-width forms.
 */
const IDEOGRAPHIC_RANGES: readonly [number, number][] = [
  [0x2e80, 0x2fdf], // CJK Radicals Supplement, Kangxi Radicals
  [0x2ff0, 0x303f], // Ideographic Description Characters, CJK Symbols and Punctuation
  [0x3040, 0x30ff], // Hiragana, Katakana
  [0x3100, 0x312f], // Bopomofo
  [0x31a0, 0x31ff], // Bopomofo Extended, CJK Strokes, Katakana Phonetic Extensions
  [0x3200, 0x4dbf], // Enclosed CJK Letters and Months, CJK Compatibility, Extension A
  [0x4e00, 0x9fff], // CJK Unified Ideographs
  [0xa000, 0xa4cf], // Yi Syllables, Yi Radicals
  [0xf900, 0xfaff], // CJK Compatibility Ideographs
  [0xfe10, 0xfe1f], // Vertical Forms
  [0xfe30, 0xfe4f], // CJK Compatibility Forms
  [0xff00, 0xffef], // Halfwidth and Fullwidth Forms
];

function allowsIdeographicBreak(cp: number): boolean {
  if (cp < 0x2e80) return false;
  return IDEOGRAPHIC_RANGES.some(([from, to]) => cp >= from && cp <= to);
}

/** Lays out a text; undefined when no glyph of it can be drawn. */
export function shapeText(text: string, glyphs: GlyphSource, options: ShapingOptions): Shaping | undefined {
  const codePoints = [...text].map((c) => c.codePointAt(0)!);
  const spacing = options.letterSpacingEms * GLYPH_SIZE_PX;
  const lineHeight = options.lineHeightEms * GLYPH_SIZE_PX;
  const advanceOf = (cp: number): number => glyphs.glyph(options.fontstack, cp)?.advance ?? 0;
  const breaks = lineBreaks(codePoints, spacing, options.maxWidthEms * GLYPH_SIZE_PX, advanceOf);

  const { horizontalAlign, verticalAlign } = anchorAlignment(options.anchor);
  const justify =
    options.justify === 'auto'
      ? horizontalAlign
      : options.justify === 'left'
        ? 0
        : options.justify === 'right'
          ? 1
          : 0.5;

  const positioned: { glyph: Glyph; x: number; y: number }[] = [];
  let y = 0;
  let maxLineLength = 0;
  let start = 0;
  let lineCount = 0;
  for (const end of [...breaks, codePoints.length]) {
    const line = trim(codePoints.slice(start, end));
    start = end;
    lineCount++;
    const lineStart = positioned.length;
    let x = 0;
    for (const cp of line) {
      const glyph = glyphs.glyph(options.fontstack, cp);
      if (!glyph) continue;
      positioned.push({ glyph, x, y: y + SHAPING_DEFAULT_OFFSET });
      x += glyph.advance + spacing;
    }
    if (positioned.length > lineStart) {
      maxLineLength = Math.max(maxLineLength, x - spacing);
      const last = positioned[positioned.length - 1]!;
      const indent = (last.x + last.glyph.advance) * justify;
      for (let i = lineStart; i < positioned.length; i++) positioned[i]!.x -= indent;
    }
    y += lineHeight;
  }
  if (positioned.length === 0) return undefined;

  const [offsetX, offsetY] = [options.offsetEms[0] * GLYPH_SIZE_PX, options.offsetEms[1] * GLYPH_SIZE_PX];
  const shiftX = (justify - horizontalAlign) * maxLineLength + offsetX;
  const shiftY = (-verticalAlign * lineCount + 0.5) * lineHeight + offsetY;
  for (const g of positioned) {
    g.x += shiftX;
    g.y += shiftY;
  }
  const top = offsetY - verticalAlign * y;
  const left = offsetX - horizontalAlign * maxLineLength;
  return { glyphs: positioned, left, top, right: left + maxLineLength, bottom: top + y, lineCount };
}

/** Horizontal and vertical alignment (0, 0.5, 1) of the block to its anchor. */
export function anchorAlignment(anchor: TextAnchor): { horizontalAlign: number; verticalAlign: number } {
  let horizontalAlign = 0.5;
  let verticalAlign = 0.5;
  if (anchor === 'right' || anchor === 'top-right' || anchor === 'bottom-right') horizontalAlign = 1;
  if (anchor === 'left' || anchor === 'top-left' || anchor === 'bottom-left') horizontalAlign = 0;
  if (anchor === 'bottom' || anchor === 'bottom-left' || anchor === 'bottom-right') verticalAlign = 1;
  if (anchor === 'top' || anchor === 'top-left' || anchor === 'top-right') verticalAlign = 0;
  return { horizontalAlign, verticalAlign };
}

function trim(line: number[]): number[] {
  let a = 0;
  let b = line.length;
  while (a < b && WHITESPACE.has(line[a]!)) a++;
  while (b > a && WHITESPACE.has(line[b - 1]!)) b--;
  return line.slice(a, b);
}

interface Break {
  readonly index: number;
  readonly x: number;
  readonly prior: Break | undefined;
  readonly badness: number;
}

/**
 * Indices at which lines start, chosen as MapLibre does: lines close to the average width
 * the text needs at text-max-width, the last line preferably shorter, newlines forced.
 */
function lineBreaks(codePoints: readonly number[], spacing: number, maxWidth: number, advanceOf: (cp: number) => number): number[] {
  if (!(maxWidth > 0) || codePoints.length === 0) return [];
  let totalWidth = 0;
  for (const cp of codePoints) totalWidth += advanceOf(cp) + spacing;
  const targetWidth = totalWidth / Math.max(1, Math.ceil(totalWidth / maxWidth));

  const potential: Break[] = [];
  let x = 0;
  for (let i = 0; i < codePoints.length; i++) {
    const cp = codePoints[i]!;
    if (!WHITESPACE.has(cp)) x += advanceOf(cp) + spacing;
    if (i < codePoints.length - 1 && (BREAKABLE.has(cp) || allowsIdeographicBreak(cp))) {
      potential.push(evaluateBreak(i + 1, x, targetWidth, potential, breakPenalty(cp, codePoints[i + 1]!), false));
    }
  }
  const result: number[] = [];
  for (let b: Break | undefined = evaluateBreak(codePoints.length, x, targetWidth, potential, 0, true); b; b = b.prior) {
    result.push(b.index);
  }
  // The chain runs back from the text's end; drop that end and read forward.
  return result.slice(1).reverse();
}

function evaluateBreak(index: number, x: number, targetWidth: number, potential: readonly Break[], penalty: number, isLast: boolean): Break {
  let prior: Break | undefined;
  let best = badness(x, targetWidth, penalty, isLast);
  for (const p of potential) {
    const b = badness(x - p.x, targetWidth, penalty, isLast) + p.badness;
    if (b <= best) {
      prior = p;
      best = b;
    }
  }
  return { index, x, prior, badness: best };
}

function badness(lineWidth: number, targetWidth: number, penalty: number, isLast: boolean): number {
  const raggedness = (lineWidth - targetWidth) ** 2;
  if (isLast) return lineWidth < targetWidth ? raggedness / 2 : raggedness * 2;
  return raggedness + Math.abs(penalty) * penalty;
}

function breakPenalty(cp: number, next: number): number {
  let penalty = 0;
  if (cp === 0x0a) penalty -= 10000;
  if (cp === 0x28 || cp === 0xff08) penalty += 50;
  if (next === 0x29 || next === 0xff09) penalty += 50;
  return penalty;
}
