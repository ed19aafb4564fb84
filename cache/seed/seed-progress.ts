/**
 * The seed command's progress line and summary: a bar, done/total, tiles/s and ETA, redrawn
 * in place on a terminal and written as plain lines otherwise (logs, CI). Formatting is pure;
 * ProgressLine only throttles.
 */
import type { SeedOutcome, SeedProgress } from './seeder.ts';

const BAR_WIDTH = 24;

/** 75 → "1m15s", 3725 → "1h02m", 9 → "9s". */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return '?';
  const s = Math.round(seconds);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

/** Tiles per second of this run. */
export function rateOf(tiles: number, elapsedMs: number): number {
  return elapsedMs > 0 ? (tiles * 1000) / elapsedMs : 0;
}

/** `[#########---------------]  1234/5678  21.7%  45.2 tiles/s  ETA 1m38s  3006/9` */
export function formatProgress(p: SeedProgress): string {
  const fraction = p.totalTiles > 0 ? Math.min(1, p.doneTiles / p.totalTiles) : 1;
  const filled = Math.round(fraction * BAR_WIDTH);
  const rate = rateOf(p.runTiles, p.elapsedMs);
  const eta = rate > 0 ? formatDuration((p.totalTiles - p.doneTiles) / rate) : '?';
  return `[${'#'.repeat(filled)}${'-'.repeat(BAR_WIDTH - filled)}] ${p.doneTiles}/${p.totalTiles} ${(fraction * 100).toFixed(1)}% ${rate.toFixed(1)} tiles/s ETA ${eta} ${p.level}`;
}

/** The lines printed when a run ends. */
export function formatSummary(outcome: SeedOutcome, statePath: string): string[] {
  const { run, state, elapsedMs, status } = outcome;
  const seconds = elapsedMs / 1000;
  const lines = [
    `${status === 'complete' ? 'seeded' : 'stopped after'} ${run.tiles} tiles (${run.emptyTiles} empty), ${run.errors} errors in ${formatDuration(seconds)} (${seconds.toFixed(1)} s): ${rateOf(run.tiles, elapsedMs).toFixed(1)} tiles/s`,
  ];
  if (state.counts.tiles !== run.tiles) lines.push(`job so far: ${state.counts.tiles} tiles (${state.counts.emptyTiles} empty), ${state.counts.errors} errors over every run`);
  for (const message of outcome.firstErrors) lines.push(`  error: ${message}`);
  if (run.errors > outcome.firstErrors.length) lines.push(`  … and ${run.errors - outcome.firstErrors.length} more errors`);
  if (status === 'complete' && state.counts.errors > 0) lines.push('run the same command again to retry the failed tiles: the seeded ones are cache hits');
  if (status === 'interrupted') lines.push(`interrupted: progress kept in ${statePath}; run the same command again to resume`);
  if (status === 'failed') lines.push(`stopped: ${outcome.reason}; progress kept in ${statePath}; run the same command again to resume`);
  return lines;
}

/** Where progress goes: a line redrawn in place (terminal), or appended lines. */
export interface ProgressSink {
  /** Writes raw text to a terminal (the line is redrawn in place); absent when the output is not one. */
  readonly write?: ((text: string) => void) | undefined;
  readonly line: (line: string) => void;
}

/** A few redraws a second are readable and cost nothing; plain lines are rarer, as they pile up in logs. */
const TTY_INTERVAL_MS = 250;
const PLAIN_INTERVAL_MS = 5000;

/** Shows progress at most every interval. */
export class ProgressLine {
  private readonly sink: ProgressSink;
  private readonly intervalMs: number;
  private lastMs = -Infinity;
  private last: SeedProgress | undefined;
  private drawn = false;

  constructor(sink: ProgressSink) {
    this.sink = sink;
    this.intervalMs = sink.write ? TTY_INTERVAL_MS : PLAIN_INTERVAL_MS;
  }

  update(progress: SeedProgress): void {
    this.last = progress;
    const now = performance.now();
    if (now - this.lastMs < this.intervalMs) return;
    this.lastMs = now;
    this.show(progress);
  }

  /** Shows the last state once more and ends the redrawn line, before the summary. */
  finish(): void {
    if (this.last) this.show(this.last);
    if (this.drawn) this.sink.write?.('\n');
  }

  private show(progress: SeedProgress): void {
    const text = formatProgress(progress);
    if (this.sink.write) {
      this.sink.write(`\r\x1b[2K${text}`);
      this.drawn = true;
    } else {
      this.sink.line(text);
    }
  }
}
