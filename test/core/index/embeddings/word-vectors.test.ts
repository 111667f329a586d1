import { access, readdir, readFile, truncate, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { EmbeddingsError } from '../../../../src/core/errors.js';
import { convertWordVectors, parseJsonNumber, readWordVectors, type VectorsJson } from '../../../../src/core/index/embeddings/word-vectors.js';
import { makeTempDir, removeTempDirs } from '../../../helpers/core.js';

afterAll(removeTempDirs);

/** A small deterministic generator (mulberry32), so a failing case can be replayed. */
function random(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The cache as the converter wrote it before streaming: JSON.parse, then the same quantization and layout. */
function referenceCache(text: string): Buffer {
  const source = JSON.parse(text) as { dimensions: number; words: string[]; vectors: Record<string, number[]> };
  const { dimensions, words } = source;
  const rows = new Int8Array(words.length * dimensions);
  const scales = new Float32Array(words.length);
  words.forEach((word, rank) => {
    const vector = Object.hasOwn(source.vectors, word) ? source.vectors[word] : undefined;
    if (!vector) return;
    let max = 0;
    for (let d = 0; d < dimensions; d++) max = Math.max(max, Math.abs(vector[d]!));
    const scale = max / 127 || 1;
    scales[rank] = scale;
    for (let d = 0; d < dimensions; d++) rows[rank * dimensions + d] = Math.round(vector[d]! / scale);
  });
  const direction = new Float32Array(dimensions);
  for (let word = 0; word < Math.min(words.length, 50_000); word++) {
    const weight = scales[word]! / (word + 10);
    for (let d = 0; d < dimensions; d++) direction[d]! += rows[word * dimensions + d]! * weight;
  }
  const norm = Math.hypot(...direction);
  for (let d = 0; d < dimensions; d++) direction[d]! /= norm;
  // The distinct words sorted as byte strings, each with its first rank; in blocks of 64, and those of a rank below 20,000 in one table.
  const distinct = [...new Set(words)].sort((a, b) => Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8')));
  const table = (list: string[]) => {
    const text = list.map((word) => Buffer.from(word, 'utf8'));
    const ranks = Uint32Array.from(list, (word) => words.indexOf(word));
    const ends = Uint32Array.from(text, (_, i) => Buffer.concat(text.slice(0, i + 1)).length);
    return { ranks: Buffer.from(ranks.buffer), ends: Buffer.from(ends.buffer), text: Buffer.concat(text) };
  };
  const blocks: Buffer[] = [];
  for (let at = 0; at < distinct.length; at += 64) {
    const { ranks, ends, text } = table(distinct.slice(at, at + 64));
    blocks.push(Buffer.concat([ranks, ends, text]));
  }
  const frequentWords = distinct.filter((word) => words.indexOf(word) < 20_000);
  const frequent = table(frequentWords);
  const samples = blocks.map((_, i) => Buffer.from(`${distinct[i * 64]}\n`, 'utf8'));
  const offsets = (parts: Buffer[]) => Uint32Array.from([0, ...parts.map((_, i) => Buffer.concat(parts.slice(0, i + 1)).length)]);
  // Each row: its scale, then its int8 values.
  const records = words.map((_, rank) => {
    const scale = Buffer.alloc(4);
    scale.writeFloatLE(scales[rank]!);
    return Buffer.concat([scale, Buffer.from(rows.buffer, rank * dimensions, dimensions)]);
  });
  const header = Buffer.alloc(44);
  header.write('VBWV0003', 0, 'latin1');
  const sample = Buffer.concat(samples);
  const blocksBytes = Buffer.concat(blocks);
  const counts = [dimensions, words.length, distinct.length, 64, blocks.length, sample.length, blocksBytes.length, frequentWords.length, frequent.text.length];
  counts.forEach((value, i) => header.writeUInt32LE(value, 8 + i * 4));
  const tables = [direction, offsets(blocks), offsets(samples)].map((part) => Buffer.from(part.buffer));
  return Buffer.concat([header, ...tables, frequent.ranks, frequent.ends, sample, frequent.text, ...records, blocksBytes]);
}

/** The escaped words: JSON escapes (quote, backslash, \uXXXX, a surrogate pair) and raw UTF-8. */
const ESCAPED_WORDS = ['\\"quoted\\"', 'back\\\\slash', '\\u00e9t\\u00E9', 'naïve', '\\ud83d\\ude00', 'tab\\tbed', 'sl\\/ash'];

/**
 * A JSON of the package's shape with the awkward parts it may hold: numbers in every JSON
 * notation, escaped words, a word listed twice, a word without a vector, a vector for no
 * listed word, other keys (nested, with literals) to skip, and whitespace between tokens.
 */
function syntheticJson(seed: number, order: 'words first' | 'vectors first' | 'dimensions last'): string {
  const next = random(seed);
  const space = () => [' ', '', '\n  ', '\t', ''][Math.floor(next() * 5)]!;
  const number = () => {
    const value = (next() - 0.5) * 4;
    const formats = [
      () => String(value),
      () => value.toExponential(4),
      () => value.toExponential().toUpperCase(),
      () => value.toExponential(2).replace('e+', 'e'),
      () => (value / 1e7).toExponential(),
      () => value.toFixed(20),
      () => (value * 1e30).toString(),
      () => '-0',
      () => '0',
      () => String(Math.round(value)),
      () => `${value < 0 ? '-' : ''}0.${'0'.repeat(20)}123456789012345678901`,
    ];
    return formats[Math.floor(next() * formats.length)]!();
  };
  const dimensions = 7;
  const words = [...Array.from({ length: 120 }, (_, i) => `w${i}`), ...ESCAPED_WORDS, 'w3', 'novector'];
  const vectors = [...new Set(words.filter((word) => word !== 'novector')), 'unlisted'].map((word, rank) => {
    const values = [...Array.from({ length: dimensions }, number), '1.5', String(rank)];
    return `"${word}"${space()}:${space()}[${values.map((value) => space() + value + space()).join(',')}]`;
  });
  const parts = {
    header: `"precision":8,${space()}"l2NormIndex":${dimensions},"wordIndex":${dimensions + 1},"size":${words.length}`,
    dimensions: `"dimensions":${space()}${dimensions}`,
    words: `"words":${space()}[${words.map((word) => `${space()}"${word}"`).join(',')}${space()}]`,
    vectors: `"vectors":${space()}{${vectors.join(`,${space()}`)}}`,
    extra: `"extra":{"nested":[true,false,null,{"a":"b"}],"n":-1.5e-3,"s":"x\\"y"},"unkVector":[0,0,-1]`,
  };
  const keys =
    order === 'words first'
      ? (['header', 'dimensions', 'words', 'vectors', 'extra'] as const)
      : order === 'vectors first'
        ? (['vectors', 'extra', 'header', 'words', 'dimensions'] as const)
        : (['header', 'words', 'extra', 'vectors', 'dimensions'] as const);
  return `${space()}{${keys.map((key) => parts[key]).join(`,${space()}`)}}${space()}`;
}

/** The text in chunks of random sizes (1 to `maxChunk` bytes), split anywhere, also inside multi-byte characters. */
function chunked(text: string, seed: number, maxChunk: number): VectorsJson {
  const bytes = Buffer.from(text, 'utf8');
  return {
    bytes: bytes.length,
    async *read() {
      const next = random(seed);
      for (let at = 0; at < bytes.length;) {
        const size = 1 + Math.floor(next() * maxChunk);
        yield bytes.subarray(at, at + size);
        at += size;
      }
    },
  };
}

async function convert(json: VectorsJson, onProgress?: (fraction: number) => void): Promise<{ cache: Buffer; cachePath: string }> {
  const cachePath = path.join(await makeTempDir('verbatim-vectors-'), 'vectors.i8.bin');
  await convertWordVectors(cachePath, onProgress, json);
  return { cache: await readFile(cachePath), cachePath };
}

describe('parseJsonNumber', () => {
  const parse = (text: string) => parseJsonNumber(Buffer.from(text, 'latin1'), text.length);

  it('gives exactly what JSON.parse gives, in every notation', () => {
    const next = random(10);
    const digits = (count: number) => Array.from({ length: count }, () => Math.floor(next() * 10)).join('');
    const texts = ['0', '-0', '0.0', '-0.0', '1e400', '-1e-400', '9007199254740993', '123456789012345.6', '0.1', '1E22', '1e23', '4.35E-7'];
    for (let i = 0; i < 20_000; i++) {
      const integer = next() < 0.3 ? '0' : `${1 + Math.floor(next() * 9)}${digits(Math.floor(next() * 8))}`;
      const fraction = next() < 0.8 ? `.${digits(1 + Math.floor(next() * 18))}` : '';
      const exponent = next() < 0.4 ? `${next() < 0.5 ? 'e' : 'E'}${['', '+', '-'][Math.floor(next() * 3)]}${Math.floor(next() * 30)}` : '';
      texts.push(`${next() < 0.5 ? '-' : ''}${integer}${fraction}${exponent}`);
    }
    const wrong = texts.filter((text) => !Object.is(parse(text), JSON.parse(text) as number));
    expect(wrong).toEqual([]);
  });

  it('gives NaN for what is not a JSON number', () => {
    for (const text of ['', '-', '01', '-01', '1.', '.5', '1e', '1e+', '+1', '1.2.3', '1e5e5', '--1', '1-']) expect(parse(text), text).toBeNaN();
  });
});

describe('convertWordVectors', () => {
  for (const order of ['words first', 'vectors first', 'dimensions last'] as const) {
    it(`writes the same cache as JSON.parse, chunks split anywhere (${order})`, async () => {
      for (const [seed, maxChunk] of [
        [1, 1],
        [2, 3],
        [3, 17],
        [4, 4096],
        [5, 1 << 20],
      ] as const) {
        const text = syntheticJson(seed, order);
        const { cache } = await convert(chunked(text, seed, maxChunk));
        expect(cache.equals(referenceCache(text)), `seed ${seed}, chunks up to ${maxChunk} bytes`).toBe(true);
      }
    });
  }

  it('decodes escaped words and keeps the frequency order', async () => {
    const { cachePath } = await convert(chunked(syntheticJson(6, 'words first'), 6, 5));
    const vectors = await readWordVectors(cachePath);
    expect(vectors?.index.get('"quoted"')).toBe(120);
    expect(vectors?.index.get('back\\slash')).toBe(121);
    expect(vectors?.index.get('été')).toBe(122);
    expect(vectors?.index.get('naïve')).toBe(123);
    expect(vectors?.index.get('😀')).toBe(124);
    expect(vectors?.index.get('w3')).toBe(3);
    expect(vectors?.index.get('novector')).toBe(128);
    expect(vectors?.index.get('unlisted')).toBeUndefined();
  });

  it('looks up every word of a vocabulary to its first rank, and unknown words to undefined', async () => {
    const next = random(11);
    const alphabet = ['a', 'b', 'z', 'é', 'ß', '中', '😀', '\uffff', "'", '-', '.', '0'];
    const spelled = Array.from({ length: 600 }, () =>
      Array.from({ length: 1 + Math.floor(next() * 4) }, () => alphabet[Math.floor(next() * alphabet.length)]!).join(''),
    );
    const words = [...spelled, ''];
    const vectors = Object.fromEntries([...new Set(words)].map((word) => [word, [next(), next()]]));
    const { cachePath } = await convert(chunked(JSON.stringify({ dimensions: 2, words, vectors }), 11, 1 << 20));
    const index = (await readWordVectors(cachePath))!.index;
    const ranks = new Map<string, number>();
    words.forEach((word, rank) => ranks.has(word) || ranks.set(word, rank));
    expect(index.size).toBe(ranks.size);
    expect(words.filter((word) => index.get(word) !== ranks.get(word))).toEqual([]);
    // Again, now answered from the words already searched for.
    expect(words.filter((word) => index.get(word) !== ranks.get(word))).toEqual([]);
    const unknown = ['zzzzz', 'A', 'é'.normalize('NFD'), '😀😀😀😀😀', 'a\n', ' ', ...alphabet.map((c) => `${c}${c}${c}${c}${c}`)];
    for (let pass = 0; pass < 2; pass++) expect(unknown.filter((word) => !ranks.has(word) && index.get(word) !== undefined)).toEqual([]);
  });

  it('reads each row when first asked for: the stored int8 rows, in any order, and says so when the cache is cut short meanwhile', async () => {
    const next = random(12);
    const words = Array.from({ length: 300 }, (_, i) => `w${i}`);
    const vectors = Object.fromEntries(words.map((word) => [word, [next() - 0.5, next() - 0.5, next() - 0.5]]));
    const { cache, cachePath } = await convert(chunked(JSON.stringify({ dimensions: 3, words, vectors }), 12, 1 << 20));
    const read = (await readWordVectors(cachePath))!;
    // The rows (a scale and 3 values each) sit right before the vocabulary's blocks, at the end of the file.
    const rowsStart = cache.length - cache.readUInt32LE(32) - words.length * (4 + 3);
    for (const rank of [299, 0, 150, 0, 299, 7]) {
      expect(Array.from(read.row(rank))).toEqual(Array.from(new Int8Array(cache.buffer, cache.byteOffset + rowsStart + rank * 7 + 4, 3)));
      expect(read.scale(rank)).toBe(cache.readFloatLE(rowsStart + rank * 7));
    }
    expect(() => read.row(300)).toThrow(RangeError);
    await truncate(cachePath, rowsStart + 10 * 7);
    expect(Array.from(read.row(7))).toEqual(Array.from(new Int8Array(cache.buffer, cache.byteOffset + rowsStart + 7 * 7 + 4, 3)));
    expect(() => read.row(200)).toThrow(EmbeddingsError);
  });

  it('checks each block of the vocabulary as it first reads it: a damaged one is an EmbeddingsError, and the cache is removed to be converted anew', async () => {
    const words = Array.from({ length: 200 }, (_, i) => `w${String(i).padStart(3, '0')}`);
    const vectors = Object.fromEntries(words.map((word) => [word, [1, 2]]));
    const { cache, cachePath } = await convert(chunked(JSON.stringify({ dimensions: 2, words, vectors }), 13, 1 << 20));
    // The second block (words 64 to 127) starts at its offset in the blocks, which end the file; its first rank is damaged.
    const blocksStart = cache.length - cache.readUInt32LE(32);
    const blockOffset = 44 + 2 * 4 + 4;
    const damaged = Buffer.from(cache);
    damaged.writeUInt32LE(1000, blocksStart + cache.readUInt32LE(blockOffset));
    await writeFile(cachePath, damaged);
    const read = (await readWordVectors(cachePath))!;
    // Every word here is frequent (found without a block); a word that is not sends the search to its block.
    expect(read.index.get('w100')).toBe(100);
    expect(read.index.get('w010x')).toBeUndefined();
    expect(() => read.index.get('w100x')).toThrow(EmbeddingsError);
    await expect(access(cachePath)).rejects.toThrow();
    // Offsets that do not add up are found when the cache is opened: it is converted again.
    const offsets = Buffer.from(cache);
    offsets.writeUInt32LE(5, blockOffset);
    offsets.writeUInt32LE(3, blockOffset + 4);
    await writeFile(cachePath, offsets);
    expect(await readWordVectors(cachePath)).toBeUndefined();
    // So is a frequent word's rank beyond the rows.
    const frequent = Buffer.from(cache);
    frequent.writeUInt32LE(1000, 44 + 2 * 4 + 2 * 4 * (Math.ceil(200 / 64) + 1));
    await writeFile(cachePath, frequent);
    expect(await readWordVectors(cachePath)).toBeUndefined();
  });

  it('reports progress from 0 to 1, never going back', async () => {
    const fractions: number[] = [];
    await convert(chunked(syntheticJson(7, 'vectors first'), 7, 64), (fraction) => fractions.push(fraction));
    expect(fractions[0]).toBe(0);
    expect(fractions.at(-1)).toBe(1);
    expect(fractions.length).toBeGreaterThan(10);
    expect(fractions).toEqual([...fractions].sort((a, b) => a - b));
  });

  const malformed: [string, string][] = [
    ['truncated', syntheticJson(8, 'words first').slice(0, 2000)],
    ['truncated inside a number', '{"dimensions":2,"words":["a"],"vectors":{"a":[1,2'],
    ['a trailing comma', '{"dimensions":2,"words":["a"],"vectors":{"a":[1,2,]}}'],
    ['a leading zero', '{"dimensions":2,"words":["a"],"vectors":{"a":[01,2]}}'],
    ['a bare dot', '{"dimensions":2,"words":["a"],"vectors":{"a":[1.,2]}}'],
    ['an exponent without digits', '{"dimensions":2,"words":["a"],"vectors":{"a":[1e+,2]}}'],
    ['a bad literal', '{"dimensions":2,"words":["a"],"vectors":{"a":[1,2]},"x":nul}'],
    ['a bad escape', '{"dimensions":2,"words":["\\x"],"vectors":{}}'],
    ['a raw newline in a string', '{"dimensions":2,"words":["a\nb"],"vectors":{}}'],
    ['text after the end', '{"dimensions":2,"words":["a"],"vectors":{"a":[1,2]}} x'],
    ['a missing colon', '{"dimensions" 2}'],
    ['a non-string word', '{"dimensions":2,"words":["a",3],"vectors":{"a":[1,2]}}'],
    ['a vector of strings', '{"dimensions":2,"words":["a"],"vectors":{"a":["1","2"]}}'],
    ['a short vector', '{"dimensions":2,"words":["a"],"vectors":{"a":[1]}}'],
    ['no vectors', '{"dimensions":2,"words":["a"]}'],
    ['no dimensions', '{"words":["a"],"vectors":{"a":[1]}}'],
    ['a top-level array', '[1,2]'],
  ];
  for (const [what, text] of malformed) {
    it(`rejects ${what} with an EmbeddingsError and leaves no file`, async () => {
      const dir = await makeTempDir('verbatim-vectors-');
      const conversion = convertWordVectors(path.join(dir, 'vectors.i8.bin'), undefined, chunked(text, 9, 7));
      await expect(conversion).rejects.toThrow(EmbeddingsError);
      await expect(conversion).rejects.toThrow(/malformed/);
      expect(await readdir(dir)).toEqual([]);
    });
  }
});
