import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { IndexCorruptError } from '../../../src/core/errors.js';
import { BLOCK_BYTES, BlockFile, blockHashes } from '../../../src/core/index/block-file.js';
import { SentenceVectors } from '../../../src/core/index/sentence-vectors.js';
import { makeTempDir, removeTempDirs } from '../../helpers/core.js';

afterAll(removeTempDirs);

const DIMENSIONS = 48;
/** Enough rows for several blocks, each float telling its row and column. */
const ROWS = Math.ceil((3 * BLOCK_BYTES) / (DIMENSIONS * 4)) + 5;
const rows = Float32Array.from({ length: ROWS * DIMENSIONS }, (_, i) => Math.floor(i / DIMENSIONS) + (i % DIMENSIONS) / 100);
const bytesOf = (floats: Float32Array) => new Uint8Array(floats.buffer, floats.byteOffset, floats.byteLength);

async function saved(bytes: Uint8Array, hashes = blockHashes(bytes)): Promise<BlockFile> {
  const dir = await makeTempDir('verbatim-vectors-');
  await writeFile(path.join(dir, 'sentences.f32'), bytes);
  return BlockFile.open(dir, 'sentences.f32', hashes);
}

describe('SentenceVectors', () => {
  it('gives the same rows, as views, from memory and from its file', async () => {
    const inMemory = SentenceVectors.of(rows, DIMENSIONS);
    const onDemand = SentenceVectors.onDemand(await saved(bytesOf(rows)), DIMENSIONS);
    for (const vectors of [inMemory, onDemand]) {
      expect(vectors.floats).toBe(rows.length);
      expect(Array.from(vectors.rows(7, 8))).toEqual(Array.from(rows.subarray(7 * DIMENSIONS, 8 * DIMENSIONS)));
      // A range across blocks, as a build copies an unchanged document's rows.
      const across = vectors.rows(ROWS - 200, ROWS);
      expect(Array.from(across)).toEqual(Array.from(rows.subarray((ROWS - 200) * DIMENSIONS)));
      expect(Buffer.from(vectors.bytes()).equals(Buffer.from(bytesOf(rows)))).toBe(true);
    }
    const view = inMemory.rows(3, 4);
    expect(view.buffer).toBe(rows.buffer);
  });

  it('refuses the rows of a damaged block when read, and serves the others', async () => {
    const altered = bytesOf(rows).slice();
    altered[BLOCK_BYTES + 10] = altered[BLOCK_BYTES + 10]! ^ 0x40;
    const vectors = SentenceVectors.onDemand(await saved(altered, blockHashes(bytesOf(rows))), DIMENSIONS);
    const rowBytes = DIMENSIONS * 4;
    const damagedRow = Math.floor((BLOCK_BYTES + 10) / rowBytes);
    expect(Array.from(vectors.rows(0, 2))).toEqual(Array.from(rows.subarray(0, 2 * DIMENSIONS)));
    expect(() => vectors.rows(damagedRow, damagedRow + 1)).toThrow(IndexCorruptError);
    expect(() => vectors.rows(damagedRow, damagedRow + 1)).toThrow(/sentences\.f32 is truncated or altered \(block 1 differs from its hash\)/);
    expect(() => vectors.bytes()).toThrow(IndexCorruptError);
    expect(Array.from(vectors.rows(ROWS - 1, ROWS))).toEqual(Array.from(rows.subarray((ROWS - 1) * DIMENSIONS)));
  });

  it('counts the floats of a file cut mid-float as no whole number, which no count of sentences matches', async () => {
    const cut = bytesOf(rows).subarray(0, 4 * DIMENSIONS + 2);
    expect(SentenceVectors.onDemand(await saved(cut), DIMENSIONS).floats).toBe(DIMENSIONS + 0.5);
  });
});
