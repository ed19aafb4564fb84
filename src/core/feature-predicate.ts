/**
 * A test on a feature's properties that both the database (as SQL) and the embedded mode
 * (in JavaScript) can run: what a style's filter says about which features it draws,
 * in the few forms a filter compiles to. Values are compared strictly typed, as the style
 * spec's expressions compare them: 5 is not "5", and a missing property equals nothing.
 * Pure.
 */

export type Scalar = string | number | boolean;

export type Predicate =
  | { readonly op: 'true' }
  | { readonly op: 'false' }
  /** The property is present (not null). */
  | { readonly op: 'has'; readonly key: string }
  /** The property is one of these values (a match's labels, an `in` list, `==`). */
  | { readonly op: 'in'; readonly key: string; readonly values: readonly Scalar[] }
  /** The property is a number and compares so with the value. */
  | { readonly op: 'cmp'; readonly key: string; readonly cmp: '<' | '<=' | '>' | '>='; readonly value: number }
  | { readonly op: 'not'; readonly arg: Predicate }
  | { readonly op: 'and'; readonly args: readonly Predicate[] }
  | { readonly op: 'or'; readonly args: readonly Predicate[] };

export const TRUE: Predicate = { op: 'true' };
export const FALSE: Predicate = { op: 'false' };

/** A conjunction, with constants folded away. */
export function and(args: readonly Predicate[]): Predicate {
  if (args.some((a) => a.op === 'false')) return FALSE;
  const rest = args.filter((a) => a.op !== 'true');
  return rest.length === 0 ? TRUE : rest.length === 1 ? rest[0]! : { op: 'and', args: rest };
}

/**
 * A disjunction, with constants folded away, repeated parts dropped and the value lists of
 * one property joined (many style layers of a road layer each keep a class or two).
 */
export function or(args: readonly Predicate[]): Predicate {
  if (args.some((a) => a.op === 'true')) return TRUE;
  const rest: Predicate[] = [];
  const seen = new Set<string>();
  for (const a of args.flatMap((p) => (p.op === 'or' ? p.args : [p]))) {
    if (a.op === 'false') continue;
    const sameKey = a.op === 'in' ? rest.findIndex((r) => r.op === 'in' && r.key === a.key) : -1;
    if (a.op === 'in' && sameKey >= 0) {
      const joined = rest[sameKey] as Extract<Predicate, { op: 'in' }>;
      rest[sameKey] = { op: 'in', key: a.key, values: [...joined.values, ...a.values.filter((v) => !joined.values.includes(v))] };
      continue;
    }
    const text = JSON.stringify(a);
    if (!seen.has(text)) rest.push(a);
    seen.add(text);
  }
  return rest.length === 0 ? FALSE : rest.length === 1 ? rest[0]! : { op: 'or', args: rest };
}

export function not(arg: Predicate): Predicate {
  if (arg.op === 'true') return FALSE;
  if (arg.op === 'false') return TRUE;
  if (arg.op === 'not') return arg.arg;
  return { op: 'not', arg };
}

/** Whether a feature with these properties passes (a null or missing property is absent). */
export function evaluatePredicate(p: Predicate, properties: Readonly<Record<string, unknown>>): boolean {
  switch (p.op) {
    case 'true':
      return true;
    case 'false':
      return false;
    case 'has':
      return properties[p.key] !== undefined && properties[p.key] !== null;
    case 'in': {
      const value = properties[p.key];
      return (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') && p.values.includes(value);
    }
    case 'cmp': {
      const value = properties[p.key];
      if (typeof value !== 'number') return false;
      return p.cmp === '<' ? value < p.value : p.cmp === '<=' ? value <= p.value : p.cmp === '>' ? value > p.value : value >= p.value;
    }
    case 'not':
      return !evaluatePredicate(p.arg, properties);
    case 'and':
      return p.args.every((a) => evaluatePredicate(a, properties));
    case 'or':
      return p.args.some((a) => evaluatePredicate(a, properties));
  }
}

/** The properties a predicate reads. */
export function predicateKeys(p: Predicate, into = new Set<string>()): Set<string> {
  if (p.op === 'has' || p.op === 'in' || p.op === 'cmp') into.add(p.key);
  else if (p.op === 'not') predicateKeys(p.arg, into);
  else if (p.op === 'and' || p.op === 'or') for (const a of p.args) predicateKeys(a, into);
  return into;
}
