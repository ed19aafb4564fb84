/**
 * File operations of the disk tier. Whole-file writes that readers see either complete or
 * not at all: the bytes go to a temporary file in the same folder (same file system, so
 * rename is atomic), then the temporary file is renamed over the target.
 */
import { renameSync } from 'node:fs';
import { mkdir, open, rename, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { TEMP_PREFIX } from './disk-layout.ts';

let counter = 0;

export interface AtomicWriteOptions {
  /** fsync before the rename, so a crash cannot leave a renamed but empty file (costs a disk flush). */
  readonly fsync: boolean;
  /**
   * Asked right before the file takes its place; false abandons the write. It and the
   * rename then run in one turn of the event loop (a synchronous rename), so nothing the
   * process does in between can come between the check and the file's arrival.
   */
  readonly mayCommit?: () => boolean;
  /** Awaited after the bytes are written and before mayCommit: the seam where tests hold a write in flight. */
  readonly beforeCommit?: () => Promise<void>;
}

/**
 * Writes the chunks one after the other as the file at path, creating its folder when
 * missing; resolves to false when mayCommit refused it (nothing is left behind).
 */
export async function writeFileAtomic(path: string, chunks: readonly Uint8Array[], options: AtomicWriteOptions): Promise<boolean> {
  const folder = dirname(path);
  const temp = join(folder, `${TEMP_PREFIX}${process.pid}-${++counter}-${basename(path)}`);
  try {
    await writeChunks(temp, chunks, options.fsync);
  } catch (error) {
    if (!isMissing(error)) throw error;
    await mkdir(folder, { recursive: true });
    await writeChunks(temp, chunks, options.fsync);
  }
  try {
    await options.beforeCommit?.();
    if (!options.mayCommit) {
      await rename(temp, path);
      return true;
    }
    if (!options.mayCommit()) {
      await unlink(temp);
      return false;
    }
    renameSync(temp, path);
    return true;
  } catch (error) {
    await unlink(temp).catch(() => {});
    throw error;
  }
}

async function writeChunks(path: string, chunks: readonly Uint8Array[], fsync: boolean): Promise<void> {
  const file = await open(path, 'wx');
  let written = false;
  try {
    const { bytesWritten } = await file.writev(chunks as Uint8Array[]);
    // One writev to a regular file writes everything short of a full disk; be sure anyway.
    const expected = chunks.reduce((sum, c) => sum + c.byteLength, 0);
    if (bytesWritten !== expected) throw new Error(`short write to ${path}: ${bytesWritten} of ${expected} bytes`);
    if (fsync) await file.sync();
    written = true;
  } finally {
    await file.close();
    if (!written) await unlink(path).catch(() => {});
  }
}

/** Deletes a file; one already gone is fine (another writer or an invalidation got there first). */
export async function unlinkIfPresent(path: string): Promise<boolean> {
  try {
    await unlink(path);
    return true;
  } catch (error) {
    if (isMissing(error)) return false;
    throw error;
  }
}

/** True for the error of a file or folder that does not exist. */
export function isMissing(error: unknown): boolean {
  return (error as NodeJS.ErrnoException | undefined)?.code === 'ENOENT';
}
