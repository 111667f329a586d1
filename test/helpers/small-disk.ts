import { execFile } from 'node:child_process';
import { mkdtemp, rm, statfs, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** A real, small file system (tmpfs) the tests can fill up, to see what a full disk does. */
export interface SmallDisk {
  /** Where it is mounted. */
  dir: string;
  /** Fills every free byte with a file (`filler`), so that the next write fails with ENOSPC. */
  fill(): Promise<void>;
  /** Deletes the filler: the disk has room again. */
  unfill(): Promise<void>;
  unmount(): Promise<void>;
}

/**
 * Mounts a tmpfs of `bytes` on a fresh temporary folder, or resolves `undefined` where mounting
 * is not allowed (not root, or a container without CAP_SYS_ADMIN): tests that need a full disk
 * skip then, since faking one (a wrapped `fs`) would not show what hnswlib's native writer does.
 */
export async function mountSmallDisk(bytes: number): Promise<SmallDisk | undefined> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'verbatim-small-disk-'));
  try {
    await run('mount', ['-t', 'tmpfs', '-o', `size=${bytes}`, 'tmpfs', dir]);
  } catch {
    await rm(dir, { recursive: true, force: true });
    return undefined;
  }
  const filler = path.join(dir, 'filler');
  return {
    dir,
    async fill() {
      const { bavail, bsize } = await statfs(dir);
      await writeFile(filler, Buffer.alloc(bavail * bsize));
    },
    unfill: () => rm(filler, { force: true }),
    async unmount() {
      await run('umount', [dir]);
      await rm(dir, { recursive: true, force: true });
    },
  };
}
