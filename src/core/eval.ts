import type { Answer } from './answer/types.js';
import { isVerbatimError } from './errors.js';
import type { CorpusIndex } from './index/corpus-index.js';
import { isVerbatim } from './answer/verify.js';

/** One line of a questions file: `evidence` strings of which an answer must quote one. */
export interface EvalQuestion {
  question: string;
  evidence: string[];
  kind: 'answerable' | 'unanswerable';
}

export interface EvalOutcome {
  question: EvalQuestion;
  answer: Answer;
  hitAt1: boolean;
  hitAt3: boolean;
  verbatim: boolean;
  milliseconds: number;
}

/** Scores as printed by `npm run eval` and used by the benchmark. Rates are in [0, 1]. */
export interface EvalSummary {
  answerable: number;
  unanswerable: number;
  hitAt1: number;
  hitAt3: number;
  abstainedUnanswerable: number;
  falseAbstentions: number;
  verbatimRate: number;
  meanQuotedChars: number;
  medianMs: number;
  outcomes: EvalOutcome[];
}

/** Parses a JSON-lines questions file; blank lines are skipped. */
export function parseQuestions(text: string): EvalQuestion[] {
  return text
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line, i) => {
      const parsed = JSON.parse(line) as Partial<EvalQuestion>;
      if (typeof parsed.question !== 'string' || !Array.isArray(parsed.evidence)) throw new Error(`line ${i + 1}: needs "question" and "evidence"`);
      return { question: parsed.question, evidence: parsed.evidence, kind: parsed.kind === 'unanswerable' ? 'unanswerable' : 'answerable' };
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
 * evidence string), abstentions, and whether every quote is verbatim.
 */
export async function evaluate(ask: (question: string) => Promise<Answer>, index: () => CorpusIndex, questions: EvalQuestion[]): Promise<EvalSummary> {
  const outcomes: EvalOutcome[] = [];
  for (const question of questions) {
    const started = performance.now();
    let answer: Answer;
    try {
      answer = await ask(question.question);
    } catch (error) {
      if (!isVerbatimError(error)) throw error;
      answer = { question: question.question, abstained: true, answer: error.message, citations: [] };
    }
    const milliseconds = performance.now() - started;
    const quotes = answer.citations.map((citation) => citation.quote);
    const contains = (quote: string | undefined) => quote !== undefined && question.evidence.some((evidence) => quote.includes(evidence));
    outcomes.push({
      question,
      answer,
      hitAt1: contains(quotes[0]),
      hitAt3: quotes.slice(0, 3).some(contains),
      verbatim: answer.citations.every((citation) => isVerbatim(index(), citation)),
      milliseconds,
    });
  }
  const answerable = outcomes.filter((outcome) => outcome.question.kind === 'answerable');
  const unanswerable = outcomes.filter((outcome) => outcome.question.kind === 'unanswerable');
  const rate = (part: number, whole: number) => (whole === 0 ? 0 : part / whole);
  const answered = outcomes.filter((outcome) => !outcome.answer.abstained);
  const citations = outcomes.flatMap((outcome) => outcome.answer.citations);
  return {
    answerable: answerable.length,
    unanswerable: unanswerable.length,
    hitAt1: rate(answerable.filter((outcome) => outcome.hitAt1).length, answerable.length),
    hitAt3: rate(answerable.filter((outcome) => outcome.hitAt3).length, answerable.length),
    abstainedUnanswerable: unanswerable.filter((outcome) => outcome.answer.abstained).length,
    falseAbstentions: answerable.filter((outcome) => outcome.answer.abstained).length,
    verbatimRate: rate(citations.filter((citation) => isVerbatim(index(), citation)).length, citations.length),
    meanQuotedChars: rate(answered.reduce((sum, outcome) => sum + outcome.answer.citations.reduce((chars, citation) => chars + citation.quote.length, 0), 0), answered.length),
    medianMs: median(outcomes.map((outcome) => outcome.milliseconds)),
    outcomes,
  };
}
