import { describe, expect, it } from 'vitest';
import { analyzeQuestion, MAX_QUESTION_LENGTH } from '../../../src/core/answer/question.js';
import { InvalidQuestionError } from '../../../src/core/errors.js';
import { termOf } from '../../../src/core/text/tokens.js';

describe('analyzeQuestion', () => {
  it('folds white space and keeps content terms only', () => {
    const analysis = analyzeQuestion('  Why was the\n summit   cancelled? ');
    expect(analysis.text).toBe('Why was the summit cancelled?');
    expect(analysis.terms).toEqual([termOf('summit'), termOf('cancelled')]);
    expect(analysis.keyTerms).toEqual([]);
  });

  it('treats mid-sentence capitalised words, acronyms and numbers as key terms, not the first word', () => {
    const analysis = analyzeQuestion('Did Angela Merkel discuss GDP growth in 2024?');
    expect(analysis.keyTerms).toEqual([termOf('Angela'), termOf('Merkel'), termOf('GDP'), '2024']);
    expect(analysis.keyTerms).not.toContain(termOf('growth'));
    expect(analyzeQuestion('Budapest hosted what?').keyTerms).toEqual([]);
  });

  it('finds no terms in a question of stop words only', () => {
    expect(analyzeQuestion('?').terms).toEqual([]);
    expect(analyzeQuestion('the').terms).toEqual([]);
    expect(analyzeQuestion('What did they say about it?').terms).toEqual([]);
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
