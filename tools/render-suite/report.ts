/**
 * The suite's scoreboard: per group, how many tests were compared, how many pass at the
 * suite's own bar (each test's `allowed`, default 0.00015) and within 1 %, how many were
 * skipped or failed to run; and the same over all groups.
 */
import type { CaseResult } from './run-case.ts';

/** "Close" in the suite's looser sense: at most 1 % of pixels differ. */
export const WITHIN_ONE_PERCENT = 0.01;

export interface GroupSummary {
  readonly group: string;
  readonly tests: number;
  readonly compared: number;
  readonly passBar: number;
  readonly within1: number;
  readonly skipped: number;
  readonly errors: number;
}

/** Per-group rows (sorted by group) and the totals. */
export function summarize(results: readonly CaseResult[]): { groups: GroupSummary[]; total: GroupSummary } {
  const byGroup = new Map<string, CaseResult[]>();
  for (const result of results) {
    let list = byGroup.get(result.group);
    if (!list) byGroup.set(result.group, (list = []));
    list.push(result);
  }
  const groups = [...byGroup.keys()].sort().map((group) => summarizeGroup(group, byGroup.get(group)!));
  return { groups, total: summarizeGroup('total', results) };
}

function summarizeGroup(group: string, results: readonly CaseResult[]): GroupSummary {
  let compared = 0, passBar = 0, within1 = 0, skipped = 0, errors = 0;
  for (const r of results) {
    if (r.status === 'skipped') skipped++;
    else if (r.status === 'error') errors++;
    else if (r.diffFraction !== null) {
      compared++;
      if (r.diffFraction <= (r.allowed ?? 0.00015)) passBar++;
      if (r.diffFraction <= WITHIN_ONE_PERCENT) within1++;
    }
  }
  return { group, tests: results.length, compared, passBar, within1, skipped, errors };
}

/** How often each skip reason came up, most frequent first. */
export function skipReasons(results: readonly CaseResult[]): [string, number][] {
  const counts = new Map<string, number>();
  for (const r of results) if (r.status === 'skipped' && r.reason) counts.set(r.reason, (counts.get(r.reason) ?? 0) + 1);
  return [...counts].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
}

/** A plain-text table of the summary, one line per group and a totals line. */
export function formatTable(summary: { groups: readonly GroupSummary[]; total: GroupSummary }): string {
  const header = ['group', 'tests', 'compared', 'suite bar', '≤ 1 %', 'skipped', 'errors'];
  const row = (s: GroupSummary) => [s.group, s.tests, s.compared, s.passBar, s.within1, s.skipped, s.errors].map(String);
  const rows = [header, ...summary.groups.map(row), row(summary.total)];
  const widths = header.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  const line = (r: string[]) => r.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!))).join('  ');
  const rule = widths.map((w) => '-'.repeat(w)).join('  ');
  return [line(header), rule, ...rows.slice(1, -1).map(line), rule, line(rows[rows.length - 1]!)].join('\n');
}

/** "12/30 (40 %)": a count out of the compared tests. */
export function share(count: number, of: number): string {
  return of === 0 ? `${count}/0` : `${count}/${of} (${Math.round((count / of) * 100)} %)`;
}
