import path from 'node:path';
import { sha256OfFile } from './corpus-index.js';

/**
 * The first of `files` (name → SHA-256, as a manifest lists them) in `dir` that is missing or whose
 * bytes differ from its hash; `undefined` when all match. Reads every byte: a load checks only the
 * blocks its questions read, this is the whole check (the doctor's, and the test of a leftover copy).
 */
export async function firstDamagedFile(dir: string, files: Record<string, string>): Promise<string | undefined> {
  for (const [name, hash] of Object.entries(files)) {
    if ((await sha256OfFile(path.join(dir, name)).catch(() => undefined)) !== hash) return name;
  }
  return undefined;
}
