/**
 * Cleans up after an index save that did not finish (the process was killed, the machine lost
 * power). {@link saveIndex} writes `.NAME.building-PID-TIME` next to the index folder NAME,
 * renames NAME to `.NAME.old-PID-TIME`, renames the temporary to NAME, then removes the old
 * one; a build passes its graph through `clone-PID-TIME.hnsw` in a scratch folder (an
 * incremental build's copy of the previous graph, a full build's graph from its worker). A kill leaves those behind (up to the size of an index each), and a kill between the
 * two renames leaves no index at all, with the complete new one still on disk.
 */
import { lstat, readdir, readlink, realpath, rename, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { INDEX_FILE_NAMES, inspectIndexFolder } from './corpus-index.js';
import { firstDamagedFile } from './verify.js';
import { isVerbatimManifest } from './manifest.js';
import { isProcessRunning } from '../processes.js';

/** What {@link recoverIndexLeftovers} did, or would do on a dry run. */
export interface LeftoversReport {
  /** The leftover folder that was put in place of the missing index folder. */
  recovered?: string;
  /** The leftover folders and files removed. */
  removed: string[];
  /** The bytes they held. */
  freedBytes: number;
}

interface Leftover {
  dir: string;
  kind: 'building' | 'old';
  time: number;
}

/** When this process started, to tell its own saves from a previous run's that had the same pid (containers reuse low pids). */
const PROCESS_STARTED = Date.now() - process.uptime() * 1000;

/**
 * Whether the process that named a leftover `…-PID-TIME` may still be saving. Only "no such
 * process" counts as dead: a process of another user (EPERM) is alive.
 */
function ownerAlive(pid: number, time: number): boolean {
  // A second of slack for the rounding of the uptime.
  if (pid === process.pid) return time >= PROCESS_STARTED - 1000;
  return isProcessRunning(pid);
}

/**
 * The folder {@link saveIndex} replaces for `indexDir`: the one a link points to. A kill
 * between the renames leaves such a link dangling, where `realpath` fails, so links are
 * followed by hand.
 */
export async function savedPath(indexDir: string): Promise<string> {
  let current = path.resolve(indexDir);
  for (let hops = 0; hops < 40; hops++) {
    const real = await realpath(current).catch(() => undefined);
    if (real !== undefined) return real;
    const link = await readlink(current).catch(() => undefined);
    if (link === undefined) return current;
    current = path.resolve(path.dirname(current), link);
  }
  return current;
}

/**
 * Whether `dir` is a folder (not a link) that only a save of ours can have left: an index whose
 * manifest is ours and lists exactly its files, or plain files with the names an index's files
 * have (a save killed before its manifest was complete, a retired index partly removed).
 * Anything else is left alone, whatever its name.
 */
async function writtenBySave(dir: string): Promise<boolean> {
  if (!(await lstat(dir)).isDirectory()) return false;
  if ((await inspectIndexFolder(dir)).kind !== 'foreign') return true;
  const entries = await readdir(dir, { withFileTypes: true });
  return entries.every((entry) => entry.isFile() && INDEX_FILE_NAMES.includes(entry.name));
}

/** Whether `dir` holds a whole index: our manifest, and every file it lists with the hash it records. */
async function complete(dir: string): Promise<boolean> {
  const folder = await inspectIndexFolder(dir);
  if (folder.kind !== 'index' || !isVerbatimManifest(folder.manifest)) return false;
  return (await firstDamagedFile(dir, folder.manifest)) === undefined;
}

/** The bytes of the plain files in `dir` (what a leftover holds), or of the file `file`. */
async function sizeOf(file: string): Promise<number> {
  const stats = await lstat(file);
  if (!stats.isDirectory()) return stats.size;
  let bytes = 0;
  for (const name of await readdir(file)) bytes += (await lstat(path.join(file, name))).size;
  return bytes;
}

/**
 * Removes what interrupted saves of the index at `indexDir` left, and puts back the index when a
 * kill came between the two renames: when the index folder is missing (or empty), the newest
 * complete leftover takes its place — the new copy of that save (its manifest was written
 * last) when complete, else the old one. Only `.NAME.building-PID-*` and `.NAME.old-PID-*`
 * siblings and `clone-PID-*.hnsw` files in `scratchDir` whose process is gone are touched, and
 * of the folders only those holding nothing but the files a save writes.
 *
 * Run before loading the index at start and before a build; `dryRun` only reports.
 */
export async function recoverIndexLeftovers(indexDir: string, { scratchDir = os.tmpdir(), dryRun = false } = {}): Promise<LeftoversReport> {
  const target = await savedPath(indexDir);
  const parent = path.dirname(target);
  const prefix = `.${path.basename(target)}.`;
  const leftovers: Leftover[] = [];
  for (const name of await readdir(parent).catch(() => [])) {
    const match = name.startsWith(prefix) ? /^(building|old)-(\d+)-(\d+)$/.exec(name.slice(prefix.length)) : null;
    if (!match || ownerAlive(Number(match[2]), Number(match[3]))) continue;
    const dir = path.join(parent, name);
    if (await writtenBySave(dir).catch(() => false)) leftovers.push({ dir, kind: match[1] as Leftover['kind'], time: Number(match[3]) });
  }

  const report: LeftoversReport = { removed: [], freedBytes: 0 };
  let recovered: Leftover | undefined;
  if (leftovers.length > 0 && (await inspectIndexFolder(target)).kind === 'none') {
    // Newest save first; of one save (same stamp), its new copy before the index it retired.
    const newestFirst = [...leftovers].sort((a, b) => b.time - a.time || (a.kind === 'building' ? -1 : 1));
    for (const leftover of newestFirst) {
      if (await complete(leftover.dir)) {
        recovered = leftover;
        break;
      }
    }
    // rename() also replaces an empty folder, as in saveIndex. It fails when another process
    // starting at the same moment recovered it first: that one's copy is in place then.
    if (
      recovered &&
      (dryRun ||
        (await rename(recovered.dir, target).then(
          () => true,
          () => false,
        )))
    )
      report.recovered = recovered.dir;
  }

  const remove = async (file: string) => {
    try {
      const bytes = await sizeOf(file);
      if (!dryRun) await rm(file, { recursive: true, force: true });
      report.freedBytes += bytes;
      report.removed.push(file);
    } catch {
      // Removed by another process cleaning up at the same time, or not removable (permissions):
      // a leftover only costs space, so it must not stop a start or a build.
    }
  };
  for (const leftover of leftovers) if (leftover !== recovered) await remove(leftover.dir);
  for (const entry of await readdir(scratchDir, { withFileTypes: true }).catch(() => [])) {
    const match = /^clone-(\d+)-(\d+)\.hnsw$/.exec(entry.name);
    if (match && entry.isFile() && !ownerAlive(Number(match[1]), Number(match[2]))) await remove(path.join(scratchDir, entry.name));
  }
  return report;
}

/** A size for a person: kB below a megabyte, so that a small leftover does not read "0.0 MB". */
export function formatBytes(bytes: number): string {
  return bytes < 1e6 ? `${Math.ceil(bytes / 1e3)} kB` : `${(bytes / 1e6).toFixed(1)} MB`;
}

/** One line saying what {@link recoverIndexLeftovers} did, for a log; `undefined` when it did nothing. */
export function describeLeftovers(report: LeftoversReport, indexDir: string): string | undefined {
  const parts: string[] = [];
  if (report.recovered) {
    parts.push(`recovered the index ${indexDir} from ${path.basename(report.recovered)}, a complete copy an interrupted save had left`);
  }
  if (report.removed.length > 0) {
    const names = report.removed.map((file) => path.basename(file)).join(', ');
    parts.push(`removed ${report.removed.length} leftover(s) of interrupted index saves (${names}), freeing ${formatBytes(report.freedBytes)}`);
  }
  return parts.length > 0 ? `${parts.join('; ')}.` : undefined;
}
