/**
 * A style layer's filter as a Predicate the tile query can apply: the forms filters are
 * written in (`==`, `!=`, `in`, `match`, `case`, `all`, `any`, `!`, `has`) compile exactly;
 * number comparisons and a boolean property as the filter compile to a superset (a value
 * of another type fails the style's whole filter), and anything else (`slice`, `zoom`,
 * geometry type, string order…) to a superset, at worst every feature. So a tile never
 * leaves out a feature the style draws. Pure.
 */
import { and, FALSE, not, or, TRUE, type Predicate, type Scalar } from '../core/feature-predicate.ts';

export interface CompiledFilter {
  readonly predicate: Predicate;
  /** True when the predicate passes exactly the features the filter passes; else a superset of them. */
  readonly exact: boolean;
}

const EVERYTHING: CompiledFilter = { predicate: TRUE, exact: false };
const exactly = (predicate: Predicate): CompiledFilter => ({ predicate, exact: true });

/** The property `["get", key]` reads from the feature, if that is what e is. */
function propertyOf(e: unknown): string | undefined {
  return Array.isArray(e) && e[0] === 'get' && e.length === 2 && typeof e[1] === 'string' ? e[1] : undefined;
}

/** A literal scalar or null (bare or `["literal", v]`); undefined when e is not one. */
function literalOf(e: unknown): { value: Scalar | null } | undefined {
  const v = Array.isArray(e) && e[0] === 'literal' && e.length === 2 ? e[1] : e;
  if (v === null || typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') return { value: v };
  return undefined;
}

/** `property == value`, strictly typed; `== null` is "absent". */
function equals(key: string, value: Scalar | null): Predicate {
  return value === null ? not({ op: 'has', key }) : { op: 'in', key, values: [value] };
}

const FLIP = { '<': '>', '<=': '>=', '>': '<', '>=': '<=' } as const;
type Comparison = keyof typeof FLIP;

function compileEquality(op: '==' | '!=', args: unknown[]): CompiledFilter {
  if (args.length !== 2) return EVERYTHING; // with a collator
  const [a, b] = args;
  const key = propertyOf(a) ?? propertyOf(b);
  const literal = propertyOf(a) !== undefined ? literalOf(b) : literalOf(a);
  if (key === undefined || literal === undefined) {
    const [la, lb] = [literalOf(a), literalOf(b)];
    if (la && lb) return exactly((la.value === lb.value) === (op === '==') ? TRUE : FALSE);
    return EVERYTHING;
  }
  const eq = equals(key, literal.value);
  return exactly(op === '==' ? eq : not(eq));
}

function compileComparison(op: Comparison, args: unknown[]): CompiledFilter {
  if (args.length !== 2) return EVERYTHING;
  const [a, b] = args;
  const [keyA, keyB] = [propertyOf(a), propertyOf(b)];
  const literal = keyA !== undefined ? literalOf(b) : literalOf(a);
  // Strings compare in UTF-16 order in the style, in a collation in SQL: kept, not compiled.
  if (literal === undefined || typeof literal.value !== 'number') return EVERYTHING;
  // A property that is not a number makes the style's whole filter fail (false): where the
  // predicate says false instead, the filter around it may still pass. A superset, so
  // never negated.
  if (keyA !== undefined) return { predicate: { op: 'cmp', key: keyA, cmp: op, value: literal.value }, exact: false };
  if (keyB !== undefined) return { predicate: { op: 'cmp', key: keyB, cmp: FLIP[op], value: literal.value }, exact: false };
  return EVERYTHING;
}

/** `["match", ["get", k], labels, out, …, fallback]`: each branch as (k in labels) and out. */
function compileMatch(args: unknown[]): CompiledFilter {
  const key = propertyOf(args[0]);
  if (key === undefined || args.length < 4 || args.length % 2 !== 0) return EVERYTHING;
  const branches: Predicate[] = [];
  const seen: Scalar[] = [];
  let exact = true;
  for (let i = 1; i + 1 < args.length; i += 2) {
    const labels = Array.isArray(args[i]) ? (args[i] as unknown[]) : [args[i]];
    if (!labels.every((l) => typeof l === 'string' || typeof l === 'number')) return EVERYTHING;
    // A label already matched by an earlier branch never reaches this one.
    const fresh = (labels as Scalar[]).filter((l) => !seen.includes(l));
    seen.push(...fresh);
    const output = compile(args[i + 1]);
    exact &&= output.exact;
    if (fresh.length) branches.push(and([{ op: 'in', key, values: fresh }, output.predicate]));
  }
  const fallback = compile(args[args.length - 1]);
  exact &&= fallback.exact;
  branches.push(and([seen.length ? not({ op: 'in', key, values: seen }) : TRUE, fallback.predicate]));
  return { predicate: or(branches), exact };
}

/** `["case", c1, o1, …, fallback]`: needs exact conditions, as a later branch holds only where earlier ones failed. */
function compileCase(args: unknown[]): CompiledFilter {
  if (args.length < 3 || args.length % 2 !== 1) return EVERYTHING;
  const branches: Predicate[] = [];
  const failed: Predicate[] = [];
  let exact = true;
  for (let i = 0; i + 1 < args.length; i += 2) {
    const condition = compile(args[i]);
    if (!condition.exact) return EVERYTHING;
    const output = compile(args[i + 1]);
    exact &&= output.exact;
    branches.push(and([...failed, condition.predicate, output.predicate]));
    failed.push(not(condition.predicate));
  }
  const fallback = compile(args[args.length - 1]);
  branches.push(and([...failed, fallback.predicate]));
  return { predicate: or(branches), exact: exact && fallback.exact };
}

/** `["in", ["get", k], ["literal", [..]]]`: membership in a literal list (a string haystack is a substring test: kept). */
function compileIn(args: unknown[]): CompiledFilter {
  const key = propertyOf(args[0]);
  const list = Array.isArray(args[1]) && args[1][0] === 'literal' && Array.isArray(args[1][1]) ? (args[1][1] as unknown[]) : undefined;
  if (key === undefined || args.length !== 2 || !list) return EVERYTHING;
  if (!list.every((v) => v === null || typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean')) return EVERYTHING;
  const values = list.filter((v): v is Scalar => v !== null);
  return exactly(or([{ op: 'in', key, values }, ...(list.includes(null) ? [not({ op: 'has', key })] : [])]));
}

function compile(e: unknown): CompiledFilter {
  if (typeof e === 'boolean') return exactly(e ? TRUE : FALSE);
  if (!Array.isArray(e)) return EVERYTHING;
  const [op, ...args] = e as [unknown, ...unknown[]];
  switch (op) {
    case 'literal':
      return typeof args[0] === 'boolean' ? exactly(args[0] ? TRUE : FALSE) : EVERYTHING;
    case 'all': {
      // A superset of each part keeps a superset of all of them.
      const parts = args.map(compile);
      return { predicate: and(parts.map((p) => p.predicate)), exact: parts.every((p) => p.exact) };
    }
    case 'any': {
      const parts = args.map(compile);
      return { predicate: or(parts.map((p) => p.predicate)), exact: parts.every((p) => p.exact) };
    }
    case '!': {
      // The complement of a superset is a subset: only an exact part can be negated.
      const part = compile(args[0]);
      return part.exact && args.length === 1 ? exactly(not(part.predicate)) : EVERYTHING;
    }
    case 'has':
      return args.length === 1 && typeof args[0] === 'string' ? exactly({ op: 'has', key: args[0] }) : EVERYTHING;
    case 'get': {
      // A property used as the filter's value passes only when it is true; any other value
      // fails the whole filter (as a comparison on a non-number does): a superset.
      const key = propertyOf(e);
      return key === undefined ? EVERYTHING : { predicate: { op: 'in', key, values: [true] }, exact: false };
    }
    case '==':
    case '!=':
      return compileEquality(op, args);
    case '<':
    case '<=':
    case '>':
    case '>=':
      return compileComparison(op, args);
    case 'match':
      return compileMatch(args);
    case 'case':
      return compileCase(args);
    case 'in':
      return compileIn(args);
    default:
      return EVERYTHING;
  }
}

/**
 * Whether the style spec reads a filter in the legacy syntax (`["==", "klass", "skog"]`),
 * as its feature_filter classifies it: a filter is legacy unless it, or a child of its
 * `all`/`any`, is unmistakably an expression.
 */
function isLegacyFilter(filter: unknown): boolean {
  const classify = (f: unknown): 'legacy' | 'expression' | 'neutral' => {
    if (typeof f === 'boolean') return 'neutral';
    if (!Array.isArray(f) || f.length === 0) return 'legacy';
    switch (f[0]) {
      case 'has':
        return f.length < 2 || f[1] === '$id' || f[1] === '$type' ? 'legacy' : f.length === 2 ? 'neutral' : 'expression';
      case 'in':
        return f.length >= 3 && (typeof f[1] !== 'string' || Array.isArray(f[2])) ? 'expression' : 'legacy';
      case '!in':
      case '!has':
      case 'none':
        return 'legacy';
      case '==':
      case '!=':
      case '>':
      case '>=':
      case '<':
      case '<=':
        return f.length !== 3 || Array.isArray(f[1]) || Array.isArray(f[2]) ? 'expression' : 'legacy';
      case 'any':
      case 'all': {
        const kinds = f.slice(1).map(classify);
        return kinds.includes('expression') ? 'expression' : kinds.includes('legacy') ? 'legacy' : 'neutral';
      }
      default:
        return 'expression';
    }
  };
  return classify(filter) === 'legacy';
}

/**
 * A style layer's filter as a predicate; no filter passes everything. A filter in the
 * legacy syntax keeps every feature: its conversion has quirks of its own (a `false` in an
 * `all` passes), which a predicate would have to copy exactly to be safe.
 */
export function compileFilter(filter: unknown): CompiledFilter {
  if (filter === undefined || filter === null) return exactly(TRUE);
  return isLegacyFilter(filter) ? EVERYTHING : compile(filter);
}
