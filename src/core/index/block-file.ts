import { createHash } from 'node:crypto';
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import path from 'node:path';
import { IndexCorruptError } from '../errors.js';
import { yieldToEventLoop } from '../event-loop.js';

/**
 * Bytes per block: the unit in which a file read on demand is read and checked. Small enough that a
 * question at 10× the SOTU corpus reads a few hundred KB of new blocks, large enough that the table
 * of block hashes stays well under 1 % of the file.
 */
export const BLOCK_BYTES = 32 * 1024;
/** Blocks read at a time by {@link BlockFile.readAll}, between which the event loop runs. */
const READ_ALL_BLOCKS = 128;
/** The first 16 bytes of each block's SHA-256: 128 bits, far beyond what accidental damage could match. */
const BLOCK_HASH_BYTES = 16;

function blockHash(block: Uint8Array): Buffer {
  return createHash('sha256').update(block).digest().subarray(0, BLOCK_HASH_BYTES);
}

/**
 * The hash of each {@link BLOCK_BYTES} block of a file, taken from the pieces it is written in (pieces
 * of any size, in order): what {@link BlockFile} checks each block against when it is first read.
 */
export class BlockHasher {
  private readonly hashes: Buffer[] = [];
  private readonly partial = Buffer.allocUnsafe(BLOCK_BYTES);
  private filled = 0;

  /** Adds the next bytes of the file. */
  update(piece: Uint8Array): this {
    let offset = 0;
    if (this.filled > 0) {
      offset = Math.min(piece.length, BLOCK_BYTES - this.filled);
      this.partial.set(piece.subarray(0, offset), this.filled);
      this.filled += offset;
      if (this.filled < BLOCK_BYTES) return this;
      this.hashes.push(blockHash(this.partial));
      this.filled = 0;
    }
    for (; offset + BLOCK_BYTES <= piece.length; offset += BLOCK_BYTES) this.hashes.push(blockHash(piece.subarray(offset, offset + BLOCK_BYTES)));
    this.partial.set(piece.subarray(offset), 0);
    this.filled = piece.length - offset;
    return this;
  }

  /** The block hashes, one after the other, in base64 (as the manifest keeps them). */
  digest(): string {
    if (this.filled > 0) this.hashes.push(blockHash(this.partial.subarray(0, this.filled)));
    this.filled = 0;
    return Buffer.concat(this.hashes).toString('base64');
  }
}

/**
 * The hash the manifest lists for a file read on demand: the SHA-256 of its block hashes (hex), so
 * that each of its bytes is hashed once, as part of its block.
 */
export function fileHashOfBlocks(blocks: string): string {
  return createHash('sha256').update(Buffer.from(blocks, 'base64')).digest('hex');
}

/** The block hashes of `bytes`, as {@link BlockHasher.digest} gives them. */
export function blockHashes(bytes: Uint8Array): string {
  return new BlockHasher().update(bytes).digest();
}

/** Where a reader takes a file's bytes from: all in memory, or read on demand from a {@link BlockFile}. */
export interface ByteSource {
  readonly length: number;
  /** `length` bytes from `offset` (within the file), as a view that stays valid. */
  bytes(offset: number, length: number): Uint8Array;
  /**
   * The error to throw when the file's bytes, intact, disagree with themselves where a reader first
   * uses them (a number pointing outside a table): for a file of an index, an {@link IndexCorruptError}.
   */
  corrupt(detail: string): Error;
}

/** A file already in memory, as a {@link ByteSource}. */
export function inMemory(file: Uint8Array): ByteSource {
  return { length: file.length, bytes: (offset, length) => file.subarray(offset, offset + length), corrupt: (detail) => new Error(detail) };
}

// A descriptor not closed by its owner (an index loaded and dropped by a script or a test) is closed
// once its BlockFile is unreachable. Owners close theirs: a collection may come late, and until then
// a deleted index's files keep their disk space.
const descriptors = new FinalizationRegistry<number>((fd) => closeSync(fd));

/**
 * A file of an index read on demand, block by block, each block checked against its hash the first
 * time it is read: loading a large index then costs only the blocks its questions touch (reading into
 * fresh memory is what a load costs most), and no byte is ever used unchecked. The whole file has one
 * buffer, filled where read, so views of it are aligned as in the file.
 *
 * Reads are synchronous: a question reads a few dozen blocks, each a small `pread`, and the answer
 * path stays free of awaits.
 */
export class BlockFile implements ByteSource {
  private readonly memory: Uint8Array;
  private readonly checked: Uint8Array;
  private closed = false;

  private constructor(
    private readonly indexDir: string,
    private readonly name: string,
    private readonly fd: number,
    readonly length: number,
    private readonly hashes: Uint8Array,
  ) {
    this.memory = new Uint8Array(length);
    this.checked = new Uint8Array(Math.ceil(length / BLOCK_BYTES));
    descriptors.register(this, fd, this);
  }

  /**
   * Opens the index's file `name`, expected to match `hashes` (as {@link BlockHasher.digest} wrote them).
   *
   * @throws {@link IndexCorruptError} when it is missing, unreadable, or not the size its hashes describe
   */
  static open(indexDir: string, name: string, hashes: string): BlockFile {
    const table = Buffer.from(hashes, 'base64');
    let fd;
    try {
      fd = openSync(path.join(indexDir, name), 'r');
    } catch (error) {
      throw new IndexCorruptError(indexDir, `${name} is missing`, { cause: error });
    }
    try {
      const { size } = fstatSync(fd);
      if (table.length !== Math.ceil(size / BLOCK_BYTES) * BLOCK_HASH_BYTES)
        throw new IndexCorruptError(indexDir, `${name} is truncated or altered (its size)`);
      return new BlockFile(indexDir, name, fd, size, table);
    } catch (error) {
      closeSync(fd);
      throw error;
    }
  }

  /**
   * `length` bytes from `offset`, read and checked first where not yet read.
   *
   * @throws {@link IndexCorruptError} when the range is outside the file (what points there is damaged), or a block differs from its hash
   */
  bytes(offset: number, length: number): Uint8Array {
    if (offset < 0 || length < 0 || offset + length > this.length) throw this.corrupt(`has no bytes ${offset}–${offset + length}`);
    if (length > 0) this.ensure(Math.floor(offset / BLOCK_BYTES), Math.floor((offset + length - 1) / BLOCK_BYTES));
    return this.memory.subarray(offset, offset + length);
  }

  /**
   * Reads and checks every block not yet read, a few MB at a time, letting the event loop run between.
   *
   * @throws {@link IndexCorruptError} when a block differs from its hash
   */
  async readAll(): Promise<void> {
    const piece = READ_ALL_BLOCKS * BLOCK_BYTES;
    for (let offset = 0; offset < this.length; offset += piece) {
      this.bytes(offset, Math.min(piece, this.length - offset));
      await yieldToEventLoop();
    }
  }

  /**
   * Closes the file. Blocks already read stay readable; reading any other is a mistake of the
   * owner's, which throws. Idempotent.
   */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    descriptors.unregister(this);
    closeSync(this.fd);
  }

  /** Reads and checks blocks `first` to `last`, each run of unread blocks in one read. */
  private ensure(first: number, last: number): void {
    let block = first;
    while (block <= last) {
      if (this.checked[block] === 1) {
        block++;
        continue;
      }
      if (this.closed) throw new Error(`${this.name} of ${this.indexDir} was read after its index was closed`);
      let end = block;
      while (end + 1 <= last && this.checked[end + 1] === 0) end++;
      const start = block * BLOCK_BYTES;
      const stop = Math.min((end + 1) * BLOCK_BYTES, this.length);
      for (let at = start; at < stop;) {
        const read = readSync(this.fd, this.memory, at, stop - at, at);
        if (read === 0) throw this.corrupt(`ends before byte ${stop}`);
        at += read;
      }
      for (; block <= end; block++) {
        const bytes = this.memory.subarray(block * BLOCK_BYTES, Math.min((block + 1) * BLOCK_BYTES, this.length));
        const expected = this.hashes.subarray(block * BLOCK_HASH_BYTES, (block + 1) * BLOCK_HASH_BYTES);
        if (!blockHash(bytes).equals(expected)) throw this.corrupt(`block ${block} differs from its hash`);
        this.checked[block] = 1;
      }
    }
  }

  /** An {@link IndexCorruptError} naming this file, with `detail` on what is wrong. */
  corrupt(detail: string): IndexCorruptError {
    return new IndexCorruptError(this.indexDir, `${this.name} is truncated or altered (${detail})`);
  }
}
