import { inMemory, type ByteSource } from './block-file.js';

/** The typed arrays a binary index file holds. */
export type Section = Uint8Array | Uint16Array | Int32Array | Uint32Array | Float32Array | Float64Array;
export interface SectionType<T extends Section> {
  new (length: number): T;
  new (buffer: ArrayBufferLike, byteOffset: number, length: number): T;
  readonly BYTES_PER_ELEMENT: number;
}

/** Sections start on multiples of 8 bytes, so that a file read into memory is viewed in place, not copied. */
const ALIGNMENT = 8;
/** Each section opens with its element count and element size (two 32-bit words). */
const SECTION_HEADER = 8;

const padding = (length: number) => (ALIGNMENT - (length % ALIGNMENT)) % ALIGNMENT;

/**
 * Writes a file of typed-array sections behind a fixed 8-byte signature: what an index keeps in
 * binary so that loading it parses nothing (no JSON, no rebuilding), only takes views.
 */
export class BinaryWriter {
  private readonly parts: Uint8Array[] = [];

  constructor(signature: string) {
    this.parts.push(signatureBytes(signature));
  }

  /** Appends a section. */
  add(values: Section): this {
    const header = new Uint32Array([values.length, values.BYTES_PER_ELEMENT]);
    this.parts.push(
      new Uint8Array(header.buffer),
      new Uint8Array(values.buffer, values.byteOffset, values.byteLength),
      new Uint8Array(padding(values.byteLength)),
    );
    return this;
  }

  /** Appends strings (none holding a line feed) as one UTF-8 section. */
  addStrings(strings: readonly string[]): this {
    return this.add(new TextEncoder().encode(strings.join('\n')));
  }

  /** The whole file. */
  bytes(): Uint8Array {
    return Buffer.concat(this.parts);
  }

  /** The whole file, as the pieces it is made of (to be written one after the other). */
  pieces(): readonly Uint8Array[] {
    return this.parts;
  }
}

/**
 * Reads, in order, the sections a {@link BinaryWriter} wrote, from a file in memory or one read on
 * demand ({@link BlockFile}). Sections are views of the file's memory when aligned (copies
 * otherwise), so the file's buffer must not be reused afterwards. Every read checks the file's length
 * and the section's element size: a file of another shape throws instead of yielding garbage.
 */
export class BinaryReader {
  private offset = ALIGNMENT;
  private readonly file: ByteSource;

  constructor(file: Uint8Array | ByteSource, signature: string) {
    this.file = file instanceof Uint8Array ? inMemory(file) : file;
    const expected = signatureBytes(signature);
    const found = this.file.length < ALIGNMENT ? undefined : this.file.bytes(0, ALIGNMENT);
    if (found === undefined || expected.some((byte, i) => found[i] !== byte)) throw new Error(`not a ${signature.trim()} file`);
  }

  /** The next section, as an array of `type`. */
  next<T extends Section>(type: SectionType<T>): T {
    return this.nextLazy(type).slice(0);
  }

  /**
   * The next section, left where it is: only the parts sliced from it are read (from a {@link BlockFile},
   * the blocks they lie in).
   */
  nextLazy<T extends Section>(type: SectionType<T>): LazySection<T> {
    if (this.offset + SECTION_HEADER > this.file.length) throw new Error('the file is shorter than its sections');
    const header = this.file.bytes(this.offset, SECTION_HEADER);
    const view = new DataView(header.buffer, header.byteOffset, SECTION_HEADER);
    const length = view.getUint32(0, true);
    const elementBytes = view.getUint32(4, true);
    const start = this.offset + SECTION_HEADER;
    const byteLength = length * elementBytes;
    if (elementBytes !== type.BYTES_PER_ELEMENT)
      throw new Error(`a section holds ${elementBytes}-byte values where ${type.BYTES_PER_ELEMENT}-byte ones were expected`);
    if (start + byteLength > this.file.length) throw new Error('the file is shorter than its sections');
    this.offset = start + byteLength + padding(byteLength);
    return new LazySection(this.file, type, start, length);
  }

  /** The next section, as the strings {@link BinaryWriter.addStrings} wrote. */
  nextStrings(): string[] {
    const text = new TextDecoder().decode(this.next(Uint8Array));
    return text.length === 0 ? [] : text.split('\n');
  }

  /** Throws unless every byte of the file was read: trailing bytes mean another layout. */
  end(): void {
    if (this.offset !== this.file.length) throw new Error('the file is longer than its sections');
  }
}

/** A section of a binary file whose elements are read only when sliced. */
export class LazySection<T extends Section> {
  /** An array already in memory as a section: for tables that are sometimes built, sometimes read on demand. */
  static of<T extends Section>(values: T): LazySection<T> {
    const type = values.constructor as SectionType<T>;
    return new LazySection(inMemory(new Uint8Array(values.buffer, values.byteOffset, values.byteLength)), type, 0, values.length);
  }

  constructor(
    private readonly file: ByteSource,
    private readonly type: SectionType<T>,
    private readonly start: number,
    /** Elements in the section. */
    readonly length: number,
  ) {}

  /** Elements `from` (inclusive) to `to` (exclusive, the end by default), as {@link viewOf} gives them. */
  slice(from: number, to = this.length): T {
    const size = this.type.BYTES_PER_ELEMENT;
    const first = Math.max(0, Math.min(from, this.length));
    const last = Math.max(first, Math.min(to, this.length));
    return viewOf(this.type, this.file.bytes(this.start + first * size, (last - first) * size));
  }

  /** One element. */
  at(index: number): number {
    return this.slice(index, index + 1)[0]!;
  }

  /** The error its file throws for bytes that disagree with themselves ({@link ByteSource.corrupt}). */
  corrupt(detail: string): Error {
    return this.file.corrupt(detail);
  }
}

/**
 * `bytes` as an array of `type`: a view when they are aligned for it (as a file read whole
 * is), a copy otherwise; a last partial element is left out.
 */
export function viewOf<T extends Section>(type: SectionType<T>, bytes: Uint8Array): T {
  const length = Math.floor(bytes.byteLength / type.BYTES_PER_ELEMENT);
  if (bytes.byteOffset % type.BYTES_PER_ELEMENT === 0) return new type(bytes.buffer, bytes.byteOffset, length);
  const copy = new type(length);
  new Uint8Array(copy.buffer).set(bytes.subarray(0, length * type.BYTES_PER_ELEMENT));
  return copy;
}

/** Whether each value is at least the one before: the starts of runs that follow one another, none overlapping the next. */
export function ascending(starts: Uint32Array): boolean {
  for (let i = 1; i < starts.length; i++) if (starts[i]! < starts[i - 1]!) return false;
  return true;
}

function signatureBytes(signature: string): Uint8Array {
  const bytes = new Uint8Array(ALIGNMENT).fill(0x20);
  bytes.set(new TextEncoder().encode(signature).subarray(0, ALIGNMENT));
  return bytes;
}
