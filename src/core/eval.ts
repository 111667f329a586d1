import type { Answer } from './answer/types.js';
import { isVerbatimError } from './errors.js';
import { verbatimIn } from './answer/verify.js';

/**
 * One line of a questions file. `evidence`: for an answerable question, strings of which a
 * quote must contain one; for a metadata question (about the articles themselves), strings of
 * which the answer's JSON must contain one; for an unanswerable one, none.
 */
export interface EvalQuestion {
  question: string;
  evidence: string[];
  kind: 'answerable' | 'unanswerable' | 'metadata';
}

/** One question asked of a system: the passages it returned, best first (none: it abstained). */
export interface RankedOutcome {
  question: EvalQuestion;
  passages: string[];
  /** Characters the system shows as its answer (all its quotes, or its top passage). */
  answerChars: number;
  milliseconds: number;
}

export interface EvalOutcome extends RankedOutcome {
  answer: Answer;
  hitAt1: boolean;
  hitAt3: boolean;
}

/** Scores shared by `npm run eval` and every system the benchmark compares. Rates are in [0, 1]. */
export interface QualitySummary {
  answerable: number;
  unanswerable: number;
  hitAt1: number;
  hitAt3: number;
  abstainedUnanswerable: number;
  falseAbstentions: number;
  /** Characters of the answer, averaged over the questions answered. */
  meanQuotedChars: number;
  /** Characters of the first passage, averaged over the questions answered. */
  meanFirstQuoteChars: number;
  medianMs: number;
}

/** Scores as printed by `npm run eval`. */
export interface EvalSummary extends QualitySummary {
  /** Unanswerable questions abstained on or answered only with flagged closest passages. */
  unanswerableAbstainedOrTentative: number;
  /** Answers given with high confidence (metadata questions aside). */
  confidentAnswers: number;
  /** Confident answers whose first quote holds the evidence, over all confident answers (unanswerable questions included). */
  confidentPrecision: number;
  /** Answerable questions answered confidently and right, over all answerable questions. */
  confidentCoverage: number;
  metadata: number;
  metadataAnswered: number;
  verbatimRate: number;
  outcomes: EvalOutcome[];
}

/** Whether one of the first `k` passages contains one of the question's evidence strings. */
export function hitAt(question: EvalQuestion, passages: string[], k: number): boolean {
  return passages.slice(0, k).some((passage) => question.evidence.some((evidence) => passage.includes(evidence)));
}

/** Whether an answer to a metadata question names one of its evidence strings (in its JSON, as printed). */
export function answersMetadata(question: EvalQuestion, answer: Answer): boolean {
  const json = JSON.stringify(answer);
  return !answer.abstained && question.evidence.some((evidence) => json.includes(evidence));
}

/** hit@1, hit@3, abstentions and answer sizes over questions asked of any system. */
export function summarizeQuality(outcomes: RankedOutcome[]): QualitySummary {
  const answerable = outcomes.filter((outcome) => outcome.question.kind === 'answerable');
  const unanswerable = outcomes.filter((outcome) => outcome.question.kind === 'unanswerable');
  const answered = outcomes.filter((outcome) => outcome.passages.length > 0);
  const rate = (part: number, whole: number) => (whole === 0 ? 0 : part / whole);
  const sum = (values: number[]) => values.reduce((total, value) => total + value, 0);
  return {
    answerable: answerable.length,
    unanswerable: unanswerable.length,
    hitAt1: rate(answerable.filter((outcome) => hitAt(outcome.question, outcome.passages, 1)).length, answerable.length),
    hitAt3: rate(answerable.filter((outcome) => hitAt(outcome.question, outcome.passages, 3)).length, answerable.length),
    abstainedUnanswerable: unanswerable.filter((outcome) => outcome.passages.length === 0).length,
    falseAbstentions: answerable.filter((outcome) => outcome.passages.length === 0).length,
    meanQuotedChars: rate(sum(answered.map((outcome) => outcome.answerChars)), answered.length),
    meanFirstQuoteChars: rate(sum(answered.map((outcome) => outcome.passages[0]!.length)), answered.length),
    medianMs: median(outcomes.map((outcome) => outcome.milliseconds)),
  };
}

/** Parses a JSON-lines questions file; blank lines are skipped. */
export function parseQuestions(text: string): EvalQuestion[] {
  return text
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line, i) => {
      const parsed = JSON.parse(line) as Partial<EvalQuestion>;
      if (typeof parsed.question !== 'string' || !Array.isArray(parsed.evidence)) throw new Error(`line ${i + 1}: needs "question" and "evidence"`);
      const kind = parsed.kind === 'unanswerable' || parsed.kind === 'metadata' ? parsed.kind : 'answerable';
      return { question: parsed.question, evidence: parsed.evidence, kind };
    });
}

/** The median of some numbers (0 for none). */
export function median(values: number[]): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

/**
 * Asks every question and scores the answers: hit@k (one of the first k quotes contains an
 * evidence string), abstentions, and whether every quote is verbatim: found at its offsets in
 * its article file in `corpusDir`, as the file is on disk.
 */
export async function evaluate(ask: (question: string) => Promise<Answer>, corpusDir: string, questions: EvalQuestion[]): Promise<EvalSummary> {
  const outcomes: EvalOutcome[] = [];
  for (const question of questions) {
    const started = performance.now();
    let answer: Answer;
    try {
      answer = await ask(question.question);
    } catch (error) {
      if (!isVerbatimError(error)) throw error;
      answer = { question: question.question, abstained: true, citations: [] };
    }
    const milliseconds = performance.now() - started;
    const passages = answer.citations.map((citation) => citation.quote);
    outcomes.push({
      question,
      answer,
      passages,
      answerChars: passages.reduce((chars, quote) => chars + quote.length, 0),
      milliseconds,
      hitAt1: hitAt(question, passages, 1),
      hitAt3: hitAt(question, passages, 3),
    });
  }
  const citations = outcomes.flatMap((outcome) => outcome.answer.citations);
  // Against the article files on disk, not the index that produced the citations.
  const verbatim = citations.filter(verbatimIn(corpusDir)).length;
  const ofKind = (kind: EvalQuestion['kind']) => outcomes.filter((outcome) => outcome.question.kind === kind);
  const rate = (part: number, whole: number) => (whole === 0 ? 0 : part / whole);
  const confident = outcomes.filter((outcome) => outcome.question.kind !== 'metadata' && outcome.answer.confidence === 'high');
  const metadata = ofKind('metadata');
  return {
    ...summarizeQuality(outcomes.filter((outcome) => outcome.question.kind !== 'metadata')),
    unanswerableAbstainedOrTentative: ofKind('unanswerable').filter((outcome) => outcome.answer.abstained || outcome.answer.confidence === 'low').length,
    confidentAnswers: confident.length,
    confidentPrecision: rate(confident.filter((outcome) => outcome.hitAt1).length, confident.length),
    confidentCoverage: rate(
      ofKind('answerable').filter((outcome) => outcome.answer.confidence === 'high' && outcome.hitAt1).length,
      ofKind('answerable').length,
    ),
    metadata: metadata.length,
    metadataAnswered: metadata.filter((outcome) => answersMetadata(outcome.question, outcome.answer)).length,
    verbatimRate: citations.length === 0 ? 1 : verbatim / citations.length,
    outcomes,
  };
}
