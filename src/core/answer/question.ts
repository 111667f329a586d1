import { InvalidQuestionError } from '../errors.js';
import { STOPWORDS, termOf, tokenize } from '../text/tokens.js';

/** Longest question accepted, in characters. */
export const MAX_QUESTION_LENGTH = 1000;

/** A question reduced to what retrieval needs. */
export interface QuestionAnalysis {
  /** The question, trimmed, white space folded. */
  text: string;
  /** Distinct content terms (stemmed, stop words removed). */
  terms: string[];
  /**
   * Terms naming something specific — proper nouns, acronyms, numbers — which the corpus
   * must contain for the question to be about it.
   */
  keyTerms: string[];
}

function isKeyWord(word: string, position: number): boolean {
  if (/\p{N}/u.test(word)) return true;
  if (STOPWORDS.has(word.toLowerCase())) return false;
  if (/^\p{Lu}[\p{Lu}.]+$/u.test(word)) return true; // GDP, NATO, U.S.
  return position > 0 && /^\p{Lu}/u.test(word); // capitalised mid-sentence: a name
}

/**
 * Validates and analyses a question.
 *
 * @throws {@link InvalidQuestionError} when it is empty or too long
 */
export function analyzeQuestion(question: string): QuestionAnalysis {
  const text = question.replace(/\s+/g, ' ').trim();
  if (text === '') throw new InvalidQuestionError('The question is empty: ask something about the articles.');
  if (text.length > MAX_QUESTION_LENGTH) {
    throw new InvalidQuestionError(`The question is too long (${text.length} characters; at most ${MAX_QUESTION_LENGTH}).`);
  }
  const terms = new Set<string>();
  const keyTerms = new Set<string>();
  tokenize(text).forEach((token, position) => {
    const term = termOf(token.text);
    if (term === undefined) return;
    terms.add(term);
    if (isKeyWord(token.text, position)) keyTerms.add(term);
  });
  return { text, terms: [...terms], keyTerms: [...keyTerms] };
}
