/**
 * Rewrites a style's expressions into the forms every mainstream client reads, without
 * changing what they mean to MapLibre. QGIS's style converter (3.22, Debian 12) reads a
 * `match` label only as an array (a single value becomes an empty list, so every feature
 * takes the fallback), a zoom stop only as a number (an arithmetic stop such as
 * ["*", 1, 1.5], as the scale tokens compile, is skipped) and no `in` over a literal list
 * (the filter is dropped). So: every single-value match label becomes a one-element array,
 * arithmetic on number literals is folded, and `in` a literal list becomes a match. Pure.
 */
import type { LayerSpecification, StyleSpecification } from '@maplibre/maplibre-gl-style-spec';

type Folder = (args: number[]) => number | undefined;

const FOLDERS: Record<string, Folder> = {
  '*': (args) => (args.length >= 2 ? args.reduce((a, b) => a * b, 1) : undefined),
  '+': (args) => (args.length >= 2 ? args.reduce((a, b) => a + b, 0) : undefined),
  '-': (args) => (args.length === 1 ? -args[0]! : args.length === 2 ? args[0]! - args[1]! : undefined),
  '/': (args) => (args.length === 2 && args[1] !== 0 ? args[0]! / args[1]! : undefined),
};

const isNumber = (value: unknown): value is number => typeof value === 'number' && Number.isFinite(value);

/**
 * ["in", needle, ["literal", [values…]]] as ["match", needle, [values…], true, false]: the
 * same test (strict equality with one of the values) in the form QGIS reads. Only for
 * values match accepts as labels: all strings or all integers, none repeated.
 */
function inAsMatch(operator: string, args: unknown[]): unknown[] | undefined {
  if (operator !== 'in' || args.length !== 2) return undefined;
  const haystack = args[1];
  if (!Array.isArray(haystack) || haystack[0] !== 'literal' || !Array.isArray(haystack[1])) return undefined;
  const values = haystack[1] as unknown[];
  const labelsOk = values.every((v) => typeof v === 'string') || values.every((v) => Number.isInteger(v));
  if (values.length === 0 || !labelsOk || new Set(values).size !== values.length) return undefined;
  return ['match', portableExpression(args[0]), values, true, false];
}

/** One expression (or plain property value) in portable form; anything not an expression is returned as it is. */
export function portableExpression(value: unknown): unknown {
  if (!Array.isArray(value) || typeof value[0] !== 'string') return value;
  const [operator, ...rest] = value as [string, ...unknown[]];
  // A literal's contents are data, not expressions.
  if (operator === 'literal') return value;
  if (operator === 'match' && rest.length >= 4) {
    // ["match", input, label, output, …, fallback]: labels (literal values, never expressions)
    // at odd argument positions, the fallback last.
    const isLabel = (i: number) => i % 2 === 1 && i < rest.length - 1;
    return [operator, ...rest.map((arg, i) => (isLabel(i) ? (Array.isArray(arg) ? arg : [arg]) : portableExpression(arg)))];
  }
  const membership = inAsMatch(operator, rest);
  if (membership) return membership;
  const args = rest.map(portableExpression);
  const fold = FOLDERS[operator];
  if (fold && args.every(isNumber)) {
    const folded = fold(args);
    if (folded !== undefined && Number.isFinite(folded)) return folded;
  }
  return [operator, ...args];
}

function portableProperties(properties: Record<string, unknown> | undefined): Record<string, unknown> | undefined {
  if (!properties) return properties;
  return Object.fromEntries(Object.entries(properties).map(([name, value]) => [name, portableExpression(value)]));
}

export function portableLayer(layer: LayerSpecification): LayerSpecification {
  const { paint, layout } = layer as { paint?: Record<string, unknown>; layout?: Record<string, unknown> };
  const filter = 'filter' in layer ? layer.filter : undefined;
  return {
    ...layer,
    ...(paint ? { paint: portableProperties(paint) } : {}),
    ...(layout ? { layout: portableProperties(layout) } : {}),
    ...(filter !== undefined ? { filter: portableExpression(filter) } : {}),
  } as LayerSpecification;
}

export function portableStyle(style: StyleSpecification): StyleSpecification {
  return { ...style, layers: style.layers.map(portableLayer) };
}
