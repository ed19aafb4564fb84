/**
 * Lines with the same label joined end to start, as MapLibre's mergeLines does before it
 * places labels along lines: a street cut into several features (at every junction, every
 * change of attribute) becomes one line, so its name can sit across the cuts and is
 * spaced along the whole street. Only each feature's first line is joined. Pure.
 *
 *   "Storgatan" a ──► b     "Storgatan" b ──► c     →    "Storgatan" a ──► b ──► c
 */
import type { LinePoint } from './line-placement.ts';

/** A feature's lines and the text it would show along them. */
export interface LabelledLines<T> {
  readonly item: T;
  /** Undefined for features without text (icons only): those are never joined. */
  readonly text: string | undefined;
  readonly lines: readonly (readonly LinePoint[])[];
}

/**
 * The features with joinable lines merged into the first of them (in input order); the
 * others left out. Lines join where one ends exactly where the other starts.
 */
export function mergeLines<T>(features: readonly LabelledLines<T>[]): LabelledLines<T>[] {
  const merged: ({ item: T; text: string | undefined; lines: (readonly LinePoint[])[] } | undefined)[] = [];
  // Where a merged line with a given text starts and ends → its index in `merged`.
  const starts = new Map<string, number>();
  const ends = new Map<string, number>();
  const keyOf = (text: string, p: LinePoint): string => `${text}\u0000${p.x},${p.y}`;
  for (const feature of features) {
    const line = feature.lines[0];
    if (!feature.text || !line || line.length === 0) {
      merged.push({ ...feature, lines: [...feature.lines] });
      continue;
    }
    const startKey = keyOf(feature.text, line[0]!);
    const endKey = keyOf(feature.text, line[line.length - 1]!);
    const before = ends.get(startKey);
    const after = starts.get(endKey);
    if (before !== undefined && after !== undefined && before !== after) {
      // Lines end at both of this one's ends: all three become the first.
      const first = merged[before]!;
      const last = merged[after]!;
      const lastLine = last.lines[0]!;
      first.lines[0] = [...first.lines[0]!, ...line.slice(1), ...lastLine.slice(1)];
      ends.delete(startKey);
      starts.delete(endKey);
      ends.set(keyOf(feature.text, lastLine[lastLine.length - 1]!), before);
      merged[after] = undefined;
    } else if (before !== undefined) {
      const first = merged[before]!;
      first.lines[0] = [...first.lines[0]!, ...line.slice(1)];
      ends.delete(startKey);
      ends.set(endKey, before);
    } else if (after !== undefined) {
      const last = merged[after]!;
      last.lines[0] = [...line, ...last.lines[0]!.slice(1)];
      starts.delete(endKey);
      starts.set(startKey, after);
    } else {
      starts.set(startKey, merged.length);
      ends.set(endKey, merged.length);
      merged.push({ ...feature, lines: [...feature.lines] });
    }
  }
  return merged.filter((f) => f !== undefined);
}
