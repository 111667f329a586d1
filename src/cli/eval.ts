import path from 'node:path';
import { loadConfig } from '../config/config.js';
import { DEFAULT_ANSWER } from '../core/answer/answerer.js';
import { evaluate, type EvalOutcome, type EvalSummary } from '../core/eval.js';
import { openSet, PUBLIC_SETS, type EvalSet, type OpenedSet } from './eval-sets.js';
import { EXIT, openEmbeddings, parseFlags, runAsProgram, runCommand, UsageError } from './run.js';

const USAGE = `Usage: npm run eval -- [--questions FILE [--corpus DIR]] [--verbose]

Scores the answers on every public question set, each against its own corpus, and prints one
table per set. --questions scores one JSON-lines file of {question, evidence[], kind} instead
(against --corpus, default the configured corpus). --verbose lists every miss with its cause.`;

/** The targets the project holds itself to on each public set (issue 7). */
const TARGETS: Record<string, Partial<Record<keyof EvalSummary, string>>> = {
  'dev-questions': {
    hitAt1: '≥ 0.9',
    hitAt3: '1.0',
    abstainedUnanswerable: '≥ 4/6',
    unanswerableAbstainedOrTentative: '6/6',
    confidentPrecision: '≥ 0.8',
    verbatimRate: '100 %',
  },
  'dev-paraphrase': {
    hitAt1: '≥ 0.65',
    hitAt3: '≥ 0.9',
    falseAbstentions: '≤ 1',
    unanswerableAbstainedOrTentative: '≥ 12/14',
    confidentPrecision: '≥ 0.8',
    metadataAnswered: '3/3',
    verbatimRate: '100 %',
  },
  'sotu-dev': { hitAt1: '≥ 0.3', hitAt3: '≥ 0.5', falseAbstentions: '≤ 2', confidentPrecision: '≥ 0.8', verbatimRate: '100 %' },
  'sotu-tune': { confidentPrecision: '≥ 0.8', verbatimRate: '100 %' },
};

/** The Markdown table `npm run eval` prints for one set. */
export function formatEvalTable(summary: EvalSummary, targets: Partial<Record<keyof EvalSummary, string>> = {}): string {
  const percent = (rate: number) => `${(rate * 100).toFixed(1)} %`;
  const of = (part: number, whole: number) => `${part}/${whole}`;
  const rows: [keyof EvalSummary, string, string][] = [
    ['hitAt1', 'hit@1 (first quote holds the evidence)', summary.hitAt1.toFixed(3)],
    ['hitAt3', 'hit@3', summary.hitAt3.toFixed(3)],
    ['falseAbstentions', 'false abstentions (answerable, "not found")', of(summary.falseAbstentions, summary.answerable)],
    ['abstainedUnanswerable', 'unanswerable abstained', of(summary.abstainedUnanswerable, summary.unanswerable)],
    ['unanswerableAbstainedOrTentative', 'unanswerable abstained or tentative', of(summary.unanswerableAbstainedOrTentative, summary.unanswerable)],
    ['confidentPrecision', 'precision of confident answers', `${summary.confidentPrecision.toFixed(3)} (${summary.confidentAnswers} confident)`],
    ['confidentCoverage', 'confident coverage (answerable, confident and right)', summary.confidentCoverage.toFixed(3)],
    ['metadataAnswered', 'metadata answered', of(summary.metadataAnswered, summary.metadata)],
    ['verbatimRate', 'verbatim quotes', percent(summary.verbatimRate)],
    ['medianMs', 'median latency', `${summary.medianMs.toFixed(2)} ms`],
  ];
  return ['| metric | value | target |', '|---|---|---|', ...rows.map(([key, label, value]) => `| ${label} | ${value} | ${targets[key] ?? ''} |`)].join('\n');
}

/** One line per question that did not go as it should, with its cause. */
async function describeMisses(opened: OpenedSet, outcomes: EvalOutcome[]): Promise<string> {
  const answerer = opened.answererWith(DEFAULT_ANSWER);
  const lines: string[] = [];
  for (const outcome of outcomes) {
    const { question, answer } = outcome;
    let verdict: string | undefined;
    if (question.kind === 'metadata') verdict = answer.abstained ? 'METADATA ABSTAINED' : answer.documents ? undefined : 'METADATA ANSWERED FROM THE TEXT';
    else if (question.kind === 'unanswerable') verdict = answer.abstained ? undefined : answer.confidence === 'high' ? 'CONFIDENT ON UNANSWERABLE' : undefined;
    else if (answer.abstained) {
      const ranking = await answerer.rank(question.question);
      const unknown = ranking.words.filter((word) => word.key && !word.known).map((word) => word.written);
      verdict = `FALSE ABSTENTION (${ranking.outside ?? 'nothing resembles it'}${unknown.length ? `: ${unknown.join(', ')}` : ''})`;
    } else if (!outcome.hitAt1) verdict = outcome.hitAt3 ? `HIT@3 ONLY (${answer.confidence})` : `MISS, WRONG SENTENCE (${answer.confidence})`;
    else if (answer.confidence === 'low') verdict = 'RIGHT BUT TENTATIVE';
    if (verdict === undefined) continue;
    lines.push(`${verdict}: ${question.question}${answer.citations[0] ? `\n    first quote: ${answer.citations[0].quote.slice(0, 160)}` : ''}`);
  }
  return lines.length > 0 ? `${lines.join('\n')}\n\n` : '';
}

/** `npm run eval` */
export async function main(args: string[]): Promise<number> {
  return runCommand(USAGE, async () => {
    const { values } = parseFlags(args, {
      questions: { type: 'string' },
      corpus: { type: 'string' },
      verbose: { type: 'boolean', short: 'v' },
    });
    if (values.corpus !== undefined && values.questions === undefined) throw new UsageError('--corpus goes with --questions.');
    const config = loadConfig('core', { CORPUS_DIR: values.corpus });
    const sets: readonly EvalSet[] =
      values.questions !== undefined
        ? [{ name: path.basename(values.questions, '.jsonl'), questions: values.questions, corpus: config.corpusDir }]
        : PUBLIC_SETS;
    const embeddings = await openEmbeddings(config);
    for (const set of sets) {
      const opened = await openSet(set, embeddings);
      try {
        const answerer = opened.answererWith({ ...DEFAULT_ANSWER, maxQuotes: config.maxQuotes });
        const summary = await evaluate((question) => answerer.ask(question), path.resolve(set.corpus), opened.questions);
        const misses = values.verbose ? await describeMisses(opened, summary.outcomes) : '';
        process.stdout.write(
          `## ${set.name}: ${opened.questions.length} questions (${set.questions}, corpus ${set.corpus})\n\n${misses}${formatEvalTable(summary, TARGETS[set.name])}\n\n`,
        );
      } finally {
        await opened.close();
      }
    }
    return EXIT.ok;
  });
}

runAsProgram(import.meta.url, main);
