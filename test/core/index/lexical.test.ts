import path from 'node:path';
import { readFile } from 'node:fs/promises';
import MiniSearch from 'minisearch';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadCorpus } from '../../../src/core/corpus/loader.js';
import { IndexCorruptError } from '../../../src/core/errors.js';
import { BinaryReader } from '../../../src/core/index/binary.js';
import { BLOCK_BYTES } from '../../../src/core/index/block-file.js';
import { LexicalIndex, termOccurrences } from '../../../src/core/index/lexical.js';
import { chunkSearchText, segmentDocument } from '../../../src/core/index/segment.js';
import { termOf, tokenize } from '../../../src/core/text/tokens.js';
import { removeTempDirs, ROOT } from '../../helpers/core.js';
import { onDemand, sectionStarts } from '../../helpers/on-demand.js';

/** Chunks ranked by BM25 for a query as typed (OR of its terms), as the answerer searches once it has the terms. */
const searchText = (lexical: LexicalIndex, query: string, k: number) => lexical.searchTerms(termOccurrences(query), k);

const TEXTS = [
  'The Budapest summit was cancelled after a phone call.',
  'Copper prices surged after a strike at the mine.',
  'The summit of the mountain was covered in snow.',
  'Cancellation of the match disappointed fans.',
];

describe('LexicalIndex', () => {
  it('ranks chunks by BM25 over stemmed content words, best first', () => {
    const index = LexicalIndex.build(TEXTS);
    const results = searchText(index, 'Why was the summit cancelled?', 10);
    expect(results[0]!.label).toBe(0);
    expect(results.map((result) => result.label).sort()).toEqual([0, 2, 3]);
    for (let i = 1; i < results.length; i++) expect(results[i]!.score).toBeLessThanOrEqual(results[i - 1]!.score);
    expect(searchText(index, 'summit', 1)).toHaveLength(1);
    expect(searchText(index, 'the of was', 10)).toEqual([]);
  });

  it('knows which terms the chunks hold, and weighs rare terms more', () => {
    const index = LexicalIndex.build(TEXTS);
    expect(index.size).toBe(4);
    expect(index.has(termOf('copper')!)).toBe(true);
    expect(index.has(termOf('cancellation')!)).toBe(true);
    expect(index.has(termOf('banana')!)).toBe(false);
    expect(index.has('the')).toBe(false);
    expect(index.idf(termOf('copper')!)).toBeGreaterThan(index.idf(termOf('summit')!));
    expect(index.idf(termOf('banana')!)).toBeGreaterThan(index.idf(termOf('copper')!));
  });

  it('round-trips through its binary form', () => {
    const index = LexicalIndex.build(TEXTS);
    const loaded = LexicalIndex.fromBinary(index.toBinary());
    expect(loaded.size).toBe(index.size);
    for (const query of ['summit cancelled', 'copper strike', 'snow']) expect(searchText(loaded, query, 5)).toEqual(searchText(index, query, 5));
    expect(loaded.idf(termOf('copper')!)).toBe(index.idf(termOf('copper')!));
  });

  it('refuses bytes that are not a whole lexical index', () => {
    const bytes = LexicalIndex.build(TEXTS).toBinary();
    expect(() => LexicalIndex.fromBinary(bytes.subarray(0, bytes.length - 8))).toThrow(/shorter/);
    expect(() => LexicalIndex.fromBinary(Buffer.concat([bytes, new Uint8Array(8)]))).toThrow(/longer/);
    expect(() => LexicalIndex.fromBinary(Buffer.from('{"search":{}}'))).toThrow(/not a VLEX/);
  });

  it('forgets removed chunks, and its clones are independent', () => {
    const index = LexicalIndex.build(TEXTS);
    const copy = index.clone();
    copy.remove([1]);
    expect(copy.has(termOf('copper')!)).toBe(false);
    expect(copy.size).toBe(3);
    expect(searchText(copy, 'copper strike', 5)).toEqual([]);
    expect(index.has(termOf('copper')!)).toBe(true);
    expect(searchText(index, 'copper', 5).map((result) => result.label)).toEqual([1]);
    expect(() => copy.remove([1])).toThrow(/not in the lexical index/);
    expect(() => index.add([{ label: 1, terms: termOccurrences('again') }])).toThrow(/already/);
    // A label removed and given to a new chunk before any search holds only the new chunk's terms.
    const reused = index.clone();
    reused.remove([1]);
    reused.add([{ label: 1, terms: termOccurrences('Zinc was mined.') }]);
    expect(searchText(reused, 'zinc', 5).map((result) => result.label)).toEqual([1]);
    expect(reused.has(termOf('copper')!)).toBe(false);
  });
});

describe('LexicalIndex.searchTerms', () => {
  const index = LexicalIndex.build(['Zelenskyy rejected the proposal.', 'Zelenskyy spoke again about troops.', 'The summit was cancelled.']);

  it('ranks chunks for processed terms', () => {
    expect(index.searchTerms([termOf('summit')!], 3).map((result) => result.label)).toEqual([2]);
    expect(index.searchTerms([], 3)).toEqual([]);
  });
});

/**
 * The index replaced MiniSearch 7 and must rank exactly as it did: same chunks, same order
 * (ties included), same scores to the last bit, on real articles and many queries.
 */
describe('LexicalIndex against MiniSearch', () => {
  const FIXTURES = path.join(ROOT, 'test/fixtures');
  const MINISEARCH_OPTIONS = { fields: ['text'], idField: 'id', tokenize: (terms: string) => terms.split(' '), processTerm: (term: string) => term || null };
  let chunks: string[];
  let queries: string[][];

  const termsOf = (text: string) => tokenize(text).flatMap((token) => termOf(token.text) ?? []);
  const miniSearchOf = (labelled: { label: number; text: string }[]) => {
    const search = new MiniSearch<{ id: number; text: string }>(MINISEARCH_OPTIONS);
    for (const { label, text } of labelled) search.add({ id: label, text: termsOf(text).join(' ') });
    return search;
  };
  const ranked = (search: MiniSearch, terms: string[], k: number) =>
    terms.length === 0
      ? []
      : search
          .search(terms.join(' '), { combineWith: 'OR' })
          .slice(0, k)
          .map((result) => ({ label: Number(result.id), score: result.score }));

  /** Rankings as text, compared whole: numbers print exactly, so equal text means equal bits. */
  const same = (results: { label: number; score: number }[]) => JSON.stringify(results);

  beforeAll(async () => {
    chunks = [];
    for (const corpus of ['sotu-dev/corpus', 'sotu-tune/corpus']) {
      for (const document of (await loadCorpus(path.join(FIXTURES, corpus))).documents) {
        const segmented = segmentDocument(document);
        chunks.push(...segmented.chunks.map((chunk) => chunkSearchText(segmented, chunk)));
      }
    }
    const questions: string[] = [];
    for (const file of ['dev-paraphrase.jsonl', 'dev-questions.jsonl', 'holdout-questions.jsonl', 'sotu-dev/questions.jsonl', 'sotu-tune/questions.jsonl']) {
      const lines = (await readFile(path.join(FIXTURES, file), 'utf8')).split('\n').filter(Boolean);
      questions.push(...lines.map((line) => (JSON.parse(line) as { question: string }).question));
    }
    // Questions, whole chunks (long queries repeating terms), and seeded draws of a few terms,
    // repeats included: common terms give many tied and near-tied scores.
    const vocabulary = [...new Set(chunks.flatMap(termsOf))];
    let seed = 7;
    const random = (n: number) => ((seed = (seed * 1103515245 + 12345) % 2 ** 31), seed % n);
    const draws = Array.from({ length: 300 }, () =>
      Array.from({ length: 1 + random(6) }, () =>
        random(3) === 0 ? (termsOf(chunks[random(chunks.length)]!)[0] ?? 'state') : vocabulary[random(vocabulary.length)]!,
      ),
    );
    queries = [...questions.map(termsOf), ...chunks.filter((_, i) => i % 5 === 0).map(termsOf), ...draws, ['state', 'state', 'union'], ['unknownterm']];
  });

  it('ranks every query as MiniSearch does, scores included', () => {
    expect(chunks.length).toBeGreaterThan(100);
    const labelled = chunks.map((text, label) => ({ label, text }));
    const search = miniSearchOf(labelled);
    const index = LexicalIndex.build(chunks);
    const loaded = LexicalIndex.fromBinary(index.toBinary());
    for (const [i, terms] of queries.entries()) {
      for (const k of i % 10 === 0 ? [1, 20, chunks.length] : [20]) {
        const expected = same(ranked(search, terms, k));
        expect(same(index.searchTerms(terms, k))).toBe(expected);
        expect(same(loaded.searchTerms(terms, k))).toBe(expected);
      }
    }
  }, 60_000);

  it('still does after chunks are removed and added, as MiniSearch once vacuumed', async () => {
    const half = Math.floor(chunks.length / 2);
    const first = chunks.slice(0, half).map((text, label) => ({ label, text }));
    const second = chunks.slice(half).map((text, offset) => ({ label: half + offset, text }));
    const removed = first.filter((_, i) => i % 3 === 0).map((chunk) => chunk.label);
    const search = miniSearchOf(first);
    const index = LexicalIndex.fromBinary(LexicalIndex.build(first.map((chunk) => chunk.text)).toBinary());
    for (const label of removed) search.discard(label);
    await search.vacuum();
    index.remove(removed);
    for (const { label, text } of second) search.add({ id: label, text: termsOf(text).join(' ') });
    index.add(second.map(({ label, text }) => ({ label, terms: termOccurrences(text) })));
    expect(index.size).toBe(search.documentCount);
    for (const terms of queries) expect(same(index.searchTerms(terms, 20))).toBe(same(ranked(search, terms, 20)));
  }, 60_000);
});

/** A made-up word per number: distinct syllables, so that stemming keeps them apart. */
const madeUpWord = (n: number) =>
  ['ka', 'lo', 'mi', 'tu', 're', 'so', 'van', 'dor'].reduce((word, _, i, syllables) => (i < 3 ? word + syllables[(n >> (3 * i)) % 8]! : word), 'b');

/** Texts whose postings fill many blocks: a word every text holds, words of a few hundred texts each, and rare ones. */
const MANY_TEXTS = Array.from({ length: 20_000 }, (_, i) =>
  ['Copper', madeUpWord(i % 400), madeUpWord(400 + ((i * 7) % 97)), madeUpWord(i % 400), madeUpWord(500 + (i % 11)), i % 1000 === 0 ? 'zinc' : 'tin'].join(' '),
);

describe('LexicalIndex read on demand', () => {
  afterAll(removeTempDirs);
  const built = LexicalIndex.build(MANY_TEXTS);
  const bytes = built.toBinary();
  const [, termsAt, , labelsAt, frequenciesAt] = sectionStarts(bytes);
  const terms = new TextDecoder().decode(bytes.subarray(termsAt, labelsAt)).split('\n');
  const runStarts = new BinaryReader(bytes, 'VLEX 1');
  runStarts.next(Float64Array);
  runStarts.nextStrings();
  const starts = runStarts.next(Uint32Array);
  /** The block of lexical.bin where term t's postings start. */
  const blockOf = (t: number) => Math.floor((labelsAt! + 4 * starts[t]!) / BLOCK_BYTES);
  /** Whether term t's postings lie in one block that holds no section header (those are read at load). */
  const inOneInnerBlock = (t: number) =>
    blockOf(t) === blockOf(t + 1) && blockOf(t) > blockOf(0) && blockOf(t) < Math.floor((frequenciesAt! - 8) / BLOCK_BYTES);
  const queries = [['copper'], [madeUpWord(5), 'zinc'], [madeUpWord(399), madeUpWord(420), 'tin'], ['zinc', 'zinc', 'nothing']].map((words) =>
    words.map((word) => termOf(word)!),
  );

  it('answers as the index it was saved from, and saves the same bytes', async () => {
    const loaded = LexicalIndex.fromBinary(await onDemand(bytes, 'lexical.bin'));
    expect(Buffer.byteLength(bytes)).toBeGreaterThan(8 * BLOCK_BYTES);
    expect(loaded.size).toBe(built.size);
    for (const query of queries) expect(loaded.searchTerms(query, 10)).toEqual(built.searchTerms(query, 10));
    for (const term of [...queries.flat(), 'unknown']) {
      expect(loaded.has(term)).toBe(built.has(term));
      expect(loaded.idf(term)).toBe(built.idf(term));
    }
    expect(Buffer.from(loaded.toBinary()).equals(Buffer.from(bytes))).toBe(true);
  });

  it('finds an altered byte of a posting when a search reads its block, and serves the terms in other blocks', async () => {
    const middle = terms.findIndex((_, t) => inOneInnerBlock(t));
    const altered = Buffer.from(bytes);
    altered[labelsAt! + 4 * starts[middle]!]! ^= 1;
    const loaded = LexicalIndex.fromBinary(await onDemand(altered, 'lexical.bin', bytes));
    expect(() => loaded.searchTerms([terms[middle]!], 10)).toThrow(IndexCorruptError);
    expect(() => loaded.searchTerms([terms[middle]!], 10)).toThrow(/lexical\.bin is truncated or altered \(block \d+ differs from its hash\)/);
    const elsewhere = terms.findIndex((_, t) => inOneInnerBlock(t) && blockOf(t) > blockOf(middle));
    expect(loaded.searchTerms([terms[elsewhere]!], 10)).toEqual(built.searchTerms([terms[elsewhere]!], 10));
  });

  it('refuses, when a search reads it, a posting naming a chunk it does not have', async () => {
    const wrong = Buffer.from(bytes);
    const zinc = terms.indexOf(termOf('zinc')!);
    new DataView(wrong.buffer, wrong.byteOffset).setUint32(labelsAt! + 4 * starts[zinc]!, 1_000_000, true);
    const loaded = LexicalIndex.fromBinary(await onDemand(wrong, 'lexical.bin'));
    expect(loaded.searchTerms([termOf('copper')!], 3)).toEqual(built.searchTerms([termOf('copper')!], 3));
    expect(() => loaded.searchTerms([termOf('zinc')!], 3)).toThrow(IndexCorruptError);
    expect(() => loaded.searchTerms([termOf('zinc')!], 3)).toThrow(/the postings of "zinc" name chunk 1000000, beyond its \d+ chunk lengths/);
  });

  it('is updated, cloned or in place, as the index it was saved from', async () => {
    const change = (index: LexicalIndex) => {
      index.remove([3, 400, 19_999]);
      index.add([
        { label: 400, terms: termOccurrences('Nickel copper') },
        { label: 20_000, terms: termOccurrences('Zinc nickel') },
      ]);
      return index;
    };
    const expected = change(built.clone());
    const loaded = LexicalIndex.fromBinary(await onDemand(bytes, 'lexical.bin'));
    const clone = change(loaded.clone());
    const inPlace = change(LexicalIndex.fromBinary(await onDemand(bytes, 'lexical.bin')));
    for (const updated of [clone, inPlace]) {
      expect(Buffer.from(updated.toBinary()).equals(Buffer.from(expected.toBinary()))).toBe(true);
      for (const query of [...queries, [termOf('nickel')!]]) expect(updated.searchTerms(query, 10)).toEqual(expected.searchTerms(query, 10));
    }
    // The clone's changes are its own.
    expect(loaded.searchTerms(queries[0]!, 10)).toEqual(built.searchTerms(queries[0]!, 10));
  });
});
