import { InvalidQuestionError } from '../errors.js';
import { normalizeWord, STOPWORDS, termOf, tokenize } from '../text/tokens.js';
import type { CorpusSpelling } from './corpus-spelling.js';
import type { WordSimilarity } from './word-similarity.js';

/**
 * Longest question the core answers, in characters: the limit of every front end. The bot takes
 * shorter ones (its `MAX_QUESTION`, commands/ask.ts), a limit Discord enforces in the option.
 */
export const MAX_QUESTION_LENGTH = 1000;

/** A content word of a question as asked. */
export interface AskedWord {
  /** Lower case, no dots ("U.S." → "us"): the form word vectors are looked up by. */
  word: string;
  /** Its lexical term ({@link termOf}). */
  term: string;
  /** Names something specific (a proper noun, acronym or number) that the corpus must contain. */
  key: boolean;
  /** As written, for acronyms ("FDR"). */
  written: string;
}

/** A question reduced to what retrieval needs. */
export interface QuestionAnalysis {
  /** The question, trimmed, white space folded. */
  text: string;
  /** Distinct content words; a hyphenated word also gives its parts ("Trump-Putin" → trump, putin). */
  words: AskedWord[];
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
  const words = new Map<string, AskedWord>();
  const add = (written: string, key: boolean) => {
    const term = termOf(written);
    if (term !== undefined && !words.has(term)) words.set(term, { word: normalizeWord(written), term, key, written });
  };
  tokenize(text).forEach((token, position) => {
    const key = isKeyWord(token.text, position);
    add(token.text, key);
    if (token.text.includes('-')) for (const part of token.text.split('-')) add(part, key && isKeyWord(part, position + 1));
  });
  return { text, words: [...words.values()] };
}

/** A question word ready for scoring: spelled as the corpus spells it, with its weight. */
export interface QuestionWord extends AskedWord {
  /** IDF-like weight: rare words of the corpus weigh most; words it lacks weigh by their rarity in English. */
  weight: number;
  /** Whether the corpus (its sentences or its documents' metadata) uses the term. */
  known: boolean;
}

/**
 * Spellings that name the same thing; a key word in one of them is supported by a corpus
 * that uses another ("American" or "US" by "U.S.").
 */
const SAME_NAME: readonly (readonly string[])[] = [
  ['us', 'usa', 'america', 'american', 'americans'],
  ['uk', 'britain', 'british', 'england', 'english'],
  ['eu', 'europe', 'european'],
  ['ussr', 'soviet', 'soviets'],
];

/** A corpus word replaces a question word when general English uses it this many times more often (by rank). */
const SPELLING_RANK_RATIO = 20;

/**
 * The corpus's spelling of a word it does not use: the most frequent corpus word with the
 * same first letter and one edit away, when that word is far more common in English than the
 * question's ("goverment" → "government", "presidnet" → "president") or the question's word
 * is unknown to English ("Zelensky" → "Zelenskyy"). A real word is taken as meant.
 */
function corpusSpellingOf(asked: AskedWord, spelling: CorpusSpelling, similarity: WordSimilarity | undefined): string | undefined {
  const { word } = asked;
  if (word.length < 4 || /\p{N}/u.test(word)) return undefined;
  const rank = similarity?.rankOf(word);
  let best: string | undefined;
  let bestCount = 0;
  const { writtenWords, writtenCounts } = spelling.lexicon;
  // In the corpus's order, so that a tie goes to the word it uses first.
  for (const i of spelling.oneEditFrom(word)) {
    const candidate = writtenWords[i]!;
    const count = writtenCounts[i]!;
    if (count <= bestCount || termOf(candidate) === undefined) continue;
    const candidateRank = similarity?.rankOf(candidate);
    const likelier =
      similarity === undefined ? word.length >= 6 : rank === undefined || (candidateRank !== undefined && candidateRank * SPELLING_RANK_RATIO < rank);
    if (!likelier) continue;
    best = candidate;
    bestCount = count;
  }
  return best;
}

/** How question words are weighed. */
export interface QuestionWeighting {
  /** Factor on the weight of a word the corpus lacks. */
  unknownWeight: number;
  /** Exponent of a word's rarity in English (log rank over log vocabulary size) in its weight; 0 ignores it. */
  englishRarity: number;
}

/**
 * Brings the question's words to the corpus: misspellings corrected, key words matched
 * through another spelling or an acronym's expansion, each word weighted.
 */
export function weighQuestion(
  asked: AskedWord[],
  spelling: CorpusSpelling,
  similarity: WordSimilarity | undefined,
  weighting: QuestionWeighting,
): QuestionWord[] {
  const words = new Map<string, QuestionWord>();
  const { lexicon } = spelling;
  const vocabularyLog = Math.log((similarity?.vocabularySize ?? 1) + 2);
  for (const original of asked) {
    // A word the corpus writes as a name is one, however the question types it.
    let word = { ...original, key: original.key || lexicon.isName(original.word) };
    if (!lexicon.has(word.term)) {
      const respelt = corpusSpellingOf(word, spelling, similarity);
      const respeltTerm = respelt === undefined ? undefined : termOf(respelt);
      if (respelt !== undefined && respeltTerm !== undefined) word = { ...word, word: respelt, term: respeltTerm };
    }
    if (!lexicon.has(word.term)) {
      const alias = SAME_NAME.find((group) => group.includes(word.word))?.find((name) => lexicon.has(termOf(name) ?? ''));
      // "401ks" is the corpus's "401(k)", "1990s" its "1990": the number is what names it.
      const number = /^\p{N}+/u.exec(word.word)?.[0];
      const expanded =
        alias !== undefined ? termOf(alias) : number !== undefined && number !== word.word && lexicon.has(number) ? number : spelling.acronymTerm(word.written);
      if (expanded !== undefined) word = { ...word, term: expanded, key: true };
    }
    if (words.has(word.term)) continue;
    const known = lexicon.has(word.term);
    const rank = similarity?.rankOf(word.word);
    // Rarity in English tempers rarity in the corpus: "big" or "city" weigh little even when
    // the articles hardly use them, "sourdough" or "Sioux" much.
    const rarity = rank === undefined ? 1 : (Math.log(rank + 2) / vocabularyLog) ** weighting.englishRarity;
    words.set(word.term, { ...word, known, weight: lexicon.idf(word.term) * rarity * (known ? 1 : weighting.unknownWeight) });
  }
  return [...words.values()];
}
