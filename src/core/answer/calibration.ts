import type { AnswerOptions } from './answerer.js';
import type { ConfidenceThresholds } from './confidence.js';

// Written by `npm run fit` (src/cli/fit.ts) from the public question sets as a whole; rerun it
// after changing the scoring rather than editing these numbers.

/** Ranking parameters fitted for the mean of hit@1 and hit@3 over the public sets. */
export const FITTED_RANKING: Pick<AnswerOptions, 'weighting' | 'retrieval' | 'candidates' | 'evidence'> = {
  weighting: {
    unknownWeight: 1,
    englishRarity: 0,
  },
  retrieval: {
    perList: 20,
    topChunks: 6,
    keepPerList: 3,
    rrfK: 60,
  },
  candidates: {
    rareTerms: 3,
    maxPostings: 60,
    namedDocumentSentences: 2000,
  },
  evidence: {
    weights: {
      lexical: 0.8,
      dense: 0.2,
      chunk: 0.05,
    },
    context: {
      heading: 0.3,
      leadIn: 1,
      previous: 0.6,
      document: 0.8,
    },
    soft: {
      floor: 0.55,
      scale: 0.8,
    },
    keyPenalty: 0,
    typePenalty: 0.15,
  },
};

/** Where "not in the articles", "closest passages" and a sure answer part. */
export const FITTED_THRESHOLDS: ConfidenceThresholds = {
  abstain: {
    lexical: 0.356,
    dense: 0.094,
  },
  confident: {
    score: 0.65,
    exact: 0.2,
    rarest: 0.5,
    margin: 0.09,
  },
};
