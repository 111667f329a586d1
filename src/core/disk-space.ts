import { statfs } from 'node:fs/promises';
import path from 'node:path';
import { DiskFullError } from './errors.js';

/**
 * Throws {@link DiskFullError} when the disk `file` was just written to has no space left,
 * for files written by native code that ignores write errors: hnswlib writes its graph through
 * a C++ stream that, on a full disk, leaves a truncated file and reports success (reading it
 * back then fails with "Index seems to be corrupted"). No space left after such a write means
 * it was cut short; a write that happened to fill the disk to the last block is reported too,
 * since the next write would fail anyway.
 */
export async function assertRoomLeftAfterWriting(file: string): Promise<void> {
  const directory = path.dirname(file);
  const { bavail, bfree } = await statfs(directory);
  // root may also write into the blocks a file system reserves for it, others may not.
  const blocksLeft = process.getuid?.() === 0 ? bfree : bavail;
  if (blocksLeft === 0) throw new DiskFullError(directory);
}
