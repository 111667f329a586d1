import type { CorpusIndex } from '../index/corpus-index.js';
import type { DescribedEmbeddings } from '../index/embeddings/provider.js';
import { expectedAnswer } from './answer-type.js';
import { FITTED_RANKING, FITTED_THRESHOLDS } from './calibration.js';
import { judgeConfidence, type Confidence, type ConfidenceThresholds } from './confidence.js';
import { CorpusSpelling } from './corpus-spelling.js';
import { candidateSentences, EvidenceScorer, type CandidateOptions, type EvidenceOptions, type ScoredSentence } from './evidence.js';
import { documentsAskedAbout, metadataTopic, referenceOf, type MetadataTopic } from './metadata.js';
import {
  analyzeQuestion,
  MAX_QUESTION_LENGTH,
  weighQuestion,
  type AskedWord,
  type QuestionAnalysis,
  type QuestionWeighting,
  type QuestionWord,
} from './question.js';
import { retrieveChunks, type RetrievalOptions } from './retrieve.js';
import type { Answer, Citation } from './types.js';

export interface AnswerOptions {
  /** Quotes in an answer at most. */
  maxQuotes: number;
  /** A further quote of a sure answer must score at least this share of the best one's score. */
  relativeCutoff: number;
  weighting: QuestionWeighting;
  retrieval: RetrievalOptions;
  candidates: CandidateOptions;
  evidence: EvidenceOptions;
  thresholds: ConfidenceThresholds;
}

/** What a question is asked with besides its text. */
export interface AskContext {
  /**
   * The question this one follows up ("and what did he say about NATO?" after "What did
   * Trump say about Putin?"): its content words are carried over, weighing less than the
   * follow-up's own, when the follow-up alone is not answered surely.
   */
  previous?: string;
}

/**
 * How much a carried-over word of the previous question weighs against the follow-up's own
 * words, and how much the previous question's direction counts in the query vector.
 */
export const CARRIED_WEIGHT = 0.5;

/** The unit vector of `a + weight × b`, each of them first brought to unit length. */
function blendVectors(a: number[], b: number[], weight: number): number[] {
  const norm = (v: number[]) => Math.sqrt(v.reduce((sum, x) => sum + x * x, 0)) || 1;
  const na = norm(a);
  const nb = norm(b);
  const blended = a.map((x, d) => x / na + (weight * b[d]!) / nb);
  const n = norm(blended);
  return blended.map((x) => x / n);
}

export const DEFAULT_ANSWER: AnswerOptions = {
  maxQuotes: 3,
  relativeCutoff: 0.8,
  ...FITTED_RANKING,
  thresholds: FITTED_THRESHOLDS,
};

/** Why a question is plainly outside the articles before any sentence is scored. */
export type OutsideReason = 'no-content-words' | 'unknown-name';

/** The sentences ranked for a question, or why none were. */
export type Ranking =
  | { outside: OutsideReason; words: QuestionWord[] }
  | {
      outside?: undefined;
      words: QuestionWord[];
      ranked: ScoredSentence[];
      /** The best sentence with another text than the first: what the first's lead is measured against. */
      runnerUp: ScoredSentence | undefined;
    };

/**
 * A list's lead-in ("These demands include:") is answered by its items, not by itself; the
 * sentence that announces a list just before its lead-in ("Russia sent a memo listing the
 * same demands…") is quoted with the items that follow.
 */
function expandLeadIns(index: CorpusIndex, ranked: ScoredSentence[]): ScoredSentence[] {
  const expanded: ScoredSentence[] = [];
  for (const candidate of ranked) {
    const { sentences } = index.documents[candidate.doc]!;
    const itemsAfter = (leadIn: number) => {
      // A list's items follow its lead-in directly.
      const items: ScoredSentence[] = [];
      for (let item = leadIn + 1; sentences[item]?.leadIn === leadIn; item++) items.push({ ...candidate, sentence: item });
      return items;
    };
    const own = itemsAfter(candidate.sentence);
    if (own.length > 0) {
      expanded.push(...own);
      continue;
    }
    expanded.push(candidate);
    if (sentences[candidate.sentence + 1]?.section === sentences[candidate.sentence]!.section) expanded.push(...itemsAfter(candidate.sentence + 1));
  }
  return expanded;
}

/**
 * The quotes: the best sentences, distinct. A sure answer quotes those nearly as good as the
 * best; the closest passages of an unsure one are the best few, however far behind.
 */
function selectEvidence(index: CorpusIndex, ranked: ScoredSentence[], confidence: Confidence, options: AnswerOptions): ScoredSentence[] {
  const best = ranked[0];
  if (!best) return [];
  const chosen: ScoredSentence[] = [];
  const seen = new Set<string>();
  const cutoff = confidence === 'high' ? best.score * options.relativeCutoff : -Infinity;
  for (const candidate of expandLeadIns(index, ranked)) {
    if (chosen.length >= options.maxQuotes || candidate.score < cutoff) break;
    const text = index.sentenceText(candidate);
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
    reference: { documentHash: index.manifest.documents[evidence.doc]!.hash, sentence: evidence.sentence },
  };
  if (document.date !== undefined) citation.date = document.date;
  if (sentence.section !== undefined) citation.section = sentence.section;
  if (document.publisher !== undefined) citation.publisher = document.publisher;
  if (document.url !== undefined) citation.url = document.url;
  return citation;
}

function abstention(question: string): Answer {
  return { question, abstained: true, citations: [] };
}

/**
 * Answers questions from one index by quoting it: hybrid retrieval of chunks, sentences
 * holding the question's rare words, evidence scored with soft word matching, a confidence
 * decision (sure, closest passages, or not in the articles), and a verbatim check of every
 * quote before the answer is returned. Questions about the articles themselves are answered
 * from their metadata.
 */
export class Answerer {
  /** Its lookups are made when first needed. */
  private spelling: CorpusSpelling | undefined;

  constructor(
    readonly index: CorpusIndex,
    private readonly embeddings: DescribedEmbeddings,
    private readonly options: AnswerOptions = DEFAULT_ANSWER,
  ) {}

  private corpusSpelling(): CorpusSpelling {
    return (this.spelling ??= new CorpusSpelling(this.index));
  }

  /**
   * Makes now, in slices that leave the event loop free, what the first questions would
   * otherwise make in one block each: call it before a serving bot answers from this index.
   */
  async prepare(): Promise<void> {
    await this.index.prepare();
  }

  /**
   * The candidate sentences for a question, best first, with the features the confidence
   * decision reads; or why the question is plainly outside the articles.
   */
  rank(text: string): Promise<Ranking> {
    return this.rankAnalysed(analyzeQuestion(text));
  }

  /**
   * @param previous - a question this one follows up: its known content words that this one
   * lacks join the question at {@link CARRIED_WEIGHT} of their weight, never as key words (a
   * sentence need not name them), and its vector is blended into the query's at that weight.
   * The previous question steers, the follow-up finds: chunks and sentences are looked up by
   * the follow-up's own words (and the blended vector); the carried words only score them,
   * unless the follow-up has no word of its own the articles know ("and why?").
   */
  private async rankAnalysed({ words: asked, text: question }: QuestionAnalysis, previous?: QuestionAnalysis): Promise<Ranking> {
    const own = weighQuestion(asked, this.corpusSpelling(), this.embeddings.words, this.options.weighting);
    const words = previous === undefined ? own : [...own, ...this.carriedWords(own, previous)];
    if (words.length === 0) return { outside: 'no-content-words', words };
    if (words.some((word) => word.key && !word.known)) return { outside: 'unknown-name', words };
    let queryVector = await this.embeddings.embedQuery(question);
    if (previous !== undefined) queryVector = blendVectors(queryVector, await this.embeddings.embedQuery(previous.text), CARRIED_WEIGHT);
    const finding = previous === undefined || !own.some((word) => word.known) ? words : own;
    const knownTerms = finding.filter((word) => word.known).map((word) => word.term);
    const chunks = retrieveChunks(this.index, knownTerms, queryVector, this.options.retrieval);
    const scorer = new EvidenceScorer(this.index, words, queryVector, this.embeddings.words, this.options.evidence, expectedAnswer(question));
    const candidates = candidateSentences(this.index, chunks, finding, this.options.candidates);
    const ranked = [...candidates.values()].map(({ ref, chunk }) => scorer.score(ref, chunk)).sort((a, b) => b.score - a.score);
    const [best] = ranked;
    const runnerUp = best && ranked.find((candidate) => this.index.sentenceText(candidate) !== this.index.sentenceText(best));
    return { words, ranked, runnerUp };
  }

  /** The previous question's known content words that the follow-up's words lack, weighing less and never key. */
  private carriedWords(own: QuestionWord[], previous: QuestionAnalysis): QuestionWord[] {
    const terms = new Set(own.map((word) => word.term));
    return weighQuestion(previous.words, this.corpusSpelling(), this.embeddings.words, this.options.weighting)
      .filter((word) => word.known && !terms.has(word.term))
      .map((word) => ({ ...word, key: false, weight: word.weight * CARRIED_WEIGHT }));
  }

  /** The verdict on a ranking: abstain, or answer with a confidence. */
  private verdictOf(ranking: Ranking): Confidence | 'abstain' {
    if (ranking.outside !== undefined) return 'abstain';
    const [best] = ranking.ranked;
    if (!best) return 'abstain';
    return judgeConfidence({ best, runnerUp: ranking.runnerUp }, this.options.thresholds);
  }

  /**
   * A follow-up is answered on its own when that answer is sure, or when it names something
   * the articles never mention; otherwise it is ranked again with the previous question's
   * words carried over (a follow-up that leaves its subject to the previous question: "and
   * what did he say about NATO?", "and when?"), and that answer is given unless it abstains.
   *
   * @throws {@link InvalidQuestionError} for an empty or overlong question
   */
  async ask(question: string, context: AskContext = {}): Promise<Answer> {
    const analysis = analyzeQuestion(question);
    const { text } = analysis;
    const topic = metadataTopic(text);
    if (topic !== undefined) return this.aboutArticles(text, topic, analysis.words);
    const ranking = await this.rankAnalysed(analysis);
    const verdict = this.verdictOf(ranking);
    const previous = context.previous?.replace(/\s+/g, ' ').trim().slice(0, MAX_QUESTION_LENGTH);
    if (previous && verdict !== 'high' && ranking.outside !== 'unknown-name') {
      const followed = await this.rankAnalysed(analysis, analyzeQuestion(previous));
      const followedVerdict = this.verdictOf(followed);
      if (followed.outside === undefined && followedVerdict !== 'abstain') return this.quote(text, followed.ranked, followedVerdict);
    }
    if (ranking.outside !== undefined || verdict === 'abstain') return abstention(text);
    return this.quote(text, ranking.ranked, verdict);
  }

  private quote(question: string, ranked: ScoredSentence[], confidence: Confidence): Answer {
    const evidence = selectEvidence(this.index, ranked, confidence, this.options);
    // Verbatim by construction: each quote is a slice of the body read from its file (src/core/corpus/article.ts).
    const citations = evidence.map((sentence, i) => citationOf(this.index, sentence, i + 1));
    if (citations.length === 0) return abstention(question);
    return { question, abstained: false, confidence, citations };
  }

  /** A question about the articles themselves, answered from their metadata with a reference to each. */
  private aboutArticles(question: string, topic: MetadataTopic, words: AskedWord[]): Answer {
    const documents = documentsAskedAbout(this.index, words);
    const references = documents.map((segmented, i) => referenceOf(segmented, i + 1));
    // Who wrote it is answered only when an article records it; the others always have an answer (its title, file, date when known).
    const known = topic === 'author' ? references.filter((reference) => reference.author !== undefined) : references;
    if (known.length === 0) return abstention(question);
    const numbered = known.map((reference, i) => ({ ...reference, n: i + 1 }));
    return { question, abstained: false, confidence: 'high', citations: [], documents: numbered };
  }
}
