/**
 * Font stacks and glyph ranges as MapLibre names them: `text-font` ["Noto Sans Bold",
 * "Arial Unicode MS Bold"] is fetched as `{fontstack}/{start}-{end}.pbf` with the names
 * joined by commas and ranges of 256 code points. Pure: parsing and font substitution.
 */
import { EngineError } from '../errors.ts';

/** Code points per glyph range, and the last range start (the Basic Multilingual Plane). */
export const GLYPH_RANGE_SIZE = 256;
export const MAX_GLYPH_RANGE_START = 65_280;
/** Limits on a requested stack, so a URL cannot ask for unbounded work. */
export const MAX_FONTS_PER_STACK = 8;
export const MAX_FONTSTACK_LENGTH = 512;

/** The font names of a comma-joined stack, in order, without blanks or repeats. */
export function parseFontstack(fontstack: string): string[] {
  if (fontstack.length > MAX_FONTSTACK_LENGTH) {
    throw new EngineError('INVALID_GLYPH_REQUEST', `the font stack is longer than ${MAX_FONTSTACK_LENGTH} characters`);
  }
  const names = [...new Set(fontstack.split(',').map((n) => n.trim()).filter(Boolean))];
  if (names.length === 0) throw new EngineError('INVALID_GLYPH_REQUEST', 'the font stack names no font');
  if (names.length > MAX_FONTS_PER_STACK) {
    throw new EngineError('INVALID_GLYPH_REQUEST', `the font stack names ${names.length} fonts; at most ${MAX_FONTS_PER_STACK} are combined`);
  }
  return names;
}

/**
 * The font stacks a style's text layers name with a literal `text-font` (as MapLibre
 * joins them, by commas); stacks chosen by an expression are found when first drawn.
 */
export function literalFontStacks(layers: readonly { type: string; layout?: unknown }[]): string[] {
  const stacks = new Set<string>();
  for (const layer of layers) {
    const layout = layer.layout as Record<string, unknown> | undefined;
    if (layer.type !== 'symbol' || layout?.['text-field'] === undefined) continue;
    const font = layout['text-font'] ?? ['Open Sans Regular', 'Arial Unicode MS Regular'];
    if (Array.isArray(font) && font.length > 0 && font.every((name) => typeof name === 'string') && !isExpressionName(font[0] as string)) stacks.add(font.join(','));
  }
  return [...stacks];
}

/** A first array element that names an expression operator (`["literal", …]`, `["get", …]`). */
function isExpressionName(name: string): boolean {
  return ['literal', 'get', 'match', 'case', 'coalesce', 'step', 'interpolate', 'concat', 'string', 'array'].includes(name);
}

/** The start of a `{start}-{end}` range: a multiple of 256 with end = start + 255. */
export function parseGlyphRange(range: string): number {
  const m = /^(\d{1,5})-(\d{1,5})$/.exec(range);
  const start = m ? Number(m[1]) : NaN;
  const end = m ? Number(m[2]) : NaN;
  if (!(start % GLYPH_RANGE_SIZE === 0 && end === start + GLYPH_RANGE_SIZE - 1 && start <= MAX_GLYPH_RANGE_START)) {
    throw new EngineError('INVALID_GLYPH_REQUEST', `glyph range "${range.slice(0, 16)}" is not {start}-{start+255} with start a multiple of 256 up to ${MAX_GLYPH_RANGE_START}`);
  }
  return start;
}

/** Style words a font name may carry, most specific first; "Regular" when none. */
const STYLE_WORDS = ['Bold Italic', 'Semibold', 'Bold', 'Italic', 'Regular'] as const;

function styleOf(name: string): string {
  const lower = name.toLowerCase();
  const found = STYLE_WORDS.find((w) => lower.includes(w.toLowerCase()));
  if (found === 'Semibold') return 'Bold';
  return found ?? 'Regular';
}

/**
 * The fonts to draw a stack with: the stack's fonts the engine has, in order; when it has
 * none of them, one of its own fonts of the same style (bold, italic, regular), so a style
 * written for other fonts still gets labels, as TileServer GL does.
 */
export function resolveFontstack(names: readonly string[], available: readonly string[], fallback: string): string[] {
  const known = names.filter((n) => available.includes(n));
  if (known.length > 0) return known;
  const wanted = styleOf(names[0] ?? '');
  const sameStyle = available.find((a) => styleOf(a) === wanted && a.startsWith(fallback.split(' ').slice(0, -1).join(' ')));
  return [sameStyle ?? fallback];
}
