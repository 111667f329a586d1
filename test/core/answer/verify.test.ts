import { beforeAll, describe, expect, it } from 'vitest';
import type { Citation } from '../../../src/core/answer/types.js';
import { isVerbatim, keepVerbatim } from '../../../src/core/answer/verify.js';
import { buildIndex } from '../../../src/core/index/build.js';
import type { CorpusIndex } from '../../../src/core/index/corpus-index.js';
import { ARTICLE_SOURCE, CORPUS_DIR, HashEmbeddings } from '../../helpers/core.js';

let index: CorpusIndex;
/** A genuine citation of each sentence of the article. */
let genuine: Citation[];

beforeAll(async () => {
  ({ index } = await buildIndex({ corpusDir: CORPUS_DIR, indexDir: '', embeddings: new HashEmbeddings(), save: false }));
  const { document, sentences } = index.documents[0]!;
  genuine = sentences.map((sentence, i) => ({
    n: i + 1,
    source: document.source,
    title: document.title,
    quote: document.body.slice(sentence.start, sentence.end),
    start: sentence.start,
    end: sentence.end,
    score: 0.5,
  }));
});

const wasted = () => genuine.find((citation) => citation.quote.includes('wasted meeting'))!;

describe('isVerbatim', () => {
  it('accepts every genuine citation', () => {
    expect(genuine).toHaveLength(22);
    for (const citation of genuine) expect(isVerbatim(index, citation)).toBe(true);
  });

  it('rejects a quote altered by one character, by quotation marks or by white space', () => {
    const citation = wasted();
    expect(isVerbatim(index, { ...citation, quote: citation.quote.replace('wasted', 'wasteD') })).toBe(false);
    expect(isVerbatim(index, { ...citation, quote: citation.quote.replace(/[“”]/g, '"') })).toBe(false);
    expect(isVerbatim(index, { ...citation, quote: `${citation.quote} ` })).toBe(false);
    expect(isVerbatim(index, { ...citation, quote: citation.quote.slice(0, -1) })).toBe(false);
  });

  it('rejects shifted offsets, even when the quote still occurs in the document', () => {
    const citation = wasted();
    expect(isVerbatim(index, { ...citation, start: citation.start + 1, end: citation.end + 1 })).toBe(false);
    expect(isVerbatim(index, { ...citation, start: citation.start - 1 })).toBe(false);
    expect(isVerbatim(index, { ...citation, end: citation.end + 1 })).toBe(false);
    expect(isVerbatim(index, { ...citation, start: citation.start + 10_000, end: citation.end + 10_000 })).toBe(false);
  });

  it('rejects an unknown source and an empty quote', () => {
    const citation = wasted();
    expect(isVerbatim(index, { ...citation, source: 'other.txt' })).toBe(false);
    expect(isVerbatim(index, { ...citation, quote: '', end: citation.start })).toBe(false);
    expect(isVerbatim(index, { ...citation, quote: ' ', end: citation.start + 1, start: citation.start })).toBe(false);
    expect(citation.source).toBe(ARTICLE_SOURCE);
  });
});

describe('keepVerbatim', () => {
  it('drops altered and shifted citations and numbers the rest again from 1', () => {
    const [first, second, third, fourth] = genuine as [Citation, Citation, Citation, Citation];
    const kept = keepVerbatim(index, [
      { ...first, n: 1 },
      { ...second, n: 2, quote: second.quote.replace('U.S.', 'US') },
      { ...third, n: 3 },
      { ...fourth, n: 4, start: fourth.start + 2, end: fourth.end + 2 },
    ]);
    expect(kept).toEqual([
      { ...first, n: 1 },
      { ...third, n: 2 },
    ]);
  });

  it('keeps nothing when nothing is verbatim, and does not modify its input', () => {
    const altered = genuine.slice(0, 3).map((citation) => ({ ...citation, quote: citation.quote.toUpperCase() }));
    const before = structuredClone(altered);
    expect(keepVerbatim(index, altered)).toEqual([]);
    expect(altered).toEqual(before);
  });
});
