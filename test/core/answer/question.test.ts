import { describe, expect, it } from 'vitest';
import { CorpusSpelling, withinOneEdit } from '../../../src/core/answer/corpus-spelling.js';
import { analyzeQuestion, MAX_QUESTION_LENGTH, weighQuestion } from '../../../src/core/answer/question.js';
import type { CorpusDocument } from '../../../src/core/corpus/document.js';
import { AcronymTable } from '../../../src/core/index/acronym-table.js';
import { segmentDocument, type SegmentedDocument } from '../../../src/core/index/segment.js';
import { SentenceLexicon } from '../../../src/core/index/sentence-lexicon.js';
import { InvalidQuestionError } from '../../../src/core/errors.js';
import { termOf } from '../../../src/core/text/tokens.js';

const terms = (question: string) => analyzeQuestion(question).words.map((word) => word.term);
const keyTerms = (question: string) =>
  analyzeQuestion(question)
    .words.filter((word) => word.key)
    .map((word) => word.term);

describe('analyzeQuestion', () => {
  it('folds white space and keeps content terms only', () => {
    const analysis = analyzeQuestion('  Why was the\n summit   cancelled? ');
    expect(analysis.text).toBe('Why was the summit cancelled?');
    expect(terms(analysis.text)).toEqual([termOf('summit'), termOf('cancelled')]);
    expect(keyTerms(analysis.text)).toEqual([]);
  });

  it('treats mid-sentence capitalised words, acronyms and numbers as key terms, not the first word', () => {
    const question = 'Did Angela Merkel discuss GDP growth in 2024?';
    expect(keyTerms(question)).toEqual([termOf('Angela'), termOf('Merkel'), termOf('GDP'), '2024']);
    expect(keyTerms(question)).not.toContain(termOf('growth'));
    expect(keyTerms('Budapest hosted what?')).toEqual([]);
  });

  it('adds the parts of a hyphenated word, key when the whole is', () => {
    expect(terms('Why did the Trump-Putin summit fail?')).toEqual(expect.arrayContaining([termOf('Trump'), termOf('Putin')]));
    expect(keyTerms('Why did the Trump-Putin summit fail?')).toEqual(expect.arrayContaining([termOf('Trump'), termOf('Putin')]));
    expect(terms('a 35-hour week')).toContain('35');
  });

  it('finds no terms in a question of stop words only', () => {
    expect(terms('?')).toEqual([]);
    expect(terms('the')).toEqual([]);
    expect(terms('What did they say about it?')).toEqual([]);
  });

  it('rejects empty and overlong questions with InvalidQuestionError', () => {
    expect(() => analyzeQuestion('')).toThrow(InvalidQuestionError);
    expect(() => analyzeQuestion(' \n ')).toThrow(InvalidQuestionError);
    expect(() => analyzeQuestion('x'.repeat(MAX_QUESTION_LENGTH + 1))).toThrow(InvalidQuestionError);
    expect(() => analyzeQuestion('x'.repeat(MAX_QUESTION_LENGTH))).not.toThrow();
    // The limit applies after white space is folded.
    expect(() => analyzeQuestion(`a${' '.repeat(2000)}b`)).not.toThrow();
    // The documented limit, named in the message with the length that broke it.
    expect(() => analyzeQuestion('x'.repeat(1001))).toThrow(/\(1001 characters; at most 1000\)/);
  });
});

describe('weighQuestion', () => {
  const document = (source: string, body: string, extra: Partial<CorpusDocument> = {}): SegmentedDocument =>
    segmentDocument({ source, title: source, body, hash: source, headings: [], ...extra });
  const documents = [
    document('a.txt', 'Zelenskyy rejected the proposal of the government. On Monday Zelenskyy spoke again.'),
    document('b.md', 'The U.S. president spoke. A 35-hour week was proposed. New safeguards for 401(k) plans.', { author: 'Franklin D. Roosevelt' }),
  ];
  const spelling = new CorpusSpelling({ lexicon: SentenceLexicon.of(documents), documents, acronyms: AcronymTable.of(documents) });
  const weigh = (question: string) => weighQuestion(analyzeQuestion(question).words, spelling, undefined, { unknownWeight: 1, englishRarity: 0 });
  const wordOf = (question: string, written: string) => weigh(question).find((word) => word.written === written)!;

  it('reads a misspelt long word as the corpus spells it, one edit away (a swap of neighbours included)', () => {
    expect(wordOf('What did Zelensky say?', 'Zelensky')).toMatchObject({ term: termOf('Zelenskyy'), known: true });
    expect(wordOf('what did the goverment propose?', 'goverment')).toMatchObject({ term: termOf('government'), known: true });
    expect(wordOf('what did the govenrment propose?', 'govenrment')).toMatchObject({ term: termOf('government'), known: true });
    expect(wordOf('What did Merkel say?', 'Merkel')).toMatchObject({ known: false, key: true });
  });

  it('meets U.S. by US or American, a number in a hyphenated word, 401(k) by 401ks, and an acronym by its spelt-out name', () => {
    expect(wordOf('What did the American president say?', 'American')).toMatchObject({ known: true, key: true });
    expect(wordOf('What about the 35 hour week?', '35')).toMatchObject({ known: true });
    expect(wordOf('what about 401ks', '401ks')).toMatchObject({ known: true, key: true });
    expect(wordOf('What did FDR propose?', 'FDR')).toMatchObject({ term: termOf('Roosevelt'), known: true, key: true });
  });

  it('treats a word the corpus writes as a name as a name, however it is typed', () => {
    expect(wordOf('what did zelenskyy reject?', 'zelenskyy').key).toBe(true);
    expect(wordOf('what did zelenskyy reject?', 'reject').key).toBe(false);
  });

  it('weighs a word the corpus lacks no less than the rarest word it has', () => {
    const words = weigh('Did Zelenskyy reject sourdough?');
    const rarest = Math.max(...words.filter((word) => word.known).map((word) => word.weight));
    expect(words.find((word) => word.written === 'sourdough')!.weight).toBeGreaterThanOrEqual(rarest);
  });
});

describe('withinOneEdit', () => {
  it('allows one insertion, deletion, substitution or swap of neighbours', () => {
    for (const [a, b] of [
      ['summit', 'summit'],
      ['summit', 'sumit'],
      ['summit', 'summits'],
      ['summit', 'summat'],
      ['presidnet', 'president'],
    ])
      expect(withinOneEdit(a!, b!), `${a} ${b}`).toBe(true);
    for (const [a, b] of [
      ['summit', 'sumat'],
      ['presidnet', 'presidents'],
      ['abc', 'cab'],
    ])
      expect(withinOneEdit(a!, b!), `${a} ${b}`).toBe(false);
  });
});
