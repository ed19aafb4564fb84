/**
 * A regular expression (source text, no anchors) matching exactly the decimal integers
 * from min to max, written without leading zeros as tile URLs write them. Pure.
 *
 * The range is cut into blocks that share a prefix and vary in one digit followed by free
 * digits ([min, max] = [1234, 2345] → 123[4-9] | 12[4-9]\d | 1[3-9]\d\d | 2[0-2]\d\d |
 * 23[0-3]\d | 234[0-5]), so the pattern has at most about 2 × 9 alternatives per digit
 * count: any tile range is expressible compactly, however wide.
 */

/** The blocks of [min, max], both of the same digit count. */
function blocksOf(min: number, max: number): [number, number][] {
  const blocks: [number, number][] = [];
  let lo = min;
  while (lo <= max) {
    // The largest power of ten that lo is aligned to and whose block still fits.
    let step = 1;
    while (lo % (step * 10) === 0 && lo + step * 10 - 1 <= max) step *= 10;
    // As many such blocks as fit before the next digit up changes.
    let hi = lo + step - 1;
    while (hi + step <= max && (hi + 1) % (step * 10) !== 0) hi += step;
    blocks.push([lo, hi]);
    lo = hi + 1;
  }
  return blocks;
}

/** One block as a pattern: the shared prefix, a digit class, free digits. */
function blockPattern(lo: number, hi: number): string {
  const a = String(lo);
  const b = String(hi);
  let shared = 0;
  while (shared < a.length && a[shared] === b[shared]) shared++;
  if (shared === a.length) return a;
  const free = a.length - shared - 1;
  const digit = a[shared] === b[shared] ? a[shared]! : `[${a[shared]}-${b[shared]}]`;
  return `${a.slice(0, shared)}${digit}${free === 0 ? '' : free === 1 ? '\\d' : `\\d{${free}}`}`;
}

/** The pattern of the integers min..max (0 ≤ min ≤ max), as a group. */
export function intRangePattern(min: number, max: number): string {
  if (!(Number.isSafeInteger(min) && Number.isSafeInteger(max) && min >= 0 && min <= max)) {
    throw new RangeError(`integer range needs 0 <= min <= max, got ${min}..${max}`);
  }
  const alternatives: string[] = [];
  // Split where the digit count changes: 7..123 → 7..9, 10..99, 100..123.
  for (let lo = min; lo <= max; ) {
    const hi = Math.min(max, 10 ** String(lo).length - 1);
    for (const [a, b] of blocksOf(lo, hi)) alternatives.push(blockPattern(a, b));
    lo = hi + 1;
  }
  return alternatives.length === 1 ? alternatives[0]! : `(?:${alternatives.join('|')})`;
}
