/**
 * Runs a seed plan: units in plan order, a bounded number at a time, skipping those a
 * previous run finished. A failing unit is counted and the job goes on; a fatal failure
 * (the database gone) or the stop signal ends it after the units in flight, with the
 * progress kept for a resume. Production and persistence are the caller's: this module
 * only schedules and counts, so tests drive it with fakes.
 */
import { levelKey, ProgressTracker, remainingUnits, unitsOf, type SeedPlan, type SeedUnit } from './seed-plan.ts';
import type { SeedCounts, SeedJob, SeedState } from './seed-state.ts';

/** What producing one unit yielded. */
export interface UnitResult {
  /** Tiles without features among those the unit stored. */
  readonly emptyTiles: number;
}

/** Where the run stands, for a progress line. */
export interface SeedProgress {
  /** Tiles done over every run of the job, and in all. */
  readonly doneTiles: number;
  readonly totalTiles: number;
  /** Tiles this run did, and how long it has been running. */
  readonly runTiles: number;
  readonly elapsedMs: number;
  /** The level being worked on: `3006/9`. */
  readonly level: string;
}

export interface SeedOptions {
  readonly job: SeedJob;
  readonly plan: SeedPlan;
  /** The state of a previous run of the same job, if any. */
  readonly resumeFrom?: SeedState | undefined;
  readonly produce: (unit: SeedUnit) => Promise<UnitResult>;
  /** Units in flight at once. */
  readonly concurrency: number;
  /** Aborted on SIGINT/SIGTERM: no new unit starts; those in flight finish and count. */
  readonly signal?: AbortSignal;
  /** A message when an error must stop the job (the unit stays to do), else undefined. */
  readonly fatal: (error: unknown) => string | undefined;
  /** Called after every unit; the callee throttles what it shows and writes. */
  readonly onUnit?: (progress: SeedProgress, state: () => SeedState) => void;
}

export interface SeedOutcome {
  readonly status: 'complete' | 'interrupted' | 'failed';
  /** Why a failed job stopped. */
  readonly reason?: string;
  readonly state: SeedState;
  /** What this run did (the state holds the counts over every run). */
  readonly run: SeedCounts;
  readonly elapsedMs: number;
  /** The first few error messages, with the tile they came from. */
  readonly firstErrors: readonly string[];
}

/** Error messages kept for the summary; the rest are only counted. */
const FIRST_ERRORS = 5;
/**
 * Units a level may finish ahead of its slowest one before new work waits: bounds the
 * `extra` list a state file holds while one slow tile lags behind.
 */
const MAX_AHEAD = 1024;

export async function runSeed(options: SeedOptions): Promise<SeedOutcome> {
  const { plan, job, concurrency, signal } = options;
  const previous = options.resumeFrom;
  const trackers = new Map(plan.levels.map((l) => [levelKey(l), new ProgressTracker(previous?.levels[levelKey(l)])]));
  const total: SeedCounts = { ...(previous?.counts ?? { tiles: 0, emptyTiles: 0, errors: 0 }) };
  const run: SeedCounts = { tiles: 0, emptyTiles: 0, errors: 0 };
  const firstErrors: string[] = [];
  const started = performance.now();
  const doneBefore = doneTilesOf(plan, trackers);
  let doneTiles = doneBefore;
  let failure: string | undefined;

  const state = (): SeedState => ({ version: 1, job, levels: Object.fromEntries([...trackers].map(([k, t]) => [k, t.snapshot()])), counts: { ...total } });
  const count = (key: keyof SeedCounts, n: number) => {
    total[key] += n;
    run[key] += n;
  };

  const work = async (unit: SeedUnit, tracker: ProgressTracker, level: string): Promise<void> => {
    try {
      const { emptyTiles } = await options.produce(unit);
      count('tiles', unit.tiles);
      count('emptyTiles', emptyTiles);
    } catch (error) {
      const stop = options.fatal(error);
      if (stop !== undefined) {
        failure ??= stop;
        return; // not done: a resume produces it
      }
      count('errors', 1);
      if (firstErrors.length < FIRST_ERRORS) firstErrors.push(`${level}/${unit.x}/${unit.y}: ${(error as Error).message}`);
    }
    tracker.markDone(unit.index);
    doneTiles += unit.tiles;
    options.onUnit?.({ doneTiles, totalTiles: plan.tiles, runTiles: doneTiles - doneBefore, elapsedMs: performance.now() - started, level }, state);
  };

  const inFlight = new Set<Promise<void>>();
  const stopped = () => signal?.aborted === true || failure !== undefined;
  levels: for (const level of plan.levels) {
    const key = levelKey(level);
    const tracker = trackers.get(key)!;
    for (const unit of remainingUnits(level, tracker.snapshot())) {
      while (!stopped() && (inFlight.size >= concurrency || (inFlight.size > 0 && tracker.ahead >= MAX_AHEAD))) await Promise.race(inFlight);
      if (stopped()) break levels;
      const task: Promise<void> = work(unit, tracker, key).finally(() => inFlight.delete(task));
      inFlight.add(task);
    }
  }
  await Promise.all(inFlight);

  const status = failure !== undefined ? 'failed' : signal?.aborted ? 'interrupted' : 'complete';
  return { status, ...(failure === undefined ? {} : { reason: failure }), state: state(), run, elapsedMs: performance.now() - started, firstErrors };
}

/** Tiles of the units a previous run finished. */
function doneTilesOf(plan: SeedPlan, trackers: ReadonlyMap<string, ProgressTracker>): number {
  let tiles = 0;
  for (const level of plan.levels) {
    const tracker = trackers.get(levelKey(level))!;
    if (tracker.done === 0) continue;
    if (tracker.done >= level.units) {
      tiles += level.tiles;
      continue;
    }
    // Vector units hold one tile; raster ones differ only at the grid's edge, so walk the done ones.
    const { next, extra } = tracker.snapshot();
    const end = Math.max(next, ...extra.map((i) => i + 1));
    for (const unit of unitsOf(level)) {
      if (unit.index >= end) break;
      if (tracker.isDone(unit.index)) tiles += unit.tiles;
    }
  }
  return tiles;
}
