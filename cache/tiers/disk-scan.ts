/**
 * What the disk tier finds in its folder at open: every entry file with its size and age,
 * so the index and the size cap hold across restarts. Leftover temporary files of
 * interrupted writes are removed; files the tier did not write are left alone.
 */
import type { Dirent } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { KIND_FOLDERS, TEMP_PREFIX, keyStringOfRelativePath } from './disk-layout.ts';
import { isMissing, unlinkIfPresent } from './disk-files.ts';

export interface ScannedFile {
  readonly k: string;
  readonly bytes: number;
  readonly mtimeMs: number;
}

export interface ScanResult {
  /** Entry files, least recently written first. */
  files: ScannedFile[];
  tempFilesRemoved: number;
  foreignFiles: number;
  /** Entry files beyond maxFiles, removed (the index could not hold them). */
  overflowRemoved: number;
}

/** Depth of entry files below a kind folder: name / grid / z / x / file. */
const FILE_DEPTH = 4;
/** Files stat'ed at once: enough to keep libuv's threads busy, few enough to bound memory. */
const STAT_BATCH = 64;

/** Scans dir, keeping at most maxFiles entries in the result. */
export async function scanDiskTier(dir: string, maxFiles: number): Promise<ScanResult> {
  const result: ScanResult = { files: [], tempFilesRemoved: 0, foreignFiles: 0, overflowRemoved: 0 };
  for (const kind of KIND_FOLDERS) await walk(dir, kind, 0, maxFiles, result);
  result.files.sort((a, b) => a.mtimeMs - b.mtimeMs);
  return result;
}

async function walk(dir: string, relative: string, depth: number, maxFiles: number, result: ScanResult): Promise<void> {
  let entries: Dirent[];
  try {
    entries = await readdir(join(dir, relative), { withFileTypes: true });
  } catch (error) {
    if (isMissing(error)) return;
    throw error;
  }
  if (depth < FILE_DEPTH) {
    for (const e of entries) if (e.isDirectory()) await walk(dir, `${relative}/${e.name}`, depth + 1, maxFiles, result);
    return;
  }
  const files = entries.filter((e) => e.isFile());
  for (let i = 0; i < files.length; i += STAT_BATCH) {
    await Promise.all(files.slice(i, i + STAT_BATCH).map((e) => visitFile(join(dir, relative, e.name), `${relative}/${e.name}`, e.name, maxFiles, result)));
  }
}

async function visitFile(path: string, relative: string, name: string, maxFiles: number, result: ScanResult): Promise<void> {
  if (name.startsWith(TEMP_PREFIX)) {
    await unlinkIfPresent(path);
    result.tempFilesRemoved++;
    return;
  }
  const k = keyStringOfRelativePath(relative);
  if (!k) {
    result.foreignFiles++;
    return;
  }
  const s = await stat(path).catch(() => undefined);
  if (!s) return;
  if (result.files.length < maxFiles) {
    result.files.push({ k, bytes: s.size, mtimeMs: s.mtimeMs });
  } else {
    await unlinkIfPresent(path);
    result.overflowRemoved++;
  }
}
