import type { CorpusIndex } from '../index/corpus-index.js';
import type { DescribedEmbeddings } from '../index/embeddings/provider.js';
import { DEFAULT_EVIDENCE, namesAllKeyTerms, scoreSentences, type EvidenceOptions, type ScoredSentence } from './evidence.js';
import { analyzeQuestion, type QuestionAnalysis } from './question.js';
import { DEFAULT_RETRIEVAL, retrieveChunks, type RetrievalOptions } from './retrieve.js';
import { ABSTENTION, type Answer, type Citation } from './types.js';
import { keepVerbatim } from './verify.js';

export interface AnswerOptions {
  /** Quotes in an answer at most. */
  maxQuotes: number;
  /** A further quote must score at least this share of the best one's score. */
  relativeCutoff: number;
  /** Abstain when the corpus knows less than this share of the question's term weight. */
  minTermSupport: number;
  /** Abstain when the best sentence shares no term with the question and is less similar than this. */
  minDenseOnly: number;
  retrieval: RetrievalOptions;
  evidence: EvidenceOptions;
}

export const DEFAULT_ANSWER: AnswerOptions = {
  maxQuotes: 3,
  relativeCutoff: 0.8,
  minTermSupport: 0.5,
  minDenseOnly: 0.6,
  retrieval: DEFAULT_RETRIEVAL,
  evidence: DEFAULT_EVIDENCE,
};

/**
 * Whether the corpus cannot be about the question: it names something the corpus never
 * mentions (proper noun, acronym, number), or most of its IDF-weighted terms are unknown.
 */
function isOutsideCorpus(index: CorpusIndex, question: QuestionAnalysis, options: AnswerOptions): boolean {
  if (question.terms.length === 0) return true;
  if (question.keyTerms.some((term) => !index.lexical.has(term))) return true;
  let known = 0;
  let total = 0;
  for (const term of question.terms) {
    const weight = index.lexical.idf(term);
    total += weight;
    if (index.lexical.has(term)) known += weight;
  }
  return known / total < options.minTermSupport;
}

/** A list's lead-in ("These demands include:") is answered by its items, not by itself. */
function expandLeadIns(index: CorpusIndex, ranked: ScoredSentence[]): ScoredSentence[] {
  const expanded: ScoredSentence[] = [];
  for (const candidate of ranked) {
    // A list's items follow its lead-in directly.
    const { sentences } = index.documents[candidate.doc]!;
    let item = candidate.sentence + 1;
    while (sentences[item]?.leadIn === candidate.sentence) expanded.push({ ...candidate, sentence: item++ });
    if (item === candidate.sentence + 1) expanded.push(candidate);
  }
  return expanded;
}

function selectEvidence(index: CorpusIndex, ranked: ScoredSentence[], options: AnswerOptions): ScoredSentence[] {
  const best = ranked[0];
  if (!best) return [];
  const chosen: ScoredSentence[] = [];
  const seen = new Set<string>();
  for (const candidate of expandLeadIns(index, ranked)) {
    if (chosen.length >= options.maxQuotes || candidate.score < best.score * options.relativeCutoff) break;
    const { document } = index.documents[candidate.doc]!;
    const sentence = index.sentence(candidate);
    const text = document.body.slice(sentence.start, sentence.end);
    if (seen.has(text)) continue;
    seen.add(text);
    chosen.push(candidate);
  }
  return chosen;
}

function citationOf(index: CorpusIndex, evidence: ScoredSentence, n: number): Citation {
  const { document } = index.documents[evidence.doc]!;
  const sentence = index.sentence(evidence);
  const citation: Citation = {
    n,
    source: document.source,
    title: document.title,
    quote: document.body.slice(sentence.start, sentence.end),
    start: sentence.start,
    end: sentence.end,
    score: Math.round(evidence.score * 1000) / 1000,
  };
  if (document.date !== undefined) citation.date = document.date;
  if (sentence.section !== undefined) citation.section = sentence.section;
  if (document.url !== undefined) citation.url = document.url;
  return citation;
}

/** The answer text: each quote in quotation marks with its marker, one a line. */
export function formatQuotes(citations: Citation[]): string {
  return citations.map((citation) => `“${citation.quote}” [${citation.n}]`).join('\n');
}

/**
 * Answers questions from one index by quoting it: hybrid retrieval of chunks, sentence
 * evidence inside them, abstention when the corpus does not support the question, and a
 * verbatim check of every quote before the answer is returned.
 */
export class Answerer {
  constructor(
    readonly index: CorpusIndex,
    private readonly embeddings: DescribedEmbeddings,
    private readonly options: AnswerOptions = DEFAULT_ANSWER,
  ) {}

  /**
   * @throws {@link InvalidQuestionError} for an empty or overlong question
   */
  async ask(question: string): Promise<Answer> {
    const asked = analyzeQuestion(question);
    // Spelling variants of the corpus's own words are read as those words.
    const resolve = (term: string) => this.index.lexical.resolve(term) ?? term;
    const analysis = { ...asked, terms: [...new Set(asked.terms.map(resolve))], keyTerms: asked.keyTerms.map(resolve) };
    const abstain = (): Answer => ({ question: analysis.text, abstained: true, answer: ABSTENTION, citations: [] });
    if (isOutsideCorpus(this.index, analysis, this.options)) return abstain();
    const queryVector = await this.embeddings.embedQuery(analysis.text);
    const chunks = retrieveChunks(this.index, analysis.terms, queryVector, this.options.retrieval);
    const ranked = scoreSentences(this.index, chunks, analysis.terms, queryVector, this.options.evidence).filter((sentence) =>
      namesAllKeyTerms(this.index, sentence, analysis.keyTerms),
    );
    const best = ranked[0];
    if (!best || (best.lexical === 0 && best.dense < this.options.minDenseOnly)) return abstain();
    const evidence = selectEvidence(this.index, ranked, this.options);
    const citations = keepVerbatim(this.index, evidence.map((sentence, i) => citationOf(this.index, sentence, i + 1)));
    if (citations.length === 0) return abstain();
    return { question: analysis.text, abstained: false, answer: formatQuotes(citations), citations };
  }
}
