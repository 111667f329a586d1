import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { BlockFile, blockHashes } from '../../src/core/index/block-file.js';
import { makeTempDir } from './core.js';

/**
 * `bytes` saved as `name` in a fresh temporary folder (removed by `removeTempDirs`), opened to be
 * read on demand against the block hashes of `hashed`: the same bytes, unless the test alters the
 * file after its hashes were taken.
 */
export async function onDemand(bytes: Uint8Array, name: string, hashed: Uint8Array = bytes): Promise<BlockFile> {
  const dir = await makeTempDir('verbatim-on-demand-');
  await writeFile(path.join(dir, name), bytes);
  return BlockFile.open(dir, name, blockHashes(hashed));
}

/** Where the values of each section of a file `BinaryWriter` wrote start, in order (after its 8-byte signature and each 8-byte header). */
export function sectionStarts(bytes: Uint8Array): number[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const starts: number[] = [];
  for (let offset = 8; offset < bytes.length;) {
    const byteLength = view.getUint32(offset, true) * view.getUint32(offset + 4, true);
    starts.push(offset + 8);
    offset += 8 + byteLength + ((8 - (byteLength % 8)) % 8);
  }
  return starts;
}
