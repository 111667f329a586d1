import { beforeAll, describe, expect, it } from 'vitest';
import type { Citation } from '../../../src/core/answer/types.js';
import { isVerbatim, verbatimIn } from '../../../src/core/answer/verify.js';
import { buildIndex } from '../../../src/core/index/build.js';
import type { CorpusIndex } from '../../../src/core/index/corpus-index.js';
import { readFileSync } from 'node:fs';
import { ARTICLE_PATH, ARTICLE_SOURCE, CORPUS_DIR, HashEmbeddings } from '../../helpers/core.js';

let index: CorpusIndex;
let file: Buffer;
let fileText: string;
/** A genuine citation of each sentence of the article. */
let genuine: Citation[];

beforeAll(async () => {
  file = readFileSync(ARTICLE_PATH);
  fileText = file.toString('utf8');
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
    reference: { documentHash: index.manifest.documents[0]!.hash, sentence: i },
  }));
});

const wasted = () => genuine.find((citation) => citation.quote.includes('wasted meeting'))!;

describe('isVerbatim', () => {
  it('accepts every genuine citation', () => {
    expect(genuine).toHaveLength(22);
    for (const citation of genuine) expect(isVerbatim(file, citation)).toBe(true);
  });

  it('rejects a quote altered by one character, by quotation marks or by white space', () => {
    const citation = wasted();
    expect(isVerbatim(file, { ...citation, quote: citation.quote.replace('wasted', 'wasteD') })).toBe(false);
    expect(isVerbatim(file, { ...citation, quote: citation.quote.replace(/[“”]/g, '"') })).toBe(false);
    expect(isVerbatim(file, { ...citation, quote: `${citation.quote} ` })).toBe(false);
    expect(isVerbatim(file, { ...citation, quote: citation.quote.slice(0, -1) })).toBe(false);
  });

  it('rejects shifted offsets, even when the quote still occurs in the document', () => {
    const citation = wasted();
    expect(isVerbatim(file, { ...citation, start: citation.start + 1, end: citation.end + 1 })).toBe(false);
    expect(isVerbatim(file, { ...citation, start: citation.start - 1 })).toBe(false);
    expect(isVerbatim(file, { ...citation, end: citation.end + 1 })).toBe(false);
    expect(isVerbatim(file, { ...citation, start: citation.start + 10_000, end: citation.end + 10_000 })).toBe(false);
  });

  it('rejects an empty quote', () => {
    const citation = wasted();
    expect(isVerbatim(file, { ...citation, quote: '', end: citation.start })).toBe(false);
    expect(isVerbatim(file, { ...citation, quote: ' ', end: citation.start + 1, start: citation.start })).toBe(false);
    expect(citation.source).toBe(ARTICLE_SOURCE);
  });
});

describe('isVerbatim against the file, not the index', () => {
  it('rejects a genuine citation once its file on disk has changed, and accepts it in a file with front matter', () => {
    const citation = wasted();
    expect(isVerbatim(Buffer.from(fileText.replace('wasted meeting', 'wasted  meeting')), citation)).toBe(false);
    const withFrontMatter = `---\ntitle: Budapest\nsource: Example News\n---\n${fileText}`;
    expect(isVerbatim(Buffer.from(withFrontMatter), citation)).toBe(true);
  });

  it('checks a corpus folder’s files through verbatimIn, a missing file failing', () => {
    const check = verbatimIn(CORPUS_DIR);
    for (const citation of genuine) expect(check(citation)).toBe(true);
    expect(check({ ...wasted(), source: 'missing.txt' })).toBe(false);
  });
});
