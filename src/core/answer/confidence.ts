import type { ScoredSentence } from './evidence.js';

/** How sure an answer is: `high` quotes the answer; `low` offers the closest passages, flagged as such. */
export type Confidence = 'high' | 'low';

/**
 * Where the decision between a sure answer, the closest passages and "not in the articles"
 * falls. Fitted on the public question sets by `npm run fit` (src/cli/fit.ts), which rewrites
 * {@link FITTED_THRESHOLDS}; not set by hand.
 */
export interface ConfidenceThresholds {
  /** Nothing in the corpus resembles the question: the best sentence matches less of it than `lexical` and is less similar than `dense`. */
  abstain: { lexical: number; dense: number };
  /** A sure answer needs a best score of `score`, its rarest known word matched to `rarest`, and a lead of `margin` over the runner-up. */
  confident: { score: number; rarest: number; margin: number };
}

/** What the decision looks at: the best sentence and the best one after it. */
export interface ConfidenceFeatures {
  best: ScoredSentence;
  runnerUp: ScoredSentence | undefined;
}

/** The verdict for a question whose key words the corpus names: abstain, or answer with a confidence. */
export function judgeConfidence({ best, runnerUp }: ConfidenceFeatures, thresholds: ConfidenceThresholds): Confidence | 'abstain' {
  if (best.lexical < thresholds.abstain.lexical && best.dense < thresholds.abstain.dense) return 'abstain';
  const margin = best.score - (runnerUp?.score ?? 0);
  const { confident } = thresholds;
  const sure = best.keySupport === 1 && best.typed && best.score >= confident.score && best.rarest >= confident.rarest && margin >= confident.margin;
  return sure ? 'high' : 'low';
}
