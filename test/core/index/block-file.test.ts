import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { BLOCK_BYTES, BlockFile, BlockHasher, blockHashes } from '../../../src/core/index/block-file.js';
import { BinaryReader, BinaryWriter } from '../../../src/core/index/binary.js';
import { IndexCorruptError } from '../../../src/core/errors.js';

/** Bytes that differ block to block, so that a hash of the wrong block never matches. */
function sample(length: number): Uint8Array {
  const bytes = new Uint8Array(length);
  for (let i = 0; i < length; i++) bytes[i] = (i * 7919 + (i >> 13)) & 0xff;
  return bytes;
}

function saved(bytes: Uint8Array): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'verbatim-blocks-'));
  writeFileSync(path.join(dir, 'data.bin'), bytes);
  return dir;
}

describe('BlockHasher', () => {
  it('gives the same hashes whatever the pieces the file is written in', () => {
    const bytes = sample(3 * BLOCK_BYTES + 123);
    const whole = blockHashes(bytes);
    const hasher = new BlockHasher();
    for (const cut of [
      [0, 5],
      [5, BLOCK_BYTES + 9],
      [BLOCK_BYTES + 9, 3 * BLOCK_BYTES],
      [3 * BLOCK_BYTES, bytes.length],
    ] as const)
      hasher.update(bytes.subarray(...cut));
    expect(hasher.digest()).toBe(whole);
    expect(Buffer.from(whole, 'base64').length).toBe(4 * 16);
  });
});

describe('BlockFile', () => {
  it('reads any range, across blocks, as the file has it', () => {
    const bytes = sample(5 * BLOCK_BYTES + 77);
    const file = BlockFile.open(saved(bytes), 'data.bin', blockHashes(bytes));
    for (const [offset, length] of [
      [0, 10],
      [BLOCK_BYTES - 3, 9],
      [2 * BLOCK_BYTES, 2 * BLOCK_BYTES + 50],
      [bytes.length - 5, 5],
      [17, 0],
    ] as const) {
      expect(Buffer.from(file.bytes(offset, length)).equals(Buffer.from(bytes.subarray(offset, offset + length)))).toBe(true);
    }
  });

  it('refuses an altered block when it is read, and serves the blocks around it', () => {
    const bytes = sample(4 * BLOCK_BYTES);
    const hashes = blockHashes(bytes);
    const altered = bytes.slice();
    altered[2 * BLOCK_BYTES + 100] = altered[2 * BLOCK_BYTES + 100]! ^ 1;
    const file = BlockFile.open(saved(altered), 'data.bin', hashes);
    expect(file.bytes(BLOCK_BYTES, 10)[0]).toBe(bytes[BLOCK_BYTES]);
    expect(() => file.bytes(2 * BLOCK_BYTES, 1)).toThrow(IndexCorruptError);
    expect(() => file.bytes(BLOCK_BYTES, BLOCK_BYTES + 1)).toThrow(/data\.bin is truncated or altered \(block 2 differs/);
    expect(file.bytes(3 * BLOCK_BYTES, 4)[3]).toBe(bytes[3 * BLOCK_BYTES + 3]);
  });

  it('refuses a file of another size at once, and a range outside the file when read', () => {
    const bytes = sample(2 * BLOCK_BYTES + 1);
    expect(() => BlockFile.open(saved(bytes.subarray(0, 2 * BLOCK_BYTES)), 'data.bin', blockHashes(bytes))).toThrow(/data\.bin is truncated or altered/);
    expect(() => BlockFile.open(saved(bytes), 'missing.bin', blockHashes(bytes))).toThrow(/missing\.bin is missing/);
    const file = BlockFile.open(saved(bytes), 'data.bin', blockHashes(bytes));
    expect(() => file.bytes(bytes.length - 1, 2)).toThrow(IndexCorruptError);
  });

  it('reads and checks every block on request, refusing a damaged one', async () => {
    const bytes = sample(3 * BLOCK_BYTES + 5);
    const intact = BlockFile.open(saved(bytes), 'data.bin', blockHashes(bytes));
    await intact.readAll();
    expect(Buffer.from(intact.bytes(0, bytes.length)).equals(Buffer.from(bytes))).toBe(true);
    const altered = bytes.slice();
    altered[3 * BLOCK_BYTES + 1] = altered[3 * BLOCK_BYTES + 1]! ^ 1;
    await expect(BlockFile.open(saved(altered), 'data.bin', blockHashes(bytes)).readAll()).rejects.toThrow(/block 3 differs/);
  });

  it('is what a BinaryReader reads sections from, a lazy section reading only what is sliced', () => {
    const big = new Float32Array(3 * BLOCK_BYTES).map((_, i) => i / 3);
    const written = new BinaryWriter('TEST')
      .add(new Uint32Array([1, 2, 3]))
      .add(big)
      .bytes();
    const file = BlockFile.open(saved(written), 'data.bin', blockHashes(written));
    const reader = new BinaryReader(file, 'TEST');
    expect([...reader.next(Uint32Array)]).toEqual([1, 2, 3]);
    const lazy = reader.nextLazy(Float32Array);
    reader.end();
    expect(lazy.length).toBe(big.length);
    expect([...lazy.slice(BLOCK_BYTES, BLOCK_BYTES + 3)]).toEqual([...big.subarray(BLOCK_BYTES, BLOCK_BYTES + 3)]);
    expect(lazy.at(big.length - 1)).toBe(big[big.length - 1]);
  });

  it('keeps the blocks already read once closed, and refuses to read any other', () => {
    const bytes = sample(3 * BLOCK_BYTES);
    const file = BlockFile.open(saved(bytes), 'data.bin', blockHashes(bytes));
    expect(file.bytes(10, 4)[3]).toBe(bytes[13]);
    file.close();
    file.close();
    expect(file.bytes(10, 4)[3]).toBe(bytes[13]);
    expect(() => file.bytes(2 * BLOCK_BYTES, 1)).toThrow(/data\.bin of .* was read after its index was closed/);
  });
});
