/**
 * The disk tier: one file per entry under a folder (layout in disk-layout.ts, bytes in
 * entry-codec.ts), written atomically, verified on read, capped in bytes and files with
 * least-recently-used eviction. One engine process owns a folder: the index of files and
 * sizes lives in its memory (rebuilt by a scan at open).
 *
 * A cache must not fail a request: file errors on get are misses, on set they are logged
 * and the entry dropped. On invalidate they propagate, since the orchestrator must then
 * stop trusting the tier.
 */
import { mkdir, readFile, readdir, rename, rm, rmdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { RecentChanges } from '../recent-changes.ts';
import type { CacheEntry, CacheTier } from '../tier.ts';
import type { LevelRange, TileKey } from '../tile-key.ts';
import { decodeEntry, encodeHeader, HEADER_BYTES } from './entry-codec.ts';
import { isMissing, unlinkIfPresent, writeFileAtomic } from './disk-files.ts';
import { DiskIndex } from './disk-index.ts';
import { APPLIED_SEQ_FILE, KIND_FOLDERS, TEMP_PREFIX, entryPath, insideDir, keyStringOfRelativePath, pathOfKeyString } from './disk-layout.ts';
import { scanDiskTier } from './disk-scan.ts';
import { anyHoldsColumn, anyHoldsTile, rangesByLevel } from './level-ranges.ts';

export interface DiskTierOptions {
  /** The folder; created when missing. */
  readonly dir: string;
  /** Upper bound of the files' bytes (headers included). */
  readonly maxBytes: number;
  /** Upper bound of the number of files: the index costs ~150 B of memory per file. Default 1,000,000. */
  readonly maxFiles?: number;
  /** fsync each entry before its rename (a crash can then not leave an empty file; a checksum catches one anyway). Default false. */
  readonly fsync?: boolean;
  /** How long invalidations are remembered to refuse older writes (cache.raceWindowS); older writes are refused. Default 120 s. */
  readonly retainMs?: number;
  /** Awaited between writing an entry's bytes and committing them: where tests hold a write in flight during an invalidation. */
  readonly beforeCommit?: (key: TileKey) => Promise<void>;
  readonly logger: Logger;
}

const DEFAULT_MAX_FILES = 1_000_000;
const COLUMN = /^\d{1,9}$/;

export class DiskTier implements CacheTier {
  readonly name = 'disk';
  private readonly index = new DiskIndex();
  private readonly maxFiles: number;
  /** Writes of applied-seq, one after the other, so an older value never lands after a newer one. */
  private seqWrites: Promise<void> = Promise.resolve();
  private trashCount = 0;
  /** Invalidations recorded, so a write of older data in their ranges is refused as it commits. */
  private readonly changes: RecentChanges;

  private constructor(
    private readonly options: DiskTierOptions,
    private applied: number | undefined,
  ) {
    this.maxFiles = options.maxFiles ?? DEFAULT_MAX_FILES;
    this.changes = new RecentChanges({ retainMs: options.retainMs ?? 120_000, floor: applied ?? 0 });
  }

  /** Creates the folder when missing and indexes what it holds. */
  static async open(options: DiskTierOptions): Promise<DiskTier> {
    const { dir, logger } = options;
    const started = performance.now();
    await mkdir(dir, { recursive: true });
    await removeTrash(dir);
    const tier = new DiskTier(options, await readAppliedSeq(dir));
    const scan = await scanDiskTier(dir, tier.maxFiles);
    for (const file of scan.files) tier.index.set(file.k, file.bytes);
    if (tier.applied === undefined && tier.index.count > 0) {
      // Entries without a recorded sequence may predate changes nobody applied to them.
      logger.warn({ dir, files: tier.index.count }, 'disk cache tier holds entries but no applied-seq; clearing it');
      await tier.clear();
    }
    await tier.evict(); // the bounds may be lower than in the last run
    const { tempFilesRemoved, foreignFiles, overflowRemoved } = scan;
    logger.info(
      { dir, files: tier.index.count, bytes: tier.index.totalBytes, appliedSeq: tier.applied, tempFilesRemoved, foreignFiles, overflowRemoved, ms: Math.round(performance.now() - started) },
      'disk cache tier opened',
    );
    return tier;
  }

  async get(key: TileKey): Promise<CacheEntry | undefined> {
    let at: { path: string; k: string };
    try {
      at = entryPath(this.options.dir, key);
    } catch (error) {
      this.options.logger.warn({ err: error }, 'disk cache tier: refused key');
      return undefined;
    }
    // Files this process did not index are not served (see the class comment); a miss costs no I/O.
    if (!this.index.has(at.k)) return undefined;
    let bytes: Buffer;
    try {
      bytes = await readFile(at.path);
    } catch (error) {
      this.index.delete(at.k);
      if (!isMissing(error)) this.options.logger.warn({ err: error, path: at.path }, 'disk cache tier: read failed');
      return undefined;
    }
    const decoded = decodeEntry(bytes);
    if ('corrupt' in decoded) {
      this.options.logger.warn({ path: at.path, reason: decoded.corrupt }, 'disk cache tier: corrupt entry removed');
      this.index.delete(at.k);
      await unlinkIfPresent(at.path).catch((error: unknown) => this.options.logger.warn({ err: error, path: at.path }, 'disk cache tier: cannot remove corrupt entry'));
      return undefined;
    }
    this.index.touch(at.k);
    return decoded.entry;
  }

  /**
   * Written to a temporary file, then renamed into place in the same turn as the check
   * against recorded invalidations: an invalidation that began before the rename refuses
   * the write, one that begins after it lists the file and removes it.
   */
  async set(key: TileKey, entry: CacheEntry): Promise<void> {
    try {
      const { path, k } = entryPath(this.options.dir, key);
      const bytes = HEADER_BYTES + entry.body.byteLength;
      if (bytes > this.options.maxBytes || this.changes.mayHaveChangedSince(key, entry.dataSeq)) return;
      const gate = this.options.beforeCommit;
      const committed = await writeFileAtomic(path, [encodeHeader(entry), entry.body], {
        fsync: this.options.fsync ?? false,
        mayCommit: () => {
          if (this.changes.mayHaveChangedSince(key, entry.dataSeq)) return false;
          this.index.set(k, bytes);
          return true;
        },
        ...(gate ? { beforeCommit: () => gate(key) } : {}),
      });
      if (committed) await this.evict();
    } catch (error) {
      this.options.logger.warn({ err: error }, 'disk cache tier: entry not stored');
    }
  }

  /** Lists only the column folders inside the ranges and the files in them: cost follows what is cached, not the ranges' size. */
  async invalidate(ranges: readonly LevelRange[], seq: number): Promise<number> {
    // Recorded before anything is listed: a write committing from now on is checked against it.
    this.changes.add(seq, ranges);
    let removed = 0;
    for (const [level, levelRanges] of rangesByLevel(ranges)) {
      const levelDir = insideDir(this.options.dir, level);
      for (const column of await listFolder(levelDir)) {
        if (!COLUMN.test(column) || !anyHoldsColumn(levelRanges, Number(column))) continue;
        const removedHere = await this.invalidateColumn(`${level}/${column}`, Number(column), levelRanges);
        if (removedHere > 0) await removeIfEmpty(join(levelDir, column));
        removed += removedHere;
      }
    }
    return removed;
  }

  async appliedSeq(): Promise<number | undefined> {
    return this.applied;
  }

  /** Records seq in `{dir}/applied-seq` (atomically, fsync'ed); rejects when it cannot. */
  async setAppliedSeq(seq: number): Promise<void> {
    if (!Number.isSafeInteger(seq) || seq < 0) throw new RangeError(`applied sequence must be a non-negative safe integer, got ${seq}`);
    if (this.applied !== undefined && seq <= this.applied) return;
    this.applied = seq;
    const path = join(this.options.dir, APPLIED_SEQ_FILE);
    // Each write takes the highest value at its turn, so the file only moves forward.
    this.seqWrites = this.seqWrites
      .catch(() => {})
      .then(async () => {
        await writeFileAtomic(path, [Buffer.from(`${this.applied}\n`)], { fsync: true });
      });
    await this.seqWrites;
  }

  /** Removes every entry and applied-seq: the folder is then as new (appliedSeq undefined). */
  async clear(): Promise<void> {
    await this.seqWrites.catch(() => {});
    // Renamed aside first, so writes in flight cannot make the removal fail; removeTrash() at open finishes an interrupted one.
    for (const kind of KIND_FOLDERS) {
      const trash = join(this.options.dir, `${TEMP_PREFIX}trash-${process.pid}-${++this.trashCount}`);
      try {
        await rename(join(this.options.dir, kind), trash);
      } catch (error) {
        if (isMissing(error)) continue;
        throw error;
      }
      await rm(trash, { recursive: true, force: true });
    }
    await rm(join(this.options.dir, APPLIED_SEQ_FILE), { force: true });
    this.index.clear();
    this.applied = undefined;
  }

  async close(): Promise<void> {
    await this.seqWrites.catch(() => {});
  }

  /** Bytes of the indexed files (for metrics and tests). */
  get sizeBytes(): number {
    return this.index.totalBytes;
  }

  private async invalidateColumn(relativeColumn: string, x: number, levelRanges: readonly LevelRange[]): Promise<number> {
    let removed = 0;
    for (const file of await listFolder(insideDir(this.options.dir, relativeColumn))) {
      const k = keyStringOfRelativePath(`${relativeColumn}/${file}`);
      if (!k || !anyHoldsTile(levelRanges, x, Number(file.slice(0, file.indexOf('.'))))) continue;
      if (await unlinkIfPresent(pathOfKeyString(this.options.dir, k))) removed++;
      this.index.delete(k);
    }
    return removed;
  }

  private async evict(): Promise<void> {
    const evicted = this.index.evictBeyond(this.options.maxBytes, this.maxFiles);
    await Promise.all(
      evicted.map((k) =>
        unlinkIfPresent(pathOfKeyString(this.options.dir, k)).catch((error: unknown) => this.options.logger.warn({ err: error, k }, 'disk cache tier: eviction failed')),
      ),
    );
  }
}

/** Names in a folder; none when it does not exist. */
async function listFolder(path: string): Promise<string[]> {
  try {
    return await readdir(path);
  } catch (error) {
    if (isMissing(error)) return [];
    throw error;
  }
}

/** Removes a column folder an invalidation emptied, so later scans and invalidations skip it; one still in use stays. */
async function removeIfEmpty(path: string): Promise<void> {
  try {
    await rmdir(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== 'ENOTEMPTY' && code !== 'EEXIST' && code !== 'ENOENT') throw error;
  }
}

/** The recorded applied sequence, or undefined when there is none (or it is unreadable: then nothing from before is trusted). */
async function readAppliedSeq(dir: string): Promise<number | undefined> {
  let text: string;
  try {
    text = await readFile(join(dir, APPLIED_SEQ_FILE), 'utf8');
  } catch (error) {
    if (isMissing(error)) return undefined;
    throw error;
  }
  const seq = Number(text.trim());
  return text.trim() !== '' && Number.isSafeInteger(seq) && seq >= 0 ? seq : undefined;
}

/** Removes what clear() renamed aside and a crash left behind. */
async function removeTrash(dir: string): Promise<void> {
  for (const name of await readdir(dir)) {
    if (name.startsWith(TEMP_PREFIX)) await rm(join(dir, name), { recursive: true, force: true });
  }
}
