import { afterAll, describe, expect, it } from 'vitest';
import type { CorpusDocument } from '../../../src/core/corpus/document.js';
import { IndexCorruptError } from '../../../src/core/errors.js';
import { BLOCK_BYTES } from '../../../src/core/index/block-file.js';
import { segmentDocument } from '../../../src/core/index/segment.js';
import { SentenceLexicon } from '../../../src/core/index/sentence-lexicon.js';
import { removeTempDirs } from '../../helpers/core.js';
import { onDemand, sectionStarts } from '../../helpers/on-demand.js';

function segmented(source: string, body: string) {
  const document: CorpusDocument = { source, title: `Report on ${source}`, body, hash: body, headings: [] };
  return segmentDocument(document);
}

const bytes = (lexicon: SentenceLexicon) => Buffer.from(lexicon.toBinary());

describe('SentenceLexicon.build with an update', () => {
  const copper = segmented('copper', 'Copper traders in Lima expect change. The Copper Board met on Monday.');
  const wheat = segmented('wheat', 'Wheat prices rose in Kansas. Farmers in Kansas sold early.');
  const zinc = segmented('zinc', 'Zinc smelters in Ghent paused. Ghent is quiet.');

  it('gives the bytes of a full build when documents changed, were removed and were added', async () => {
    const previous = SentenceLexicon.of([copper, wheat, zinc]);
    const newWheat = segmented('wheat', 'Wheat prices fell in Kansas. Nobody in Topeka sold.');
    const nickel = segmented('nickel', 'Nickel miners in Sudbury struck. Sudbury Nickel shares fell.');
    const documents = [copper, newWheat, nickel];
    const updated = await SentenceLexicon.build(documents, { previous, positions: [0, -1, -1], removed: [wheat, zinc] });
    expect(bytes(updated)).toEqual(bytes(SentenceLexicon.of(documents)));
    // Words only the removed documents held are gone, as a full build never meets them.
    expect(updated.has('ghent')).toBe(false);
    expect(updated.isName('ghent')).toBe(false);
    expect(updated.isName('kansas')).toBe(true);
  });

  it("copies an unchanged document's words from the previous lexicon instead of tokenizing it again", async () => {
    // A previous lexicon made from other text at the same positions: what is copied shows.
    const previous = SentenceLexicon.of([segmented('copper', 'Tin dealers in Oslo expect change. The Tin Board met on Monday.'), wheat]);
    const updated = await SentenceLexicon.build([copper, wheat], { previous, positions: [0, 1], removed: [] });
    expect(updated.wordsOf(0).map((word) => word.word)).toEqual(['tin', 'dealers', 'oslo', 'expect', 'change']);
  });
});

/** A made-up word per number: distinct syllables, so that stemming keeps them apart. */
const madeUpWord = (n: number) => 'b' + [0, 1, 2].map((i) => ['ka', 'lo', 'mi', 'tu', 're', 'so', 'van', 'dor'][(n >> (3 * i)) % 8]).join('');

/** Documents whose sentences' words fill many blocks, each naming a place (capitalised, a name) and a rare word now and then. */
const MANY_DOCUMENTS = Array.from({ length: 60 }, (_, doc) =>
  segmented(
    `doc-${doc}`,
    Array.from(
      { length: 120 },
      (_, s) =>
        `Traders in ${['Lima', 'Ghent', 'Oslo'][s % 3]} sold ${madeUpWord(doc * 7 + s)} and ${madeUpWord(s % 50)} ${s % 40 === 0 ? 'copper' : 'tin'} early.`,
    ).join(' '),
  ),
);

describe('SentenceLexicon read on demand', () => {
  afterAll(removeTempDirs);
  const built = SentenceLexicon.of(MANY_DOCUMENTS);
  const file = built.toBinary();
  // Sections: written words, their counts, terms, where each term's postings start, postings, then the sentences' runs (starts, words, terms)…
  const sections = sectionStarts(file);
  const [postingsAt, sentenceStartsAt, sentenceWordsAt] = [sections[4]!, sections[5]!, sections[6]!];
  const terms = ['copper', 'tin', 'lima', 'bkakaka', 'unknown'];

  it('answers as the lexicon it was saved from, and saves the same bytes', async () => {
    const loaded = SentenceLexicon.fromBinary(await onDemand(file, 'lexicon.bin'));
    expect(file.length).toBeGreaterThan(8 * BLOCK_BYTES);
    expect(loaded.size).toBe(built.size);
    for (const id of [0, 1, 4321, built.size - 1]) {
      expect(loaded.wordsOf(id)).toEqual(built.wordsOf(id));
      expect(loaded.ref(id)).toEqual(built.ref(id));
    }
    for (const term of terms) {
      expect([...loaded.sentencesWith(term)]).toEqual([...built.sentencesWith(term)]);
      expect(loaded.sentenceFrequency(term)).toBe(built.sentencesWith(term).length);
      expect(loaded.idf(term)).toBe(built.idf(term));
      expect(loaded.has(term)).toBe(built.has(term));
    }
    for (const word of ['lima', 'ghent', 'traders', 'copper', 'zzz']) expect(loaded.isName(word)).toBe(built.isName(word));
    expect(loaded.isName('lima')).toBe(true);
    expect(loaded.writtenWords).toEqual(built.writtenWords);
    expect([...loaded.writtenCounts]).toEqual([...built.writtenCounts]);
    expect(loaded.documentWords).toEqual(built.documentWords);
    expect(Buffer.from(loaded.toBinary()).equals(Buffer.from(file))).toBe(true);
  });

  it("finds an altered byte of a sentence's words when it is read, and serves the sentences in other blocks", async () => {
    const at = sentenceWordsAt + 3 * BLOCK_BYTES;
    const altered = Buffer.from(file);
    altered[at]! ^= 1;
    const loaded = SentenceLexicon.fromBinary(await onDemand(altered, 'lexicon.bin', file));
    // The sentence whose words the altered byte is among, and the first sentence, far before.
    const starts = new Uint32Array(file.buffer, file.byteOffset + sentenceStartsAt, built.size + 1);
    const hit = starts.findIndex((start) => sentenceWordsAt + 4 * start > at) - 1;
    expect(() => loaded.wordsOf(hit)).toThrow(IndexCorruptError);
    expect(() => loaded.wordsOf(hit)).toThrow(/lexicon\.bin is truncated or altered \(block \d+ differs from its hash\)/);
    expect(loaded.wordsOf(0)).toEqual(built.wordsOf(0));
  });

  it('refuses, when they are read, postings naming a sentence it does not have and words beyond its vocabulary', async () => {
    const wrong = Buffer.from(file);
    const view = new DataView(wrong.buffer, wrong.byteOffset);
    // The first term's first posting; the first sentence's first word; the second sentence's start, past the third's.
    view.setUint32(postingsAt, 1_000_000, true);
    view.setUint32(sentenceWordsAt, 1_000_000, true);
    view.setUint32(sentenceStartsAt + 4, 1_000_000, true);
    const loaded = SentenceLexicon.fromBinary(await onDemand(wrong, 'lexicon.bin'));
    const first = built.wordsOf(0)[0]!.term;
    expect(() => loaded.sentencesWith(first)).toThrow(IndexCorruptError);
    expect(() => loaded.sentencesWith(first)).toThrow(/name sentence 1000000, beyond its \d+/);
    expect(() => loaded.wordsOf(0)).toThrow(/run 0 of its words starts at 0 and ends at 1000000/);
    expect(() => loaded.wordsOf(1)).toThrow(IndexCorruptError);
    expect(loaded.wordsOf(2)).toEqual(built.wordsOf(2));
    view.setUint32(sentenceStartsAt + 4, new DataView(file.buffer, file.byteOffset).getUint32(sentenceStartsAt + 4, true), true);
    expect(() => SentenceLexicon.fromBinary(wrong).wordsOf(0)).toThrow(/run 0 of its words names a word or term beyond its vocabulary/);
  });

  it('is updated from a lexicon read on demand as from the one it was saved from', async () => {
    const previous = SentenceLexicon.fromBinary(await onDemand(file, 'lexicon.bin'));
    const changed = segmented('doc-3', 'Nickel miners in Sudbury struck. Sudbury Nickel shares fell.');
    const documents = MANY_DOCUMENTS.map((document, doc) => (doc === 3 ? changed : document));
    const positions = documents.map((_, doc) => (doc === 3 ? -1 : doc));
    const updated = await SentenceLexicon.build(documents, { previous, positions, removed: [MANY_DOCUMENTS[3]!] });
    expect(bytes(updated).equals(bytes(SentenceLexicon.of(documents)))).toBe(true);
  });
});
