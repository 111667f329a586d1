import { describe, expect, it } from 'vitest';
import { analyzeQuestion, MAX_QUESTION_LENGTH } from '../../../src/core/answer/question.js';
import { InvalidQuestionError } from '../../../src/core/errors.js';
import { termOf } from '../../../src/core/text/tokens.js';

const terms = (question: string) => analyzeQuestion(question).words.map((word) => word.term);
const keyTerms = (question: string) => analyzeQuestion(question).words.filter((word) => word.key).map((word) => word.term);

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
    expect(MAX_QUESTION_LENGTH).toBe(1000);
  });
});
