import path from 'node:path';
import { readFile } from 'node:fs/promises';
import MiniSearch from 'minisearch';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadCorpus } from '../../../src/core/corpus/loader.js';
import { LexicalIndex, termOccurrences } from '../../../src/core/index/lexical.js';
import { chunkSearchText, segmentDocument } from '../../../src/core/index/segment.js';
import { termOf, tokenize } from '../../../src/core/text/tokens.js';
import { ROOT } from '../../helpers/core.js';

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
