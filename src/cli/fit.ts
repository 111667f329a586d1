import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { loadConfig } from '../config/config.js';
import { DEFAULT_ANSWER, type AnswerOptions } from '../core/answer/answerer.js';
import { judgeConfidence, type ConfidenceThresholds } from '../core/answer/confidence.js';
import type { ScoredSentence } from '../core/answer/evidence.js';
import { hitAt } from '../core/eval.js';
import { openSet, PUBLIC_SETS, type OpenedSet } from './eval-sets.js';
import { EXIT, openEmbeddings, parseFlags, runAsProgram, runCommand } from './run.js';

const USAGE = `Usage: npm run fit -- [--dry-run]

Fits the answer pipeline on every public question set as a whole (never question by question):
first the ranking parameters (coordinate search, objective: mean of hit@1 and hit@3 over the
sets), then the confidence thresholds (abstain only where no answerable question would; sure
only where the confident answers stay precise). Writes src/core/answer/calibration.ts unless
--dry-run.`;

const CALIBRATION_FILE = 'src/core/answer/calibration.ts';

/** Keeps the confident answers of all sets together at least this precise (the target is 0.8: a margin for unseen questions)… */
const MIN_PRECISION = 0.85;
/** …and those of each set at least this precise. */
const MIN_SET_PRECISION = 0.8;

/** Never answering "not found": thresholds used while ranking is fitted. */
const NEVER_ABSTAIN: ConfidenceThresholds = {
  abstain: { lexical: -1, dense: -1 },
  confident: { score: 2, exact: 2, rarest: 2, margin: 2 },
};

/** The ranking parameters searched, each with the values tried (the current value is always among them). */
interface Tunable {
  name: string;
  values: number[];
  get: (o: AnswerOptions) => number;
  set: (o: AnswerOptions, v: number) => AnswerOptions;
}

const TUNABLES: Tunable[] = [
  {
    name: 'weights.lexical',
    values: [0.4, 0.5, 0.6, 0.7, 0.8],
    get: (o) => o.evidence.weights.lexical,
    set: (o, v) => ({ ...o, evidence: { ...o.evidence, weights: { ...o.evidence.weights, lexical: v } } }),
  },
  {
    name: 'weights.dense',
    values: [0.1, 0.2, 0.3, 0.4, 0.5],
    get: (o) => o.evidence.weights.dense,
    set: (o, v) => ({ ...o, evidence: { ...o.evidence, weights: { ...o.evidence.weights, dense: v } } }),
  },
  {
    name: 'weights.chunk',
    values: [0, 0.05, 0.1, 0.2],
    get: (o) => o.evidence.weights.chunk,
    set: (o, v) => ({ ...o, evidence: { ...o.evidence, weights: { ...o.evidence.weights, chunk: v } } }),
  },
  {
    name: 'soft.floor',
    values: [0.35, 0.4, 0.45, 0.5, 0.55, 0.6],
    get: (o) => o.evidence.soft.floor,
    set: (o, v) => ({ ...o, evidence: { ...o.evidence, soft: { ...o.evidence.soft, floor: v } } }),
  },
  {
    name: 'soft.scale',
    values: [0.5, 0.6, 0.7, 0.8, 0.9],
    get: (o) => o.evidence.soft.scale,
    set: (o, v) => ({ ...o, evidence: { ...o.evidence, soft: { ...o.evidence.soft, scale: v } } }),
  },
  {
    name: 'context.previous',
    values: [0.2, 0.3, 0.4, 0.5, 0.6],
    get: (o) => o.evidence.context.previous,
    set: (o, v) => ({ ...o, evidence: { ...o.evidence, context: { ...o.evidence.context, previous: v } } }),
  },
  {
    name: 'context.heading',
    values: [0.3, 0.5, 0.7],
    get: (o) => o.evidence.context.heading,
    set: (o, v) => ({ ...o, evidence: { ...o.evidence, context: { ...o.evidence.context, heading: v } } }),
  },
  {
    name: 'context.leadIn',
    values: [0.6, 0.8, 1],
    get: (o) => o.evidence.context.leadIn,
    set: (o, v) => ({ ...o, evidence: { ...o.evidence, context: { ...o.evidence.context, leadIn: v } } }),
  },
  {
    name: 'context.document',
    values: [0.3, 0.5, 0.8, 1],
    get: (o) => o.evidence.context.document,
    set: (o, v) => ({ ...o, evidence: { ...o.evidence, context: { ...o.evidence.context, document: v } } }),
  },
  { name: 'keyPenalty', values: [0, 0.2, 0.4, 0.6], get: (o) => o.evidence.keyPenalty, set: (o, v) => ({ ...o, evidence: { ...o.evidence, keyPenalty: v } }) },
  {
    name: 'typePenalty',
    values: [0, 0.15, 0.3, 0.5],
    get: (o) => o.evidence.typePenalty,
    set: (o, v) => ({ ...o, evidence: { ...o.evidence, typePenalty: v } }),
  },
  {
    name: 'weighting.unknownWeight',
    values: [0.25, 0.5, 0.75, 1],
    get: (o) => o.weighting.unknownWeight,
    set: (o, v) => ({ ...o, weighting: { ...o.weighting, unknownWeight: v } }),
  },
  {
    name: 'weighting.englishRarity',
    values: [0, 0.5, 1, 2, 3],
    get: (o) => o.weighting.englishRarity,
    set: (o, v) => ({ ...o, weighting: { ...o.weighting, englishRarity: v } }),
  },
  {
    name: 'candidates.namedDocument',
    values: [0, 400, 2000],
    get: (o) => o.candidates.namedDocumentSentences,
    set: (o, v) => ({ ...o, candidates: { ...o.candidates, namedDocumentSentences: v } }),
  },
  {
    name: 'retrieval.topChunks',
    values: [6, 10, 15],
    get: (o) => o.retrieval.topChunks,
    set: (o, v) => ({ ...o, retrieval: { ...o.retrieval, topChunks: v } }),
  },
  {
    name: 'candidates.rareTerms',
    values: [1, 2, 3, 5],
    get: (o) => o.candidates.rareTerms,
    set: (o, v) => ({ ...o, candidates: { ...o.candidates, rareTerms: v } }),
  },
];

/** One question's ranking under some options: its features and whether the answer would be right. */
interface Observation {
  set: string;
  kind: 'answerable' | 'unanswerable';
  /** `undefined`: plainly outside the articles (an unknown name), whatever the thresholds. */
  best?: ScoredSentence;
  runnerUp?: ScoredSentence;
  hitAt1: boolean;
  hitAt3: boolean;
}

async function observe(sets: OpenedSet[], options: AnswerOptions): Promise<Observation[]> {
  const observations: Observation[] = [];
  for (const opened of sets) {
    const answerer = opened.answererWith({ ...options, thresholds: NEVER_ABSTAIN });
    for (const question of opened.questions) {
      if (question.kind === 'metadata') continue;
      const answer = await answerer.ask(question.question);
      const passages = answer.citations.map((citation) => citation.quote);
      const observation: Observation = {
        set: opened.set.name,
        kind: question.kind,
        hitAt1: hitAt(question, passages, 1),
        hitAt3: hitAt(question, passages, 3),
      };
      const ranking = await answerer.rank(question.question);
      if (ranking.outside === undefined && ranking.ranked[0]) {
        observation.best = ranking.ranked[0];
        if (ranking.runnerUp) observation.runnerUp = ranking.runnerUp;
      }
      observations.push(observation);
    }
  }
  return observations;
}

/** Mean over the sets of (hit@1 + hit@3) / 2 on their answerable questions. */
function rankingObjective(observations: Observation[]): number {
  const sets = [...new Set(observations.map((o) => o.set))];
  const perSet = sets.map((set) => {
    const answerable = observations.filter((o) => o.set === set && o.kind === 'answerable');
    return answerable.reduce((sum, o) => sum + (Number(o.hitAt1) + Number(o.hitAt3)) / 2, 0) / Math.max(1, answerable.length);
  });
  return perSet.reduce((sum, value) => sum + value, 0) / Math.max(1, perSet.length);
}

function grid(from: number, to: number, step: number): number[] {
  const values: number[] = [];
  for (let value = from; value <= to + 1e-9; value += step) values.push(Math.round(value * 1000) / 1000);
  return values;
}

/**
 * The abstain thresholds: the highest that abstain on no answerable question of any set,
 * scored by the unanswerable questions they abstain on; then the confident thresholds that
 * answer the most answerable questions confidently and right while every set stays precise.
 */
function fitThresholds(observations: Observation[]): ConfidenceThresholds {
  const ranked = observations.filter((o): o is Observation & { best: ScoredSentence } => o.best !== undefined);
  let abstain = { lexical: 0, dense: 0 };
  let bestAbstained = -1;
  for (const lexical of grid(0, 0.5, 0.025)) {
    for (const dense of grid(0, 0.6, 0.025)) {
      const thresholds = { abstain: { lexical, dense }, confident: NEVER_ABSTAIN.confident };
      const verdicts = ranked.map((o) => ({ o, verdict: judgeConfidence(o, thresholds) }));
      if (verdicts.some(({ o, verdict }) => o.kind === 'answerable' && verdict === 'abstain')) continue;
      const abstained = verdicts.filter(({ o, verdict }) => o.kind === 'unanswerable' && verdict === 'abstain').length;
      if (abstained > bestAbstained) {
        bestAbstained = abstained;
        abstain = { lexical, dense };
      }
    }
  }
  // A quarter of the way back towards answering: the highest safe value sits right under an answerable question.
  const backOff = (value: number) => Math.round(value * 0.75 * 1000) / 1000;
  abstain = { lexical: backOff(abstain.lexical), dense: backOff(abstain.dense) };
  let confident = NEVER_ABSTAIN.confident;
  let bestCovered = -1;
  const sets = [...new Set(observations.map((o) => o.set))];
  // Descending, so that of equally good thresholds the highest (safest) is kept.
  for (const score of grid(0.3, 0.9, 0.025).reverse()) {
    for (const exact of grid(0, 0.8, 0.1).reverse()) {
      for (const rarest of grid(0, 1, 0.1).reverse()) {
        for (const margin of grid(0, 0.1, 0.01).reverse()) {
          const thresholds = { abstain, confident: { score, exact, rarest, margin } };
          const sure = ranked.filter((o) => judgeConfidence(o, thresholds) === 'high');
          const right = (list: typeof sure) => list.filter((o) => o.kind === 'answerable' && o.hitAt1).length;
          const precise =
            right(sure) >= MIN_PRECISION * sure.length &&
            sets.every((set) => {
              const ofSet = sure.filter((o) => o.set === set);
              return right(ofSet) >= MIN_SET_PRECISION * ofSet.length;
            });
          if (precise && right(sure) > bestCovered) {
            bestCovered = right(sure);
            confident = { score, exact, rarest, margin };
          }
        }
      }
    }
  }
  return { abstain, confident };
}

function calibrationSource(options: AnswerOptions, thresholds: ConfidenceThresholds): string {
  const fitted = {
    weighting: options.weighting,
    retrieval: options.retrieval,
    candidates: options.candidates,
    evidence: options.evidence,
  };
  return `import type { AnswerOptions } from './answerer.js';
import type { ConfidenceThresholds } from './confidence.js';

// Written by \`npm run fit\` (src/cli/fit.ts) from the public question sets as a whole; rerun it
// after changing the scoring rather than editing these numbers.

/** Ranking parameters fitted for the mean of hit@1 and hit@3 over the public sets. */
export const FITTED_RANKING: Pick<AnswerOptions, 'weighting' | 'retrieval' | 'candidates' | 'evidence'> = ${JSON.stringify(fitted, null, 2)};

/** Where "not in the articles", "closest passages" and a sure answer part. */
export const FITTED_THRESHOLDS: ConfidenceThresholds = ${JSON.stringify(thresholds, null, 2)};
`;
}

/** `npm run fit` */
export async function main(args: string[]): Promise<number> {
  return runCommand(USAGE, async () => {
    const { values } = parseFlags(args, { 'dry-run': { type: 'boolean' } });
    const config = loadConfig('core', {});
    const embeddings = await openEmbeddings(config);
    const sets = await Promise.all(PUBLIC_SETS.map((set) => openSet(set, embeddings)));
    try {
      let options = DEFAULT_ANSWER;
      let objective = rankingObjective(await observe(sets, options));
      process.stdout.write(`start: objective ${objective.toFixed(4)}\n`);
      for (let pass = 1; pass <= 2; pass++) {
        let improved = false;
        for (const tunable of TUNABLES) {
          for (const value of tunable.values) {
            if (value === tunable.get(options)) continue;
            const candidate = tunable.set(options, value);
            const score = rankingObjective(await observe(sets, candidate));
            // Only a clear gain moves a parameter: ties keep the simpler, earlier choice.
            if (score > objective + 1e-6) {
              objective = score;
              options = candidate;
              improved = true;
              process.stdout.write(`pass ${pass}: ${tunable.name} = ${value} → objective ${objective.toFixed(4)}\n`);
            }
          }
        }
        if (!improved) break;
      }
      const thresholds = fitThresholds(await observe(sets, options));
      const source = calibrationSource(options, thresholds);
      process.stdout.write(`\n${source}`);
      if (!values['dry-run']) {
        await writeFile(path.resolve(CALIBRATION_FILE), source);
        process.stdout.write(`\nWrote ${CALIBRATION_FILE}. Rebuild (npm run build) and run npm run eval to see the tables.\n`);
      }
      return EXIT.ok;
    } finally {
      await Promise.all(sets.map((opened) => opened.close()));
    }
  });
}

runAsProgram(import.meta.url, main);
