import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { loadConfig } from '../config/config.js';
import { evaluate, parseQuestions, type EvalSummary } from '../core/eval.js';
import { EXIT, openVerbatim, parseFlags, runCommand, UsageError } from './run.js';

const USAGE = `Usage: npm run eval -- [--questions FILE] [--corpus DIR] [--index DIR] [--verbose]

Scores answers on a JSON-lines file of {question, evidence[], kind} (default test/fixtures/dev-questions.jsonl).`;

const DEFAULT_QUESTIONS = 'test/fixtures/dev-questions.jsonl';

/** The Markdown table `npm run eval` prints. */
export function formatEvalTable(summary: EvalSummary): string {
  const percent = (rate: number) => `${(rate * 100).toFixed(1)} %`;
  const rows = [
    ['hit@1 (first quote holds the evidence)', summary.hitAt1.toFixed(3), '≥ 0.9'],
    ['hit@3', summary.hitAt3.toFixed(3), '1.0'],
    ['unanswerable abstained', `${summary.abstainedUnanswerable}/${summary.unanswerable}`, `≥ ${Math.ceil((summary.unanswerable * 5) / 6)}/${summary.unanswerable}`],
    ['false abstentions', `${summary.falseAbstentions}/${summary.answerable}`, '0'],
    ['verbatim quotes', percent(summary.verbatimRate), '100 %'],
    ['mean characters quoted per answer', summary.meanQuotedChars.toFixed(0), ''],
    ['median latency', `${summary.medianMs.toFixed(2)} ms`, ''],
  ];
  return ['| metric | value | target |', '|---|---|---|', ...rows.map((row) => `| ${row.join(' | ')} |`)].join('\n');
}

/** `npm run eval` */
export async function main(args: string[]): Promise<number> {
  return runCommand(USAGE, async () => {
    const { values } = parseFlags(args, {
      questions: { type: 'string' },
      corpus: { type: 'string' },
      index: { type: 'string' },
      verbose: { type: 'boolean', short: 'v' },
    });
    const file = path.resolve(values.questions ?? DEFAULT_QUESTIONS);
    let questions;
    try {
      questions = parseQuestions(await readFile(file, 'utf8'));
    } catch (error) {
      throw new UsageError(`Cannot use the questions file ${file}: ${(error as Error).message}`);
    }
    const verbatim = await openVerbatim(loadConfig('core', { CORPUS_DIR: values.corpus, INDEX_DIR: values.index }));
    const summary = await evaluate((question) => verbatim.ask(question), () => verbatim.index, questions);
    if (values.verbose) {
      for (const outcome of summary.outcomes) {
        const verdict = outcome.question.kind === 'unanswerable' ? (outcome.answer.abstained ? 'abstained' : 'ANSWERED') : outcome.hitAt1 ? 'hit@1' : outcome.hitAt3 ? 'hit@3' : outcome.answer.abstained ? 'ABSTAINED' : 'MISS';
        process.stdout.write(`${verdict.padEnd(9)} ${outcome.question.question}\n`);
      }
      process.stdout.write('\n');
    }
    process.stdout.write(`Evaluated ${questions.length} questions from ${path.relative(process.cwd(), file)}\n\n${formatEvalTable(summary)}\n`);
    return EXIT.ok;
  });
}
