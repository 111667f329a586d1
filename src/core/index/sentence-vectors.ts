import { viewOf } from './binary.js';
import { inMemory, type ByteSource } from './block-file.js';

/**
 * The unit vector of each sentence of an index, `dimensions` floats each, documents in order, as
 * `sentences.f32` holds them: in memory after a build, read on demand from the file after a load
 * (hundreds of MB for a large corpus, of which a question reads a few rows).
 */
export class SentenceVectors {
  private constructor(
    private readonly source: ByteSource,
    /** Floats per row. */
    readonly dimensions: number,
  ) {}

  /** Rows a build made, `dimensions` floats each. */
  static of(rows: Float32Array, dimensions: number): SentenceVectors {
    return new SentenceVectors(inMemory(new Uint8Array(rows.buffer, rows.byteOffset, rows.byteLength)), dimensions);
  }

  /** Rows read when first asked for from `file` (a {@link BlockFile} of `sentences.f32`). */
  static onDemand(file: ByteSource, dimensions: number): SentenceVectors {
    return new SentenceVectors(file, dimensions);
  }

  /** How many floats the rows take, from the size of what holds them: not a whole number when a file is cut mid-float. */
  get floats(): number {
    return this.source.length / Float32Array.BYTES_PER_ELEMENT;
  }

  /**
   * Rows `from` (inclusive) to `to` (exclusive), one after the other, as a view.
   *
   * @throws {@link IndexCorruptError} when read from a file whose blocks there are damaged, or beyond its end
   */
  rows(from: number, to: number): Float32Array {
    const rowBytes = this.dimensions * Float32Array.BYTES_PER_ELEMENT;
    return viewOf(Float32Array, this.source.bytes(from * rowBytes, (to - from) * rowBytes));
  }

  /** Every row, as `sentences.f32` holds them (a file is read and checked whole). */
  bytes(): Uint8Array {
    return this.source.bytes(0, this.source.length);
  }
}
