import { open, readFile, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { diskFullOr, errorCode } from '../errors.js';
import { isProcessRunning } from '../processes.js';
import { savedPath } from './leftovers.js';

/** Who holds an index's lock: written in the lock file, shown to whoever waits. */
export interface LockHolder {
  pid: number;
  hostname: string;
  /** What is building: `npm run index`, `/reindex`… */
  command: string;
  /** ISO time the lock was taken. */
  since: string;
}

/** The lock file of the index in `indexDir`: beside the folder a save replaces, since it replaces the folder whole. */
async function lockPathOf(indexDir: string): Promise<string> {
  const target = await savedPath(indexDir);
  return path.join(path.dirname(target), `.${path.basename(target)}.lock`);
}

async function readHolder(lockPath: string): Promise<LockHolder | undefined> {
  try {
    const holder = JSON.parse(await readFile(lockPath, 'utf8')) as Partial<LockHolder>;
    return typeof holder.pid === 'number' && typeof holder.hostname === 'string' ? (holder as LockHolder) : undefined;
  } catch {
    return undefined;
  }
}

/** How long a lock file may stay unreadable (created, not yet written) before it counts as abandoned. */
const UNREADABLE_LOCK_MS = 10_000;

/** Creates the lock file, failing if it exists; removes it again when its contents cannot be written (a full disk). */
async function writeLock(lockPath: string, holder: LockHolder): Promise<void> {
  const file = await open(lockPath, 'wx');
  try {
    await file.writeFile(JSON.stringify(holder));
  } catch (error) {
    await file.close();
    await rm(lockPath, { force: true });
    throw error;
  }
  await file.close();
}

async function ageMs(file: string): Promise<number> {
  try {
    return Date.now() - (await stat(file)).mtimeMs;
  } catch {
    return 0;
  }
}

/** How a waiting build names the one it waits for. */
export function describeHolder(holder: LockHolder): string {
  return `${holder.command} (pid ${holder.pid}${holder.hostname === os.hostname() ? '' : ` on ${holder.hostname}`}, since ${holder.since})`;
}

/**
 * Takes the lock that keeps two builds of the index in `indexDir` from writing at once (a
 * `/reindex` in the bot and an `npm run index` beside it, say): waits while another live
 * process holds it, calling `onWait` once with the holder; takes over a lock left by a process
 * that is no longer running on this machine. Resolves with the function that releases it.
 *
 * A lock file that cannot be read (being written at that instant) counts as held and is read
 * again on the next poll.
 *
 * @throws {@link DiskFullError} when there is no room for the lock file
 */
export async function acquireIndexLock(
  indexDir: string,
  options: { command: string; onWait?: (holder: LockHolder) => void; pollMs?: number },
): Promise<() => Promise<void>> {
  const lockPath = await lockPathOf(indexDir);
  const me: LockHolder = { pid: process.pid, hostname: os.hostname(), command: options.command, since: new Date().toISOString() };
  let announced = false;
  for (;;) {
    try {
      await writeLock(lockPath, me);
      return async () => {
        // Only our own lock is removed: a lock taken over after ours was judged stale stays.
        const holder = await readHolder(lockPath);
        if (holder?.pid === me.pid && holder.since === me.since && holder.hostname === me.hostname) await rm(lockPath, { force: true });
      };
    } catch (error) {
      if (errorCode(error) !== 'EEXIST') throw diskFullOr(error, indexDir);
    }
    const holder = await readHolder(lockPath);
    if (!holder && (await ageMs(lockPath)) > UNREADABLE_LOCK_MS) {
      // Not a lock being written this instant: one whose writer died or ran out of space.
      await rm(lockPath, { force: true });
      continue;
    }
    if (holder?.hostname === os.hostname() && !isProcessRunning(holder.pid)) {
      // Left by a process that died mid-build (a kill -9, a crash): nobody will release it.
      await rm(lockPath, { force: true });
      continue;
    }
    if (holder && !announced) {
      options.onWait?.(holder);
      announced = true;
    }
    await new Promise((resolve) => setTimeout(resolve, options.pollMs ?? 500));
  }
}
