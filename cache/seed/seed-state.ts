/**
 * The state file of a seed job: the job it belongs to and, per level, how far it got, so an
 * interrupted job continues where it stopped. Written through a temporary file and a rename,
 * so a crash mid-write leaves the previous state, never half of one.
 */
import { createHash } from 'node:crypto';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { LevelProgress } from './seed-plan.ts';

/** What a job is; two runs with equal jobs are the same job (and share a state file). */
export interface SeedJob {
  readonly kind: 'vector' | 'raster';
  /** Tileset id (vector) or style id (raster). */
  readonly name: string;
  /** Levels per grid after clamping, in plan order: `[{ grid: "3006", min: 8, max: 10 }]`. */
  readonly levels: readonly { readonly grid: string; readonly min: number; readonly max: number }[];
  /** WGS84 bboxes. */
  readonly areas: readonly (readonly number[])[];
  /** Cache variant: `mvt`, or `{scale}.{format}` for raster. */
  readonly variant: string;
  /** Tiles per side of a unit (the metatile size for raster). */
  readonly step: number;
}

/** Counts over every run of a job. */
export interface SeedCounts {
  tiles: number;
  emptyTiles: number;
  errors: number;
}

export interface SeedState {
  readonly version: 1;
  readonly job: SeedJob;
  readonly levels: Record<string, LevelProgress>;
  readonly counts: SeedCounts;
}

/** A short, stable id of a job: the first 12 hex digits of the SHA-256 of its JSON. */
export function jobHash(job: SeedJob): string {
  const canonical = JSON.stringify({ kind: job.kind, name: job.name, levels: job.levels.map((l) => [l.grid, l.min, l.max]), areas: job.areas, variant: job.variant, step: job.step });
  return createHash('sha256').update(canonical).digest('hex').slice(0, 12);
}

/** Where a job's state is kept when --state is not given: beside the disk tier's tiles, else ./var. */
export function defaultStatePath(job: SeedJob, diskDir: string | undefined): string {
  return join(diskDir ?? 'var', `seed-state-${jobHash(job)}.json`);
}

/** A state file that cannot be used: unreadable, or written by another job. */
export class SeedStateError extends Error {
  override name = 'SeedStateError';
}

/** The saved state of this job, or undefined when there is none (a fresh start). */
export async function readState(path: string, job: SeedJob): Promise<SeedState | undefined> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new SeedStateError(`cannot read the seed state ${path}: ${(error as Error).message}`);
  }
  let state: SeedState;
  try {
    state = JSON.parse(text) as SeedState;
  } catch {
    throw new SeedStateError(`the seed state ${path} is not JSON; remove it to start over`);
  }
  if (state.version !== 1 || typeof state.levels !== 'object' || !state.job) throw new SeedStateError(`the seed state ${path} is not a state this version wrote; remove it to start over`);
  if (jobHash(state.job) !== jobHash(job)) throw new SeedStateError(`the seed state ${path} belongs to another job (${state.job.kind} ${state.job.name}); remove it or give another --state`);
  return state;
}

/** Writes the state at most once per interval, one write at a time; the last word goes through flush(). */
export class StateFile {
  readonly path: string;
  private readonly minIntervalMs: number;
  private lastWriteMs = -Infinity;
  private writing: Promise<void> = Promise.resolve();

  /** minIntervalMs: a write per second keeps a resume close to where a crash stopped at a negligible cost. */
  constructor(path: string, minIntervalMs = 1000) {
    this.path = path;
    this.minIntervalMs = minIntervalMs;
  }

  /** Saves when the last write is older than the interval; takes the state lazily, so skipping costs nothing. */
  maybeSave(state: () => SeedState): void {
    if (performance.now() - this.lastWriteMs < this.minIntervalMs) return;
    void this.save(state()).catch(() => undefined);
  }

  /** Saves now, after any write in progress. */
  async save(state: SeedState): Promise<void> {
    this.lastWriteMs = performance.now();
    const write = this.writing.then(async () => {
      await mkdir(dirname(this.path), { recursive: true });
      const temp = `${this.path}.${process.pid}.tmp`;
      await writeFile(temp, `${JSON.stringify(state)}\n`);
      await rename(temp, this.path);
    });
    this.writing = write.catch(() => undefined);
    return write;
  }

  /** Removes the file once the job is complete (after any write in progress). */
  async remove(): Promise<void> {
    await this.writing;
    await rm(this.path, { force: true });
  }
}
