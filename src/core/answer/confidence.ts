import type { ScoredSentence } from './evidence.js';

/** How sure an answer is: `high` quotes the answer; `low` offers the closest passages, flagged as such. */
export type Confidence = 'high' | 'low';

/**
 * Where the decision between a sure answer, the closest passages and "not in the articles"
 * falls. Fitted on the public question sets by `npm run fit` (src/cli/fit.ts), which rewrites
 * {@link FITTED_THRESHOLDS}; not set by hand.
 */
export interface ConfidenceThresholds {
  /**
   * The question is plainly outside the corpus: no sentence holds any of its words or a word
   * like them, or the best sentence matches less of it than `lexical` and is less similar than `dense`.
   */
  abstain: { lexical: number; dense: number };
  /**
   * A sure answer names everything the question names, holds the kind of answer it asks for,
   * scores at least `score`, matches at least `exact` of the question's word weight with its
   * own words exactly and its rarest known word to `rarest`, and leads the runner-up by at least `margin`.
   */
  confident: { score: number; exact: number; rarest: number; margin: number };
}

/** What the decision looks at: the best sentence and the best one after it. */
export interface ConfidenceFeatures {
  best: ScoredSentence;
  runnerUp?: ScoredSentence | undefined;
}

/** The verdict for a question whose key words the corpus names: abstain, or answer with a confidence. */
export function judgeConfidence(features: ConfidenceFeatures, thresholds: ConfidenceThresholds): Confidence | 'abstain' {
  const { best } = features;
  const { abstain } = thresholds;
  // Likeness of the whole question alone (a sentence vector near the question's) is no answer when not one of its words, or a word like it, is there.
  if (best.lexical === 0 || (best.lexical < abstain.lexical && best.dense < abstain.dense)) return 'abstain';
  const { confident } = thresholds;
  const margin = best.score - (features.runnerUp?.score ?? 0);
  const sure =
    best.keySupport === 1 &&
    best.typed &&
    best.score >= confident.score &&
    best.exact >= confident.exact &&
    best.rarest >= confident.rarest &&
    margin >= confident.margin;
  return sure ? 'high' : 'low';
}
