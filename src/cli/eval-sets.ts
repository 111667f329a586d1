import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Answerer, type AnswerOptions } from '../core/answer/answerer.js';
import { parseQuestions, type EvalQuestion } from '../core/eval.js';
import { buildIndex } from '../core/index/build.js';
import type { CorpusIndex } from '../core/index/corpus-index.js';
import type { DescribedEmbeddings } from '../core/index/embeddings/provider.js';
import { UsageError } from './run.js';

/** A question set and the corpus it is asked of. */
export interface EvalSet {
  name: string;
  questions: string;
  corpus: string;
}

/** The public sets (copied from the shared eval folder into test/fixtures/), each with its own corpus. */
export const PUBLIC_SETS: readonly EvalSet[] = [
  { name: 'dev-questions', questions: 'test/fixtures/dev-questions.jsonl', corpus: 'corpus' },
  { name: 'dev-paraphrase', questions: 'test/fixtures/dev-paraphrase.jsonl', corpus: 'corpus' },
  { name: 'sotu-dev', questions: 'test/fixtures/sotu-dev/questions.jsonl', corpus: 'test/fixtures/sotu-dev/corpus' },
  { name: 'sotu-tune', questions: 'test/fixtures/sotu-tune/questions.jsonl', corpus: 'test/fixtures/sotu-tune/corpus' },
];

/** A set ready to ask: its questions and an answerer over a fresh index of its corpus. */
export interface OpenedSet {
  set: EvalSet;
  questions: EvalQuestion[];
  index: CorpusIndex;
  answererWith(options: AnswerOptions): Answerer;
  /** Removes the set's temporary index. */
  close(): Promise<void>;
}

/**
 * Reads a set's questions and builds its corpus into a temporary index (never the bot's),
 * so every run scores exactly the corpus the questions were written for.
 */
export async function openSet(set: EvalSet, embeddings: DescribedEmbeddings): Promise<OpenedSet> {
  let questions: EvalQuestion[];
  try {
    questions = parseQuestions(await readFile(path.resolve(set.questions), 'utf8'));
  } catch (error) {
    throw new UsageError(`Cannot use the questions file ${set.questions}: ${(error as Error).message}`);
  }
  const indexDir = await mkdtemp(path.join(os.tmpdir(), 'verbatim-eval-'));
  try {
    const { index } = await buildIndex({ corpusDir: path.resolve(set.corpus), indexDir: path.join(indexDir, 'index'), embeddings });
    return {
      set,
      questions,
      index,
      answererWith: (options) => new Answerer(index, embeddings, options),
      close: () => rm(indexDir, { recursive: true, force: true }),
    };
  } catch (error) {
    await rm(indexDir, { recursive: true, force: true });
    throw error;
  }
}
