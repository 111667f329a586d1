import type { CorpusIndex, SentenceRef } from '../index/corpus-index.js';
import { contentWords, type LexiconWord } from '../index/sentence-lexicon.js';
import { holdsAnswer, type AnswerType } from './answer-type.js';
import type { QuestionWord } from './question.js';
import type { RetrievedChunk } from './retrieve.js';
import type { WordSimilarity } from './word-similarity.js';

/** A candidate sentence and why it scored; every score is in [0, 1], higher is better. */
export interface ScoredSentence extends SentenceRef {
  /** Share of the question's word weight the sentence matches, itself or through its context, exactly or softly. */
  lexical: number;
  /** Share of the question's word weight the sentence matches by its own words, exactly. */
  exact: number;
  /** Cosine similarity of the sentence's and the question's embeddings (negatives count as 0). */
  dense: number;
  /** Fused score of the best retrieved chunk holding the sentence, relative to the top chunk (0 when found otherwise). */
  chunk: number;
  /** Share of the question's key words (names, acronyms, numbers) the sentence or its context names. */
  keySupport: number;
  /** How well the sentence matches the rarest question word the corpus knows (1 when there is none). */
  rarest: number;
  /** Whether the sentence holds the kind of answer the question asks for (a quantity, a time); true when it asks for none. */
  typed: boolean;
  score: number;
}

export interface EvidenceOptions {
  weights: { lexical: number; dense: number; chunk: number };
  /** How much a match in the sentence's context counts, against 1 for the sentence itself. */
  context: {
    /** The sentence's section heading. */
    heading: number;
    /** The lead-in of the list the sentence belongs to. */
    leadIn: number;
    /**
     * The sentence before, in the same section: a quote's speaker or subject is often named
     * there ("Zelenskyy … pointed to a pattern." → "“…,” he said.").
     */
    previous: number;
    /** The document's title, author and publisher. */
    document: number;
  };
  /**
   * Soft matching: a question word absent from a sentence is matched by the sentence's most
   * similar word (word-vector cosine), counted as `scale × cosine` when the cosine reaches
   * `floor` and as nothing below it. Names, acronyms and numbers match exactly only.
   */
  soft: { floor: number; scale: number };
  /** Share of its score a sentence loses when it names none of the question's key words. */
  keyPenalty: number;
  /** Share of its score a sentence loses when it lacks the kind of answer the question asks for ("how many…" and no number). */
  typePenalty: number;
}

/** The cosine of a query vector and a sentence vector of unit length (as the index stores them); 0 for a zero query. */
export function cosine(query: number[], sentence: Float32Array): number {
  let dot = 0;
  let norm = 0;
  for (let d = 0; d < query.length; d++) {
    dot += query[d]! * sentence[d]!;
    norm += query[d]! * query[d]!;
  }
  return norm > 0 ? dot / Math.sqrt(norm) : 0;
}

/**
 * Scores sentences against one question. Holds what one question's scoring computes more
 * than once: each sentence's own match of every question word (its neighbours reuse it as
 * context) and word similarities.
 */
export class EvidenceScorer {
  private readonly ownMatches = new Map<number, Float32Array>();
  private readonly headingMatches = new Map<string, Float32Array>();
  private readonly documentMatches = new Map<number, Float32Array>();
  /** For each question word, its soft match with each written word met so far (keyed per question word: no string to build per pair). */
  private readonly softMatches: Map<string, number>[];
  private readonly totalWeight: number;
  /** Position of the heaviest question word the corpus knows, -1 if none. */
  private readonly rarestWord: number;

  constructor(
    private readonly index: CorpusIndex,
    private readonly question: QuestionWord[],
    private readonly queryVector: number[],
    private readonly similarity: WordSimilarity | undefined,
    private readonly options: EvidenceOptions,
    private readonly answerType?: AnswerType,
  ) {
    this.softMatches = question.map(() => new Map<string, number>());
    this.totalWeight = question.reduce((sum, word) => sum + word.weight, 0);
    this.rarestWord = question.reduce((best, word, i) => (word.known && (best === -1 || word.weight > question[best]!.weight) ? i : best), -1);
  }

  /** How well a word of the text matches question word `i`: 1 for the same term, else its soft similarity. */
  private wordMatch(i: number, candidate: LexiconWord): number {
    const asked = this.question[i]!;
    if (asked.term === candidate.term) return 1;
    if (asked.key || !this.similarity) return 0;
    const known = this.softMatches[i]!;
    let match = known.get(candidate.word);
    if (match === undefined) {
      const similarity = this.similarity.similarity(asked.word, candidate.word);
      const { floor, scale } = this.options.soft;
      known.set(candidate.word, (match = similarity >= floor ? scale * similarity : 0));
    }
    return match;
  }

  /** For each question word, its best match among `words`. */
  private matchesOf(words: readonly LexiconWord[]): Float32Array {
    const matches = new Float32Array(this.question.length);
    for (let i = 0; i < this.question.length; i++) {
      let best = 0;
      for (const word of words) {
        best = Math.max(best, this.wordMatch(i, word));
        if (best === 1) break;
      }
      matches[i] = best;
    }
    return matches;
  }

  /** The matches of a text's words, computed once per question. */
  private cached<K>(cache: Map<K, Float32Array>, key: K, words: () => readonly LexiconWord[]): Float32Array {
    let matches = cache.get(key);
    if (!matches) cache.set(key, (matches = this.matchesOf(words())));
    return matches;
  }

  private own(id: number): Float32Array {
    return this.cached(this.ownMatches, id, () => this.index.lexicon.wordsOf(id));
  }

  private heading(section: string): Float32Array {
    return this.cached(this.headingMatches, section, () => contentWords(section));
  }

  private documentOf(doc: number): Float32Array {
    return this.cached(this.documentMatches, doc, () => this.index.lexicon.documentWords[doc]!);
  }

  /** Each question word's match by the sentence: its own words, or its context's at less weight. */
  private matches(ref: SentenceRef): Float32Array {
    const id = this.index.sentenceId(ref);
    const sentence = this.index.sentence(ref);
    const { context } = this.options;
    const combined = Float32Array.from(this.own(id));
    const blend = (matches: Float32Array, weight: number) => {
      for (let i = 0; i < combined.length; i++) combined[i] = Math.max(combined[i]!, weight * matches[i]!);
    };
    if (sentence.section !== undefined) blend(this.heading(sentence.section), context.heading);
    if (sentence.leadIn !== undefined) {
      // The lead-in ("These demands include:") is read with the sentence it follows, which says whose demands.
      const leadIn = this.index.sentenceId({ doc: ref.doc, sentence: sentence.leadIn });
      blend(this.own(leadIn), context.leadIn);
      if (sentence.leadIn > 0) blend(this.own(leadIn - 1), context.leadIn * context.previous);
    }
    const previous = ref.sentence > 0 ? this.index.sentence({ doc: ref.doc, sentence: ref.sentence - 1 }) : undefined;
    if (previous !== undefined && previous.section === sentence.section) blend(this.own(id - 1), context.previous);
    blend(this.documentOf(ref.doc), context.document);
    return combined;
  }

  /** Scores one sentence; `chunk` is the relative score of the retrieved chunk it came from (0 if none). */
  score(ref: SentenceRef, chunk: number): ScoredSentence {
    const matches = this.matches(ref);
    const own = this.own(this.index.sentenceId(ref));
    let matched = 0;
    let exactly = 0;
    let keys = 0;
    let keysNamed = 0;
    this.question.forEach((word, i) => {
      matched += word.weight * matches[i]!;
      if (own[i] === 1) exactly += word.weight;
      if (!word.key) return;
      keys++;
      if (matches[i]! > 0) keysNamed++;
    });
    const lexical = this.totalWeight > 0 ? matched / this.totalWeight : 0;
    const dense = Math.max(0, cosine(this.queryVector, this.index.sentenceVector(ref)));
    const { weights, keyPenalty, typePenalty } = this.options;
    const keySupport = keys === 0 ? 1 : keysNamed / keys;
    const typed = this.answerType === undefined || holdsAnswer(this.index.sentenceText(ref), this.answerType);
    const blended = weights.lexical * lexical + weights.dense * dense + weights.chunk * chunk;
    return {
      ...ref,
      lexical,
      exact: this.totalWeight > 0 ? exactly / this.totalWeight : 0,
      dense,
      chunk,
      keySupport,
      rarest: this.rarestWord === -1 ? 1 : matches[this.rarestWord]!,
      typed,
      score: blended * (1 - keyPenalty * (1 - keySupport)) * (typed ? 1 : 1 - typePenalty),
    };
  }
}

/**
 * The sentences worth scoring: those of the retrieved chunks (with their chunk's relative
 * score), every sentence holding one of the question's rarest terms, so that the one
 * sentence naming a rare word is never lost among the chunks of a long corpus, and every
 * sentence of the documents the question names by title, author or publisher.
 */
export function candidateSentences(
  index: CorpusIndex,
  chunks: RetrievedChunk[],
  question: QuestionWord[],
  options: CandidateOptions,
): Map<number, { ref: SentenceRef; chunk: number }> {
  const candidates = new Map<number, { ref: SentenceRef; chunk: number }>();
  const topChunk = chunks[0]?.score ?? 1;
  for (const retrieved of chunks) {
    const { chunk } = index.chunk(retrieved.label);
    const doc = index.chunkRefs[retrieved.label]!.doc;
    for (let sentence = chunk.firstSentence; sentence <= chunk.lastSentence; sentence++) {
      const ref = { doc, sentence };
      const id = index.sentenceId(ref);
      const existing = candidates.get(id);
      const score = retrieved.score / topChunk;
      if (!existing) candidates.set(id, { ref, chunk: score });
      else existing.chunk = Math.max(existing.chunk, score);
    }
  }
  const { lexicon } = index;
  const rare = [...new Set(question.map((word) => word.term))]
    .filter((term) => lexicon.sentenceFrequency(term) > 0 && lexicon.sentenceFrequency(term) <= options.maxPostings)
    .sort((a, b) => lexicon.sentenceFrequency(a) - lexicon.sentenceFrequency(b))
    .slice(0, options.rareTerms);
  for (const term of rare) {
    for (const id of lexicon.sentencesWith(term)) {
      if (!candidates.has(id)) candidates.set(id, { ref: lexicon.ref(id), chunk: 0 });
    }
  }
  // "What did Lincoln say about…": the speech by its author or title, whose sentences rarely name him.
  const terms = new Set(question.map((word) => word.term));
  const named = lexicon.documentWords.flatMap((words, doc) => (words.some((word) => terms.has(word.term)) ? [doc] : []));
  const namedSentences = named.reduce((sum, doc) => sum + index.documents[doc]!.sentences.length, 0);
  if (namedSentences <= options.namedDocumentSentences) {
    for (const doc of named) {
      index.documents[doc]!.sentences.forEach((_, sentence) => {
        const ref = { doc, sentence };
        const id = index.sentenceId(ref);
        if (!candidates.has(id)) candidates.set(id, { ref, chunk: 0 });
      });
    }
  }
  return candidates;
}

export interface CandidateOptions {
  /** How many of the question's rarest terms bring all their sentences in. */
  rareTerms: number;
  /** A term held by more sentences than this is not rare. */
  maxPostings: number;
  /**
   * When the question names documents by their title, author or publisher, and they hold
   * this many sentences or fewer in all, every one of their sentences is a candidate.
   */
  namedDocumentSentences: number;
}
