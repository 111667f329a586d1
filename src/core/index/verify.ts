import { createReadStream } from 'node:fs';
import path from 'node:path';
import { BlockHasher, fileHashOfBlocks } from './block-file.js';
import { sha256OfFile } from './corpus-index.js';

/** The hashes of each block of a file, read in pieces. */
async function blockHashesOfFile(file: string): Promise<string> {
  const hasher = new BlockHasher();
  for await (const piece of createReadStream(file)) hasher.update(piece as Buffer);
  return hasher.digest();
}

/** Whether the file matches what the manifest lists of it: its block hashes when it is read on demand, its SHA-256 otherwise. */
async function matches(file: string, hash: string, blocks: string | undefined): Promise<boolean> {
  if (blocks === undefined) return (await sha256OfFile(file)) === hash;
  return fileHashOfBlocks(blocks) === hash && (await blockHashesOfFile(file)) === blocks;
}

/**
 * The first file a manifest lists (`files`: name → hash; `blocks`: name → block hashes, for the files
 * read on demand, absent before index format 5) that is missing from `dir` or differs from what it
 * records; `undefined` when all match. Reads every byte, and loads nothing: the test of a leftover copy,
 * which may be an index this version cannot load.
 */
export async function firstDamagedFile(dir: string, manifest: { files: Record<string, string>; blocks?: Record<string, string> }): Promise<string | undefined> {
  for (const [name, hash] of Object.entries(manifest.files)) {
    if (!(await matches(path.join(dir, name), hash, manifest.blocks?.[name]).catch(() => false))) return name;
  }
  return undefined;
}
